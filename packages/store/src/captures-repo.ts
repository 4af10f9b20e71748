import { redactUrl } from '@capstream/core';
import type { CaptureStatus } from '@capstream/pipeline';
import { isoToNs, nsToDateTime64, nsToIso, num, numOrNull } from './convert.ts';
import { type Db, dedupSettings } from './db.ts';
import { StoreError } from './errors.ts';
import { CAPTURES, ROLLUPS } from './schema.ts';

/** A capture as stored: one row per capture (newest version). Times are ISO-8601 UTC text. */
export interface Capture {
  capture_id: string;
  dataset_id: string;
  name: string;
  /** Where it came from, never a secret: an URL is kept without query string, fragment or user info. */
  source: string;
  status: CaptureStatus;
  /** A reason a user can act on, when FAILED (or a partial capture); '' otherwise. */
  error: string;
  bytes_read: number;
  bytes_total: number | null;
  packets: number;
  flows: number;
  /** First and last packet time, 9 fractional digits, or null before any packet. */
  first_seen: string | null;
  last_seen: string | null;
  link_types: number[];
  /** Container format, e.g. 'pcap', 'pcapng', 'pcap+gzip'; '' until known. */
  format: string;
  sha256: string;
  /** Named counters (skipped packets by reason, evictions...). */
  counters: Record<string, number>;
  /**
   * Messages of this capture the pipeline set aside on the dead-letter topic (undecodable, or no
   * flow), one line each saying what and why; [] when nothing was lost.
   */
  lost: string[];
  /** Millisecond ISO times. */
  submitted_at: string;
  updated_at: string;
  version: number;
}

/** What an upsert changes: any fields, with the capture id. */
export type CapturePatch = Partial<Omit<Capture, 'capture_id' | 'version'>> & { capture_id: string };

export interface CaptureListOptions {
  datasetId?: string;
  status?: CaptureStatus;
  /** At most this many, newest submitted first. Default 1,000. */
  limit?: number;
}

export interface CapturesRepo {
  /**
   * Creates or updates a capture: takes the current row (as this repo last wrote it, else read
   * from the table), applies the patch (fields given replace fields stored; `counters` are merged
   * key by key), stamps `updated_at` (unless given) and inserts the result as a new version.
   * Upserts of one capture made through one store run one after another; let one process (the
   * embedded writer, or the API's event consumer) own the captures table, as two writers would
   * each merge into their own idea of the row.
   */
  upsert(patch: CapturePatch): Promise<Capture>;
  get(captureId: string): Promise<Capture | undefined>;
  /** Newest submitted first. */
  list(options?: CaptureListOptions): Promise<Capture[]>;
  /**
   * Deletes a capture with its flows, DNS names and rollup rows. Returns whether the capture
   * existed. The tables' dedup windows still remember the capture's batch tokens: reprocess a
   * deleted capture under a new capture id (or new tokens), or its batches would be dropped as
   * replays.
   */
  delete(captureId: string): Promise<boolean>;
}

const COLUMNS = CAPTURES.columns.map((c) => c.name);
/** Captures whose last written row a repo keeps (see `written` in createCapturesRepo). */
const WRITTEN_CAP = 1024;
const STATUSES: readonly CaptureStatus[] = ['QUEUED', 'RUNNING', 'DONE', 'FAILED'];

const SELECT = [
  'capture_id',
  'dataset_id',
  'name',
  'source',
  'status',
  'error',
  'bytes_read',
  'bytes_total',
  'packets',
  'flows',
  'toString(toUnixTimestamp64Nano(first_seen)) AS first_ns',
  'toString(toUnixTimestamp64Nano(last_seen)) AS last_ns',
  'link_types',
  'format',
  'sha256',
  'counters',
  'lost',
  'toString(toUnixTimestamp64Milli(submitted_at)) AS submitted_ms',
  'toString(toUnixTimestamp64Milli(updated_at)) AS updated_ms',
  'version',
].join(', ');

type Raw = Record<string, unknown>;

function rowToCapture(r: Raw): Capture {
  const counters: Record<string, number> = {};
  for (const [k, v] of Object.entries((r.counters ?? {}) as Record<string, unknown>)) counters[k] = num(v);
  return {
    capture_id: String(r.capture_id),
    dataset_id: String(r.dataset_id),
    name: String(r.name),
    source: String(r.source),
    status: String(r.status) as CaptureStatus,
    error: String(r.error),
    bytes_read: num(r.bytes_read),
    bytes_total: numOrNull(r.bytes_total),
    packets: num(r.packets),
    flows: num(r.flows),
    first_seen: r.first_ns === null || r.first_ns === undefined ? null : nsToIso(String(r.first_ns)),
    last_seen: r.last_ns === null || r.last_ns === undefined ? null : nsToIso(String(r.last_ns)),
    link_types: ((r.link_types ?? []) as unknown[]).map(num),
    format: String(r.format),
    sha256: String(r.sha256),
    counters,
    lost: ((r.lost ?? []) as unknown[]).map(String),
    submitted_at: new Date(num(r.submitted_ms)).toISOString(),
    updated_at: new Date(num(r.updated_ms)).toISOString(),
    version: num(r.version),
  };
}

/** A capture nothing is known of yet but its id: QUEUED, empty counters. */
export function newCapture(captureId: string, at: string): Capture {
  return {
    capture_id: captureId,
    dataset_id: '',
    name: '',
    source: '',
    status: 'QUEUED',
    error: '',
    bytes_read: 0,
    bytes_total: null,
    packets: 0,
    flows: 0,
    first_seen: null,
    last_seen: null,
    link_types: [],
    format: '',
    sha256: '',
    counters: {},
    lost: [],
    submitted_at: at,
    updated_at: at,
    version: 0,
  };
}

/** A source as it may be stored: an URL loses its query string (a SAS token), fragment and user info. */
export function safeSource(source: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(source) ? redactUrl(source) : source;
}

function msIso(value: string, field: string): string {
  const ns = isoToNs(value);
  if (ns < 0n) throw new StoreError('INVALID_ARGUMENT', `${field} is before 1970: ${value}`);
  return nsToDateTime64(ns).slice(0, 23);
}

function toInsertRow(c: Capture): unknown[] {
  const row: Record<string, unknown> = {
    ...c,
    source: safeSource(c.source),
    first_seen: c.first_seen === null ? null : nsToDateTime64(isoToNs(c.first_seen)),
    last_seen: c.last_seen === null ? null : nsToDateTime64(isoToNs(c.last_seen)),
    submitted_at: msIso(c.submitted_at, 'submitted_at'),
    updated_at: msIso(c.updated_at, 'updated_at'),
  };
  return COLUMNS.map((name) => row[name]);
}

/** The capture as get() will read it back: times at the stored precision, source made safe. */
function normalize(c: Capture): Capture {
  const ns = (iso: string | null): string | null => (iso === null ? null : nsToIso(isoToNs(iso)));
  const ms = (iso: string): string => new Date(Number(isoToNs(iso) / 1_000_000n)).toISOString();
  return {
    ...c,
    source: safeSource(c.source),
    first_seen: ns(c.first_seen),
    last_seen: ns(c.last_seen),
    submitted_at: ms(c.submitted_at),
    updated_at: ms(c.updated_at),
  };
}

function checkPatch(p: CapturePatch): void {
  if (typeof p.capture_id !== 'string' || p.capture_id === '') {
    throw new StoreError('INVALID_ARGUMENT', 'a capture needs a non-empty capture_id');
  }
  if (p.status !== undefined && !STATUSES.includes(p.status)) {
    throw new StoreError('INVALID_ARGUMENT', `unknown capture status ${JSON.stringify(p.status)}`);
  }
  for (const f of ['bytes_read', 'packets', 'flows'] as const) {
    const v = p[f];
    if (v !== undefined && !(Number.isSafeInteger(v) && v >= 0)) {
      throw new StoreError('INVALID_ARGUMENT', `${f} must be a non-negative integer, got ${v}`);
    }
  }
}

export function createCapturesRepo(db: Db): CapturesRepo {
  const table = db.table('captures');
  /** Per capture id, the tail of its upserts: one runs after the other. */
  const pending = new Map<string, Promise<unknown>>();
  /**
   * The row each capture's last upsert through this repo wrote, as get() reads it back: the next
   * upsert merges into it instead of reading the table again. The tracker persists a running
   * capture every 500 ms, and each read (FINAL) waited its turn on chDB's one connection among the
   * flow inserts. Sound because one process owns the table (see CapturesRepo.upsert). Capped, the
   * oldest forgotten first: a forgotten capture is read again.
   */
  const written = new Map<string, Capture>();
  const remember = (c: Capture): void => {
    written.delete(c.capture_id);
    written.set(c.capture_id, structuredClone(c));
    if (written.size > WRITTEN_CAP) written.delete(written.keys().next().value!);
  };

  const get = async (captureId: string): Promise<Capture | undefined> => {
    const rows = await db.rows<Raw>(
      `reading capture ${captureId}`,
      `SELECT ${SELECT} FROM ${table} FINAL WHERE capture_id = {capture_id:String}`,
      { capture_id: captureId },
    );
    return rows[0] ? rowToCapture(rows[0]) : undefined;
  };

  const upsertNow = async (patch: CapturePatch): Promise<Capture> => {
    const now = new Date().toISOString();
    const current = written.get(patch.capture_id) ?? (await get(patch.capture_id));
    const base: Capture = current ?? newCapture(patch.capture_id, patch.submitted_at ?? now);
    const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
    const next: Capture = {
      ...base,
      ...defined,
      counters: { ...base.counters, ...(patch.counters ?? {}) },
      source: safeSource(patch.source ?? base.source),
      updated_at: patch.updated_at ?? now,
      // Newer than what is stored, and roughly ordered in time across writers (microseconds).
      version: Math.max(base.version + 1, Date.now() * 1000),
    };
    await db.insert(
      `writing capture ${patch.capture_id}`,
      'captures',
      COLUMNS,
      [toInsertRow(next)],
      'JSONCompactEachRow',
      dedupSettings(''),
    );
    const stored = normalize(next);
    remember(stored);
    return stored;
  };

  return {
    upsert(patch) {
      try {
        checkPatch(patch);
      } catch (err) {
        return Promise.reject(err);
      }
      const id = patch.capture_id;
      const run = (pending.get(id) ?? Promise.resolve()).then(
        () => upsertNow(patch),
        () => upsertNow(patch),
      );
      const tail = run.catch(() => undefined);
      pending.set(id, tail);
      void tail.then(() => {
        if (pending.get(id) === tail) pending.delete(id);
      });
      return run;
    },

    get,

    async list(options = {}) {
      const limit = Math.max(1, Math.min(100_000, Math.floor(options.limit ?? 1000)));
      const where: string[] = [];
      const params: Record<string, unknown> = { limit };
      if (options.datasetId !== undefined) {
        where.push('dataset_id = {dataset_id:String}');
        params.dataset_id = options.datasetId;
      }
      if (options.status !== undefined) {
        where.push('status = {status:String}');
        params.status = options.status;
      }
      const rows = await db.rows<Raw>(
        'listing captures',
        `SELECT ${SELECT} FROM ${table} FINAL ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ` +
          'ORDER BY submitted_at DESC, capture_id LIMIT {limit:UInt32}',
        params,
      );
      return rows.map(rowToCapture);
    },

    async delete(captureId) {
      written.delete(captureId);
      const existed = (await get(captureId)) !== undefined;
      const tables = ['flows', 'dns_names', ...ROLLUPS.map((r) => r.table.name), 'captures'];
      for (const t of tables) {
        await db.command(
          `deleting capture ${captureId} from ${t}`,
          `DELETE FROM ${db.table(t)} WHERE capture_id = {capture_id:String}`,
          { capture_id: captureId },
        );
      }
      return existed;
    },
  };
}
