import { CaptureError } from '../errors.ts';
import { sniffContainer } from './format.ts';
import { Framer, truncatedError, type UnitFormat } from './framer.ts';
import { newPacketRecord, type PacketRecord } from './packet.ts';
import { PcapFormat } from './pcap.ts';
import { PcapngFormat } from './pcapng.ts';
import type { CaptureHeaderSink, InterfaceInfo, SectionInfo } from './sink.ts';

/** The capture's structure, as `capinfos` would describe it. */
export interface CaptureLayout {
  format: 'pcap' | 'pcapng' | null;
  byteOrder: 'le' | 'be' | null;
  sections: number;
  interfaces: InterfaceInfo[];
  /** Link types in order of first appearance. */
  linkTypes: number[];
  /** Decimal digits of the finest timestamp unit among the interfaces. */
  precision: number;
  skippedBlocks: number;
}

/**
 * Push-style reader for pcap and pcapng (uncompressed; see `readCapture` for gzip). Feed it chunks
 * of any size; it calls `onPacket` for every whole record, with a reused record object.
 */
export class CaptureReader implements CaptureHeaderSink {
  readonly layout: CaptureLayout = {
    format: null,
    byteOrder: null,
    sections: 0,
    interfaces: [],
    linkTypes: [],
    precision: 0,
    skippedBlocks: 0,
  };
  private framer: Framer | null = null;
  private head: Uint8Array | null = null;
  private readonly rec = newPacketRecord();

  constructor(private readonly onPacket: (p: PacketRecord) => void) {}

  push(chunk: Uint8Array): void {
    if (this.framer === null) {
      // The magic number decides the format; gather its 4 bytes even if they arrive one by one.
      const head = this.head === null ? chunk : concatBytes(this.head, chunk);
      if (head.length < 4) {
        this.head = head;
        return;
      }
      this.head = null;
      this.framer = new Framer(this.formatFor(head));
      this.framer.push(head);
      return;
    }
    this.framer.push(chunk);
  }

  /** Call once the input ends; throws TRUNCATED when it ended inside a record. */
  end(): void {
    if (this.framer === null) {
      const n = this.head?.length ?? 0;
      throw new CaptureError(
        'TRUNCATED',
        0,
        n === 0 ? 'the capture is empty' : `the capture is only ${n} bytes long`,
      );
    }
    if (this.framer.pendingBytes > 0) throw truncatedError(this.framer, 'a packet record');
    if (this.layout.format === 'pcapng' && this.layout.sections === 0) {
      throw new CaptureError('TRUNCATED', 0, 'the capture ends before its first section header');
    }
  }

  /** Bytes taken in so far (decompressed). */
  get bytesRead(): number {
    return (this.framer?.consumed ?? 0) + (this.head?.length ?? 0);
  }

  section(info: SectionInfo): void {
    this.layout.format = info.format;
    this.layout.byteOrder = info.byteOrder;
    this.layout.sections++;
  }

  interface(info: InterfaceInfo): void {
    this.layout.interfaces.push(info);
    if (!this.layout.linkTypes.includes(info.linkType)) this.layout.linkTypes.push(info.linkType);
    if (info.precision > this.layout.precision) this.layout.precision = info.precision;
  }

  skippedBlock(): void {
    this.layout.skippedBlocks++;
  }

  private formatFor(head: Uint8Array): UnitFormat {
    switch (sniffContainer(head)) {
      case 'pcap':
        return new PcapFormat(this.rec, this.onPacket, this);
      case 'pcapng':
        return new PcapngFormat(this.rec, this.onPacket, this);
      case 'gzip':
        throw new CaptureError('UNKNOWN_FORMAT', 0, 'gzip data given to the raw reader; use readCapture');
      default:
        throw new CaptureError('UNKNOWN_FORMAT', 0, 'not a pcap or pcapng capture (unknown magic number)');
    }
  }
}

export function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
