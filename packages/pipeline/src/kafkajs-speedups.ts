// Two costs of kafkajs 2.2.4 (unmaintained since 2023) when it produces the ingest's ~1 MiB
// segments, fixed here because kafkajs has no hook for either (kafkajs is pinned: both patches
// name its internal modules):
//
// - It computes each record batch's CRC-32C in JavaScript a byte at a time (~160 MB/s here: 6 of
//   the ingest's ~22 CPU seconds on the 1 GB benchmark capture). @node-rs/crc32's CRC-32C uses
//   the CPU's CRC instruction (~12 GB/s). The module holding kafkajs's is put in the CommonJS
//   cache before kafkajs loads it, so kafkajs must be loaded through `kafkajs()` below (the
//   transport, the topic admin and kafka-testing do); where the native module does not load, or
//   kafkajs was loaded otherwise first, kafkajs keeps its own. `kafkaCrc32c()` says which is in use.
// - Its encoder grows a message's buffer to the next power of two, zero-filled, at each of the ~7
//   layers a message is copied through (record, batch, request...): ~14 MiB allocated and cleared
//   per 1 MiB segment, which the garbage collector then chases (the ingest's largest cost after
//   the CRC). Growing by a quarter over what is needed, without clearing (every byte up to the
//   encoder's offset is written before it is read), allocates a third of that.
// - It groups a send's messages by partition with `[...current, message]` for every message:
//   quadratic in the messages of one partition. A capture's flows share a key, hence a partition,
//   so the parser's sends paid ~1.2 CPU s per 1 GB capture, most of it on the capture's last
//   ~50,000 flows, sent at its end. The replacement appends; same result, in the same order.
import { createRequire, Module } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * Puts `exports` in the CommonJS cache as kafkajs's module `path` (resolved), unless it is loaded
 * already; returns the resolved path, or null when kafkajs has no such module.
 */
function replaceModule(path: string, exports: unknown): string | null {
  let resolved: string;
  try {
    resolved = require.resolve(path);
  } catch {
    return null;
  }
  if (require.cache[resolved] === undefined) {
    const m = new Module(resolved);
    m.filename = resolved;
    m.loaded = true;
    m.exports = exports;
    require.cache[resolved] = m;
  }
  return resolved;
}

let crcPath: string | null = null;
let native: ((buffer: Buffer) => number) | null = null;

function patchCrc(): void {
  try {
    const { crc32c } = require('@node-rs/crc32') as { crc32c: (input: Buffer) => number };
    native = (buffer) => crc32c(buffer) >>> 0;
    crcPath = replaceModule('kafkajs/src/protocol/recordBatch/crc32C/index.js', native);
  } catch {
    // No native build for this platform: kafkajs's own CRC stays.
  }
}

interface KafkaEncoder {
  buf: Buffer;
  offset: number;
}

type Partitioner = (args: { topic: string; partitionMetadata: unknown[]; message: unknown }) => number;

/** kafkajs's groupMessagesPerPartition, linear. */
export function groupMessagesPerPartition({
  topic,
  partitionMetadata,
  messages,
  partitioner,
}: {
  topic: string;
  partitionMetadata: unknown[];
  messages: unknown[];
  partitioner: Partitioner;
}): Record<number, unknown[]> {
  if (partitionMetadata.length === 0) return {};
  const result: Record<number, unknown[]> = {};
  for (const message of messages) {
    const partition = partitioner({ topic, partitionMetadata, message });
    const list = result[partition];
    if (list === undefined) result[partition] = [message];
    else list.push(message);
  }
  return result;
}

let groupPath: string | null = null;

function patchEncoder(): void {
  try {
    const Encoder = require('kafkajs/src/protocol/encoder.js') as { prototype: KafkaEncoder };
    Object.defineProperty(Encoder.prototype, 'ensureAvailable', {
      configurable: true,
      writable: true,
      value: function ensureAvailable(this: KafkaEncoder, length: number): void {
        const needed = this.offset + length;
        if (needed <= this.buf.length) return;
        const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, needed + (needed >>> 2)));
        this.buf.copy(grown, 0, 0, this.offset);
        this.buf = grown;
      },
    });
  } catch {
    // Another kafkajs layout: its own encoder stays.
  }
}

let loaded: typeof import('kafkajs') | null = null;

/**
 * kafkajs itself, loaded on first use after the patches above. Modules that use kafkajs get it
 * from here rather than with `import ... from 'kafkajs'`: a bundler hoists such an import above
 * the code of the modules merged into its chunk, so kafkajs (and the modules it requires as it
 * loads, such as the producer's grouping) would be loaded before the replacements are in place.
 * On first use, not at import: the embedded pipeline, which imports this package for its other
 * transport, then starts ~70 ms sooner.
 */
export function kafkajs(): typeof import('kafkajs') {
  if (loaded === null) {
    patchCrc();
    groupPath = replaceModule('kafkajs/src/producer/groupMessagesPerPartition.js', groupMessagesPerPartition);
    patchEncoder();
    loaded = require('kafkajs') as typeof import('kafkajs');
  }
  return loaded;
}

/** Whether kafkajs's producer groups messages with the linear replacement above. */
export function kafkaGroupingPatched(): boolean {
  kafkajs();
  return groupPath !== null && require.cache[groupPath]?.exports === groupMessagesPerPartition;
}

/** Which CRC-32C kafkajs uses for the batches it produces. */
export function kafkaCrc32c(): 'native' | 'kafkajs' {
  kafkajs();
  return native !== null && crcPath !== null && require.cache[crcPath]?.exports === native
    ? 'native'
    : 'kafkajs';
}
