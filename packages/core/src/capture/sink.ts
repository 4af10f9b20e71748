/** What readers report about the capture's structure, as they meet it. */
export interface SectionInfo {
  format: 'pcap' | 'pcapng';
  byteOrder: 'le' | 'be';
}

export interface InterfaceInfo {
  linkType: number;
  snaplen: number;
  /** Decimal digits of the timestamp unit (6 for microseconds, 9 for nanoseconds). */
  precision: number;
  name?: string;
}

export interface CaptureHeaderSink {
  section(info: SectionInfo): void;
  interface(info: InterfaceInfo): void;
  /** A block that was skipped on purpose (unknown type, statistics, name resolution...). */
  skippedBlock(type: number): void;
}
