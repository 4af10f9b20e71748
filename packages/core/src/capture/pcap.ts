import { CaptureError } from '../errors.ts';
import { PCAP_MAGIC_NSEC, PCAP_MAGIC_USEC } from './format.ts';
import type { UnitFormat } from './framer.ts';
import type { PacketRecord } from './packet.ts';
import type { CaptureHeaderSink } from './sink.ts';

/** Larger records than this are treated as corrupt lengths, not allocated. */
export const MAX_RECORD_BYTES = 16 * 1024 * 1024;

const FILE_HEADER_BYTES = 24;
/** A record's header: ts_sec, ts_frac, incl_len (captured), orig_len (on the wire). */
const PCAP_RECORD_HEADER_BYTES = 16;

/**
 * The length of the whole record at `off` (its header included), or -1 when `end` cuts it or it
 * claims more than MAX_RECORD_BYTES: what a loop over a chunk's records may take by itself,
 * leaving the rest to unitLength (which says why it refuses a record) and to the framer (which
 * joins a record cut by a chunk's end).
 */
export function pcapRecordLength(view: DataView, off: number, end: number, le: boolean): number {
  if (end - off < PCAP_RECORD_HEADER_BYTES) return -1;
  const captured = view.getUint32(off + 8, le);
  const len = PCAP_RECORD_HEADER_BYTES + captured;
  return captured > MAX_RECORD_BYTES || end - off < len ? -1 : len;
}

/**
 * Classic libpcap format (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcap-04.html).
 * Byte order and time unit are fixed by the magic number, read once at the file header.
 */
export class PcapFormat implements UnitFormat {
  headerBytes = FILE_HEADER_BYTES;
  private headerSeen = false;
  private le = true;
  private nanos = false;
  private linkType = 0;

  constructor(
    private readonly rec: PacketRecord,
    private readonly onPacket: (p: PacketRecord) => void,
    private readonly sink: CaptureHeaderSink,
  ) {}

  /** The file's byte order, once its header is read. */
  get littleEndian(): boolean {
    return this.le;
  }

  unitLength(_buf: Uint8Array, view: DataView, off: number, abs: number): number {
    if (!this.headerSeen) return FILE_HEADER_BYTES;
    // Record header: ts_sec, ts_frac, incl_len (captured), orig_len (on the wire).
    const incl = view.getUint32(off + 8, this.le);
    if (incl > MAX_RECORD_BYTES) {
      throw new CaptureError(
        'BAD_RECORD',
        abs,
        `packet record claims ${incl} captured bytes, more than any capture holds`,
      );
    }
    return PCAP_RECORD_HEADER_BYTES + incl;
  }

  unit(buf: Uint8Array, view: DataView, off: number, len: number, abs: number): void {
    if (!this.headerSeen) {
      this.fileHeader(view, off, abs);
      return;
    }
    this.record(buf, view, off, len, abs);
  }

  /** The records of buf[off, end) in one loop (the framer's call per record, unitLength and unit, costs more). */
  units(buf: Uint8Array, view: DataView, off: number, end: number, base: number): number {
    if (!this.headerSeen) return off;
    const le = this.le;
    for (;;) {
      const len = pcapRecordLength(view, off, end, le);
      if (len < 0) break;
      this.record(buf, view, off, len, base + off);
      off += len;
    }
    return off;
  }

  private record(buf: Uint8Array, view: DataView, off: number, len: number, abs: number): void {
    const le = this.le;
    const rec = this.rec;
    let sec = view.getUint32(off, le);
    let frac = view.getUint32(off + 4, le);
    // A fraction past one second is out of spec; carry it rather than reject the packet.
    if (this.nanos) {
      if (frac >= 1e9) {
        sec += Math.floor(frac / 1e9);
        frac %= 1e9;
      }
      rec.tsNsec = frac;
    } else {
      if (frac >= 1e6) {
        sec += Math.floor(frac / 1e6);
        frac %= 1e6;
      }
      rec.tsNsec = frac * 1000;
    }
    rec.tsSec = sec;
    const incl = len - PCAP_RECORD_HEADER_BYTES;
    rec.capLen = incl;
    rec.origLen = Math.max(view.getUint32(off + 12, le), incl);
    rec.bytes = buf;
    rec.dataStart = off + PCAP_RECORD_HEADER_BYTES;
    rec.linkType = this.linkType;
    rec.interfaceId = 0;
    rec.recordOffset = abs;
    rec.recordLength = len;
    this.onPacket(rec);
  }

  private fileHeader(view: DataView, off: number, abs: number): void {
    const magicBE = view.getUint32(off, false);
    const magicLE = view.getUint32(off, true);
    if (magicBE === PCAP_MAGIC_USEC || magicBE === PCAP_MAGIC_NSEC) this.le = false;
    else if (magicLE === PCAP_MAGIC_USEC || magicLE === PCAP_MAGIC_NSEC) this.le = true;
    else throw new CaptureError('BAD_HEADER', abs, 'not a pcap file header (bad magic number)');
    this.nanos = (this.le ? magicLE : magicBE) === PCAP_MAGIC_NSEC;
    const major = view.getUint16(off + 4, this.le);
    if (major !== 2) throw new CaptureError('BAD_HEADER', abs + 4, `unsupported pcap major version ${major}`);
    const snaplen = view.getUint32(off + 16, this.le);
    // LinkType is the low 16 bits; the upper bits of the field carry FCS information.
    this.linkType = view.getUint32(off + 20, this.le) & 0xffff;
    this.headerSeen = true;
    this.headerBytes = PCAP_RECORD_HEADER_BYTES;
    this.sink.section({ format: 'pcap', byteOrder: this.le ? 'le' : 'be' });
    this.sink.interface({
      linkType: this.linkType,
      snaplen,
      precision: this.nanos ? 9 : 6,
    });
  }
}
