import type { FlowRecord } from '@capstream/core';

/** A capture to ingest. `source` never holds a secret in what is stored or logged (see redactSource). */
export interface CaptureJob {
  captureId: string;
  datasetId: string;
  name: string;
  source: CaptureSource;
  submittedAt: string;
}

export type CaptureSource =
  | { kind: 'file'; path: string }
  | { kind: 'upload'; storeKey: string }
  | { kind: 'http'; url: string }
  | { kind: 'azure'; url: string }
  | { kind: 'stream'; remote: string };

/**
 * A run of whole packet records that reads alone: `header` is the capture's file header (pcap)
 * or section header plus interface descriptions (pcapng) in force for these records, `records`
 * the records' bytes. Segments of a capture are numbered from 0; the last has `last = true`
 * (it may hold no records) and carries how the capture ended.
 */
export interface Segment {
  captureId: string;
  seq: number;
  /** Offset of the first record in the capture's (decompressed) byte stream. */
  offset: number;
  header: Uint8Array;
  records: Uint8Array;
  packets: number;
  last: boolean;
  /** From a live stream: the parser flushes its active flows on the wall clock, so they show while it runs. */
  live?: boolean;
  /** Set on the last segment when the capture broke: what, where. */
  error?: { code: string; offset: number; reason: string };
}

/** A flow as the parser emits it: the CLI record plus what ties it to its capture. */
export interface FlowMessage extends FlowRecord {
  capture_id: string;
  /** Emission count of this flow: higher wins on replacement (an active flow flushed twice). */
  version: number;
  /** First and last packet time in nanoseconds since the epoch, as decimal strings (exact). */
  first_ns: string;
  last_ns: string;
  final: boolean;
  /**
   * Set on a capture's last flow message (its key's last, so after every other flow of the
   * capture): the geo stage writes what it holds at once instead of waiting for its quiet time.
   */
  capture_end?: boolean;
}

/** A name learned from a capture's DNS answers. */
export interface DnsName {
  capture_id: string;
  ip: string;
  name: string;
}

/**
 * Names of one capture, many to a message (the topic's value since v2): a capture can teach tens
 * of thousands of names at once, and one message and one store write per name made that a
 * minute-long tail.
 */
export interface DnsNames {
  capture_id: string;
  names: { ip: string; name: string }[];
}

export type CaptureStatus = 'QUEUED' | 'RUNNING' | 'DONE' | 'FAILED';

/** Progress and status of a capture, as every stage reports it. */
export interface CaptureEvent {
  captureId: string;
  stage: 'ingest' | 'parser' | 'geo' | 'store';
  at: string;
  status?: CaptureStatus;
  bytesRead?: number;
  bytesTotal?: number | null;
  packets?: number;
  flows?: number;
  /** A reason a user can act on, when status is FAILED (or a partial capture). */
  error?: string;
  /** Facts known at the end of a stage's work. */
  format?: string;
  sha256?: string;
  linkTypes?: number[];
  /** First and last packet time, ns since the epoch as decimal strings. */
  firstNs?: string;
  lastNs?: string;
  /** Skipped/malformed packets by reason, evictions... */
  counters?: Record<string, number>;
}

/** Where an address sits: only 'public' addresses are geolocated. */
export type AddressScope =
  | 'public'
  | 'private' // RFC 1918
  | 'shared' // RFC 6598 carrier-grade NAT
  | 'loopback'
  | 'link-local'
  | 'unique-local' // fc00::/7
  | 'multicast'
  | 'broadcast'
  | 'documentation' // TEST-NETs, 2001:db8::/32
  | 'reserved'; // unspecified, benchmarking, class E, and the rest of the special-purpose registries

/** Geo and network facts about one address. */
export interface GeoInfo {
  scope: AddressScope;
  /** ISO 3166-1 alpha-2, or null when not known or not public. */
  country: string | null;
  city: string | null;
  lat: number | null;
  lon: number | null;
  asn: number | null;
  asOrg: string | null;
}

/** A flow with both ends geolocated: the stored row. */
export interface EnrichedFlow extends Omit<FlowMessage, 'capture_end'> {
  src_scope: AddressScope;
  dst_scope: AddressScope;
  src_country: string | null;
  dst_country: string | null;
  src_city: string | null;
  dst_city: string | null;
  src_lat: number | null;
  src_lon: number | null;
  dst_lat: number | null;
  dst_lon: number | null;
  src_asn: number | null;
  dst_asn: number | null;
  src_as_org: string | null;
  dst_as_org: string | null;
}
