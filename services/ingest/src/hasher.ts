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

// The worker's whole program: chunks in, one digest out when the main thread sends null.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const hash = require('node:crypto').createHash('sha256');
parentPort.on('message', (m) => {
  if (m === null) {
    parentPort.postMessage(hash.digest('hex'));
    parentPort.close();
  } else {
    hash.update(new Uint8Array(m));
  }
});
`;

/**
 * SHA-256 on a worker thread: hashing a 1 GB capture costs ~0.7-0.9 s of CPU, which on the
 * thread that also segments (and, embedded, parses) the capture was a tenth of the pipeline's
 * time. The main thread only copies each chunk (~0.1 s per GB) and hands the copy over.
 * Falls back to hashing in this thread when no worker can be started.
 */
export function sha256Hasher(): Hasher {
  let worker: Worker;
  try {
    worker = new Worker(WORKER_SOURCE, { eval: true });
  } catch {
    return localHasher();
  }
  // Not kept alive by the worker: a digest awaited keeps the process up, an abandoned one does not.
  worker.unref();
  let failed: Error | null = null;
  worker.on('error', (e) => {
    failed = e;
  });
  return {
    update(chunk) {
      // A copy of its own, transferred: the chunk itself may be a view of a larger buffer still in use.
      const copy = new Uint8Array(chunk);
      worker.postMessage(copy.buffer, [copy.buffer]);
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
        worker.postMessage(null);
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
