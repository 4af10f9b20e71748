import { randomBytes } from 'node:crypto';
import { num } from './convert.ts';
import { type Db, dedupSettings } from './db.ts';
import { StoreError } from './errors.ts';
import { DATASETS } from './schema.ts';

/** A group of captures (a project, a site, an incident). */
export interface Dataset {
  dataset_id: string;
  name: string;
  /** Flows older than this many days are deleted; 0 keeps them. */
  retention_days: number;
  created_at: string;
}

export interface DatasetsRepo {
  list(): Promise<Dataset[]>;
  get(datasetId: string): Promise<Dataset | undefined>;
  /** Creates a dataset; `datasetId` may be given (the `default` dataset), else one is made. */
  create(input: { name: string; retentionDays?: number; datasetId?: string }): Promise<Dataset>;
  update(datasetId: string, patch: { name?: string; retentionDays?: number }): Promise<Dataset>;
  /** Hides the dataset; its captures are deleted by the caller (they live in other tables). */
  remove(datasetId: string): Promise<boolean>;
  /**
   * Deletes the flows older than each dataset's retention (a lightweight DELETE per dataset with
   * one). Returns the datasets it touched.
   */
  applyRetention(now?: Date): Promise<string[]>;
}

const COLUMNS = DATASETS.columns.map((c) => c.name);
const ID = /^[A-Za-z0-9_.-]{1,64}$/;

function checkName(name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '' || name.length > 200) {
    throw new StoreError('INVALID_ARGUMENT', 'a dataset name is 1 to 200 characters');
  }
  return name.trim();
}

function checkRetention(days: unknown): number {
  if (!Number.isInteger(days) || (days as number) < 0 || (days as number) > 36500) {
    throw new StoreError('INVALID_ARGUMENT', 'retentionDays is a whole number of days, 0 (keep) to 36500');
  }
  return days as number;
}

export function createDatasetsRepo(db: Db): DatasetsRepo {
  const table = db.table('datasets');
  const read = async (where: string, params: Record<string, unknown>): Promise<Dataset[]> => {
    const rows = await db.rows<Record<string, unknown>>(
      'reading datasets',
      'SELECT dataset_id, name, retention_days, toString(toUnixTimestamp64Milli(created_at)) AS created_ms ' +
        `FROM ${table} FINAL WHERE NOT deleted ${where} ORDER BY created_at, dataset_id`,
      params,
    );
    return rows.map((r) => ({
      dataset_id: String(r.dataset_id),
      name: String(r.name),
      retention_days: num(r.retention_days),
      created_at: new Date(num(r.created_ms)).toISOString(),
    }));
  };
  const write = async (d: Dataset, deleted: boolean): Promise<void> => {
    const row: Record<string, unknown> = {
      ...d,
      created_at: d.created_at.replace('T', ' ').replace('Z', ''),
      deleted,
      version: Date.now() * 1000 + Math.floor(Math.random() * 1000),
    };
    await db.insert(
      `writing dataset ${d.dataset_id}`,
      'datasets',
      COLUMNS,
      [COLUMNS.map((c) => row[c])],
      'JSONCompactEachRow',
      dedupSettings(''),
    );
  };
  const get = async (id: string) => (await read('AND dataset_id = {id:String}', { id }))[0];
  return {
    list: () => read('', {}),
    get,
    async create(input) {
      const id = input.datasetId ?? `ds_${randomBytes(6).toString('hex')}`;
      if (!ID.test(id))
        throw new StoreError('INVALID_ARGUMENT', 'a dataset id is 1 to 64 of A-Z a-z 0-9 _ . -');
      const d: Dataset = {
        dataset_id: id,
        name: checkName(input.name),
        retention_days: checkRetention(input.retentionDays ?? 0),
        created_at: new Date().toISOString(),
      };
      await write(d, false);
      return d;
    },
    async update(id, patch) {
      const d = await get(id);
      if (!d) throw new StoreError('INVALID_ARGUMENT', `no dataset ${id}`);
      const next: Dataset = {
        ...d,
        ...(patch.name !== undefined ? { name: checkName(patch.name) } : {}),
        ...(patch.retentionDays !== undefined ? { retention_days: checkRetention(patch.retentionDays) } : {}),
      };
      await write(next, false);
      return next;
    },
    async remove(id) {
      const d = await get(id);
      if (!d) return false;
      await write(d, true);
      return true;
    },
    async applyRetention(now = new Date()) {
      const touched: string[] = [];
      for (const d of await read('AND retention_days > 0', {})) {
        const cutoff = new Date(now.getTime() - d.retention_days * 86_400_000).toISOString();
        await db.command(
          `applying retention to dataset ${d.dataset_id}`,
          `DELETE FROM ${db.table('flows')} WHERE last_seen < parseDateTime64BestEffort({cutoff:String}, 9, 'UTC') ` +
            `AND capture_id IN (SELECT capture_id FROM ${db.table('captures')} FINAL WHERE dataset_id = {id:String})`,
          { cutoff, id: d.dataset_id },
        );
        touched.push(d.dataset_id);
      }
      return touched;
    },
  };
}
