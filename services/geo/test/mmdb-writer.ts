import { parseIPv4, parseIPv6 } from '@capstream/core/ip-words';

/**
 * A minimal MaxMind DB writer for tests (MaxMind DB File Format Specification 2.0): an IPv6
 * tree with 24-bit records holding a few prefixes, IPv4 ones under ::/96 as GeoLite2 stores
 * them. Enough to stand in for a user's GeoLite2 file, which cannot be shipped.
 */

type Value = string | number | { double: number } | { uint64: bigint } | Value[] | { [key: string]: Value };

/** "The metadata section ... begins with the byte sequence \xAB\xCD\xEFMaxMind.com". */
const MARKER = Buffer.from('abcdef4d61784d696e642e636f6d', 'hex');

function ctrl(type: number, size: number): Buffer {
  // "If the value is 28 or less, the size is that value; 29: 29 + the next byte; 30: 285 + the
  // next two bytes; 31: 65,821 + the next three bytes." Types above 7 are "extended": the type
  // bits are 0 and the next byte holds type - 7.
  const head: number[] = [];
  const extra: number[] = [];
  let sizeBits = size;
  if (size >= 285) {
    sizeBits = 30;
    extra.push(((size - 285) >> 8) & 0xff, (size - 285) & 0xff);
  } else if (size >= 29) {
    sizeBits = 29;
    extra.push(size - 29);
  }
  if (size >= 65821) throw new Error('value too large for this writer');
  if (type <= 7) head.push((type << 5) | sizeBits);
  else head.push(sizeBits, type - 7);
  return Buffer.from([...head, ...extra]);
}

function encode(v: Value): Buffer {
  if (typeof v === 'string') {
    const b = Buffer.from(v, 'utf8');
    return Buffer.concat([ctrl(2, b.length), b]);
  }
  if (typeof v === 'number') {
    // uint32 (type 6), big-endian, no leading zero bytes.
    const bytes: number[] = [];
    for (let x = v; x > 0; x = Math.floor(x / 256)) bytes.unshift(x & 0xff);
    return Buffer.concat([ctrl(6, bytes.length), Buffer.from(bytes)]);
  }
  if (Array.isArray(v)) return Buffer.concat([ctrl(11, v.length), ...v.map(encode)]);
  if ('double' in v && typeof v.double === 'number') {
    const b = Buffer.alloc(8);
    b.writeDoubleBE(v.double);
    return Buffer.concat([ctrl(3, 8), b]);
  }
  if ('uint64' in v && typeof v.uint64 === 'bigint') {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(v.uint64);
    return Buffer.concat([ctrl(9, 8), b]);
  }
  const entries = Object.entries(v as Record<string, Value>);
  return Buffer.concat([ctrl(7, entries.length), ...entries.flatMap(([k, x]) => [encode(k), encode(x)])]);
}

/** A prefix as 128 bits: IPv4 prefixes sit under ::/96. */
function prefixBits(cidr: string): { words: Uint32Array; length: number } {
  const [ip, len] = cidr.split('/');
  const words = new Uint32Array(4);
  if (ip.includes(':')) {
    if (!parseIPv6(ip, words)) throw new Error(`bad prefix ${cidr}`);
    return { words, length: Number(len) };
  }
  const v4 = parseIPv4(ip);
  if (v4 < 0) throw new Error(`bad prefix ${cidr}`);
  words[3] = v4;
  return { words, length: 96 + Number(len) };
}

const bitAt = (w: Uint32Array, i: number): number => (w[i >>> 5] >>> (31 - (i & 31))) & 1;

/** An mmdb file with `records` (prefix → record) and `databaseType` in its metadata. */
export function writeMmdb(databaseType: string, records: Record<string, Value>): Buffer {
  // Node records: >= 0 another node, -1 empty, -(2 + i) data item i.
  const nodes: [number, number][] = [[-1, -1]];
  const data: Buffer[] = [];
  for (const [cidr, value] of Object.entries(records)) {
    const { words, length } = prefixBits(cidr);
    const item = -(2 + data.length);
    data.push(encode(value));
    let node = 0;
    for (let depth = 0; depth < length; depth++) {
      const side = bitAt(words, depth);
      if (depth === length - 1) {
        if (nodes[node][side] !== -1) throw new Error(`overlapping prefix ${cidr}`);
        nodes[node][side] = item;
      } else {
        let next = nodes[node][side];
        if (next < -1) throw new Error(`prefix ${cidr} inside another`);
        if (next === -1) {
          next = nodes.length;
          nodes.push([-1, -1]);
          nodes[node][side] = next;
        }
        node = next;
      }
    }
  }
  const nodeCount = nodes.length;
  const dataOffsets: number[] = [];
  let at = 0;
  for (const d of data) {
    dataOffsets.push(at);
    at += d.length;
  }
  // "If the record value is equal to the number of nodes, there is no data"; above it, a pointer
  // into the data section: value - node_count - 16.
  const recordValue = (r: number): number =>
    r >= 0 ? r : r === -1 ? nodeCount : nodeCount + 16 + dataOffsets[-r - 2];
  const tree = Buffer.alloc(nodeCount * 6);
  nodes.forEach(([l, r], i) => {
    tree.writeUIntBE(recordValue(l), i * 6, 3);
    tree.writeUIntBE(recordValue(r), i * 6 + 3, 3);
  });
  const metadata = encode({
    binary_format_major_version: 2,
    binary_format_minor_version: 0,
    build_epoch: { uint64: 1_700_000_000n },
    database_type: databaseType,
    description: { en: `${databaseType} test database` },
    ip_version: 6,
    languages: ['en'],
    node_count: nodeCount,
    record_size: 24,
  });
  return Buffer.concat([tree, Buffer.alloc(16), ...data, MARKER, metadata]);
}
