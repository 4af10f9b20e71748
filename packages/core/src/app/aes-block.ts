// One AES-128 block encryption (FIPS-197) in JavaScript, for QUIC header protection: the mask is
// AES-ECB(hp_key, 16-byte sample), one block under a key that is new for every connection.
// node:crypto makes a cipher object for each (createCipheriv, setAutoPadding, update), ~5-10 µs
// a QUIC flow; expanding the key and running ten table rounds here costs well under a
// microsecond. Bulk decryption (AEAD_AES_128_GCM) stays with node:crypto. Checked against
// FIPS-197's vectors and node:crypto's AES-128-ECB in test/app/aes-block.test.ts.

const SBOX = new Uint8Array(256);
/** Round tables: T0[x] = (2·S[x], S[x], S[x], 3·S[x]) as a big-endian word; T1-T3 its rotations. */
const T0 = new Uint32Array(256);
const T1 = new Uint32Array(256);
const T2 = new Uint32Array(256);
const T3 = new Uint32Array(256);

/** Multiplication by x (0x02) in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1. */
function xtime(a: number): number {
  return ((a << 1) ^ (a & 0x80 ? 0x1b : 0)) & 0xff;
}

(() => {
  // The S-box from its definition: multiplicative inverse, then the affine map. p walks the
  // field by multiplying with 3 and q by its inverse, so q = p^-1 at every step.
  let p = 1;
  let q = 1;
  do {
    p = p ^ xtime(p);
    q ^= q << 1;
    q ^= q << 2;
    q ^= q << 4;
    q &= 0xff;
    if (q & 0x80) q ^= 0x09;
    const r = (v: number, n: number) => ((v << n) | (v >>> (8 - n))) & 0xff;
    SBOX[p] = q ^ r(q, 1) ^ r(q, 2) ^ r(q, 3) ^ r(q, 4) ^ 0x63;
  } while (p !== 1);
  SBOX[0] = 0x63;
  for (let x = 0; x < 256; x++) {
    const s = SBOX[x]!;
    const s2 = xtime(s);
    const s3 = s2 ^ s;
    const t = ((s2 << 24) | (s << 16) | (s << 8) | s3) >>> 0;
    T0[x] = t;
    T1[x] = ((t >>> 8) | (t << 24)) >>> 0;
    T2[x] = ((t >>> 16) | (t << 16)) >>> 0;
    T3[x] = ((t >>> 24) | (t << 8)) >>> 0;
  }
})();

const RCON = [0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x1b, 0x36];
const ROUND_KEYS = new Uint32Array(44);

function word(b: Uint8Array, i: number): number {
  return ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
}

/** AES-128 encryption of the 16 bytes `block[at..at+16)` under the 16-byte `key`. */
export function aes128EncryptBlock(key: Uint8Array, block: Uint8Array, at = 0): Uint8Array {
  if (key.length !== 16 || block.length < at + 16) throw new RangeError('AES-128: a 16-byte key and block');
  const w = ROUND_KEYS;
  for (let i = 0; i < 4; i++) w[i] = word(key, 4 * i);
  for (let i = 4; i < 44; i++) {
    let t = w[i - 1]!;
    if (i % 4 === 0) {
      // RotWord, SubWord, Rcon.
      t =
        ((SBOX[(t >>> 16) & 0xff]! << 24) |
          (SBOX[(t >>> 8) & 0xff]! << 16) |
          (SBOX[t & 0xff]! << 8) |
          SBOX[t >>> 24]!) ^
        (RCON[i / 4 - 1]! << 24);
    }
    w[i] = (w[i - 4]! ^ t) >>> 0;
  }
  let s0 = word(block, at) ^ w[0]!;
  let s1 = word(block, at + 4) ^ w[1]!;
  let s2 = word(block, at + 8) ^ w[2]!;
  let s3 = word(block, at + 12) ^ w[3]!;
  for (let r = 1; r < 10; r++) {
    const k = 4 * r;
    const t0 = T0[s0 >>> 24]! ^ T1[(s1 >>> 16) & 0xff]! ^ T2[(s2 >>> 8) & 0xff]! ^ T3[s3 & 0xff]! ^ w[k]!;
    const t1 = T0[s1 >>> 24]! ^ T1[(s2 >>> 16) & 0xff]! ^ T2[(s3 >>> 8) & 0xff]! ^ T3[s0 & 0xff]! ^ w[k + 1]!;
    const t2 = T0[s2 >>> 24]! ^ T1[(s3 >>> 16) & 0xff]! ^ T2[(s0 >>> 8) & 0xff]! ^ T3[s1 & 0xff]! ^ w[k + 2]!;
    const t3 = T0[s3 >>> 24]! ^ T1[(s0 >>> 16) & 0xff]! ^ T2[(s1 >>> 8) & 0xff]! ^ T3[s2 & 0xff]! ^ w[k + 3]!;
    s0 = t0;
    s1 = t1;
    s2 = t2;
    s3 = t3;
  }
  // The last round: SubBytes, ShiftRows, AddRoundKey (no MixColumns).
  const out = new Uint8Array(16);
  lastColumn(out, 0, s0, s1, s2, s3, w[40]!);
  lastColumn(out, 4, s1, s2, s3, s0, w[41]!);
  lastColumn(out, 8, s2, s3, s0, s1, w[42]!);
  lastColumn(out, 12, s3, s0, s1, s2, w[43]!);
  return out;
}

/** One output column of the last round, from the state words in ShiftRows order. */
function lastColumn(out: Uint8Array, o: number, a: number, b: number, c: number, d: number, k: number): void {
  out[o] = SBOX[a >>> 24]! ^ (k >>> 24);
  out[o + 1] = SBOX[(b >>> 16) & 0xff]! ^ ((k >>> 16) & 0xff);
  out[o + 2] = SBOX[(c >>> 8) & 0xff]! ^ ((k >>> 8) & 0xff);
  out[o + 3] = SBOX[d & 0xff]! ^ (k & 0xff);
}
