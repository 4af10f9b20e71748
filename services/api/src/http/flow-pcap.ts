import { formatIPv4, formatIPv6, PacketDecoder, readCapture } from '@capstream/core';
import { PcapWriter } from '@capstream/core/testing';
import type { EnrichedFlow } from '@capstream/pipeline';

const NS = 1_000_000_000n;

/**
 * The packets of one flow, read back from the stored capture: those of its 5-tuple (either
 * direction) within its time span, as a pcap (nanosecond timestamps, the link type of the flow's
 * first packet). Non-first IP fragments carry no ports and are left out.
 */
export async function flowPcap(
  capture: AsyncIterable<Uint8Array>,
  flow: EnrichedFlow,
): Promise<{ bytes: Uint8Array; packets: number }> {
  const decoder = new PacketDecoder();
  const first = BigInt(flow.first_ns);
  const last = BigInt(flow.last_ns);
  const a = `${flow.src_ip}|${flow.src_port ?? -1}`;
  const b = `${flow.dst_ip}|${flow.dst_port ?? -1}`;
  let writer: PcapWriter | null = null;
  const chunks: Uint8Array[] = [];
  let packets = 0;
  await readCapture(capture, (p) => {
    const ts = BigInt(p.tsSec) * NS + BigInt(p.tsNsec);
    if (ts < first || ts > last) return;
    if (!decoder.decode(p.linkType, p.data, p.origLen) || decoder.proto !== flow.ip_proto) return;
    const d = decoder;
    const fmt = d.ipVersion === 4 ? formatIPv4 : formatIPv6;
    const s = `${fmt(d.buf, d.srcOff)}|${d.srcPort}`;
    const t = `${fmt(d.buf, d.dstOff)}|${d.dstPort}`;
    if (!((s === a && t === b) || (s === b && t === a))) return;
    if (writer === null) {
      writer = new PcapWriter({ linkType: p.linkType, resolution: 'ns' });
      chunks.push(writer.header());
    }
    if (p.linkType !== writer.linkType) return;
    chunks.push(writer.record({ tsNs: ts, data: p.data.slice(), origLen: p.origLen }));
    packets++;
  });
  if (writer === null) chunks.push(new PcapWriter({ linkType: 1, resolution: 'ns' }).header());
  return { bytes: Buffer.concat(chunks), packets };
}
