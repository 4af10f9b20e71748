import { createHash } from 'node:crypto';
import { type Db, dedupSettings } from './db.ts';
import { StoreError, storeError } from './errors.ts';
import {
  type ColumnDef,
  type IndexDef,
  ROLLUPS,
  type RollupDef,
  rollupSelect,
  TABLES,
  type TableDef,
} from './schema.ts';

/**
 * Migrations as code, as Akvorado does: no migrations table; each step looks at what exists
 * (system.databases, system.tables, system.columns) and does nothing when it already matches.
 *
 * - database: created when missing.
 * - base tables (captures, flows, dns_names): created when missing; a missing column is added
 *   (ALTER TABLE ADD COLUMN ... AFTER its predecessor), a column of another type is converted
 *   (MODIFY COLUMN), a tracked MergeTree setting is set (MODIFY SETTING), a missing skipping
 *   index is added and built (settings given only at creation, such as index_granularity, stay as
 *   the table was created). A different engine or
 *   sorting key cannot be changed in place: SCHEMA_CONFLICT, with what differs. Columns that exist
 *   but are no longer wanted are left alone.
 * - rollups: a table and its materialized view carry a hash of their definition in their COMMENT;
 *   when it differs (or either is missing) both are dropped, recreated and the table refilled from
 *   `flows` FINAL. Run migrations before writers start: rows inserted during a rebuild may be
 *   missed by or counted twice in the rebuilt rollup.
 */
export interface MigrationReport {
  /** What was changed, in order; empty when the schema was already up to date. */
  applied: string[];
}

export async function migrate(db: Db): Promise<MigrationReport> {
  const applied: string[] = [];
  try {
    await ensureDatabase(db, applied);
    // Every table and view looked up in one query: a query costs chDB a few milliseconds, and
    // the start of every embedded process runs these.
    const tables = await tableInfos(db);
    for (const def of TABLES) await ensureTable(db, def, applied, tables.get(def.name));
    // A flows table made just now is empty: the rollups have nothing to refill from.
    const flowsIsNew = !tables.has('flows');
    for (const def of ROLLUPS) await ensureRollup(db, def, applied, tables, flowsIsNew);
  } catch (err) {
    if (err instanceof StoreError && err.code === 'SCHEMA_CONFLICT') throw err;
    throw storeError('MIGRATION_FAILED', `migrating database ${db.database}`, err);
  }
  return { applied };
}

interface TableInfo {
  name: string;
  engine: string;
  engine_full: string;
  sorting_key: string;
  comment: string;
}

interface ColumnInfo {
  name: string;
  type: string;
}

async function ensureDatabase(db: Db, applied: string[]): Promise<void> {
  const found = await db.rows<{ name: string }>(
    'looking up the database',
    'SELECT name FROM system.databases WHERE name = {db:String}',
    { db: db.database },
  );
  if (found.length > 0) return;
  await db.command('creating the database', `CREATE DATABASE IF NOT EXISTS \`${db.database}\``);
  applied.push(`create database ${db.database}`);
}

/** The database's tables and views by name. */
async function tableInfos(db: Db): Promise<Map<string, TableInfo>> {
  const rows = await db.rows<TableInfo>(
    'looking up the tables',
    'SELECT name, engine, engine_full, sorting_key, comment FROM system.tables WHERE database = {db:String}',
    { db: db.database },
  );
  return new Map(rows.map((r) => [r.name, r]));
}

async function columnInfo(db: Db, table: string): Promise<ColumnInfo[]> {
  return db.rows<ColumnInfo>(
    `looking up the columns of ${table}`,
    'SELECT name, type FROM system.columns WHERE database = {db:String} AND table = {table:String} ORDER BY position',
    { db: db.database, table },
  );
}

function columnSql(c: ColumnDef): string {
  const expr =
    c.materialized !== undefined
      ? ` MATERIALIZED ${c.materialized}`
      : c.default !== undefined
        ? ` DEFAULT ${c.default}`
        : '';
  return `\`${c.name}\` ${c.type}${expr}`;
}

function indexSql(i: IndexDef): string {
  return `INDEX \`${i.name}\` ${i.expr} TYPE ${i.type} GRANULARITY 1`;
}

function createTableSql(db: Db, def: TableDef, comment?: string): string {
  const settings = Object.entries({ ...def.createSettings, ...def.settings }).map(([k, v]) => `${k} = ${v}`);
  return [
    `CREATE TABLE IF NOT EXISTS ${db.table(def.name)} (`,
    [...def.columns.map(columnSql), ...(def.indexes ?? []).map(indexSql)].map((l) => `  ${l}`).join(',\n'),
    `) ENGINE = ${def.engine}`,
    def.partitionBy ? `PARTITION BY ${def.partitionBy}` : '',
    `ORDER BY ${def.orderBy}`,
    settings.length > 0 ? `SETTINGS ${settings.join(', ')}` : '',
    comment !== undefined ? `COMMENT '${comment}'` : '',
  ]
    .filter((l) => l !== '')
    .join('\n');
}

/** The value of a MergeTree setting in `engine_full` (`... SETTINGS a = 1, b = 2`), if set. */
function settingIn(engineFull: string, name: string): string | undefined {
  const at = engineFull.indexOf(' SETTINGS ');
  if (at < 0) return undefined;
  for (const part of engineFull.slice(at + 10).split(',')) {
    const [k, v] = part.split('=').map((s) => s.trim());
    if (k === name) return v;
  }
  return undefined;
}

async function ensureTable(
  db: Db,
  def: TableDef,
  applied: string[],
  info: TableInfo | undefined,
): Promise<void> {
  if (!info) {
    await db.command(`creating table ${def.name}`, createTableSql(db, def));
    applied.push(`create table ${def.name}`);
    return;
  }
  const engineName = def.engine.replace(/\(.*$/, '');
  if (
    info.engine !== engineName ||
    !info.engine_full.startsWith(def.engine) ||
    info.sorting_key !== def.sortingKey
  ) {
    throw new StoreError(
      'SCHEMA_CONFLICT',
      `table ${db.database}.${def.name} is ${info.engine_full.replace(/ SETTINGS .*$/, '')}, ` +
        `wanted ENGINE = ${def.engine} ORDER BY ${def.orderBy}: this cannot be changed in place; ` +
        'move the data to a new table (or drop it) and start again',
    );
  }
  const existing = new Map((await columnInfo(db, def.name)).map((c) => [c.name, c.type]));
  let previous: string | undefined;
  for (const col of def.columns) {
    const type = existing.get(col.name);
    if (type === undefined) {
      const where = previous === undefined ? 'FIRST' : `AFTER \`${previous}\``;
      await db.command(
        `adding column ${def.name}.${col.name}`,
        `ALTER TABLE ${db.table(def.name)} ADD COLUMN IF NOT EXISTS ${columnSql(col)} ${where}`,
      );
      applied.push(`add column ${def.name}.${col.name} ${col.type}`);
    } else if (type !== col.type) {
      await db.command(
        `converting column ${def.name}.${col.name} from ${type} to ${col.type}`,
        `ALTER TABLE ${db.table(def.name)} MODIFY COLUMN ${columnSql(col)}`,
        undefined,
        { mutations_sync: '2' },
      );
      applied.push(`modify column ${def.name}.${col.name} ${type} -> ${col.type}`);
    }
    previous = col.name;
  }
  for (const [name, value] of Object.entries(def.settings)) {
    if (settingIn(info.engine_full, name) === String(value)) continue;
    await db.command(
      `setting ${def.name}.${name}`,
      `ALTER TABLE ${db.table(def.name)} MODIFY SETTING ${name} = ${Number(value)}`,
    );
    applied.push(`set ${def.name}.${name} = ${value}`);
  }
  await ensureIndexes(db, def, applied);
}

/** Adds the skipping indexes a table lacks and builds them for the rows it already holds. */
async function ensureIndexes(db: Db, def: TableDef, applied: string[]): Promise<void> {
  if (!def.indexes?.length) return;
  const found = await db.rows<{ name: string }>(
    `looking up the indexes of ${def.name}`,
    'SELECT name FROM system.data_skipping_indices WHERE database = {db:String} AND table = {table:String}',
    { db: db.database, table: def.name },
  );
  const existing = new Set(found.map((r) => r.name));
  for (const index of def.indexes) {
    if (existing.has(index.name)) continue;
    await db.command(
      `adding index ${def.name}.${index.name}`,
      `ALTER TABLE ${db.table(def.name)} ADD ${indexSql(index)}`,
    );
    await db.command(
      `building index ${def.name}.${index.name}`,
      `ALTER TABLE ${db.table(def.name)} MATERIALIZE INDEX \`${index.name}\``,
      undefined,
      { mutations_sync: '2' },
    );
    applied.push(`add index ${def.name}.${index.name}`);
  }
}

/** The COMMENT a rollup table and its view carry: changes whenever their definition does. */
export function rollupComment(def: RollupDef): string {
  const text = JSON.stringify({ table: { ...def.table }, select: def.select });
  return `capstream rollup ${createHash('sha256').update(text).digest('hex').slice(0, 16)}`;
}

async function ensureRollup(
  db: Db,
  def: RollupDef,
  applied: string[],
  tables: ReadonlyMap<string, TableInfo>,
  flowsIsNew: boolean,
): Promise<void> {
  const comment = rollupComment(def);
  const table = tables.get(def.table.name);
  const view = tables.get(def.view);
  if (table?.comment === comment && view?.comment === comment && view.engine === 'MaterializedView') return;

  if (view) await db.command(`dropping view ${def.view}`, `DROP VIEW IF EXISTS ${db.table(def.view)}`);
  if (table)
    await db.command(`dropping table ${def.table.name}`, `DROP TABLE IF EXISTS ${db.table(def.table.name)}`);
  await db.command(`creating table ${def.table.name}`, createTableSql(db, def.table, comment));
  const select = rollupSelect(def, db.database);
  await db.command(
    `creating view ${def.view}`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db.table(def.view)} TO ${db.table(def.table.name)} AS\n${select}\nCOMMENT '${comment}'`,
  );
  // Refill from what flows already holds (its newest version of each flow).
  if (!flowsIsNew) {
    const backfill = rollupSelect(def, db.database, `${db.table('flows')} FINAL`);
    await db.command(
      `refilling ${def.table.name}`,
      `INSERT INTO ${db.table(def.table.name)} (${def.table.columns.map((c) => `\`${c.name}\``).join(', ')})\n${backfill}`,
      undefined,
      dedupSettings(''),
    );
  }
  applied.push(`${table || view ? 'rebuild' : 'create'} rollup ${def.table.name}`);
}
