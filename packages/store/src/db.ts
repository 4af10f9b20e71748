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

  /**
   * @param serial run calls one at a time (chDB)
   * @param rawInsert chDB's raw insert, used instead of client.insert (see Db.insert)
   */
  constructor(
    readonly client: ClickHouseClient,
    readonly serial: boolean,
    readonly rawInsert?: RawInsert,
  ) {}

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
