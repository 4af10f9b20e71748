import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FILE_CHUNK_BYTES } from '@capstream/core';
import { openFile } from '../../src/sources/file.ts';
import { SourceError } from '../../src/sources/source.ts';
import { isStoreKey, UploadStore } from '../../src/sources/upload-store.ts';
import { collect, randomData, sha256 } from './helpers.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'capstream-sources-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function failsWith(p: Promise<unknown>, code: string, re?: RegExp): Promise<SourceError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof SourceError, `expected a SourceError, got ${err}`);
    assert.equal(err.code, code, err.message);
    if (re) assert.match(err.message, re);
    return err;
  }
  assert.fail(`expected ${code}`);
}

async function* chunks(data: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

describe('file source', () => {
  it('reads a file in 1 MiB chunks with its size', async () => {
    const data = randomData(2 * FILE_CHUNK_BYTES + 1000);
    const path = join(dir, 'a.pcap');
    await writeFile(path, data);
    const src = await openFile(path);
    assert.equal(src.size, data.length);
    assert.equal(src.displaySource, path);
    const sizes: number[] = [];
    const parts: Uint8Array[] = [];
    for await (const c of src.stream) {
      sizes.push(c.length);
      parts.push(c);
    }
    assert.deepEqual(sizes, [FILE_CHUNK_BYTES, FILE_CHUNK_BYTES, 1000]);
    assert.equal(sha256(parts), sha256(data));
  });

  it('reads into three buffers in turn when asked to reuse them, each chunk valid until the one after next is asked for', async () => {
    const data = randomData(5 * FILE_CHUNK_BYTES + 1000);
    const path = join(dir, 'reused.pcap');
    await writeFile(path, data);
    const src = await openFile(path, { reuseChunks: true });
    assert.equal(src.reusesChunks, true);
    assert.equal((await openFile(path)).reusesChunks, false);
    const copies: Buffer[] = [];
    const memories = new Set<ArrayBufferLike>();
    let previous: Uint8Array | null = null;
    let previousCopy: Buffer | null = null;
    for await (const c of src.stream) {
      // The chunk before this one is still intact.
      if (previous !== null) assert.deepEqual(Buffer.from(previous), previousCopy);
      memories.add(c.buffer);
      previous = c;
      previousCopy = Buffer.from(c);
      copies.push(previousCopy);
    }
    assert.equal(memories.size, 3);
    assert.equal(sha256(copies), sha256(data));
  });

  it('says clearly what is wrong with a path', async () => {
    await failsWith(openFile(join(dir, 'nope.pcap')), 'NOT_FOUND', /no such file/);
    await failsWith(openFile(dir), 'NOT_A_FILE', /is a folder/);
    await failsWith(openFile('/dev/null'), 'NOT_A_FILE');
  });

  it('says permission denied for an unreadable file', async () => {
    const path = join(dir, 'secret.pcap');
    await writeFile(path, 'x');
    await chmod(path, 0);
    if (process.getuid?.() !== 0) {
      await failsWith(openFile(path), 'PERMISSION_DENIED', /permission denied/);
      return;
    }
    // Root reads any file: run the same check as an unprivileged user (nobody) in a child.
    await chmod(dir, 0o755);
    const script = `
      import { openFile } from ${JSON.stringify(new URL('../../src/sources/file.ts', import.meta.url).href)};
      try { await openFile(${JSON.stringify(path)}); console.log('opened'); }
      catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      uid: 65534,
      gid: 65534,
      cwd: new URL('../../../..', import.meta.url).pathname,
      encoding: 'utf8',
    });
    const result = JSON.parse(out.trim().split('\n').pop()!);
    assert.equal(result.code, 'PERMISSION_DENIED');
    assert.match(result.message, /permission denied/);
  });

  it('keeps to its root folders, symlinks resolved', async () => {
    const root = join(dir, 'root');
    await mkdir(root, { recursive: true });
    await writeFile(join(root, 'in.pcap'), 'inside');
    await writeFile(join(dir, 'out.pcap'), 'outside');
    await symlink(join(dir, 'out.pcap'), join(root, 'link.pcap'));
    const ok = await openFile(join(root, 'in.pcap'), { roots: [root] });
    assert.equal((await collect(ok.stream)).toString(), 'inside');
    await failsWith(openFile(join(root, '..', 'out.pcap'), { roots: [root] }), 'FORBIDDEN_PATH');
    await failsWith(openFile(join(root, 'link.pcap'), { roots: [root] }), 'FORBIDDEN_PATH');
  });
});

describe('upload store', () => {
  it('stores a stream (sha256 while writing), opens, stats, lists and deletes it', async () => {
    const store = await UploadStore.open(join(dir, 'store1'));
    const data = randomData(3 * 1024 * 1024 + 17);
    const put = await store.put(chunks(data, 100_000));
    assert.ok(isStoreKey(put.storeKey));
    assert.equal(put.size, data.length);
    assert.equal(put.sha256, sha256(data));
    const src = await store.open(put.storeKey);
    assert.equal(src.size, data.length);
    assert.equal(src.displaySource, `upload:${put.storeKey}`);
    assert.equal(sha256(await collect(src.stream)), sha256(data));
    assert.deepEqual(await store.stat(put.storeKey), put);
    assert.deepEqual(await store.list(), [put.storeKey]);
    assert.equal(await store.delete(put.storeKey), true);
    assert.equal(await store.delete(put.storeKey), false);
    assert.equal(await store.stat(put.storeKey), null);
    await failsWith(store.open(put.storeKey), 'NOT_FOUND');
    assert.deepEqual(await readdir(store.dir), []);
  });

  it('refuses any key it did not make (no path traversal)', async () => {
    const store = await UploadStore.open(join(dir, 'store2'));
    await writeFile(join(dir, 'outside.cap'), 'x');
    for (const key of [
      '../outside',
      '..%2Foutside',
      'up_../../outside',
      `up_${'a'.repeat(31)}/`,
      `up_${'A'.repeat(32)}`,
      '/etc/passwd',
      '',
      `up_${'a'.repeat(32)}\0`,
    ]) {
      await failsWith(store.open(key), 'BAD_KEY');
      await assert.rejects(store.delete(key), SourceError);
      await assert.rejects(store.stat(key), SourceError);
    }
  });

  it('leaves nothing behind when an upload fails or is too large', async () => {
    const store = await UploadStore.open(join(dir, 'store3'), { maxBytes: 1000 });
    await failsWith(store.put(chunks(randomData(5000), 300)), 'TOO_LARGE');
    async function* broken(): AsyncGenerator<Uint8Array> {
      yield randomData(100);
      throw new Error('client went away');
    }
    await failsWith(store.put(broken()), 'IO', /client went away/);
    assert.deepEqual(await readdir(store.dir), []);
  });

  it('clears temporary files left by a crash when it opens', async () => {
    const d = join(dir, 'store4');
    await mkdir(d, { recursive: true });
    await writeFile(join(d, `.tmp-up_${'1'.repeat(32)}`), 'half');
    await writeFile(join(d, `up_${'2'.repeat(32)}.json`), '{}'); // metadata without its capture
    const store = await UploadStore.open(d);
    assert.deepEqual(await readdir(d), []);
    assert.deepEqual(await store.list(), []);
  });
});
