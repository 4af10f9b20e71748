/**
 * One packet record as a reader hands it out. Readers reuse a single instance, and its bytes are
 * the reader's buffer: both are valid only during the callback. Copy what you keep.
 */
export interface PacketRecord {
  linkType: number;
  /** Whole seconds since the Unix epoch. */
  tsSec: number;
  /** Nanoseconds within the second, 0..999_999_999. */
  tsNsec: number;
  /** Bytes captured (length of `data`). */
  capLen: number;
  /** Bytes on the wire; larger than capLen when the snaplen cut the packet. */
  origLen: number;
  /**
   * The buffer the captured bytes sit in, at `bytes[dataStart, dataStart + capLen)`: what hot
   * paths read (the decoder), with no view made per packet.
   */
  bytes: Uint8Array;
  dataStart: number;
  /** The captured bytes as their own view (made when read; setting it sets `bytes` and `dataStart`). */
  data: Uint8Array;
  /** pcapng interface id within its section; 0 for pcap. */
  interfaceId: number;
  /** Offset of the record's first byte in the (decompressed) capture stream. */
  recordOffset: number;
  /** Length of the whole record (header, data and padding). */
  recordLength: number;
}

/**
 * The reusable record readers fill. A view per packet (3 million a gigabyte) was a tenth of the
 * parse's garbage; `data` makes one only for the callers that ask.
 */
class ReusedPacketRecord implements PacketRecord {
  linkType = 0;
  tsSec = 0;
  tsNsec = 0;
  capLen = 0;
  origLen = 0;
  bytes: Uint8Array = new Uint8Array(0);
  dataStart = 0;
  interfaceId = 0;
  recordOffset = 0;
  recordLength = 0;

  get data(): Uint8Array {
    return this.bytes.subarray(this.dataStart, this.dataStart + this.capLen);
  }

  set data(v: Uint8Array) {
    this.bytes = v;
    this.dataStart = 0;
  }
}

export function newPacketRecord(): PacketRecord {
  return new ReusedPacketRecord();
}

/** Decimal digits needed to show a timestamp unit of 1/unitsPerSecond without losing precision. */
export function precisionDigits(unitsPerSecond: number): number {
  let digits = 0;
  let scale = 1;
  while (scale < unitsPerSecond && digits < 9) {
    scale *= 10;
    digits++;
  }
  return digits;
}
