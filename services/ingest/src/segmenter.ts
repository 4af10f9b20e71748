import {
  CaptureError,
  type CaptureHeaderSink,
  concatBytes as concat,
  Framer,
  newPacketRecord,
  PCAPNG_SHB_TYPE,
  PcapFormat,
  PcapngFormat,
  pcapRecordLength,
  sniffContainer,
  truncatedError,
  type UnitFormat,
} from '@capstream/core';
import type { BufferPool } from './buffer-pool.ts';

/** A segment as the segmenter cuts it (the pipeline's Segment without the capture id). */
export interface CutSegment {
  seq: number;
  offset: number;
  header: Uint8Array;
  records: Uint8Array;
  packets: number;
}

export interface SegmenterOptions {
  /** Upper bound of a segment's records, in bytes (a single larger record gets a segment of its own). */
  maxBytes: number;
  /**
   * Where segment buffers come from; whoever consumes the segments gives them back to it (the
   * embedded pipeline's transport, once the parser committed past them). Unset: fresh buffers.
   */
  buffers?: BufferPool;
}

const PCAPNG_IDB = 1;

/**
 * Cuts a capture (decompressed pcap or pcapng bytes) into segments of whole records, each readable
 * alone: a pcap segment carries the file header, a pcapng one the section header and the
 * interface descriptions in force. It reads record headers only (through the readers' own unit
 * formats, so it rejects exactly what they reject) and never looks into packet contents.
 */
export class Segmenter implements UnitFormat {
  private inner: UnitFormat | null = null;
  private framer: Framer | null = null;
  private head: Uint8Array | null = null;
  private pcapng = false;
  private header: Uint8Array = new Uint8Array(0);
  private buf: Uint8Array;
  private len = 0;
  /** The chunk being pushed: its records can be copied later in the push, not after it. */
  private chunk: Uint8Array | null = null;
  /**
   * Records of `chunk` not yet copied into `buf`: `runBuf[runStart..runEnd)`. Consecutive records
   * are copied in one go, when the run breaks or the push ends (a copy per record cost more than
   * reading it).
   */
  private runBuf: Uint8Array | null = null;
  private runStart = 0;
  private runEnd = 0;
  private startOffset = 0;
  private packets = 0;
  /** Packets in the unit being read (the readers count them through a callback). */
  private unitPackets = 0;
  /** A pcap's byte order once its file header is read (its records then take the fast path); else null. */
  private pcapLittleEndian: boolean | null = null;
  private seq = 0;
  private out: CutSegment[] = [];
  /** The container, once its first bytes are read. */
  format: 'pcap' | 'pcapng' | null = null;
  /** Packets seen in all, for progress. */
  totalPackets = 0;

  constructor(private readonly options: SegmenterOptions = { maxBytes: 1 << 20 }) {
    this.buf = this.newBuffer();
  }

  private newBuffer(): Buffer {
    const size = this.options.maxBytes;
    return this.options.buffers?.take(size) ?? Buffer.allocUnsafeSlow(size);
  }

  /** Takes a chunk; returns the segments it completed. Throws CaptureError on a broken capture. */
  push(chunk: Uint8Array): CutSegment[] {
    if (this.framer === null) {
      const head = this.head === null ? chunk : concat(this.head, chunk);
      if (head.length < 4) {
        this.head = head;
        return [];
      }
      this.head = null;
      this.start(head);
      this.pushToFramer(head);
    } else {
      this.pushToFramer(chunk);
    }
    return this.take();
  }

  private pushToFramer(chunk: Uint8Array): void {
    this.chunk = chunk;
    try {
      this.framer!.push(chunk);
    } finally {
      // The caller may reuse the chunk once push returns.
      this.copyRun();
      this.chunk = null;
    }
  }

  /** Cuts what is pending into a segment now (a live stream's periodic flush). */
  flush(): CutSegment[] {
    this.cut();
    return this.take();
  }

  /** Ends the capture: the last records as a segment; throws TRUNCATED if it ended inside one. */
  end(): CutSegment[] {
    if (this.framer === null) {
      throw new CaptureError(
        'TRUNCATED',
        0,
        (this.head?.length ?? 0) === 0 ? 'the capture is empty' : 'the capture is too short',
      );
    }
    this.cut();
    if (this.framer.pendingBytes > 0) throw truncatedError(this.framer, 'a packet record');
    return this.take();
  }

  /** Bytes taken in so far. */
  get consumed(): number {
    return (this.framer?.consumed ?? 0) + (this.head?.length ?? 0);
  }

  private start(head: Uint8Array): void {
    const rec = newPacketRecord();
    const count = () => {
      this.unitPackets++;
    };
    const sink: CaptureHeaderSink = { section() {}, interface() {}, skippedBlock() {} };
    const kind = sniffContainer(head);
    if (kind === 'pcap' || kind === 'pcapng') this.format = kind;
    if (kind === 'pcap') this.inner = new PcapFormat(rec, count, sink);
    else if (kind === 'pcapng') {
      this.inner = new PcapngFormat(rec, count, sink);
      this.pcapng = true;
    } else if (kind === 'gzip') {
      throw new CaptureError('UNKNOWN_FORMAT', 0, 'gzip data reached the segmenter undecompressed');
    } else {
      throw new CaptureError('UNKNOWN_FORMAT', 0, 'not a pcap or pcapng capture (unknown magic number)');
    }
    this.framer = new Framer(this);
  }

  get headerBytes(): number {
    return this.inner!.headerBytes;
  }

  unitLength(buf: Uint8Array, view: DataView, off: number, abs: number): number {
    return this.inner!.unitLength(buf, view, off, abs);
  }

  unit(buf: Uint8Array, view: DataView, off: number, len: number, abs: number): void {
    const inner = this.inner!;
    // The reader's own checks run on every unit: the segments hold nothing it would refuse.
    this.unitPackets = 0;
    inner.unit(buf, view, off, len, abs);
    if (!this.pcapng) {
      if (abs === 0) {
        this.header = buf.slice(off, off + len);
        this.startOffset = len;
        this.pcapLittleEndian = (inner as PcapFormat).littleEndian;
        return;
      }
    } else {
      const type = view.getUint32(off, true);
      if (type === PCAPNG_SHB_TYPE) {
        this.cut();
        this.header = buf.slice(off, off + len);
        this.startOffset = abs + len;
        return;
      }
      if (type === PCAPNG_IDB || view.getUint32(off, false) === PCAPNG_IDB) {
        // Segments already cut keep the interfaces they need; later ones carry this one too.
        this.cut();
        this.header = concat(this.header, buf.subarray(off, off + len));
        this.startOffset = abs + len;
        return;
      }
    }
    this.record(buf, off, len, abs, this.unitPackets);
  }

  /**
   * A pcap's records, read in one loop: through unitLength and unit each cost ~100 ns, a tenth of
   * the embedded pipeline's main thread. The pcap reader checks nothing in a record but its
   * length, which is checked here by the same rule (pcapRecordLength: a length it would refuse is
   * left to it, to throw).
   */
  units(buf: Uint8Array, view: DataView, off: number, end: number, base: number): number {
    const le = this.pcapLittleEndian;
    if (le === null || !this.inChunk(buf)) return off;
    const max = this.options.maxBytes;
    let pending = this.len + this.runEnd - this.runStart;
    // Records [from, off) are whole and not yet in the segment: they join it as one run.
    let from = off;
    let packets = 0;
    for (;;) {
      const len = pcapRecordLength(view, off, end, le);
      if (len < 0) break;
      if (pending > 0 && pending + len > max) {
        this.addRun(buf, from, off, base + from, packets);
        this.cut();
        from = off;
        packets = 0;
        pending = 0;
      }
      pending += len;
      packets++;
      off += len;
    }
    this.addRun(buf, from, off, base + from, packets);
    return off;
  }

  /** A record (or another unit kept in segments) of `packets` packets, at buf[off, off + len). */
  private record(buf: Uint8Array, off: number, len: number, abs: number, packets: number): void {
    const pending = this.len + this.runEnd - this.runStart;
    if (pending > 0 && pending + len > this.options.maxBytes) this.cut();
    if (this.inChunk(buf)) {
      this.addRun(buf, off, off + len, abs, packets);
      return;
    }
    // Assembled by the framer across two chunks, in a buffer it reuses: copied now.
    if (this.len === 0 && this.runBuf === null) this.startOffset = abs;
    this.packets += packets;
    this.totalPackets += packets;
    this.copyRun();
    this.append(buf.subarray(off, off + len));
  }

  /** Whether `buf` is the chunk being pushed (the framer hands its units out through a view of its own). */
  private inChunk(buf: Uint8Array): boolean {
    const chunk = this.chunk;
    return chunk !== null && buf.buffer === chunk.buffer && buf.byteOffset === chunk.byteOffset;
  }

  /** Units of the chunk at buf[from, to) (absolute offset `abs`), `packets` packets, join the segment's run. */
  private addRun(buf: Uint8Array, from: number, to: number, abs: number, packets: number): void {
    if (from === to) return;
    if (this.len === 0 && this.runBuf === null) this.startOffset = abs;
    this.packets += packets;
    this.totalPackets += packets;
    if (this.runBuf === buf && this.runEnd === from) {
      this.runEnd = to;
      return;
    }
    this.copyRun();
    this.runBuf = buf;
    this.runStart = from;
    this.runEnd = to;
  }

  private copyRun(): void {
    if (this.runBuf === null) return;
    this.append(this.runBuf.subarray(this.runStart, this.runEnd));
    this.runBuf = null;
    this.runStart = 0;
    this.runEnd = 0;
  }

  private append(bytes: Uint8Array): void {
    if (this.len + bytes.length > this.buf.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, this.len + bytes.length));
      grown.set(this.buf.subarray(0, this.len));
      this.buf = grown;
    }
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }

  private cut(): void {
    this.copyRun();
    if (this.len === 0) return;
    // A filled buffer becomes the segment's (a view of it, no copy) and the next records go to a
    // new one; a small segment (a live stream's periodic cut) gets a copy of its own instead of
    // holding a whole buffer while it waits in the transport.
    const filled = this.len >= this.buf.length / 2;
    this.out.push({
      seq: this.seq++,
      offset: this.startOffset,
      header: this.header,
      records: filled ? this.buf.subarray(0, this.len) : new Uint8Array(this.buf.subarray(0, this.len)),
      packets: this.packets,
    });
    if (filled) this.buf = this.newBuffer();
    this.startOffset += this.len;
    this.len = 0;
    this.packets = 0;
  }

  private take(): CutSegment[] {
    const out = this.out;
    this.out = [];
    return out;
  }
}
