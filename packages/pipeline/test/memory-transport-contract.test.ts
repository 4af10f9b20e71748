import { MemoryTransport } from '../src/memory-transport.ts';
import { transportContract } from './transport-contract.ts';

transportContract('memory', async ({ topics }) => {
  const partitions = new Set(topics.map((t) => t.partitions));
  if (partitions.size > 1) throw new Error('MemoryTransport has one partition count for all its topics');
  const transport = new MemoryTransport({ partitions: topics[0]?.partitions ?? 4, maxBatch: 4, retryMs: 20 });
  return { transport, cleanup: () => transport.close() };
});
