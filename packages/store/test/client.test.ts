import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openStore } from '../src/client.ts';
import { StoreError } from '../src/errors.ts';
import { sampleFlow } from '../src/testing.ts';

const root = mkdtempSync(join(tmpdir(), 'capstream-store-client-'));
after(() => rmSync(root, { recursive: true, force: true }));

function inUse(err: unknown): boolean {
  assert.ok(err instanceof StoreError, String(err));
  assert.equal(err.code, 'STORE_IN_USE');
  return true;
}

test('a second open of the same directory shares the connection; another directory is refused', async () => {
  const path = join(root, 'a');
  const one = await openStore({ kind: 'chdb', path });
  const two = await openStore({ kind: 'chdb', path });
  assert.deepEqual(two.migrations.applied, []);
  await one.flows.insert([sampleFlow()], 't');
  assert.equal(await two.flows.count('cap-1'), 1);
  await assert.rejects(openStore({ kind: 'chdb', path: join(root, 'b') }), (err) => {
    inUse(err);
    assert.match((err as Error).message, /one per process/);
    return true;
  });
  await one.close();
  await one.close(); // idempotent
  await assert.rejects(one.flows.count('cap-1'), (err: unknown) => {
    assert.ok(err instanceof StoreError);
    assert.equal(err.code, 'STORE_CLOSED');
    return true;
  });
  assert.equal(await two.flows.count('cap-1'), 1, 'the other handle still works');
  assert.equal(await two.ping(), true);
  assert.ok(existsSync(join(path, 'capstream.lock')));
  await two.close();
  assert.equal(existsSync(join(path, 'capstream.lock')), false, 'the last close releases the lock');

  // Closed, another directory can be opened, and the first one again with its data.
  const b = await openStore({ kind: 'chdb', path: join(root, 'b') });
  await b.close();
  const again = await openStore({ kind: 'chdb', path });
  assert.equal(await again.flows.count('cap-1'), 1);
  await again.close();
});

test('a directory locked by another live process is refused; a stale lock is taken over', async () => {
  const path = join(root, 'locked');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(path, { recursive: true });
  const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
  try {
    writeFileSync(join(path, 'capstream.lock'), `${sleeper.pid}\n`);
    await assert.rejects(openStore({ kind: 'chdb', path }), (err) => {
      inUse(err);
      assert.match((err as Error).message, new RegExp(`process ${sleeper.pid}`));
      return true;
    });
  } finally {
    sleeper.kill();
    await new Promise((r) => sleeper.once('exit', r));
  }
  // The owner is gone: its lock is stale.
  const store = await openStore({ kind: 'chdb', path });
  assert.equal(readFileSync(join(path, 'capstream.lock'), 'utf8').trim(), String(process.pid));
  await store.close();
});

test('an unreachable server fails with a clear error and no secret in it', async () => {
  await assert.rejects(
    openStore({
      kind: 'server',
      url: 'http://127.0.0.1:9',
      username: 'u',
      password: 'hunter2',
      database: 'x',
    }),
    (err: unknown) => {
      assert.ok(err instanceof StoreError);
      assert.equal(err.code, 'QUERY_FAILED');
      assert.match(err.message, /cannot reach ClickHouse at http:\/\/127\.0\.0\.1:9/);
      assert.doesNotMatch(err.message, /hunter2/);
      return true;
    },
  );
});
