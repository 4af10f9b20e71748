// Writer for classic libpcap files (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcap-04.html).
import { FileSink, GrowableBuffer, viewOf } from './bytes.ts';

export interface WriterPacket {
  /** Nanoseconds since the Unix epoch. */
  tsNs: bigint;
  /** The captured bytes (cut to the snaplen by the writer). */
  data: Uint8Array;
  /** Original length on the wire; defaults to data.length. Set larger to simulate a snaplen cut. */
  origLen?: number;
}

export interface PcapOptions {
  /** Byte order of the header and record fields; default 'le'. */
  byteOrder?: 'le' | 'be';
  /** Timestamp resolution: 'us' (magic 0xa1b2c3d4, default) or 'ns' (magic 0xa1b23c4d). */
  resolution?: 'us' | 'ns';
  /** LINKTYPE_ value (1 Ethernet, 101 raw IP, 113 SLL, ...). */
  linkType: number;
  /** Snapshot length written to the header; records are cut to it. Default 262144. */
  snaplen?: number;
}

export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;
export const PCAP_HEADER_LEN = 24;
export const PCAP_RECORD_HEADER_LEN = 16;
const NS_PER_SEC = 1_000_000_000n;

export class PcapWriter {
  readonly byteOrder: 'le' | 'be';
  readonly resolution: 'us' | 'ns';
  readonly linkType: number;
  readonly snaplen: number;
  private readonly le: boolean;
  private readonly nsRes: boolean;
  private lastTarget: Uint8Array | null = null;
  private lastView: DataView | null = null;

  constructor(opts: PcapOptions) {
    this.byteOrder = opts.byteOrder ?? 'le';
    this.resolution = opts.resolution ?? 'us';
    this.linkType = opts.linkType;
    this.snaplen = opts.snaplen ?? 262144;
    this.le = this.byteOrder === 'le';
    this.nsRes = this.resolution === 'ns';
  }

  /** The 24-byte file header. */
  header(): Uint8Array {
    const out = new Uint8Array(PCAP_HEADER_LEN);
    const v = viewOf(out);
    v.setUint32(0, this.nsRes ? PCAP_MAGIC_NS : PCAP_MAGIC_US, this.le);
    v.setUint16(4, 2, this.le);
    v.setUint16(6, 4, this.le);
    v.setInt32(8, 0, this.le); // thiszone
    v.setUint32(12, 0, this.le); // sigfigs
    v.setUint32(16, this.snaplen >>> 0, this.le);
    v.setUint32(20, this.linkType >>> 0, this.le);
    return out;
  }

  /** Bytes `record(p)` produces: 16 + min(data.length, snaplen). */
  recordLength(p: WriterPacket): number {
    return PCAP_RECORD_HEADER_LEN + Math.min(p.data.length, this.snaplen);
  }

  /** One record (16-byte header + captured data) in a fresh array. */
  record(p: WriterPacket): Uint8Array {
    const out = new Uint8Array(this.recordLength(p));
    this.recordInto(out, 0, p);
    return out;
  }

  /**
   * Fast path: writes one record into `target` at `offset` (which must have `recordLength(p)` bytes
   * of room) and returns the number of bytes written. No allocation when `target` is reused.
   */
  recordInto(target: Uint8Array, offset: number, p: WriterPacket): number {
    let v = this.lastView;
    if (this.lastTarget !== target || v === null) {
      v = viewOf(target);
      this.lastTarget = target;
      this.lastView = v;
    }
    const ts = p.tsNs;
    if (ts < 0n) throw new RangeError(`pcap cannot store a timestamp before 1970: ${ts}`);
    const sec = ts / NS_PER_SEC;
    if (sec > 0xffffffffn) throw new RangeError(`pcap timestamp seconds overflow 32 bits: ${ts}`);
    const ns = Number(ts - sec * NS_PER_SEC);
    const incl = Math.min(p.data.length, this.snaplen);
    v.setUint32(offset, Number(sec), this.le);
    v.setUint32(offset + 4, this.nsRes ? ns : Math.floor(ns / 1000), this.le);
    v.setUint32(offset + 8, incl, this.le);
    v.setUint32(offset + 12, (p.origLen ?? p.data.length) >>> 0, this.le);
    target.set(incl === p.data.length ? p.data : p.data.subarray(0, incl), offset + PCAP_RECORD_HEADER_LEN);
    return PCAP_RECORD_HEADER_LEN + incl;
  }
}

/** A whole pcap file in memory. */
export function writePcap(opts: PcapOptions, packets: Iterable<WriterPacket>): Uint8Array {
  const w = new PcapWriter(opts);
  const out = new GrowableBuffer();
  out.append(w.header());
  for (const p of packets) {
    const n = w.recordLength(p);
    const { buf, offset } = out.reserve(n);
    out.length += w.recordInto(buf, offset, p);
  }
  return out.toBytes();
}

/**
 * Streams a pcap file to `path` through a reused 4 MiB chunk (for large benchmark captures).
 * Returns the packet count and file size.
 */
export function writePcapFile(
  path: string,
  opts: PcapOptions,
  packets: Iterable<WriterPacket>,
): { packets: number; bytes: number } {
  const w = new PcapWriter(opts);
  const sink = new FileSink(path);
  let count = 0;
  try {
    sink.write(w.header());
    for (const p of packets) {
      const n = w.recordLength(p);
      const r = sink.reserve(n);
      if (r) sink.commit(w.recordInto(r.buf, r.offset, p));
      else sink.write(w.record(p));
      count++;
    }
  } finally {
    sink.close();
  }
  return { packets: count, bytes: sink.bytesWritten };
}
