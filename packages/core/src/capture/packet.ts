/**
 * One packet record as a reader hands it out. Readers reuse a single instance and `data` is a view
 * into the reader's buffer: both are valid only during the callback. Copy what you keep.
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
  data: Uint8Array;
  /** pcapng interface id within its section; 0 for pcap. */
  interfaceId: number;
  /** Offset of the record's first byte in the (decompressed) capture stream. */
  recordOffset: number;
  /** Length of the whole record (header, data and padding). */
  recordLength: number;
}

export function newPacketRecord(): PacketRecord {
  return {
    linkType: 0,
    tsSec: 0,
    tsNsec: 0,
    capLen: 0,
    origLen: 0,
    data: new Uint8Array(0),
    interfaceId: 0,
    recordOffset: 0,
    recordLength: 0,
  };
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
