import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { internals, type OpenStoreOptions, openStore, type Store } from './client.ts';
import type { Params } from './db.ts';
import { StoreError } from './errors.ts';

/**
 * Test helpers for other packages: a real store on embedded chDB, nothing to start.
 *
 * chDB holds one data directory per process, so every test store of a process lives in one temp
 * directory (made on first use, removed when the process exits), each in a fresh database of its
 * own: tests in one file do not see each other's rows, and several can be open at once.
 */
export interface TestStore extends Store {
  /** Drops the test database and closes this handle. */
  cleanup(): Promise<void>;
}

let dir: string | undefined;

function testDir(): string {
  if (dir === undefined) {
    const made = mkdtempSync(join(tmpdir(), 'capstream-store-test-'));
    dir = made;
    process.once('exit', () => rmSync(made, { recursive: true, force: true }));
  }
  return dir;
}

/** A store on a fresh database in this process's temp chDB directory. */
export async function openTestStore(
  options: OpenStoreOptions & { database?: string } = {},
): Promise<TestStore> {
  const database = options.database ?? `test_${randomBytes(6).toString('hex')}`;
  const store = await openStore({ kind: 'chdb', path: testDir(), database }, options);
  return Object.assign(store, {
    async cleanup() {
      try {
        await execForTest(store, `DROP DATABASE IF EXISTS \`${database}\``);
      } catch (err) {
        if (!(err instanceof StoreError && err.code === 'STORE_CLOSED')) throw err;
      }
      await store.close();
    },
  });
}

/**
 * Runs one SQL statement on a store's connection, for tests that need to set up what the
 * repositories would never write (an old schema, a broken row). Values still go as parameters.
 */
export async function execForTest(store: Store, sql: string, params?: Params): Promise<void> {
  const db = internals.get(store);
  if (!db) throw new StoreError('INVALID_ARGUMENT', 'not a store opened by openStore');
  await db.command('test statement', sql, params);
}

/** Runs one query on a store's connection and returns its rows (JSONEachRow), for tests. */
export async function queryForTest<T = Record<string, unknown>>(
  store: Store,
  sql: string,
  params?: Params,
): Promise<T[]> {
  const db = internals.get(store);
  if (!db) throw new StoreError('INVALID_ARGUMENT', 'not a store opened by openStore');
  return db.rows<T>('test query', sql, params);
}

export { sampleFlow } from './sample.ts';
