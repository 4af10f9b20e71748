import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

/** A capture's SHA-256, fed chunk by chunk as it is read. */
export interface Hasher {
  update(chunk: Uint8Array): void;
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

// The worker's whole program: it waits on each slot in turn, hashes what the main thread put
// there, frees the slot, and posts the digest when it meets the end mark.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const hash = require('node:crypto').createHash('sha256');
const { control, lengths, data, slots, slotBytes } = workerData;
for (let i = 0; ; i = (i + 1) % slots) {
  Atomics.wait(control, i, ${FREE});
  if (Atomics.load(control, i) === ${END}) break;
  hash.update(new Uint8Array(data, i * slotBytes, lengths[i]));
  Atomics.store(control, i, ${FREE});
  Atomics.notify(control, i);
}
parentPort.postMessage(hash.digest('hex'));
`;

/**
 * SHA-256 on a worker thread: hashing a 1 GB capture costs ~0.7-0.9 s of CPU, which on the
 * thread that also segments (and, embedded, parses) the capture was a tenth of the pipeline's
 * time. The chunks go through a ring of shared 1 MiB slots: the main thread only copies each
 * chunk into the next free slot (~0.05 s per GB; posting a copy of each chunk instead cost ~0.4 s
 * per GB, mostly in fresh pages). It waits for a slot only when the worker is 8 MiB behind.
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
      workerData: { control, lengths, data, slots: SLOTS, slotBytes: SLOT_BYTES },
    });
  } catch {
    return localHasher();
  }
  // Not kept alive by the worker: a digest awaited keeps the process up, an abandoned one does not.
  worker.unref();
  const bytes = new Uint8Array(data);
  let next = 0;
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
  return {
    update(chunk) {
      for (let at = 0; at < chunk.length && failed === null; at += SLOT_BYTES) {
        const piece = chunk.subarray(at, at + SLOT_BYTES);
        const i = slot();
        if (i < 0) return;
        bytes.set(piece, i * SLOT_BYTES);
        lengths[i] = piece.length;
        Atomics.store(control, i, FULL);
        Atomics.notify(control, i);
      }
    },
    digest() {
      return new Promise<string>((resolve, reject) => {
        if (failed) {
          reject(failed);
          return;
        }
        worker.once('message', (hex: string) => resolve(hex));
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new Error(`the hashing thread exited (${code})`)));
        const i = slot();
        if (i < 0) {
          reject(failed);
          return;
        }
        Atomics.store(control, i, END);
        Atomics.notify(control, i);
      }).finally(() => {
        void worker.terminate();
      });
    },
    discard() {
      void worker.terminate();
    },
  };
}

/** SHA-256 in this thread. */
export function localHasher(): Hasher {
  const hash = createHash('sha256');
  return {
    update(chunk) {
      hash.update(chunk);
    },
    async digest() {
      return hash.digest('hex');
    },
    discard() {},
  };
}
