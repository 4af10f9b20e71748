// HMAC-SHA-256 (RFC 2104 over FIPS 180-4 SHA-256) in plain JavaScript, for QUIC Initial key derivation: five
// HMACs of a few dozen bytes per connection. Why not node:crypto: each createHmac costs ~3 µs of object setup,
// more than the hashing; here a key's padded blocks are hashed once (`hmacKey`) and each MAC of a short message
// is two compressions, about 1 µs. Not constant-time: it only handles keys derived from public packet fields.

/** FIPS 180-4 §4.2.2: the first 32 bits of the fractional parts of the cube roots of the first 64 primes. */
// biome-ignore format: the FIPS table, eight words a row
const K = Int32Array.of(
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
);
/** FIPS 180-4 §5.3.3: the initial hash value H(0). */
const H0 = Int32Array.of(
  0x6a09e667,
  0xbb67ae85,
  0x3c6ef372,
  0xa54ff53a,
  0x510e527f,
  0x9b05688c,
  0x1f83d9ab,
  0x5be0cd19,
);
const BLOCK = 64;

/** Scratch space: the message schedule, the padded last block(s), a working state and the inner digest. */
const W = new Int32Array(64);
const PAD = new Uint8Array(2 * BLOCK);
const STATE = new Int32Array(8);
const INNER = new Uint8Array(32);

/** FIPS 180-4 §6.2.2: processes the 64-byte block at b[o] into the state h. */
function compress(h: Int32Array, b: Uint8Array, o: number): void {
  for (let i = 0; i < 16; i++, o += 4) W[i] = (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];
  for (let i = 16; i < 64; i++) {
    const x = W[i - 15];
    const y = W[i - 2];
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    W[i] = (W[i - 16] + s0 + W[i - 7] + s1) | 0;
  }
  let a = h[0];
  let b1 = h[1];
  let c = h[2];
  let d = h[3];
  let e = h[4];
  let f = h[5];
  let g = h[6];
  let k = h[7];
  for (let i = 0; i < 64; i++) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (k + s1 + ((e & f) ^ (~e & g)) + K[i] + W[i]) | 0;
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (s0 + ((a & b1) ^ (a & c) ^ (b1 & c))) | 0;
    k = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b1;
    b1 = a;
    a = (t1 + t2) | 0;
  }
  h[0] = (h[0] + a) | 0;
  h[1] = (h[1] + b1) | 0;
  h[2] = (h[2] + c) | 0;
  h[3] = (h[3] + d) | 0;
  h[4] = (h[4] + e) | 0;
  h[5] = (h[5] + f) | 0;
  h[6] = (h[6] + g) | 0;
  h[7] = (h[7] + k) | 0;
}

/**
 * Continues the hash in `h` (which has absorbed `before` bytes, a multiple of 64) with `msg`, pads it
 * (FIPS 180-4 §5.1.1: a 1 bit, zeros, the 64-bit message length in bits) and writes the digest to out.
 */
function finish(h: Int32Array, before: number, msg: Uint8Array, out: Uint8Array): void {
  let p = 0;
  for (; p + BLOCK <= msg.length; p += BLOCK) compress(h, msg, p);
  const rest = msg.length - p;
  const blocks = rest < BLOCK - 8 ? 1 : 2;
  PAD.fill(0);
  for (let i = 0; i < rest; i++) PAD[i] = msg[p + i];
  PAD[rest] = 0x80;
  const bits = (before + msg.length) * 8;
  const end = blocks * BLOCK;
  const hi = Math.floor(bits / 0x100000000);
  PAD[end - 8] = hi >>> 24;
  PAD[end - 7] = hi >>> 16;
  PAD[end - 6] = hi >>> 8;
  PAD[end - 5] = hi;
  PAD[end - 4] = bits >>> 24;
  PAD[end - 3] = bits >>> 16;
  PAD[end - 2] = bits >>> 8;
  PAD[end - 1] = bits;
  for (let i = 0; i < blocks; i++) compress(h, PAD, i * BLOCK);
  for (let i = 0; i < 8; i++) {
    const v = h[i];
    out[4 * i] = v >>> 24;
    out[4 * i + 1] = v >>> 16;
    out[4 * i + 2] = v >>> 8;
    out[4 * i + 3] = v;
  }
}

export function sha256(msg: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(32);
  STATE.set(H0);
  finish(STATE, 0, msg, out);
  return out;
}

/** An HMAC key: the SHA-256 states after its inner (ipad) and outer (opad) blocks. */
export interface HmacKey {
  inner: Int32Array;
  outer: Int32Array;
}

/** RFC 2104 §2: keys longer than the block are hashed first; K XOR ipad and K XOR opad are each one block. */
export function hmacKey(key: Uint8Array): HmacKey {
  const k = key.length > BLOCK ? sha256(key) : key;
  const inner = H0.slice();
  const outer = H0.slice();
  const block = new Uint8Array(BLOCK);
  block.fill(0x36);
  for (let i = 0; i < k.length; i++) block[i] ^= k[i];
  compress(inner, block, 0);
  block.fill(0x5c);
  for (let i = 0; i < k.length; i++) block[i] ^= k[i];
  compress(outer, block, 0);
  return { inner, outer };
}

/** RFC 2104 §2: H(K XOR opad, H(K XOR ipad, text)). */
export function hmacSha256(key: HmacKey, msg: Uint8Array): Buffer {
  STATE.set(key.inner);
  finish(STATE, BLOCK, msg, INNER);
  const out = Buffer.allocUnsafe(32);
  STATE.set(key.outer);
  finish(STATE, BLOCK, INNER, out);
  return out;
}
