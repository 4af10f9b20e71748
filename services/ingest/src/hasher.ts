import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

/** A capture's SHA-256, fed chunk by chunk as it is read. */
export interface Hasher {
  update(chunk: Uint8Array): void;
  /**
   * Null when update() can take a chunk now; else a promise of the moment it can, so that a
   * reader pauses instead of blocking its thread (and everything else on it) in update().
   */
  ready(): Promise<void> | null;
  /** The hex digest of everything fed; the hasher is done after it. */
  digest(): Promise<string>;
  /** Done without a digest. */
  discard(): void;
}

const SLOT_BYTES = 1 << 20;
const SLOTS = 8;
// Slot states, in the control array (one Int32 per slot).
const FREE = 0;
const FULL = 1;
const END = 2;
/**
 * The workers' programs are CommonJS; a process started with `--input-type=module` (node -e with
 * ESM) would hand that flag on and make them modules, where `require` is undefined.
 */
const WORKER_EXEC_ARGV = process.execArgv.filter((a) => !a.startsWith('--input-type'));
/** How often the worker looks at an empty slot: soon after work, less often while idle (a live stream). */
const POLL_MIN_MS = 2;
const POLL_MAX_MS = 100;

// The worker's whole program: it takes the slots in turn, hashes what the main thread put there
// and frees the slot, until it meets the end mark. It polls an empty slot every few milliseconds
// rather than being woken: on a busy machine each wake-up (Atomics.notify) cost the reading thread
// ~0.3-0.5 ms, ~0.25 s per GB of the embedded pipeline's main thread.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const hash = require('node:crypto').createHash('sha256');
const { control, lengths, data, slots, slotBytes } = workerData;
for (let i = 0, poll = ${POLL_MIN_MS}; ; ) {
  const state = Atomics.load(control, i);
  if (state === ${FREE}) {
    Atomics.wait(control, i, ${FREE}, poll);
    poll = Math.min(poll * 2, ${POLL_MAX_MS});
    continue;
  }
  if (state === ${END}) break;
  hash.update(new Uint8Array(data, i * slotBytes, lengths[i]));
  Atomics.store(control, i, ${FREE});
  Atomics.notify(control, i);
  i = (i + 1) % slots;
  poll = ${POLL_MIN_MS};
}
parentPort.postMessage(hash.digest('hex'));
`;

/**
 * SHA-256 on a worker thread: hashing a 1 GB capture costs ~0.7-0.9 s of CPU, which on the
 * thread that also segments (and, embedded, parses) the capture was a tenth of the pipeline's
 * time. The chunks go through a ring of shared 1 MiB slots: the main thread only copies each
 * chunk into the next free slot (~0.05 s per GB; posting a copy of each chunk instead cost ~0.4 s
 * per GB, mostly in fresh pages). The worker may fall 8 MiB behind; a reader that awaits
 * `ready()` then pauses. (One that does not, blocks in update(): ~0.8 s per GB of the embedded
 * pipeline's main thread, which also parses, was spent so.)
 * Falls back to hashing in this thread when no worker can be started.
 */
export function sha256Hasher(options: { stallMs?: number } = {}): Hasher {
  // A worker that takes no chunk for this long is given up on (the capture goes on, without a
  // hash): the main thread waits for it synchronously, so it must never wait forever.
  const stallMs = options.stallMs ?? 10_000;
  const control = new Int32Array(new SharedArrayBuffer(4 * SLOTS));
  const lengths = new Int32Array(new SharedArrayBuffer(4 * SLOTS));
  const data = new SharedArrayBuffer(SLOTS * SLOT_BYTES);
  let worker: Worker;
  try {
    worker = new Worker(WORKER_SOURCE, {
      eval: true,
      execArgv: WORKER_EXEC_ARGV,
      workerData: { control, lengths, data, slots: SLOTS, slotBytes: SLOT_BYTES },
    });
  } catch {
    return localHasher();
  }
  // Not kept alive by the worker: a digest awaited keeps the process up, an abandoned one does not.
  worker.unref();
  const bytes = new Uint8Array(data);
  let next = 0;
  /** The slot being filled (chunks are packed: a slot per chunk made small chunks costly), or -1. */
  let filling = -1;
  let filled = 0;
  let failed: Error | null = null;
  worker.on('error', (e) => {
    failed ??= e;
  });
  /** The next slot, once the worker has freed it; -1 when it stopped taking chunks. */
  const slot = (): number => {
    const i = next;
    const deadline = Date.now() + stallMs;
    while (Atomics.load(control, i) !== FREE) {
      // (No event is delivered while this thread waits: a dead worker shows only as silence.)
      if (failed !== null || Date.now() > deadline) {
        failed ??= new Error(`the hashing thread took no data for ${stallMs} ms`);
        void worker.terminate();
        return -1;
      }
      Atomics.wait(control, i, FULL, Math.min(100, stallMs));
    }
    next = (next + 1) % SLOTS;
    return i;
  };
  const publish = (): void => {
    lengths[filling] = filled;
    Atomics.store(control, filling, FULL);
    filling = -1;
  };
  return {
    update(chunk) {
      for (let at = 0; at < chunk.length && failed === null; ) {
        if (filling < 0) {
          filling = slot();
          if (filling < 0) return;
          filled = 0;
        }
        const n = Math.min(chunk.length - at, SLOT_BYTES - filled);
        bytes.set(chunk.subarray(at, at + n), filling * SLOT_BYTES + filled);
        filled += n;
        at += n;
        if (filled === SLOT_BYTES) publish();
      }
    },
    ready() {
      if (failed !== null || filling >= 0 || Atomics.load(control, next) === FREE) return null;
      // Past stallMs the promise resolves all the same: update() then gives the thread up.
      const wait = (Atomics as unknown as AtomicsWaitAsync).waitAsync(control, next, FULL, stallMs);
      if (!wait.async) return null;
      // A pending waitAsync does not keep the process alive; a timer does, until it settles.
      const alive = setTimeout(() => {}, stallMs + 1000);
      return wait.value.then(() => clearTimeout(alive));
    },
    digest() {
      return workerDigest(worker, failed, () => {
        if (filling >= 0) publish();
        const i = slot();
        if (i < 0) return failed;
        Atomics.store(control, i, END);
        Atomics.notify(control, i);
        return null;
      });
    },
    discard() {
      void worker.terminate();
    },
  };
}

// The file hasher's worker: it hashes the file's bytes up to the count the reader has announced
// (control[0]), says how far it got (control[2]), and stops at the end count (control[1], -1 until
// the end), polling like the ring's.
const FILE_WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { openSync, readSync, closeSync } = require('node:fs');
const hash = require('node:crypto').createHash('sha256');
const { control, path } = workerData;
const fd = openSync(path, 'r');
const buf = Buffer.allocUnsafe(${SLOT_BYTES});
let done = 0;
for (let poll = ${POLL_MIN_MS}; ; ) {
  const allowed = Number(Atomics.load(control, 0));
  const end = Number(Atomics.load(control, 1));
  if (done < allowed) {
    const n = readSync(fd, buf, 0, Math.min(buf.length, allowed - done), done);
    if (n === 0) throw new Error('the file ended at byte ' + done + ', before the ' + allowed + ' bytes read from it');
    hash.update(buf.subarray(0, n));
    done += n;
    Atomics.store(control, 2, BigInt(done));
    poll = ${POLL_MIN_MS};
    continue;
  }
  if (end >= 0 && done >= end) break;
  Atomics.wait(control, 0, BigInt(allowed), poll);
  poll = Math.min(poll * 2, ${POLL_MAX_MS});
}
closeSync(fd);
parentPort.postMessage(hash.digest('hex'));
`;

/**
 * SHA-256 of a local file as it is read, by a worker that reads the file itself: update() only
 * announces how many bytes the reader has taken, so the reading thread copies nothing (copying
 * every chunk into the shared ring cost it ~0.25 s per GB). The worker reads what the reader just
 * read, from the page cache, and never past it: the digest covers exactly the bytes read. A reader
 * that awaits `ready()` pauses while the worker is more than `maxLagBytes` behind. For a source
 * whose bytes are the file's, from its start (OpenedSource.localFile).
 */
export function fileHasher(path: string, options: { stallMs?: number; maxLagBytes?: number } = {}): Hasher {
  const stallMs = options.stallMs ?? 10_000;
  // How far the worker may trail the reader: its reads should find the pages the reader just
  // brought in, not read a capture larger than the page cache from disk a second time.
  const maxLag = options.maxLagBytes ?? 64 * SLOT_BYTES;
  const control = new BigInt64Array(new SharedArrayBuffer(24));
  control[1] = -1n;
  let worker: Worker;
  try {
    worker = new Worker(FILE_WORKER_SOURCE, {
      eval: true,
      execArgv: WORKER_EXEC_ARGV,
      workerData: { control, path },
    });
  } catch {
    return sha256Hasher();
  }
  worker.unref();
  let failed: Error | null = null;
  worker.on('error', (e) => {
    failed ??= e;
  });
  let read = 0;
  const behind = () => read - Number(Atomics.load(control, 2));
  return {
    update(chunk) {
      read += chunk.length;
      Atomics.store(control, 0, BigInt(read));
    },
    ready() {
      if (failed !== null || behind() <= maxLag) return null;
      // Waits until the worker is half the allowance behind; one that takes nothing for stallMs is
      // given up on (the capture goes on without a hash).
      return (async () => {
        let hashed = read - behind();
        let since = Date.now();
        while (failed === null && behind() > maxLag / 2) {
          await new Promise((r) => setTimeout(r, POLL_MIN_MS));
          const now = read - behind();
          if (now !== hashed) {
            hashed = now;
            since = Date.now();
          } else if (Date.now() - since > stallMs) {
            failed = new Error(`the hashing thread took no data for ${stallMs} ms`);
            void worker.terminate();
          }
        }
      })();
    },
    digest() {
      return workerDigest(worker, failed, () => {
        Atomics.store(control, 1, BigInt(read));
        Atomics.notify(control, 0);
        return null;
      });
    },
    discard() {
      void worker.terminate();
    },
  };
}

/**
 * The hex digest a hashing worker posts once `finish` has told it where the bytes end (`finish`
 * returns an error instead when it cannot); the worker is ended either way.
 */
function workerDigest(worker: Worker, failed: Error | null, finish: () => Error | null): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    if (failed) {
      reject(failed);
      return;
    }
    worker.once('message', (hex: string) => resolve(hex));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the hashing thread exited (${code})`)));
    const error = finish();
    if (error) reject(error);
  }).finally(() => {
    void worker.terminate();
  });
}

/** Node 20 has Atomics.waitAsync; the compiler's lib (ES2023, kept so as not to offer APIs Node 20 lacks) does not. */
interface AtomicsWaitAsync {
  waitAsync(
    array: Int32Array,
    index: number,
    value: number,
    timeoutMs: number,
  ): { async: false; value: string } | { async: true; value: Promise<string> };
}

/** SHA-256 in this thread. */
export function localHasher(): Hasher {
  const hash = createHash('sha256');
  return {
    update(chunk) {
      hash.update(chunk);
    },
    ready: () => null,
    async digest() {
      return hash.digest('hex');
    },
    discard() {},
  };
}
