import { CaptureError } from '../errors.ts';
import { PCAPNG_BYTE_ORDER_MAGIC, PCAPNG_SHB_TYPE } from './format.ts';
import type { UnitFormat } from './framer.ts';
import { type PacketRecord, precisionDigits } from './packet.ts';
import type { CaptureHeaderSink } from './sink.ts';
import { UnitClock } from './timestamp.ts';

/** Larger blocks than this are treated as corrupt lengths, not allocated. */
export const MAX_BLOCK_BYTES = 16 * 1024 * 1024;

const BLOCK_IDB = 1;
const BLOCK_PB = 2; // obsolete Packet Block
const BLOCK_SPB = 3;
const BLOCK_EPB = 6;
const OPT_ENDOFOPT = 0;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;

interface Iface {
  linkType: number;
  snaplen: number;
  clock: UnitClock;
}

/**
 * pcapng (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-02.html). Each Section Header
 * Block fixes the byte order for its section and resets the interface table.
 */
export class PcapngFormat implements UnitFormat {
  // Every block is at least 12 bytes (type, length, trailing length); an SHB's byte-order magic is
  // at offset 8, so 12 bytes always suffice to know a block's length.
  readonly headerBytes = 12;
  private le = true;
  private inSection = false;
  private ifaces: Iface[] = [];
  private lastSec = 0;
  private lastNsec = 0;

  constructor(
    private readonly rec: PacketRecord,
    private readonly onPacket: (p: PacketRecord) => void,
    private readonly sink: CaptureHeaderSink,
  ) {}

  unitLength(_buf: Uint8Array, view: DataView, off: number, abs: number): number {
    if (view.getUint32(off, false) === PCAPNG_SHB_TYPE) {
      // The SHB type reads the same in both byte orders; its byte-order magic decides the section's.
      const bom = view.getUint32(off + 8, true);
      if (bom === PCAPNG_BYTE_ORDER_MAGIC) this.le = true;
      else if (bom === 0x4d3c2b1a) this.le = false;
      else throw new CaptureError('BAD_HEADER', abs + 8, 'section header has a bad byte-order magic');
    } else if (!this.inSection) {
      throw new CaptureError('BAD_HEADER', abs, 'pcapng block before any section header');
    }
    const len = view.getUint32(off + 4, this.le);
    if (len < 12 || len % 4 !== 0 || len > MAX_BLOCK_BYTES) {
      throw new CaptureError('BAD_RECORD', abs + 4, `block length ${len} is impossible`);
    }
    return len;
  }

  unit(buf: Uint8Array, view: DataView, off: number, len: number, abs: number): void {
    const le = this.le;
    const type = view.getUint32(off, le);
    if (view.getUint32(off + len - 4, le) !== len) {
      throw new CaptureError(
        'BAD_RECORD',
        abs + len - 4,
        'block trailing length differs from its leading length',
      );
    }
    if (type === BLOCK_EPB) this.enhancedPacket(buf, view, off, len, abs);
    else if (type === BLOCK_SPB) this.simplePacket(buf, view, off, len, abs);
    else if (type === BLOCK_PB) this.obsoletePacket(buf, view, off, len, abs);
    else if (type === BLOCK_IDB) this.interfaceDescription(view, off, len, abs);
    else if (type === PCAPNG_SHB_TYPE) this.sectionHeader(view, off, len, abs);
    else this.sink.skippedBlock(type);
  }

  private sectionHeader(view: DataView, off: number, len: number, abs: number): void {
    if (len < 28) throw new CaptureError('BAD_HEADER', abs, 'section header block too short');
    const major = view.getUint16(off + 12, this.le);
    if (major !== 1)
      throw new CaptureError('BAD_HEADER', abs + 12, `unsupported pcapng major version ${major}`);
    this.inSection = true;
    this.ifaces = [];
    this.sink.section({ format: 'pcapng', byteOrder: this.le ? 'le' : 'be' });
  }

  private interfaceDescription(view: DataView, off: number, len: number, abs: number): void {
    if (len < 20) throw new CaptureError('BAD_RECORD', abs, 'interface description block too short');
    const le = this.le;
    const linkType = view.getUint16(off + 8, le);
    const snaplen = view.getUint32(off + 12, le);
    let tsresol = 6;
    let tsoffset = 0;
    // Options: code (2), length (2), value padded to 32 bits; a malformed option list ends the scan.
    let p = off + 16;
    const end = off + len - 4;
    while (p + 4 <= end) {
      const code = view.getUint16(p, le);
      const olen = view.getUint16(p + 2, le);
      if (code === OPT_ENDOFOPT || p + 4 + olen > end) break;
      if (code === OPT_IF_TSRESOL && olen >= 1) tsresol = view.getUint8(p + 4);
      else if (code === OPT_IF_TSOFFSET && olen >= 8) tsoffset = Number(view.getBigInt64(p + 4, le));
      p += 4 + ((olen + 3) & ~3);
    }
    const clock = new UnitClock(tsresol, tsoffset);
    this.ifaces.push({ linkType, snaplen, clock });
    this.sink.interface({ linkType, snaplen, precision: precisionDigits(clock.unitsPerSecond) });
  }

  private iface(id: number, abs: number): Iface {
    const iface = this.ifaces[id];
    if (iface === undefined) {
      throw new CaptureError(
        'BAD_RECORD',
        abs,
        `packet names interface ${id}, which the section does not describe`,
      );
    }
    return iface;
  }

  /** EPB and the obsolete PB share a layout after the interface id (4 bytes in EPB, 2 + drops in PB). */
  private enhancedPacket(buf: Uint8Array, view: DataView, off: number, len: number, abs: number): void {
    this.timedPacket(buf, view, off, len, abs, view.getUint32(off + 8, this.le));
  }

  private obsoletePacket(buf: Uint8Array, view: DataView, off: number, len: number, abs: number): void {
    this.timedPacket(buf, view, off, len, abs, view.getUint16(off + 8, this.le));
  }

  private timedPacket(
    buf: Uint8Array,
    view: DataView,
    off: number,
    len: number,
    abs: number,
    id: number,
  ): void {
    if (len < 32) throw new CaptureError('BAD_RECORD', abs, 'packet block too short');
    const le = this.le;
    const iface = this.iface(id, abs + 8);
    const capLen = view.getUint32(off + 20, le);
    if (28 + capLen > len - 4) {
      throw new CaptureError('BAD_RECORD', abs + 20, `captured length ${capLen} overruns its block`);
    }
    iface.clock.set(view.getUint32(off + 12, le), view.getUint32(off + 16, le));
    this.rec.tsSec = this.lastSec = iface.clock.sec;
    this.rec.tsNsec = this.lastNsec = iface.clock.nsec;
    this.deliver(buf, off + 28, capLen, view.getUint32(off + 24, le), iface, id, abs, len);
  }

  private simplePacket(buf: Uint8Array, view: DataView, off: number, len: number, abs: number): void {
    if (len < 16) throw new CaptureError('BAD_RECORD', abs, 'simple packet block too short');
    const iface = this.iface(0, abs);
    const origLen = view.getUint32(off + 8, this.le);
    // The captured length is implied: the smaller of the original length, the interface's snaplen
    // and what the block holds.
    let capLen = Math.min(origLen, len - 16);
    if (iface.snaplen > 0) capLen = Math.min(capLen, iface.snaplen);
    // An SPB has no timestamp; it takes the previous packet's, the best estimate there is.
    this.rec.tsSec = this.lastSec;
    this.rec.tsNsec = this.lastNsec;
    this.deliver(buf, off + 12, capLen, origLen, iface, 0, abs, len);
  }

  private deliver(
    buf: Uint8Array,
    start: number,
    capLen: number,
    origLen: number,
    iface: Iface,
    id: number,
    abs: number,
    len: number,
  ): void {
    const rec = this.rec;
    rec.capLen = capLen;
    rec.origLen = Math.max(origLen, capLen);
    rec.bytes = buf;
    rec.dataStart = start;
    rec.linkType = iface.linkType;
    rec.interfaceId = id;
    rec.recordOffset = abs;
    rec.recordLength = len;
    this.onPacket(rec);
  }
}
