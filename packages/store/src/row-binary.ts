import { parseIPv4, parseIPv6 } from '@capstream/core/ip-words';
import { clampNs } from './convert.ts';
import { StoreError } from './errors.ts';

// ClickHouse's RowBinary format (https://clickhouse.com/docs/interfaces/formats/RowBinary), written
// by hand for the few column types the store inserts in bulk: no maintained npm package encodes
// it (@clickhouse/client inserts JSON, CSV/TSV and Parquet only), and the format is small: values
// one after another, little-endian, strings as a LEB128 length and their UTF-8 bytes, a Nullable
// as one byte (1: null) before its value, a LowCardinality as its inner type.

const NS_TEXT = /^-?\d{1,30}$/;

/** Appends values to a growing buffer. */
export class RowBinaryWriter {
  #buf: Buffer;
  #view: DataView;
  #at = 0;

  constructor(initialBytes = 1 << 16) {
    this.#buf = Buffer.allocUnsafe(Math.max(64, initialBytes));
    this.#view = new DataView(this.#buf.buffer, this.#buf.byteOffset, this.#buf.byteLength);
  }

  /** The bytes written so far (a view, valid until the next write). */
  bytes(): Buffer {
    return this.#buf.subarray(0, this.#at);
  }

  #room(n: number): void {
    if (this.#at + n <= this.#buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#at + n));
    this.#buf.copy(grown, 0, 0, this.#at);
    this.#buf = grown;
    this.#view = new DataView(grown.buffer, grown.byteOffset, grown.byteLength);
  }

  uint8(v: number): void {
    this.#room(1);
    this.#buf[this.#at++] = v;
  }

  uint16(v: number): void {
    this.#room(2);
    this.#view.setUint16(this.#at, v, true);
    this.#at += 2;
  }

  uint32(v: number): void {
    this.#room(4);
    this.#view.setUint32(this.#at, v, true);
    this.#at += 4;
  }

  /** An unsigned integer up to 2^53 - 1 (a JS number holds no more exactly). */
  uint64(v: number): void {
    this.#room(8);
    this.#view.setUint32(this.#at, v >>> 0, true);
    this.#view.setUint32(this.#at + 4, Math.floor(v / 4_294_967_296), true);
    this.#at += 8;
  }

  int64(v: bigint): void {
    this.#room(8);
    this.#view.setBigInt64(this.#at, v, true);
    this.#at += 8;
  }

  /**
   * A DateTime64(9) from nanoseconds since the epoch as decimal text, clamped to the type's range;
   * false, and nothing written, when the text is no such number. Times of 1970-2255 (10 to 19
   * digits, the first below 9) are computed in numbers: through BigInt each cost ~0.5 µs, two per flow.
   */
  nsText(text: string): boolean {
    const n = text.length;
    if (n >= 10 && (n < 19 || (n === 19 && text.charCodeAt(0) < 57))) {
      let sec = 0;
      let ns = 0;
      let i = 0;
      for (; i < n - 9; i++) {
        const d = text.charCodeAt(i) - 48;
        if (d < 0 || d > 9) return false;
        sec = sec * 10 + d;
      }
      for (; i < n; i++) {
        const d = text.charCodeAt(i) - 48;
        if (d < 0 || d > 9) return false;
        ns = ns * 10 + d;
      }
      // sec * 1e9 + ns in two 32-bit halves, every step exact in a double: sec < 2^34.
      const secHi = Math.floor(sec / 65536);
      const x = (sec - secHi * 65536) * 1e9 + ns; // < 2^46
      const y = secHi * 1e9; // < 2^48; the total is y * 2^16 + x
      const yLow = y % 65536;
      const lowSum = yLow * 65536 + (x % 4294967296);
      const low = lowSum % 4294967296;
      const high = (y - yLow) / 65536 + Math.floor(x / 4294967296) + (lowSum - low) / 4294967296;
      this.#room(8);
      this.#view.setUint32(this.#at, low, true);
      this.#view.setUint32(this.#at + 4, high, true);
      this.#at += 8;
      return true;
    }
    if (!NS_TEXT.test(text)) return false;
    this.int64(clampNs(BigInt(text)));
    return true;
  }

  float64(v: number): void {
    this.#room(8);
    this.#view.setFloat64(this.#at, v, true);
    this.#at += 8;
  }

  string(s: string): void {
    // Most values are ASCII (names, labels, ids): copied byte by byte; the rest through utf8Write.
    const n = s.length;
    this.#room(n * 3 + 5);
    const b = this.#buf;
    const start = this.#at;
    let i = 0;
    if (n < 128) {
      let at = start + 1;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c > 127) break;
        b[at++] = c;
      }
      if (i === n) {
        b[start] = n;
        this.#at = at;
        return;
      }
    }
    const len = Buffer.byteLength(s, 'utf8');
    let at = start;
    for (let v = len; ; ) {
      if (v < 0x80) {
        b[at++] = v;
        break;
      }
      b[at++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.#at = at + b.write(s, at, len, 'utf8');
  }

  /**
   * 16 bytes in network order, from address text (an IPv4 address as its IPv4-mapped IPv6 form);
   * false, and nothing written, when the text is no address.
   */
  ipv6(text: string): boolean {
    const v4 = text.includes(':') ? -1 : parseIPv4(text);
    if (v4 >= 0) {
      WORDS[0] = 0;
      WORDS[1] = 0;
      WORDS[2] = 0xffff;
      WORDS[3] = v4;
    } else if (!parseIPv6(text, WORDS)) {
      return false;
    }
    this.#room(16);
    for (let k = 0; k < 4; k++) this.#view.setUint32(this.#at + 4 * k, WORDS[k]!, false);
    this.#at += 16;
    return true;
  }
}

const WORDS = new Uint32Array(4);

/** Writes one value of a column. */
export type ValueWriter = (w: RowBinaryWriter, v: unknown, column: string) => void;

function bad(column: string, type: string, v: unknown): StoreError {
  return new StoreError('INVALID_ARGUMENT', `${column}: ${JSON.stringify(v)} is not a ${type}`);
}

/**
 * The writer of one column type: the types statementFor knows, `Nullable(T)` of one,
 * `LowCardinality(T)` of either. Throws for any other type (a new column needs its writer there).
 * Compiled from the same statements as rowEncoder, so both check and write alike.
 */
export function valueWriter(type: string): ValueWriter {
  const body = statementFor(type, (typeName) => `throw bad(column, '${typeName}', v);`);
  return new Function('bad', `return function writeValue(w, v, column) {\n  ${body}\n};`)(bad);
}

/**
 * The type a RowBinary payload is read as: the column's type without LowCardinality (the same
 * bytes). Read as plain String and converted on insert, 50,000 flows parse ~6x faster than read
 * straight as LowCardinality(Nullable(String)) (measured on chDB 3.4: 43 ms against 254 ms).
 */
export function payloadType(type: string): string {
  return type.replace(/LowCardinality\((.*)\)/g, '$1');
}

/** How a column's value is read from a row: a property of that name, or a function. */
export type RowValue<T> = (keyof T & string) | ((row: T) => unknown);

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The statement checking and writing value `v` of a column type (`w` the writer), the one place
 * each type's rules live: valueWriter and rowEncoder compile it. The writer's methods are called
 * directly (one class: V8 inlines them). `fail` is the statement throwing for a value that does
 * not fit; `LowCardinality(T)` writes as T, `Nullable(T)` as a null byte before T.
 */
function statementFor(type: string, fail: (typeName: string) => string): string {
  const low = /^LowCardinality\((.*)\)$/.exec(type);
  if (low) return statementFor(low[1]!, fail);
  const nullable = /^Nullable\((.*)\)$/.exec(type);
  if (nullable) {
    return `if (v === null || v === undefined) w.uint8(1); else { w.uint8(0); ${statementFor(nullable[1]!, fail)} }`;
  }
  const uint = /^UInt(8|16|32|64)$/.exec(type);
  if (uint) {
    const max = uint[1] === '64' ? Number.MAX_SAFE_INTEGER : 2 ** Number(uint[1]) - 1;
    return (
      `if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > ${max}) ${fail(type)} ` +
      `w.uint${uint[1]}(v);`
    );
  }
  switch (type) {
    case 'String':
      return `if (typeof v !== 'string') ${fail('String')} w.string(v);`;
    case 'Bool':
      return `if (typeof v !== 'boolean') ${fail('Bool')} w.uint8(v ? 1 : 0);`;
    case 'Float64':
      return `if (typeof v !== 'number') ${fail('Float64')} w.float64(v);`;
    case 'IPv6':
      return `if (typeof v !== 'string' || !w.ipv6(v)) ${fail('IP address')}`;
    case "DateTime64(9, 'UTC')":
      return `if (typeof v !== 'string' || !w.nsText(v)) ${fail('nanosecond timestamp')}`;
  }
  throw new Error(`RowBinary: no writer for the column type ${type}`);
}

/**
 * A function writing one row's columns, compiled from the column list into straight-line code:
 * per column, read the property, check it and call the writer's method for its type. Calling
 * per-column writer closures instead made every call site megamorphic (closures of one function
 * share their type feedback): ~4 µs a flow, ~0.8 s of the embedded pipeline's main thread per
 * 200,000 flows. Names must be identifiers (they are the schema's own, never input).
 */
export function rowEncoder<T>(
  columns: readonly { name: string; type: string; value: RowValue<T> }[],
): (w: RowBinaryWriter, row: T) => void {
  const getters = columns.map((c) => (typeof c.value === 'function' ? c.value : null));
  const lines = columns.map((c, i) => {
    if (!IDENTIFIER.test(c.name)) throw new Error(`RowBinary: column name ${c.name} is not an identifier`);
    let read: string;
    if (typeof c.value === 'function') read = `G[${i}](r)`;
    else if (IDENTIFIER.test(c.value)) read = `r.${c.value}`;
    else throw new Error(`RowBinary: property ${c.value} is not an identifier`);
    const fail = (typeName: string) => `throw bad('${c.name}', '${typeName}', v);`;
    return `v = ${read};\n  ${statementFor(c.type, fail)}`;
  });
  const compile = new Function(
    'G',
    'bad',
    `return function encodeRow(w, r) {\n  let v;\n  ${lines.join('\n  ')}\n};`,
  );
  return compile(getters, bad);
}
