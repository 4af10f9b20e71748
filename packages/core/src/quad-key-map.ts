/** Int32 words per slot: the key's four words; the fourth is never 0 (0 marks an empty slot). */
const STRIDE = 4;
const MIN_SLOTS = 1024;

/**
 * A hash map from four 32-bit integers to values, in an open-addressing table of plain integers:
 * IPv4 flows by 5-tuple, passive DNS names by address. Why not a Map with a string key: building
 * that string and hashing it for every packet was the largest cost of assembling flows (a third of
 * it, and ~200 MB of short-lived strings per GB); here a lookup is a few multiplications and one
 * 16-byte compare in a typed array.
 *
 * Linear probing, at most half full; deletion shifts later entries back instead of leaving
 * tombstones. Callers pass words as int32 or uint32 (compared as int32); the fourth must not be 0.
 */
export class QuadKeyMap<V> {
  size = 0;
  private mask = MIN_SLOTS - 1;
  private keys = new Int32Array(MIN_SLOTS * STRIDE);
  private values: (V | undefined)[] = new Array(MIN_SLOTS).fill(undefined);

  get(k0: number, k1: number, k2: number, k3: number): V | undefined {
    const i = this.find(k0, k1, k2, k3);
    return i < 0 ? undefined : this.values[i];
  }

  /** Adds or replaces. */
  set(k0: number, k1: number, k2: number, k3: number, value: V): void {
    const i = this.find(k0, k1, k2, k3);
    if (i >= 0) {
      this.values[i] = value;
      return;
    }
    if ((this.size + 1) * 2 > this.values.length) this.grow();
    this.place(k0 | 0, k1 | 0, k2 | 0, k3 | 0, value);
    this.size++;
  }

  delete(k0: number, k1: number, k2: number, k3: number): boolean {
    let hole = this.find(k0, k1, k2, k3);
    if (hole < 0) return false;
    const k = this.keys;
    const mask = this.mask;
    // Backward shift: an entry further along the run moves into the hole unless its home slot
    // lies cyclically after the hole (from its home it would then no longer be found).
    for (let j = (hole + 1) & mask; k[j * STRIDE + 3] !== 0; j = (j + 1) & mask) {
      const o = j * STRIDE;
      const home = slotHash(k[o], k[o + 1], k[o + 2], k[o + 3]) & mask;
      const stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
      if (stays) continue;
      const h = hole * STRIDE;
      k[h] = k[o];
      k[h + 1] = k[o + 1];
      k[h + 2] = k[o + 2];
      k[h + 3] = k[o + 3];
      this.values[hole] = this.values[j];
      hole = j;
    }
    k[hole * STRIDE + 3] = 0;
    this.values[hole] = undefined;
    this.size--;
    return true;
  }

  clear(): void {
    this.keys.fill(0);
    this.values.fill(undefined);
    this.size = 0;
  }

  /** The key's slot, or -1. */
  private find(k0: number, k1: number, k2: number, k3: number): number {
    const k = this.keys;
    const mask = this.mask;
    const w0 = k0 | 0;
    const w1 = k1 | 0;
    const w2 = k2 | 0;
    const w3 = k3 | 0;
    for (let i = slotHash(w0, w1, w2, w3) & mask; ; i = (i + 1) & mask) {
      const o = i * STRIDE;
      const t = k[o + 3];
      if (t === 0) return -1;
      if (t === w3 && k[o] === w0 && k[o + 1] === w1 && k[o + 2] === w2) return i;
    }
  }

  private place(w0: number, w1: number, w2: number, w3: number, value: V): void {
    const k = this.keys;
    let i = slotHash(w0, w1, w2, w3) & this.mask;
    while (k[i * STRIDE + 3] !== 0) i = (i + 1) & this.mask;
    const o = i * STRIDE;
    k[o] = w0;
    k[o + 1] = w1;
    k[o + 2] = w2;
    k[o + 3] = w3;
    this.values[i] = value;
  }

  private grow(): void {
    const keys = this.keys;
    const values = this.values;
    const slots = values.length * 2;
    this.mask = slots - 1;
    this.keys = new Int32Array(slots * STRIDE);
    this.values = new Array(slots).fill(undefined);
    for (let i = 0; i < values.length; i++) {
      const o = i * STRIDE;
      if (keys[o + 3] !== 0) this.place(keys[o], keys[o + 1], keys[o + 2], keys[o + 3], values[i]!);
    }
  }
}

/** Mixes the key's words (murmur3's constants); the caller masks it to a slot. */
function slotHash(w0: number, w1: number, w2: number, w3: number): number {
  let h = Math.imul(w0 ^ w3, 0xcc9e2d51);
  h = Math.imul(h ^ (h >>> 15) ^ w1, 0x1b873593);
  h = Math.imul(h ^ (h >>> 13) ^ w2, 0x85ebca6b);
  return h ^ (h >>> 16);
}
