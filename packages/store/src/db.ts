import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import { StoreError, storeError } from './errors.ts';

export type Params = Record<string, unknown>;

/** chDB's raw insert (`connection.chdb.rawInsert`): the payload goes to the engine as bytes. */
export type RawInsert = (params: {
  table: string;
  columns: readonly string[];
  values: Buffer;
  format: 'JSONEachRow' | 'JSONCompactEachRow';
  settings: Record<string, string | number | boolean>;
}) => Promise<unknown>;

/**
 * The one place that calls the ClickHouse client: every value goes as a `{name:Type}` query
 * parameter, every failure comes out as a StoreError.
 *
 * With chDB, settings passed with a query or command are applied as `SET ...` on the embedded
 * session and stay set for every query after it (checked: through client.insert, an insert without
 * a token after one with a token was silently dropped as a duplicate of the old batch). So:
 * inserts go through chDB's raw insert, whose settings ride in the INSERT's own SETTINGS clause;
 * every insert states its dedup settings in full anyway (dedupSettings); a setting passed to a
 * query or command must be one that may stay set; and calls on one chDB connection run one at a
 * time, so that a `SET` and its statement never interleave with another call.
 */
export class Conn {
  #tail: Promise<unknown> = Promise.resolve();
  #closed = false;

  #files = 0;

  /**
   * @param serial run calls one at a time (chDB)
   * @param rawInsert chDB's raw insert, used instead of client.insert (see Db.insert)
   * @param fileDir where binary inserts are staged for the engine to read (chDB: it runs in this
   *   process, so it reads this machine's files); without one, Db.insertBinary is not offered
   */
  constructor(
    readonly client: ClickHouseClient,
    readonly serial: boolean,
    readonly rawInsert?: RawInsert,
    readonly fileDir?: string,
  ) {
    if (fileDir !== undefined) {
      // Files left by a process that died mid-insert: nothing reads them any more.
      mkdirSync(fileDir, { recursive: true });
      for (const name of readdirSync(fileDir)) {
        if (name.endsWith(STAGED_SUFFIX)) rmSync(join(fileDir, name), { force: true });
      }
    }
  }

  /** A new file name for a staged insert (in fileDir). */
  stagedFile(): string {
    return join(this.fileDir!, `insert-${process.pid}-${++this.#files}${STAGED_SUFFIX}`);
  }

  get closed(): boolean {
    return this.#closed;
  }

  run<T>(what: string, fn: (client: ClickHouseClient) => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new StoreError('STORE_CLOSED', `${what}: the store is closed`));
    const call = async (): Promise<T> => {
      try {
        return await fn(this.client);
      } catch (err) {
        throw storeError('QUERY_FAILED', what, err);
      }
    };
    if (!this.serial) return call();
    const next = this.#tail.then(call, call);
    this.#tail = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#tail;
    this.#closed = true;
    await this.client.close();
  }
}

const STAGED_SUFFIX = '.rowbinary';

/** A connection bound to one database, for one Store handle. */
export class Db {
  #closed = false;

  constructor(
    readonly conn: Conn,
    readonly database: string,
  ) {}

  /** This handle is done (the connection may live on for other handles). */
  close(): void {
    this.#closed = true;
  }

  #run<T>(what: string, fn: (client: ClickHouseClient) => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new StoreError('STORE_CLOSED', `${what}: the store is closed`));
    return this.conn.run(what, fn);
  }

  /** `db`.`name`: the database was validated as an identifier (config.ts); names are our own constants. */
  table(name: string): string {
    return `\`${this.database}\`.\`${name}\``;
  }

  command(what: string, query: string, params?: Params, settings?: ClickHouseSettings): Promise<void> {
    return this.#run(what, async (client) => {
      await client.command({
        query,
        ...(params ? { query_params: params } : {}),
        ...(settings ? { clickhouse_settings: settings } : {}),
      });
    });
  }

  rows<T>(what: string, query: string, params?: Params, settings?: ClickHouseSettings): Promise<T[]> {
    return this.#run(what, async (client) => {
      const rs = await client.query({
        query,
        format: 'JSONEachRow',
        ...(params ? { query_params: params } : {}),
        ...(settings ? { clickhouse_settings: settings } : {}),
      });
      return rs.json<T>();
    });
  }

  /**
   * Inserts rows in a JSON row format. On chDB the rows go through its raw insert: the body is
   * handed to the engine as one buffer and the settings ride in the INSERT's own SETTINGS clause
   * (not a sticky SET), about twice as fast as client.insert, which chDB's connection turns into
   * one SQL string. On a server, client.insert sends the same body over HTTP.
   */
  insert(
    what: string,
    table: string,
    columns: readonly string[],
    values: unknown[],
    format: 'JSONEachRow' | 'JSONCompactEachRow',
    settings: ClickHouseSettings,
  ): Promise<void> {
    const raw = this.conn.rawInsert;
    if (raw) {
      return this.#run(what, async () => {
        let body = '';
        for (const v of values) body += `${JSON.stringify(v)}\n`;
        await raw({
          table: `${this.database}.${table}`,
          columns,
          values: Buffer.from(body),
          format,
          settings: settings as Record<string, string | number | boolean>,
        });
      });
    }
    return this.#run(what, async (client) => {
      await client.insert({
        table: this.table(table),
        columns: columns as [string, ...string[]],
        values,
        format,
        clickhouse_settings: settings,
      });
    });
  }

  /** True when insertBinary is offered (chDB). */
  get binaryInserts(): boolean {
    return this.conn.fileDir !== undefined;
  }

  /**
   * Inserts a RowBinary payload whose columns are read as `structure` (`name Type, ...`): the
   * payload is written to a file that the engine reads with the `file` table function, so that
   * no text is built or parsed (chDB's own inserts take text formats only). The settings ride in
   * the INSERT's SETTINGS clause, string values as query parameters. chDB only (binaryInserts).
   */
  async insertBinary(
    what: string,
    table: string,
    columns: readonly string[],
    structure: string,
    payload: Uint8Array,
    settings: Record<string, string | number>,
  ): Promise<void> {
    if (!this.binaryInserts) throw new StoreError('INVALID_ARGUMENT', `${what}: binary inserts need chDB`);
    const params: Params = { file: '', structure };
    const clauses = Object.entries(settings).map(([name, value], i) => {
      if (!/^[a-z_]+$/.test(name))
        throw new StoreError('INVALID_ARGUMENT', `${what}: bad setting name ${name}`);
      if (typeof value === 'number') return `${name} = ${Number(value)}`;
      params[`setting${i}`] = value;
      return `${name} = {setting${i}:String}`;
    });
    const file = this.conn.stagedFile();
    params.file = file;
    try {
      await writeFile(file, payload);
      await this.command(
        what,
        `INSERT INTO ${this.table(table)} (${columns.join(', ')})` +
          (clauses.length > 0 ? ` SETTINGS ${clauses.join(', ')}` : '') +
          ` SELECT * FROM file({file:String}, 'RowBinary', {structure:String})`,
        params,
      );
    } catch (err) {
      throw err instanceof StoreError ? err : storeError('QUERY_FAILED', what, err);
    } finally {
      await rm(file, { force: true });
    }
  }
}

/**
 * Settings every insert states in full (see Conn on chDB's sticky SETs). With a token, a block
 * already inserted with it in the table's dedup window is dropped, and the materialized views
 * deduplicate their own blocks too (so a replay does not reach the rollups). An empty token means
 * none: the block's content hash is used, on tables that have a dedup window.
 */
export function dedupSettings(token: string): ClickHouseSettings {
  return {
    insert_deduplicate: 1,
    insert_deduplication_token: token,
    deduplicate_blocks_in_dependent_materialized_views: 1,
  };
}
