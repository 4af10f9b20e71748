import type { Flow } from './flow.ts';

/**
 * Flows filed by the time they may have gone idle, so that a sweep looks only at flows whose
 * deadline may have passed instead of at every tracked flow (each sweep over all of them touched
 * ~100,000 scattered objects every 5 capture seconds: about a tenth of `capstream flows`).
 *
 * A flow sits in one bucket of `stepSec` seconds at a time. Its deadline is filed early, never
 * late: packets only move the real one later, and the table refiles a flow whose deadline moves
 * earlier (a TCP connection that closes). A sweep takes the due flows out; the table ends those
 * really idle and files the rest again.
 */
export class ExpiryWheel {
  private readonly buckets = new Map<number, Flow[]>();

  constructor(private readonly stepSec: number) {}

  /** Files a flow to be looked at by the first sweep after `deadline` (moving it if filed elsewhere). */
  file(flow: Flow, deadline: number): void {
    const b = Math.floor(deadline / this.stepSec);
    if (flow.wheelIndex >= 0) {
      if (flow.wheelBucket === b) return;
      this.remove(flow);
    }
    let bucket = this.buckets.get(b);
    if (bucket === undefined) {
      bucket = [];
      this.buckets.set(b, bucket);
    }
    flow.wheelBucket = b;
    flow.wheelIndex = bucket.length;
    bucket.push(flow);
  }

  remove(flow: Flow): void {
    const i = flow.wheelIndex;
    if (i < 0) return;
    const bucket = this.buckets.get(flow.wheelBucket)!;
    const last = bucket.pop()!;
    if (last !== flow) {
      bucket[i] = last;
      last.wheelIndex = i;
    }
    if (bucket.length === 0) this.buckets.delete(flow.wheelBucket);
    flow.wheelIndex = -1;
  }

  /** Takes out every flow filed for a sweep at capture time `now`, appending them to `out`. */
  takeDue(now: number, out: Flow[]): void {
    const current = Math.floor(now / this.stepSec);
    // A handful of buckets (the longest timeout over the step), visited in any order: the caller sorts.
    for (const [b, bucket] of this.buckets) {
      if (b > current) continue;
      this.buckets.delete(b);
      for (const flow of bucket) {
        flow.wheelIndex = -1;
        out.push(flow);
      }
    }
  }

  clear(): void {
    for (const bucket of this.buckets.values()) for (const flow of bucket) flow.wheelIndex = -1;
    this.buckets.clear();
  }
}
