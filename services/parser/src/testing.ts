import type { FlowMessage, Transport } from '@capstream/pipeline';
import { TOPICS } from '@capstream/pipeline';

/**
 * Test harness: keeps the newest version of every flow that reaches the flows topic, as the
 * store would (ReplacingMergeTree by version).
 */
export async function collectFlows(transport: Transport, group = 'test-collector') {
  const latest = new Map<string, FlowMessage>();
  /** Every message's capture id and capture_end mark, in delivery order. */
  const order: { captureId: string; end: boolean }[] = [];
  const sub = await transport.subscribe<FlowMessage>(TOPICS.flows, group, async (batch, ctx) => {
    for (const d of batch) {
      order.push({ captureId: d.value.capture_id, end: d.value.capture_end === true });
      const key = `${d.value.capture_id}/${d.value.flow_id}`;
      const prev = latest.get(key);
      if (prev === undefined || prev.version <= d.value.version) latest.set(key, d.value);
    }
    await ctx.commit(batch[0].partition, batch[batch.length - 1].offset);
  });
  return { latest, order, close: () => sub.close() };
}
