import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { describe, it } from 'node:test';
import { analyzeCapture, CaptureError, toFlowRecord } from '../packages/core/src/index.ts';
import { CORPUS_DIR, corpusFiles, pool } from './support/corpus.ts';
import { type TupleTotals, tsharkTotals, tupleKey } from './support/tshark.ts';

const files = corpusFiles();

async function ourTotals(path: string) {
  const totals: TupleTotals = new Map();
  const summary = await analyzeCapture(createReadStream(path), (flow, final) => {
    if (!final) return;
    const r = toFlowRecord(flow, 9);
    const key = tupleKey(r.ip_proto, r.src_ip, r.src_port, r.dst_ip, r.dst_port);
    const t = totals.get(key) ?? { packets: 0, bytes: 0 };
    t.packets += r.packets_src + r.packets_dst;
    t.bytes += r.bytes_src + r.bytes_dst;
    totals.set(key, t);
  });
  return { totals, summary };
}

function differences(ours: TupleTotals, theirs: TupleTotals): string[] {
  const out: string[] = [];
  for (const key of new Set([...ours.keys(), ...theirs.keys()])) {
    const a = ours.get(key);
    const b = theirs.get(key);
    if (a?.packets !== b?.packets || a?.bytes !== b?.bytes) {
      out.push(`${key}: capstream ${JSON.stringify(a ?? null)}, tshark ${JSON.stringify(b ?? null)}`);
    }
  }
  return out;
}

describe('real-world corpus against tshark', () => {
  it('finds the corpus (set CAPSTREAM_NO_CORPUS=1 to run without it)', () => {
    if (process.env.CAPSTREAM_NO_CORPUS === '1') return;
    assert.ok(files.length > 50, `expected the shared corpus at ${CORPUS_DIR}`);
  });

  it('parses every file without a crash and matches tshark per undirected 5-tuple', async () => {
    const failures: string[] = [];
    let tuples = 0;
    await pool(files, 2, async (f) => {
      const [{ totals, summary }, theirs] = await Promise.all([ourTotals(f.path), tsharkTotals(f.path)]);
      if (summary.error !== null && !(summary.error instanceof CaptureError))
        failures.push(`${f.file}: untyped error`);
      tuples += theirs.size;
      const diff = differences(totals, theirs);
      // Fuzzed files hold deliberately mangled headers where two decoders may honestly differ
      // (say, an extension header chain tshark stops at): most tuples must still agree.
      const allowed = f.tags.some((t) => t.startsWith('fuzz')) ? Math.floor(theirs.size * 0.05) : 0;
      if (diff.length > allowed)
        failures.push(
          `${f.file}: ${diff.length} of ${theirs.size} tuples differ\n  ${diff.slice(0, 5).join('\n  ')}`,
        );
    });
    assert.ok(tuples > 1000, `compared only ${tuples} tuples`);
    assert.deepEqual(failures, []);
  });
});
