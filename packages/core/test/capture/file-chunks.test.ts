import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileChunks } from '../../src/capture/file-chunks.ts';

const dir = mkdtempSync(join(tmpdir(), 'capstream-chunks-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function readAll(path: string, opts: Parameters<typeof fileChunks>[1]) {
  const fh = await open(path, 'r');
  try {
    const chunks: Buffer[] = [];
    const memories = new Set<ArrayBufferLike>();
    let previous: { view: Uint8Array; copy: Buffer } | null = null;
    for await (const c of fileChunks(fh, opts)) {
      // The chunk before this one is still intact: a reusing reader keeps it until the next.
      if (previous !== null) assert.deepEqual(Buffer.from(previous.view), previous.copy);
      memories.add(c.buffer);
      previous = { view: c, copy: Buffer.from(c) };
      chunks.push(previous.copy);
    }
    return { chunks, memories: memories.size };
  } finally {
    await fh.close();
  }
}

describe('fileChunks', () => {
  for (const [name, size] of [
    ['a short last chunk', 9 * 4096 + 123],
    ['a whole number of chunks', 12 * 4096],
    ['less than a chunk', 100],
    ['nothing', 0],
  ] as const) {
    it(`reads a file in order, fresh or into reused buffers: ${name}`, async () => {
      const data = randomBytes(size);
      const path = join(dir, `${size}.bin`);
      writeFileSync(path, data);
      for (const reuse of [false, true]) {
        const { chunks, memories } = await readAll(path, { chunkSize: 4096, reuse });
        assert.deepEqual(Buffer.concat(chunks), data, `reuse ${reuse}`);
        assert.ok(
          chunks.slice(0, -1).every((c) => c.length === 4096),
          'only the last chunk is short',
        );
        if (reuse && size > 10 * 4096) assert.equal(memories, 3);
        if (!reuse) assert.equal(memories, chunks.length);
      }
    });
  }

  it('reads a FIFO as it is written', async () => {
    const path = join(dir, 'fifo');
    const mk = spawn('mkfifo', [path]);
    await new Promise((resolve) => mk.on('exit', resolve));
    const parts = Array.from({ length: 20 }, (_, i) => randomBytes(1000 + i * 700));
    const source = join(dir, 'fifo-source.bin');
    writeFileSync(source, Buffer.concat(parts));
    // A writer in its own process, pausing between parts, so reads return short.
    const writer = spawn(
      process.execPath,
      [
        '-e',
        `const fs = require('node:fs');
         const [path, source, sizes] = process.argv.slice(1);
         const data = fs.readFileSync(source); const fd = fs.openSync(path, 'w');
         let off = 0; const left = sizes.split(',').map(Number);
         const step = () => {
           if (left.length === 0) return fs.closeSync(fd);
           const n = left.shift(); fs.writeSync(fd, data, off, n); off += n; setTimeout(step, 5);
         };
         step();`,
        path,
        source,
        parts.map((p) => p.length).join(','),
      ],
      { stdio: 'inherit' },
    );
    // Listened for now: the writer may exit before the last read returns, and an 'exit' already
    // emitted would leave a later listener waiting on an empty event loop (node:test then cancels).
    const exited = new Promise((resolve) => writer.on('exit', resolve));
    const { chunks } = await readAll(path, { chunkSize: 8192, reuse: true });
    await exited;
    assert.deepEqual(Buffer.concat(chunks), Buffer.concat(parts));
    assert.ok(chunks.length > 3, `${chunks.length} chunks`);
  });

  it('stops with the abort reason when aborted', async () => {
    const path = join(dir, 'abort.bin');
    writeFileSync(path, randomBytes(64 * 1024));
    const ac = new AbortController();
    const fh = await open(path, 'r');
    try {
      let n = 0;
      await assert.rejects(
        (async () => {
          for await (const _ of fileChunks(fh, { chunkSize: 1024, signal: ac.signal })) {
            if (++n === 3) ac.abort(new Error('cancelled by the test'));
          }
        })(),
        /cancelled by the test/,
      );
      assert.ok(n >= 3 && n < 64, `${n} chunks before the abort surfaced`);
    } finally {
      await fh.close();
    }
  });
});
