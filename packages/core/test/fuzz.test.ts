import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { analyzeCapture } from '../src/analyze.ts';
import { CaptureError } from '../src/errors.ts';
import { toFlowRecord } from '../src/flow/record.ts';
import { writePcap } from '../src/testing/index.ts';
import { mixedPcap, mixedPcapng } from './fixtures.ts';
import { gzip, rng } from './helpers.ts';

/** Bounded in count and in time, so the suite stays quick; a seed makes failures reproducible. */
const ITERATIONS = Number(process.env.CAPSTREAM_FUZZ_ITERATIONS ?? 1500);
const BUDGET_MS = Number(process.env.CAPSTREAM_FUZZ_MS ?? 20_000);
const SEED = Number(process.env.CAPSTREAM_FUZZ_SEED ?? 20261127);

const corpus = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'pcaps');
const corpusSeeds = [
  'ndpi__6in4tunnel.pcap',
  'ndpi__bets.pcapng',
  'zeek__linux_dlt_sll2.pcap',
  'pcapngtest__le_test010.pcapng',
]
  .map((f) => join(corpus, f))
  .filter((p) => existsSync(p))
  .map((p) => new Uint8Array(readFileSync(p)));

type Mutator = (b: Uint8Array, next: () => number) => Uint8Array;

const int = (next: () => number, n: number) => Math.floor(next() * n);
const mutators: Mutator[] = [
  // Flip a few bits anywhere.
  (b, next) => {
    const c = b.slice();
    for (let i = 1 + int(next, 8); i > 0; i--) c[int(next, c.length)] ^= 1 << int(next, 8);
    return c;
  },
  // Overwrite a 32-bit word with a hostile value (lengths, counts, offsets).
  (b, next) => {
    const c = b.slice();
    const at = int(next, Math.max(1, c.length - 4));
    const v = [0xffffffff, 0x7fffffff, 0, 1, 0x10000, int(next, 2 ** 32)][int(next, 6)];
    new DataView(c.buffer).setUint32(at, v >>> 0, next() < 0.5);
    return c;
  },
  // Cut anywhere.
  (b, next) => b.slice(0, int(next, b.length)),
  // Splice random bytes in.
  (b, next) => {
    const at = int(next, b.length);
    const junk = new Uint8Array(1 + int(next, 64)).map(() => int(next, 256));
    const c = new Uint8Array(b.length + junk.length);
    c.set(b.subarray(0, at));
    c.set(junk, at);
    c.set(b.subarray(at), at + junk.length);
    return c;
  },
  // A valid header followed by random records.
  (_b, next) =>
    writePcap(
      { linkType: [0, 1, 101, 113, 276, 228, 229][int(next, 7)] },
      Array.from({ length: 20 }, () => ({
        tsNs: 1_700_000_000_000_000_000n,
        data: new Uint8Array(int(next, 200)).map(() => int(next, 256)),
      })),
    ),
  // Pure noise.
  (_b, next) => new Uint8Array(int(next, 2000)).map(() => int(next, 256)),
];

async function* chunked(b: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let o = 0; o < b.length; o += size) yield b.subarray(o, o + size);
}

describe('fuzzing the readers, decoders, flow table and inspectors', () => {
  it(`survives ${ITERATIONS} mutated and random captures with typed errors only`, {
    timeout: BUDGET_MS * 3,
  }, async () => {
    const seeds = [
      mixedPcap(),
      mixedPcap({ byteOrder: 'be', resolution: 'ns' }),
      mixedPcapng(),
      ...corpusSeeds,
    ];
    const next = rng(SEED);
    const started = Date.now();
    let runs = 0;
    let errors = 0;
    for (; runs < ITERATIONS && Date.now() - started < BUDGET_MS; runs++) {
      let bytes = mutators[int(next, mutators.length)](seeds[int(next, seeds.length)], next);
      if (next() < 0.1) bytes = gzip(bytes);
      // Chunk boundaries anywhere; byte-sized chunks are covered by the reader tests (they cost
      // an async step each, which would only measure the event loop here).
      const chunk = 64 + int(next, 8192);
      const t0 = Date.now();
      try {
        const summary = await analyzeCapture(chunked(bytes, chunk), (flow, _final, p) => {
          toFlowRecord(flow, p);
        });
        if (summary.error !== null) {
          errors++;
          assert.ok(summary.error instanceof CaptureError, `run ${runs}: untyped error`);
          assert.match(summary.error.message, /^at byte \d+: /);
        }
      } catch (e) {
        assert.fail(`run ${runs} (seed ${SEED}) threw ${(e as Error).stack}`);
      }
      // Work is linear in the input: a slow case is a hang in the making.
      assert.ok(Date.now() - t0 < 5000, `run ${runs} took ${Date.now() - t0} ms for ${bytes.length} bytes`);
    }
    assert.ok(runs >= Math.min(ITERATIONS, 200), `only ${runs} runs in the time budget`);
    assert.ok(errors > runs / 10, `mutations should break many captures (${errors} of ${runs})`);
  });
});
