// Writer for pcapng files (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-03.html).
// Every method returns the bytes of one block; concatenate them (see `concat`) in any order you like,
// including deliberately odd ones, to build a fixture.
import { parseIP } from './address.ts';
import { concat, FileSink, GrowableBuffer, viewOf } from './bytes.ts';
import type { WriterPacket } from './pcap-writer.ts';

export { concat } from './bytes.ts';

export interface PcapngInterface {
  /** LINKTYPE_ value (16 bits in the IDB). */
  linkType: number;
  /** Default 262144; 0 means "no limit". Packets are cut to it. */
  snaplen?: number;
  /** Raw if_tsresol byte: 6 = 10^-6 (the default when absent), 9 = 10^-9, 0x80|k = 2^-k. Omitted when undefined. */
  tsresol?: number;
  /** if_tsoffset in seconds, added by readers to every timestamp. Omitted when undefined. */
  tsoffset?: bigint;
  /** if_name option. */
  name?: string;
  /** if_description option. */
  description?: string;
}

export interface PcapngSectionOptions {
  byteOrder?: 'le' | 'be';
  /** shb_userappl; default 'capstream-testing'. Pass '' to omit. */
  userAppl?: string;
  /** opt_comment on the SHB. */
  comment?: string;
}

export interface PcapngPacketOptions {
  /** opt_comment. */
  comment?: string;
  /** epb_flags (direction, reception type, FCS length, link-layer errors). */
  flags?: number;
}

export interface PcapngStatistics {
  /** isb_ifrecv; default: packets written on the interface in this section (EPB + PB + SPB). */
  recv?: bigint;
  /** isb_ifdrop; default 0. */
  drop?: bigint;
  /** isb_starttime / isb_endtime, in ns since the epoch. */
  startNs?: bigint;
  endNs?: bigint;
}

export const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;
export const BLOCK_SHB = 0x0a0d0d0a;
export const BLOCK_IDB = 1;
export const BLOCK_PB = 2;
export const BLOCK_SPB = 3;
export const BLOCK_NRB = 4;
export const BLOCK_ISB = 5;
export const BLOCK_EPB = 6;
export const BLOCK_CUSTOM = 0x00000bad;
export const BLOCK_CUSTOM_NOCOPY = 0x40000bad;

const NS_PER_SEC = 1_000_000_000n;
const EMPTY = new Uint8Array(0);
const utf8 = new TextEncoder();

interface IfaceState {
  snaplen: number;
  offsetNs: bigint;
  /** ns -> units: units = (ns * mul) / div, or (ns << shift) / 1e9 when binary. */
  mul: bigint;
  div: bigint;
  shift: bigint;
  binary: boolean;
  packets: bigint;
}

interface Opt {
  code: number;
  value: Uint8Array;
}

const pad4 = (n: number) => (n + 3) & ~3;

export class PcapngWriter {
  private le: boolean;
  private ifaces: IfaceState[] = [];

  constructor(opts?: { byteOrder?: 'le' | 'be' }) {
    this.le = (opts?.byteOrder ?? 'le') === 'le';
  }

  /** Byte order of the current section. */
  get byteOrder(): 'le' | 'be' {
    return this.le ? 'le' : 'be';
  }

  /** Number of interfaces declared in the current section. */
  get interfaceCount(): number {
    return this.ifaces.length;
  }

  /** A Section Header Block (version 1.0, section length -1). Starts a new section: interface ids restart at 0. */
  section(opts?: PcapngSectionOptions): Uint8Array {
    if (opts?.byteOrder) this.le = opts.byteOrder === 'le';
    this.ifaces = [];
    const body = new Uint8Array(16);
    const v = viewOf(body);
    v.setUint32(0, PCAPNG_BYTE_ORDER_MAGIC, this.le);
    v.setUint16(4, 1, this.le);
    v.setUint16(6, 0, this.le);
    v.setBigInt64(8, -1n, this.le);
    const options: Opt[] = [];
    if (opts?.comment) options.push({ code: 1, value: utf8.encode(opts.comment) });
    const appl = opts?.userAppl ?? 'capstream-testing';
    if (appl) options.push({ code: 4, value: utf8.encode(appl) });
    return this.block(BLOCK_SHB, body, options);
  }

  /** An Interface Description Block; the interface gets the next id (from 0) in the current section. */
  interface(iface: PcapngInterface): Uint8Array {
    const snaplen = iface.snaplen ?? 262144;
    const body = new Uint8Array(8);
    const v = viewOf(body);
    v.setUint16(0, iface.linkType, this.le);
    v.setUint16(2, 0, this.le);
    v.setUint32(4, snaplen >>> 0, this.le);
    const options: Opt[] = [];
    if (iface.name !== undefined) options.push({ code: 2, value: utf8.encode(iface.name) });
    if (iface.description !== undefined) options.push({ code: 3, value: utf8.encode(iface.description) });
    if (iface.tsresol !== undefined) options.push({ code: 9, value: Uint8Array.of(iface.tsresol) });
    if (iface.tsoffset !== undefined) {
      const b = new Uint8Array(8);
      viewOf(b).setBigInt64(0, iface.tsoffset, this.le);
      options.push({ code: 14, value: b });
    }
    this.ifaces.push(ifaceState(snaplen, iface.tsresol ?? 6, iface.tsoffset ?? 0n));
    return this.block(BLOCK_IDB, body, options);
  }

  /** Bytes `epb(interfaceId, p, opts)` produces. */
  epbLength(interfaceId: number, p: WriterPacket, opts?: PcapngPacketOptions): number {
    const incl = capLen(this.iface(interfaceId).snaplen, p.data.length);
    return 32 + pad4(incl) + (opts ? encodeOptions(packetOptions(opts, this.le), this.le).length : 0);
  }

  /** An Enhanced Packet Block. */
  epb(interfaceId: number, p: WriterPacket, opts?: PcapngPacketOptions): Uint8Array {
    const out = new Uint8Array(this.epbLength(interfaceId, p, opts));
    this.epbInto(out, 0, interfaceId, p, opts);
    return out;
  }

  /**
   * Fast path: writes an Enhanced Packet Block into `target` at `offset` (which must have room for
   * `epbLength(...)` bytes) and returns the bytes written.
   */
  epbInto(
    target: Uint8Array,
    offset: number,
    interfaceId: number,
    p: WriterPacket,
    opts?: PcapngPacketOptions,
  ): number {
    const st = this.iface(interfaceId);
    const incl = capLen(st.snaplen, p.data.length);
    const optBytes = opts ? encodeOptions(packetOptions(opts, this.le), this.le) : EMPTY;
    const padded = pad4(incl);
    const total = 32 + padded + optBytes.length;
    const v = new DataView(target.buffer, target.byteOffset + offset, total);
    v.setUint32(0, BLOCK_EPB, this.le);
    v.setUint32(4, total, this.le);
    v.setUint32(8, interfaceId, this.le);
    this.putTs(v, 12, st, p.tsNs);
    v.setUint32(20, incl, this.le);
    v.setUint32(24, (p.origLen ?? p.data.length) >>> 0, this.le);
    target.set(incl === p.data.length ? p.data : p.data.subarray(0, incl), offset + 28);
    target.fill(0, offset + 28 + incl, offset + 28 + padded);
    target.set(optBytes, offset + 28 + padded);
    v.setUint32(total - 4, total, this.le);
    st.packets++;
    return total;
  }

  /**
   * A Simple Packet Block (belongs to interface 0). Readers take the captured length as
   * min(original length, snaplen of interface 0), so `origLen` larger than the data is only
   * representable when the data fills the snaplen; otherwise this throws.
   */
  spb(p: WriterPacket): Uint8Array {
    const st = this.iface(0);
    const orig = p.origLen ?? p.data.length;
    const incl = capLen(st.snaplen, p.data.length);
    if (capLen(st.snaplen, orig) !== incl) {
      throw new RangeError(
        `SPB cannot represent ${incl} captured bytes of ${orig} with snaplen ${st.snaplen}`,
      );
    }
    const body = new Uint8Array(4 + pad4(incl));
    viewOf(body).setUint32(0, orig >>> 0, this.le);
    body.set(p.data.subarray(0, incl), 4);
    st.packets++;
    return this.block(BLOCK_SPB, body, []);
  }

  /** An obsolete Packet Block (type 2) with a 16-bit interface id and drops count. */
  pb(interfaceId: number, p: WriterPacket, drops = 0): Uint8Array {
    const st = this.iface(interfaceId);
    const incl = capLen(st.snaplen, p.data.length);
    const body = new Uint8Array(20 + pad4(incl));
    const v = viewOf(body);
    v.setUint16(0, interfaceId, this.le);
    v.setUint16(2, drops, this.le);
    this.putTs(v, 4, st, p.tsNs);
    v.setUint32(12, incl, this.le);
    v.setUint32(16, (p.origLen ?? p.data.length) >>> 0, this.le);
    body.set(p.data.subarray(0, incl), 20);
    st.packets++;
    return this.block(BLOCK_PB, body, []);
  }

  /** Any block type with an opaque body (padded to 32 bits), e.g. a custom block to test skipping. */
  unknownBlock(type: number, body: Uint8Array): Uint8Array {
    const padded = new Uint8Array(pad4(body.length));
    padded.set(body);
    return this.block(type, padded, []);
  }

  /** A Name Resolution Block with one IPv4/IPv6 record per entry. */
  nameResolution(entries: { ip: string; name: string }[]): Uint8Array {
    const parts: Uint8Array[] = [];
    for (const e of entries) {
      const addr = parseIP(e.ip);
      const name = utf8.encode(e.name);
      const valueLen = addr.length + name.length + 1;
      const rec = new Uint8Array(4 + pad4(valueLen));
      const v = viewOf(rec);
      v.setUint16(0, addr.length === 4 ? 1 : 2, this.le);
      v.setUint16(2, valueLen, this.le);
      rec.set(addr, 4);
      rec.set(name, 4 + addr.length);
      parts.push(rec);
    }
    parts.push(new Uint8Array(4)); // nrb_record_end
    return this.block(BLOCK_NRB, concat(parts), []);
  }

  /** An Interface Statistics Block. */
  interfaceStatistics(interfaceId: number, tsNs: bigint, stats?: PcapngStatistics): Uint8Array {
    const st = this.iface(interfaceId);
    const body = new Uint8Array(12);
    const v = viewOf(body);
    v.setUint32(0, interfaceId, this.le);
    this.putTs(v, 4, st, tsNs);
    const options: Opt[] = [];
    const tsOpt = (code: number, ns: bigint) => {
      const b = new Uint8Array(8);
      this.putTs(viewOf(b), 0, st, ns);
      options.push({ code, value: b });
    };
    const u64Opt = (code: number, x: bigint) => {
      const b = new Uint8Array(8);
      viewOf(b).setBigUint64(0, x, this.le);
      options.push({ code, value: b });
    };
    if (stats?.startNs !== undefined) tsOpt(2, stats.startNs);
    if (stats?.endNs !== undefined) tsOpt(3, stats.endNs);
    u64Opt(4, stats?.recv ?? st.packets);
    u64Opt(5, stats?.drop ?? 0n);
    return this.block(BLOCK_ISB, body, options);
  }

  /** Converts ns since the epoch to the interface's units and writes them as high, low 32-bit words. */
  private putTs(v: DataView, off: number, st: IfaceState, tsNs: bigint): void {
    const rel = tsNs - st.offsetNs;
    if (rel < 0n) throw new RangeError(`timestamp ${tsNs} is before the interface's tsoffset`);
    let units: bigint;
    if (st.binary) units = (rel << st.shift) / NS_PER_SEC;
    else if (st.mul !== 1n) units = rel * st.mul;
    else if (st.div !== 1n) units = rel / st.div;
    else units = rel;
    if (units > 0xffffffffffffffffn) throw new RangeError(`timestamp ${tsNs} overflows 64 bits`);
    v.setUint32(off, Number(units >> 32n), this.le);
    v.setUint32(off + 4, Number(units & 0xffffffffn), this.le);
  }

  private iface(id: number): IfaceState {
    const st = this.ifaces[id];
    if (!st) throw new RangeError(`interface ${id} is not declared in this section`);
    return st;
  }

  /** type, total length, body (already padded), options (+ opt_endofopt), total length. */
  private block(type: number, body: Uint8Array, options: Opt[]): Uint8Array {
    const opt = encodeOptions(options, this.le);
    const total = 12 + body.length + opt.length;
    const out = new Uint8Array(total);
    const v = viewOf(out);
    v.setUint32(0, type >>> 0, this.le);
    v.setUint32(4, total, this.le);
    out.set(body, 8);
    out.set(opt, 8 + body.length);
    v.setUint32(total - 4, total, this.le);
    return out;
  }
}

function capLen(snaplen: number, len: number): number {
  return snaplen > 0 ? Math.min(snaplen, len) : len;
}

function ifaceState(snaplen: number, tsresol: number, tsoffset: bigint): IfaceState {
  const st: IfaceState = {
    snaplen,
    offsetNs: tsoffset * NS_PER_SEC,
    mul: 1n,
    div: 1n,
    shift: 0n,
    binary: false,
    packets: 0n,
  };
  const exp = tsresol & 0x7f;
  if (tsresol & 0x80) {
    st.binary = true;
    st.shift = BigInt(exp);
  } else if (exp <= 9) {
    st.div = 10n ** BigInt(9 - exp);
  } else {
    st.mul = 10n ** BigInt(exp - 9);
  }
  return st;
}

function packetOptions(opts: PcapngPacketOptions, le: boolean): Opt[] {
  const out: Opt[] = [];
  if (opts.comment !== undefined) out.push({ code: 1, value: utf8.encode(opts.comment) });
  if (opts.flags !== undefined) {
    const b = new Uint8Array(4);
    viewOf(b).setUint32(0, opts.flags >>> 0, le);
    out.push({ code: 2, value: b });
  }
  return out;
}

/** Options as code/length/value padded to 32 bits, terminated by opt_endofopt; empty when none. */
function encodeOptions(options: Opt[], le: boolean): Uint8Array {
  if (options.length === 0) return EMPTY;
  let n = 4;
  for (const o of options) n += 4 + pad4(o.value.length);
  const out = new Uint8Array(n);
  const v = viewOf(out);
  let off = 0;
  for (const o of options) {
    v.setUint16(off, o.code, le);
    v.setUint16(off + 2, o.value.length, le);
    out.set(o.value, off + 4);
    off += 4 + pad4(o.value.length);
  }
  return out; // the trailing 4 zero bytes are opt_endofopt
}

/** A packet for the `writePcapng*` helpers: which interface it was captured on (default 0). */
export interface PcapngPacket extends WriterPacket {
  interfaceId?: number;
}

/** A one-section pcapng file in memory: SHB, one IDB per interface, one EPB per packet. */
export function writePcapng(
  interfaces: PcapngInterface[],
  packets: Iterable<PcapngPacket>,
  opts?: { byteOrder?: 'le' | 'be' },
): Uint8Array {
  const w = new PcapngWriter(opts);
  const out = new GrowableBuffer();
  out.append(w.section());
  for (const i of interfaces) out.append(w.interface(i));
  for (const p of packets) {
    const id = p.interfaceId ?? 0;
    const { buf, offset } = out.reserve(w.epbLength(id, p));
    out.length += w.epbInto(buf, offset, id, p);
  }
  return out.toBytes();
}

/** Streams a one-section pcapng file (as `writePcapng`) to `path`. */
export function writePcapngFile(
  path: string,
  interfaces: PcapngInterface[],
  packets: Iterable<PcapngPacket>,
  opts?: { byteOrder?: 'le' | 'be' },
): { packets: number; bytes: number } {
  const w = new PcapngWriter(opts);
  const sink = new FileSink(path);
  let count = 0;
  try {
    sink.write(w.section());
    for (const i of interfaces) sink.write(w.interface(i));
    for (const p of packets) {
      const id = p.interfaceId ?? 0;
      const r = sink.reserve(w.epbLength(id, p));
      if (r) sink.commit(w.epbInto(r.buf, r.offset, id, p));
      else sink.write(w.epb(id, p));
      count++;
    }
  } finally {
    sink.close();
  }
  return { packets: count, bytes: sink.bytesWritten };
}
