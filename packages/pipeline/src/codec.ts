/**
 * Wire formats, one codec per topic, defined here once. Every message starts with a version byte;
 * a decoder reads only the versions it knows and rejects the rest with a CodecError (a format
 * change that old readers cannot follow gets a new topic name as well, see topics.ts).
 *
 * - segments: binary. [version u8][json length u32be][header length u32be][records length u32be]
 *   [JSON of the scalar fields][header bytes][records bytes] — the capture bytes travel raw.
 * - flows: binary, see flow-codec.ts.
 * - jobs, dns, events, dead-letter: [version u8][JSON, UTF-8].
 */
import { decodeFlow, encodeFlow, FLOW_CODEC_VERSION } from './flow-codec.ts';
import type { CaptureEvent, CaptureJob, DnsNames, FlowMessage, Segment } from './messages.ts';
import { TOPICS } from './topics.ts';

export type CodecErrorCode = 'UNKNOWN_VERSION' | 'MALFORMED' | 'UNKNOWN_TOPIC';

export class CodecError extends Error {
  override readonly name = 'CodecError';
  constructor(
    readonly code: CodecErrorCode,
    readonly topic: string,
    message: string,
    readonly version?: number,
  ) {
    super(message);
  }
}

export interface Codec<T> {
  /** The topic this codec's format belongs to (for error messages). */
  readonly topic: string;
  /** The version byte this build writes (and the only one it reads). */
  readonly version: number;
  /** Producer-level compression suited to the topic's messages. */
  readonly compression: 'none' | 'gzip';
  encode(value: T): Buffer;
  /** Throws CodecError on an unknown version or bytes that do not parse. */
  decode(bytes: Uint8Array): T;
}

/** Throws CodecError MALFORMED on an empty message, UNKNOWN_VERSION on a version other than `version`. */
export function checkVersion(topic: string, version: number, bytes: Uint8Array): void {
  if (bytes.length < 1) throw new CodecError('MALFORMED', topic, `empty message on ${topic}`);
  if (bytes[0] !== version) {
    throw new CodecError(
      'UNKNOWN_VERSION',
      topic,
      `unknown version ${bytes[0]} on ${topic} (this build reads version ${version})`,
      bytes[0],
    );
  }
}

function parseJson(topic: string, bytes: Uint8Array, start: number, end: number): unknown {
  try {
    return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('utf8'));
  } catch (e) {
    throw new CodecError('MALFORMED', topic, `bad JSON on ${topic}: ${(e as Error).message}`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** [version][JSON]. */
export function jsonCodec<T>(
  topic: string,
  options: { version?: number; compression?: 'none' | 'gzip' } = {},
): Codec<T> {
  const version = options.version ?? 1;
  return {
    topic,
    version,
    compression: options.compression ?? 'none',
    encode(value: T): Buffer {
      const json = Buffer.from(JSON.stringify(value), 'utf8');
      const out = Buffer.allocUnsafe(1 + json.length);
      out[0] = version;
      json.copy(out, 1);
      return out;
    },
    decode(bytes: Uint8Array): T {
      checkVersion(topic, version, bytes);
      return parseJson(topic, bytes, 1, bytes.length) as T;
    },
  };
}

const SEGMENT_HEADER = 13;

/** Segments: a fixed header, the scalar fields as JSON, then the raw header and records bytes. */
export function segmentCodec(topic: string = TOPICS.segments): Codec<Segment> {
  const version = 1;
  return {
    topic,
    version,
    compression: 'none',
    encode(s: Segment): Buffer {
      const { header, records, ...scalars } = s;
      const json = Buffer.from(JSON.stringify(scalars), 'utf8');
      const out = Buffer.allocUnsafe(SEGMENT_HEADER + json.length + header.length + records.length);
      out[0] = version;
      out.writeUInt32BE(json.length, 1);
      out.writeUInt32BE(header.length, 5);
      out.writeUInt32BE(records.length, 9);
      json.copy(out, SEGMENT_HEADER);
      out.set(header, SEGMENT_HEADER + json.length);
      out.set(records, SEGMENT_HEADER + json.length + header.length);
      return out;
    },
    decode(bytes: Uint8Array): Segment {
      checkVersion(topic, version, bytes);
      if (bytes.length < SEGMENT_HEADER) {
        throw new CodecError(
          'MALFORMED',
          topic,
          `segment of ${bytes.length} bytes is shorter than its header`,
        );
      }
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const jsonLen = view.getUint32(1);
      const headerLen = view.getUint32(5);
      const recordsLen = view.getUint32(9);
      const want = SEGMENT_HEADER + jsonLen + headerLen + recordsLen;
      if (want !== bytes.length) {
        throw new CodecError(
          'MALFORMED',
          topic,
          `segment lengths add up to ${want} bytes, message has ${bytes.length}`,
        );
      }
      const scalars = parseJson(topic, bytes, SEGMENT_HEADER, SEGMENT_HEADER + jsonLen);
      if (!isObject(scalars) || typeof scalars.captureId !== 'string' || typeof scalars.seq !== 'number') {
        throw new CodecError('MALFORMED', topic, `segment fields missing on ${topic}`);
      }
      const h0 = SEGMENT_HEADER + jsonLen;
      // Copies, so a decoded segment does not pin the fetch buffer it came in.
      const header = bytes.slice(h0, h0 + headerLen);
      const records = bytes.slice(h0 + headerLen, h0 + headerLen + recordsLen);
      return { ...(scalars as Omit<Segment, 'header' | 'records'>), header, records };
    },
  };
}

/** Flow records: binary (flow-codec.ts), gzip-compressed per batch by the producer. */
export function flowCodec(topic: string = TOPICS.flows): Codec<FlowMessage> {
  return {
    topic,
    version: FLOW_CODEC_VERSION,
    compression: 'gzip',
    encode: (f) => encodeFlow(topic, f),
    decode: (bytes) => decodeFlow(topic, bytes),
  };
}

/** What the Kafka transport writes to the dead-letter topic for a message it could not decode. */
export interface DeadLetter {
  topic: string;
  partition: number;
  offset: number;
  group: string;
  key: string | null;
  /** CodecError code, or 'ERROR'. */
  code: string;
  reason: string;
  at: string;
  /** The message's bytes, base64 (dead letters are rare; kept whole for inspection). */
  value: string;
}

export const CODECS = {
  [TOPICS.jobs]: jsonCodec<CaptureJob>(TOPICS.jobs),
  [TOPICS.segments]: segmentCodec(TOPICS.segments),
  [TOPICS.flows]: flowCodec(TOPICS.flows),
  [TOPICS.dns]: jsonCodec<DnsNames>(TOPICS.dns, { compression: 'gzip' }),
  [TOPICS.events]: jsonCodec<CaptureEvent>(TOPICS.events),
  [TOPICS.deadLetter]: jsonCodec<DeadLetter>(TOPICS.deadLetter),
} as const;

/** The codec of one of the pipeline's topics; CodecError UNKNOWN_TOPIC for any other name. */
export function codecFor(topic: string): Codec<unknown> {
  const codec = (CODECS as Record<string, Codec<unknown>>)[topic];
  if (codec === undefined) throw new CodecError('UNKNOWN_TOPIC', topic, `no codec for topic ${topic}`);
  return codec;
}
