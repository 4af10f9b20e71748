import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeCapture } from '../../src/analyze.ts';
import type { AppResult } from '../../src/app/inspector.ts';
import { Flow } from '../../src/flow/flow.ts';
import { v4Key, v6Key } from '../../src/flow/flow-key.ts';
import { jsonLine } from '../../src/flow/format.ts';
import { jsonLineBound, writeJsonLine } from '../../src/flow/json-bytes.ts';
import { toFlowRecord } from '../../src/flow/record.ts';
import { parseIPv6 } from '../../src/testing/address.ts';
import { concat } from '../../src/testing/bytes.ts';
import { rng } from '../../src/testing/random.ts';
import { samplePcap, samplePcapng } from '../../src/testing/sample.ts';

/** The string route, which the byte writer must match byte for byte. */
function expected(flow: Flow, precision: number): Buffer {
  return Buffer.from(`${jsonLine(toFlowRecord(flow, precision))}\n`);
}

function written(flow: Flow, precision: number, at = 0): Buffer {
  const bound = jsonLineBound(flow);
  // Garbage around the line: the writer must not depend on zeroed memory or write past its bound.
  const buf = Buffer.alloc(at + bound + 16, 0xee);
  const end = writeJsonLine(flow, precision, buf, at);
  assert.ok(end - at <= bound, `line of ${end - at} bytes over its bound ${bound}`);
  assert.ok(
    buf.subarray(at + bound).every((b) => b === 0xee),
    'wrote past the bound',
  );
  return buf.subarray(at, end);
}

function app(over: Partial<AppResult>): AppResult {
  return { app: 'tls', serverName: null, alpn: null, tlsVersion: null, quicVersion: null, ...over };
}

const V4_ADDRESSES = [0, 1, 0x0a0000ff, 0xc0000201, 0xffffffff, 0x7f000001];
const V6_ADDRESSES = ['::', '::1', '2001:db8::1', '::ffff:1.2.3.4', 'fe80::1', '2001:db8:1:2:3:4:5:6'];

/** A random flow with the odd values a capture can hold: big counters, odd times, names from the wire. */
function randomFlow(rand: () => number): Flow {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const proto = pick([6, 17, 1, 58, 47]);
  const version = pick([4, 6] as const);
  const ports = (rand() * 2 ** 32) >>> 0;
  const key =
    version === 4
      ? v4Key(proto, pick(V4_ADDRESSES), pick(V4_ADDRESSES), ports)
      : v6Key(proto, concat([parseIPv6(pick(V6_ADDRESSES)), parseIPv6(pick(V6_ADDRESSES))]), 0, 16, ports);
  const flow = new Flow(key, version, proto);
  flow.srcIsA = rand() < 0.5;
  const int = () =>
    pick([0, 1, 9, 10, 99, 65535, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 7, 2 ** 53 - 1, (rand() * 1e6) | 0]);
  flow.srcPort = pick([-1, 0, 53, 65535]);
  flow.dstPort = pick([-1, 443, 5353]);
  flow.firstSec = pick([0, 1_714_564_800, 1_714_651_199, 4_102_444_800, 253_402_300_799, -1, 1e15, 1.5]);
  flow.firstNsec = pick([0, 1, 999_999_999, 123_456_789, 500_000, 1e9, -3]);
  flow.lastSec = flow.firstSec + pick([0, 1, 86_399, -5]);
  flow.lastNsec = pick([0, 7, 999_999_999, 250_000_000]);
  flow.packets0 = int();
  flow.packets1 = int();
  flow.bytes0 = int();
  flow.bytes1 = int();
  flow.payload0 = int();
  flow.payload1 = int();
  flow.flags0 = (rand() * 256) | 0;
  flow.flags1 = (rand() * 256) | 0;
  flow.history = (rand() * 64) | 0;
  const name = () =>
    pick(['example.com', 'we"ird\\name\u0001.example', 'bücher.example', '\u{1f600}.example', '']);
  flow.serverName = rand() < 0.5 ? null : name();
  // Labels are the code's own ASCII; one that is not must still come out as UTF-8.
  flow.tunnel = pick([null, 'gre', 'vxlan/gtp', 'tünnel']);
  flow.app = pick([
    null,
    app({ app: 'dns' }),
    app({ tlsVersion: '1.3', alpn: ['h2', 'http/1.1'], serverName: flow.serverName }),
    app({ app: 'quic', quicVersion: '0xff00001d', alpn: [name()] }),
    app({ alpn: [] }),
  ]);
  return flow;
}

async function flowsOfCapture(bytes: Uint8Array): Promise<{ flow: Flow; precision: number }[]> {
  const out: { flow: Flow; precision: number }[] = [];
  await analyzeCapture(
    (async function* () {
      yield bytes;
    })(),
    (flow, final, precision) => {
      if (final) out.push({ flow, precision });
    },
  );
  return out;
}

describe('writeJsonLine', () => {
  it('writes the same bytes as jsonLine(toFlowRecord()) for every flow of the sample captures', async () => {
    for (const capture of [samplePcap(), samplePcap({ resolution: 'ns' }), samplePcapng()]) {
      const flows = await flowsOfCapture(capture);
      assert.ok(flows.length > 20);
      assert.ok(flows.some((f) => f.flow.app !== null && f.flow.app.app !== 'unknown'));
      for (const { flow, precision } of flows)
        assert.deepEqual(written(flow, precision, 3), expected(flow, precision));
    }
  });

  it('writes durations as JavaScript prints them, from nanoseconds to months and past', () => {
    const rand = rng(7);
    const edges = [
      0,
      1,
      999,
      1000,
      1001,
      1e9 - 1,
      1e9,
      1e9 + 1,
      2 ** 23 * 1e9 - 1,
      2 ** 23 * 1e9,
      2 ** 23 * 1e9 + 1,
    ];
    const random = Array.from({ length: 20_000 }, () => Math.floor(10 ** (rand() * 16.2)));
    for (const ns of [...edges, ...random]) {
      const flow = new Flow(v4Key(17, 1, 2, 3), 4, 17);
      flow.firstSec = 1_714_564_800;
      flow.lastSec = flow.firstSec + Math.floor(ns / 1e9);
      flow.lastNsec = ns % 1e9;
      assert.deepEqual(written(flow, 9).toString(), expected(flow, 9).toString(), `${ns} ns`);
    }
  });

  it('matches on random flows with extreme numbers, odd times and names that need escaping', () => {
    const rand = rng(20241129);
    for (let i = 0; i < 5000; i++) {
      const flow = randomFlow(rand);
      for (const precision of [0, 3, 6, 9]) {
        assert.deepEqual(
          written(flow, precision),
          expected(flow, precision),
          JSON.stringify({ i, precision }),
        );
      }
    }
  });

  it('writes one line after another in a shared buffer', () => {
    const rand = rng(7);
    const flows = Array.from({ length: 50 }, () => randomFlow(rand));
    const buf = Buffer.alloc(flows.reduce((n, f) => n + jsonLineBound(f), 0));
    let pos = 0;
    for (const f of flows) pos = writeJsonLine(f, 6, buf, pos);
    assert.equal(buf.subarray(0, pos).toString(), flows.map((f) => expected(f, 6).toString()).join(''));
  });
});
