import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import {
  appendFileSync,
  closeSync,
  ftruncateSync,
  mkdtempSync,
  openSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileHasher, localHasher, sha256Hasher } from '../src/hasher.ts';

test('the hashing thread digests exactly the chunks fed, views of larger buffers included', async () => {
  const whole = randomBytes(3 << 20);
  const expected = createHash('sha256').update(whole).digest('hex');
  for (const make of [sha256Hasher, localHasher]) {
    const h = make();
    // Uneven chunks, each a view into the middle of the same large buffer.
    for (let at = 0; at < whole.length; ) {
      const n = Math.min(whole.length - at, 1 + ((at * 7919) % 300_000));
      h.update(whole.subarray(at, at + n));
      at += n;
    }
    assert.equal(await h.digest(), expected, make.name);
    // The chunks fed are left as they were (the thread gets copies).
    assert.equal(createHash('sha256').update(whole).digest('hex'), expected);
  }
});

test('an empty capture has the digest of nothing; a discarded hasher ends quietly', async () => {
  assert.equal(await sha256Hasher().digest(), createHash('sha256').digest('hex'));
  const h = sha256Hasher();
  h.update(new Uint8Array([1, 2, 3]));
  h.discard();
});

test('a hashing thread that stops taking chunks is given up on: no hang, no hash, no exception', async () => {
  const h = sha256Hasher({ stallMs: 200 });
  h.discard(); // the thread is gone; the ring (8 slots) fills, then the next chunk would wait
  const started = Date.now();
  for (let i = 0; i < 20; i++) h.update(new Uint8Array(1 << 20));
  assert.ok(Date.now() - started < 5_000, `${Date.now() - started} ms`);
  await assert.rejects(h.digest(), /took no data|exited/);
});

test('ready() says when the thread is behind, so a reader can pause instead of blocking', async () => {
  const whole = randomBytes(12 << 20);
  const h = sha256Hasher();
  // Small chunks are packed into the thread's 1 MiB slots; awaiting ready() never changes the digest.
  for (let at = 0; at < whole.length; at += 64 * 1024) {
    await h.ready();
    h.update(whole.subarray(at, at + 64 * 1024));
  }
  assert.equal(await h.digest(), createHash('sha256').update(whole).digest('hex'));

  // A thread that is gone: the ring fills, ready() resolves after the stall time, update() gives up.
  const dead = sha256Hasher({ stallMs: 300 });
  dead.discard();
  for (let i = 0; i < 8; i++) dead.update(new Uint8Array(1 << 20));
  const wait = dead.ready();
  assert.ok(wait !== null, 'eight full slots: not ready');
  const started = Date.now();
  await wait;
  assert.ok(Date.now() - started >= 250, `resolved after ${Date.now() - started} ms`);
  dead.update(new Uint8Array(10));
  await assert.rejects(dead.digest(), /took no data|exited/);
});

test('a local file is hashed by a thread that reads it itself, exactly as far as it was read', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'capstream-hasher-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'capture.pcap');
  const whole = randomBytes((3 << 20) + 12345);
  writeFileSync(path, whole);
  const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

  // All of it, in uneven chunks.
  const h = fileHasher(path);
  for (let at = 0; at < whole.length; ) {
    const n = Math.min(whole.length - at, 1 + ((at * 7919) % 300_000));
    h.update(whole.subarray(at, at + n));
    at += n;
  }
  assert.equal(await h.digest(), sha(whole));

  // Read in part: the digest covers what was read, not what the file holds.
  const part = fileHasher(path);
  part.update(whole.subarray(0, 1_500_000));
  assert.equal(await part.digest(), sha(whole.subarray(0, 1_500_000)));

  // A file that grows while it is read (a capture still being written): the bytes read, no more.
  const growing = fileHasher(path);
  growing.update(whole);
  appendFileSync(path, randomBytes(4096));
  assert.equal(await growing.digest(), sha(whole));
  assert.equal(await fileHasher(path).digest(), sha(new Uint8Array(0)));

  // A file cut shorter than what was read from it, or gone: no digest, a reason.
  const cut = fileHasher(path);
  cut.update(whole);
  await new Promise((r) => setTimeout(r, 50));
  truncateSync(path, 1000);
  cut.update(new Uint8Array(10));
  await assert.rejects(cut.digest(), /the file ended at byte/);
  await assert.rejects(fileHasher(join(dir, 'missing.pcap')).digest(), /ENOENT/);
});

test('a file hashing thread that falls behind holds the reader back; one that stops is given up on', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'capstream-hasher-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'sparse.pcap');
  const size = 256 << 20;
  const fd = openSync(path, 'w');
  ftruncateSync(fd, size); // zeros, without writing them
  closeSync(fd);
  const zeros = createHash('sha256');
  const mib = new Uint8Array(1 << 20);
  for (let i = 0; i < size >> 20; i++) zeros.update(mib);

  // 256 MiB announced at once: far more than the 8 MiB the thread may trail by.
  const h = fileHasher(path, { maxLagBytes: 8 << 20 });
  h.update({ length: size } as Uint8Array);
  const wait = h.ready();
  assert.ok(wait !== null, 'behind by 256 MiB: not ready');
  await wait;
  assert.equal(await h.digest(), zeros.digest('hex'));

  // A thread that is gone: ready() resolves after the stall time, and there is no digest.
  const dead = fileHasher(path, { maxLagBytes: 1 << 20, stallMs: 300 });
  dead.discard();
  dead.update({ length: 10 << 20 } as Uint8Array);
  const started = Date.now();
  await dead.ready();
  assert.ok(Date.now() - started >= 250, `resolved after ${Date.now() - started} ms`);
  await assert.rejects(dead.digest(), /took no data|exited/);
});
