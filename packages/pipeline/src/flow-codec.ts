/**
 * Flow records on the wire: binary, the fields in a fixed order (FIELDS), no names.
 *
 *   [version u8 = 2] then per field, by kind:
 *   text  varint(byte length + 1), UTF-8 bytes; 0 stands for null where the field may be null
 *   num   float64 LE (exact for the integer counters, up to 2^53)
 *   port  int32 LE, -1 for null
 *   bool  u8, 0 or 1
 *   flag  u8, 0 or 1; an optional field, absent when 0
 *
 * Against JSON (v1 of the topic) on the benchmark capture's flows: 275 bytes a flow instead of 646
 * before compression (about the same after gzip, ~75), and encode + gzip + gunzip + decode ~30%
 * less CPU (the gzip of fewer bytes is most of it). A field is added only with a new version, at
 * the end, on a new topic (`capstream.flows.v3` for version 3, which added `capture_end`; see
 * DEPLOY.md, Upgrade): old consumers drain the old topic and never meet a record they cannot
 * read. The decoder still reads version 2 records (as flows without the new field).
 */
import { CodecError, checkVersion } from './codec.ts';
import type { FlowMessage } from './messages.ts';

type Kind = 'text' | 'text?' | 'num' | 'port' | 'bool' | 'flag';

const FIELDS: readonly (readonly [keyof FlowMessage, Kind])[] = [
  ['capture_id', 'text'],
  ['flow_id', 'text'],
  ['version', 'num'],
  ['final', 'bool'],
  ['src_ip', 'text'],
  ['src_port', 'port'],
  ['dst_ip', 'text'],
  ['dst_port', 'port'],
  ['ip_version', 'num'],
  ['ip_proto', 'num'],
  ['packets_src', 'num'],
  ['packets_dst', 'num'],
  ['bytes_src', 'num'],
  ['bytes_dst', 'num'],
  ['payload_bytes_src', 'num'],
  ['payload_bytes_dst', 'num'],
  ['first_seen', 'text'],
  ['last_seen', 'text'],
  ['first_ns', 'text'],
  ['last_ns', 'text'],
  ['duration', 'num'],
  ['app', 'text'],
  ['server_name', 'text?'],
  ['tls_version', 'text?'],
  ['alpn', 'text?'],
  ['quic_version', 'text?'],
  ['tcp_state', 'text?'],
  ['tcp_flags_src', 'text?'],
  ['tcp_flags_dst', 'text?'],
  ['tunnel', 'text?'],
  ['capture_end', 'flag'],
];

export const FLOW_CODEC_VERSION = 3;

/** Fields of each version this build reads: version 2 lacked the last one. */
const FIELDS_OF: Readonly<Record<number, typeof FIELDS>> = { 2: FIELDS.slice(0, -1), 3: FIELDS };

/** Reused between encodes: a flow is a few hundred bytes; it grows for one that is not. */
let scratch = Buffer.allocUnsafe(4096);

function room(at: number, more: number): void {
  if (at + more <= scratch.length) return;
  const grown = Buffer.allocUnsafe(Math.max(scratch.length * 2, at + more));
  scratch.copy(grown, 0, 0, at);
  scratch = grown;
}

function writeVarint(at: number, v: number): number {
  while (v >= 0x80) {
    scratch[at++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  scratch[at++] = v;
  return at;
}

export function encodeFlow(topic: string, f: FlowMessage): Buffer {
  let at = 0;
  room(0, 1);
  scratch[at++] = FLOW_CODEC_VERSION;
  for (const [name, kind] of FIELDS) {
    const v = f[name] as unknown;
    switch (kind) {
      case 'text':
      case 'text?': {
        if (v === null && kind === 'text?') {
          room(at, 1);
          scratch[at++] = 0;
          break;
        }
        if (typeof v !== 'string') throw new CodecError('MALFORMED', topic, `flow field ${name} is not text`);
        // At most 3 bytes per UTF-16 unit, plus the length.
        room(at, 5 + v.length * 3);
        const start = at + 5;
        const n = scratch.write(v, start, 'utf8');
        const after = writeVarint(at, n + 1);
        scratch.copyWithin(after, start, start + n);
        at = after + n;
        break;
      }
      case 'num':
        if (typeof v !== 'number')
          throw new CodecError('MALFORMED', topic, `flow field ${name} is not a number`);
        room(at, 8);
        scratch.writeDoubleLE(v, at);
        at += 8;
        break;
      case 'port':
        room(at, 4);
        scratch.writeInt32LE(v === null ? -1 : (v as number), at);
        at += 4;
        break;
      case 'bool':
      case 'flag':
        room(at, 1);
        scratch[at++] = v ? 1 : 0;
        break;
    }
  }
  return Buffer.from(scratch.subarray(0, at));
}

export function decodeFlow(topic: string, bytes: Uint8Array): FlowMessage {
  const fields = bytes.length > 0 ? FIELDS_OF[bytes[0]] : undefined;
  if (fields === undefined) checkVersion(topic, FLOW_CODEC_VERSION, bytes); // throws, naming it
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const short = (name: string) =>
    new CodecError('MALFORMED', topic, `flow record of ${b.length} bytes ends inside field ${name}`);
  const f: Record<string, unknown> = {};
  let at = 1;
  for (const [name, kind] of fields!) {
    switch (kind) {
      case 'text':
      case 'text?': {
        let n = 0;
        for (let shift = 0; ; shift += 7) {
          if (at >= b.length || shift > 28) throw short(name);
          const byte = b[at++];
          n += (byte & 0x7f) * 2 ** shift;
          if (byte < 0x80) break;
        }
        if (n === 0) {
          if (kind === 'text') throw new CodecError('MALFORMED', topic, `flow field ${name} is null`);
          f[name] = null;
          break;
        }
        if (at + n - 1 > b.length) throw short(name);
        f[name] = b.toString('utf8', at, at + n - 1);
        at += n - 1;
        break;
      }
      case 'num':
        if (at + 8 > b.length) throw short(name);
        f[name] = b.readDoubleLE(at);
        at += 8;
        break;
      case 'port': {
        if (at + 4 > b.length) throw short(name);
        const p = b.readInt32LE(at);
        f[name] = p < 0 ? null : p;
        at += 4;
        break;
      }
      case 'bool':
        if (at + 1 > b.length) throw short(name);
        f[name] = b[at++] === 1;
        break;
      case 'flag':
        if (at + 1 > b.length) throw short(name);
        if (b[at++] === 1) f[name] = true;
        break;
    }
  }
  if (at !== b.length) {
    throw new CodecError('MALFORMED', topic, `flow record has ${b.length - at} bytes after its last field`);
  }
  return f as unknown as FlowMessage;
}
