// The GraphQL API against the real embedded pipeline (chDB): submit, progress over graphql-ws,
// aggregates checked against `capstream flows` computed offline, auth, limits, hostile filters,
// exports, one flow's pcap, resumable uploads, and the committed schema.
import assert from 'node:assert/strict';
import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { apiConfigFromEnv, embeddedBackend, type RunningApi, startApi } from '@capstream/api';
import { schemaSdl } from '@capstream/api/schema';
import { type FlowRecord, PacketDecoder, readCapture } from '@capstream/core';
import { samplePcapng } from '@capstream/core/testing';
import { type Embedded, startEmbedded } from '@capstream/embedded';
import { silentLogger } from '@capstream/pipeline';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { offlineFlows } from './support/pipeline.ts';

const ADMIN = 'test-admin-token-0123456789';
const SAMPLE = samplePcapng();

let dir: string;
let app: Embedded;
let api: RunningApi;
let files: Server;
let fileUrl: string;
let offline: FlowRecord[];
let captureId: string;

async function gql<T = Record<string, unknown>>(
  query: string,
  variables: Record<string, unknown> = {},
  token: string | null = ADMIN,
): Promise<{ status: number; data: T; errors?: { message: string; extensions: { code: string } }[] }> {
  const res = await fetch(`${api.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as {
    data: T;
    errors?: { message: string; extensions: { code: string } }[];
  };
  return { status: res.status, ...body };
}

async function ok<T = Record<string, unknown>>(
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  const r = await gql<T>(query, variables);
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  return r.data;
}

function code(r: { errors?: { extensions: { code: string } }[] }): string | undefined {
  return r.errors?.[0]?.extensions.code;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'capstream-api-'));
  files = createServer((_req, res) => res.end(Buffer.from(SAMPLE)));
  await new Promise<void>((r) => files.listen(0, '127.0.0.1', r));
  fileUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}/captures/sample.pcapng?download=1&token=secret`;
  app = await startEmbedded({ dataDir: dir, env: { ...process.env, CAPSTREAM_FETCH_ALLOW: '127.0.0.1' } });
  api = await startApi({
    backend: embeddedBackend(app, { host: '127.0.0.1', log: silentLogger }),
    log: silentLogger,
    uploadDir: join(dir, 'partial'),
    config: apiConfigFromEnv({}, { host: '127.0.0.1', port: 0, adminToken: ADMIN, maxPageSize: 500 }),
  });
  offline = [...(await offlineFlows(SAMPLE)).values()];
});

after(async () => {
  await api?.close();
  await app?.stop();
  files?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('captures', () => {
  test('a URL capture is submitted and its progress reaches DONE over a graphql-ws subscription', async () => {
    const ws = createClient({
      url: `${api.url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${ADMIN}` },
    });
    const submitted = await ok<{ submitCapture: { id: string; status: string; source: string } }>(
      'mutation($url: String!) { submitCapture(input: { url: $url, name: "sample" }) { id status source } }',
      { url: fileUrl },
    );
    captureId = submitted.submitCapture.id;
    assert.ok(!submitted.submitCapture.source.includes('secret'), 'the SAS-like query is never shown back');
    const seen: { status: string; progress: { flows: number; packets: number } }[] = [];
    await new Promise<void>((resolve, reject) => {
      const stop = ws.subscribe<{ captureProgress: (typeof seen)[number] }>(
        {
          query:
            'subscription($id: ID!) { captureProgress(id: $id) { status progress { flows packets bytesRead fraction } } }',
          variables: { id: captureId },
        },
        {
          next: (m) => {
            if (m.errors) return reject(new Error(JSON.stringify(m.errors)));
            seen.push(m.data!.captureProgress);
            if (m.data!.captureProgress.status === 'DONE') {
              stop();
              resolve();
            }
          },
          error: reject,
          complete: () => undefined,
        },
      );
      setTimeout(() => reject(new Error(`no DONE in 30 s; saw ${JSON.stringify(seen)}`)), 30_000).unref();
    });
    await ws.dispose();
    const done = seen[seen.length - 1]!;
    assert.equal(done.progress.flows, offline.length);
    assert.equal(done.progress.packets, 1014);
  });

  test('captures list, one capture, and an unknown one', async () => {
    const d = await ok<{ captures: { id: string }[]; capture: { name: string; sha256: string } | null }>(
      'query($id: ID!) { captures { id } capture(id: $id) { name sha256 } }',
      { id: captureId },
    );
    assert.ok(d.captures.some((c) => c.id === captureId));
    assert.equal(d.capture?.name, 'sample');
    assert.match(d.capture?.sha256 ?? '', /^[0-9a-f]{64}$/);
    const none = await ok<{ capture: null }>('{ capture(id: "nope") { id } }');
    assert.equal(none.capture, null);
  });

  test('a non-http URL and a private address are refused with a clear error', async () => {
    const r = await gql('mutation { submitCapture(input: { url: "file:///etc/passwd" }) { id } }');
    assert.equal(code(r), 'BAD_USER_INPUT');
    assert.match(r.errors![0]!.message, /not supported/);
  });
});

describe('aggregates agree with capstream flows computed offline', () => {
  const f = () => ({ captureIds: [captureId] });

  test('overview totals and protocol distribution', async () => {
    const d = await ok<{
      overview: {
        flows: number;
        packets: number;
        bytes: number;
        uniqueIps: number;
        protocols: { app: string; flows: number; bytes: number }[];
      };
    }>(
      'query($f: FlowFilter) { overview(filter: $f, limit: 50) { flows packets bytes uniqueIps protocols { app flows bytes } } }',
      {
        f: f(),
      },
    );
    const o = d.overview;
    assert.equal(o.flows, offline.length);
    assert.equal(
      o.packets,
      offline.reduce((s, r) => s + r.packets_src + r.packets_dst, 0),
    );
    assert.equal(
      o.bytes,
      offline.reduce((s, r) => s + r.bytes_src + r.bytes_dst, 0),
    );
    assert.equal(o.uniqueIps, new Set(offline.flatMap((r) => [r.src_ip, r.dst_ip])).size);
    const byApp = new Map<string, { flows: number; bytes: number }>();
    for (const r of offline) {
      const a = byApp.get(r.app) ?? { flows: 0, bytes: 0 };
      a.flows++;
      a.bytes += r.bytes_src + r.bytes_dst;
      byApp.set(r.app, a);
    }
    assert.deepEqual(
      Object.fromEntries(o.protocols.map((p) => [p.app, { flows: p.flows, bytes: p.bytes }])),
      Object.fromEntries(byApp),
    );
  });

  test('top talkers by bytes sent, each end, and flows per IP', async () => {
    const d = await ok<{
      src: { ip: string; bytesSent: number; bytesReceived: number; flows: number }[];
      any: { ip: string; flows: number }[];
    }>(
      'query($f: FlowFilter) { src: topTalkers(filter: $f, end: SRC, by: BYTES_SENT, limit: 5) { ip bytesSent bytesReceived flows } any: flowsPerIp(filter: $f, end: ANY, limit: 100) { ip flows } }',
      { f: f() },
    );
    const sent = new Map<string, { s: number; r: number; n: number }>();
    for (const r of offline) {
      const e = sent.get(r.src_ip) ?? { s: 0, r: 0, n: 0 };
      e.s += r.bytes_src;
      e.r += r.bytes_dst;
      e.n++;
      sent.set(r.src_ip, e);
    }
    const expected = [...sent].sort((a, b) => b[1].s - a[1].s || a[0].localeCompare(b[0])).slice(0, 5);
    assert.deepEqual(
      d.src.map((t) => [t.ip, t.bytesSent, t.bytesReceived, t.flows]),
      expected.map(([ip, e]) => [ip, e.s, e.r, e.n]),
    );
    const perIp = new Map<string, number>();
    for (const r of offline) for (const ip of [r.src_ip, r.dst_ip]) perIp.set(ip, (perIp.get(ip) ?? 0) + 1);
    assert.deepEqual(Object.fromEntries(d.any.map((t) => [t.ip, t.flows])), Object.fromEntries(perIp));
  });

  test('the rollups answer as the flows do', async () => {
    // A duration range keeps a query off the rollups; from 0 s it selects the same flows.
    const viaFlows = { captureIds: [captureId], duration: { min: 0 } };
    const talkers = (end: string, by: string) =>
      `${end}_${by}: topTalkers(filter: $f, end: ${end}, by: ${by}, limit: 50) { ip flows packets bytesSent bytesReceived country asn asOrg }`;
    const query = `query($f: FlowFilter) { overview(filter: $f) { flows packets bytes uniqueIps captures firstSeen lastSeen } ${[
      'SRC',
      'DST',
      'ANY',
    ]
      .flatMap((e) => ['FLOWS', 'BYTES_SENT', 'BYTES_RECEIVED'].map((b) => talkers(e, b)))
      .join(' ')} durationHistogram(filter: $f) { label flows byApp { app flows } } ${['SRC', 'DST', 'ANY']
      .map((e) => `ports_${e}: portRanges(filter: $f, end: ${e}) { label flows bytes }`)
      .join(' ')} }`;
    const rolled = await ok<Record<string, unknown>>(query, { f: f() });
    const scanned = await ok<Record<string, unknown>>(query, { f: viaFlows });
    assert.deepEqual(rolled, scanned);
    assert.ok((rolled.SRC_FLOWS as unknown[]).length > 0);
    // Under an application filter the talkers and distinct addresses come from app_addresses_1h.
    const counts = new Map<string, number>();
    for (const r of offline) counts.set(r.app, (counts.get(r.app) ?? 0) + 1);
    const apps = [...counts]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 2)
      .map(([app]) => app);
    const byApp = await ok<Record<string, unknown>>(query, { f: { ...f(), apps } });
    assert.deepEqual(byApp, await ok<Record<string, unknown>>(query, { f: { ...viaFlows, apps } }));
    assert.ok((byApp.ANY_FLOWS as unknown[]).length > 0);
    assert.ok((rolled.ports_ANY as { flows: number }[]).some((r) => r.flows > 0));

    // A time range that cuts the capture: whole minutes from the minute rollup, the edges (a
    // partial minute, flows begun earlier and still active) from the flows, the same in sum.
    const span = await ok<{ overview: { firstSeen: string; lastSeen: string } }>(
      'query($f: FlowFilter) { overview(filter: $f) { firstSeen lastSeen } }',
      { f: f() },
    );
    const t0 = Date.parse(span.overview.firstSeen);
    const t1 = Date.parse(span.overview.lastSeen);
    const cut = {
      from: new Date(t0 + (t1 - t0) / 3 + 0.5).toISOString(),
      to: new Date(t1 - (t1 - t0) / 4).toISOString(),
    };
    const timeline =
      'query($f: FlowFilter) { timeline(filter: $f, step: 60) { step points { t flows packets bytesSrc bytesDst } } }';
    const split = await ok<{ timeline: { points: { flows: number }[] } }>(timeline, {
      f: { ...f(), ...cut },
    });
    const full = await ok<{ timeline: { points: { flows: number }[] } }>(timeline, {
      f: { ...viaFlows, ...cut },
    });
    assert.deepEqual(split, full);
    assert.ok(split.timeline.points.some((p) => p.flows > 0));
  });

  test('duration histogram, port ranges, day × hour and the timeline', async () => {
    const d = await ok<{
      durationHistogram: { label: string; flows: number }[];
      portRanges: { from: number; to: number; flows: number }[];
      dayHour: { day: string; hour: number; flows: number }[];
      timeline: { step: number; points: { t: string; flows: number; bytes: number }[] };
    }>(
      'query($f: FlowFilter) { durationHistogram(filter: $f) { label flows } portRanges(filter: $f, end: DST) { from to flows } dayHour(filter: $f) { day hour flows } timeline(filter: $f, step: 2) { step points { t flows bytes } } }',
      { f: f() },
    );
    const bounds = [1, 2, 5, 10, 30, 60, 120, 180, 600, 1800, 3600, Number.POSITIVE_INFINITY];
    const hist = bounds.map(() => 0);
    for (const r of offline) hist[bounds.findIndex((b) => r.duration <= b)]!++;
    assert.deepEqual(
      d.durationHistogram.map((b) => b.flows),
      hist,
    );
    assert.deepEqual(
      d.durationHistogram.map((b) => b.label),
      ['1s', '2s', '5s', '10s', '30s', '1m', '2m', '3m', '10m', '30m', '1h', 'more'],
    );
    for (const range of d.portRanges) {
      const n = offline.filter(
        (r) => r.dst_port !== null && r.dst_port >= range.from && r.dst_port <= range.to,
      ).length;
      assert.equal(range.flows, n, `dst ports ${range.from}-${range.to}`);
    }
    const cells = new Map<string, number>();
    for (const r of offline)
      cells.set(
        `${r.first_seen.slice(0, 10)} ${Number(r.first_seen.slice(11, 13))}`,
        (cells.get(`${r.first_seen.slice(0, 10)} ${Number(r.first_seen.slice(11, 13))}`) ?? 0) + 1,
      );
    assert.deepEqual(
      Object.fromEntries(d.dayHour.map((c) => [`${c.day} ${c.hour}`, c.flows])),
      Object.fromEntries(cells),
    );
    assert.equal(d.timeline.step, 2);
    const buckets = new Map<string, number>();
    for (const r of offline) {
      const s = Math.floor(Date.parse(r.first_seen) / 2000) * 2000;
      const key = new Date(s).toISOString();
      buckets.set(key, (buckets.get(key) ?? 0) + 1);
    }
    assert.equal(
      d.timeline.points.reduce((s, p) => s + p.flows, 0),
      offline.length,
    );
    for (const p of d.timeline.points) assert.equal(p.flows, buckets.get(p.t) ?? 0, p.t);
    // A whole-minute step (read from the minute rollup) agrees too, bytes each way included.
    const minute = await ok<{
      timeline: { step: number; points: { t: string; flows: number; bytesSrc: number }[] };
    }>('query($f: FlowFilter) { timeline(filter: $f, step: 60) { step points { t flows bytesSrc } } }', {
      f: f(),
    });
    const perMinute = new Map<string, { flows: number; bytesSrc: number }>();
    for (const r of offline) {
      const key = new Date(Math.floor(Date.parse(r.first_seen) / 60_000) * 60_000).toISOString();
      const e = perMinute.get(key) ?? { flows: 0, bytesSrc: 0 };
      e.flows++;
      e.bytesSrc += r.bytes_src;
      perMinute.set(key, e);
    }
    assert.deepEqual(
      Object.fromEntries(
        minute.timeline.points
          .filter((p) => p.flows > 0)
          .map((p) => [p.t, { flows: p.flows, bytesSrc: p.bytesSrc }]),
      ),
      Object.fromEntries(perMinute),
    );
  });

  test('geo by country and cities agree with the stored flows; IP profile of a resolver', async () => {
    const d = await ok<{
      geo: { country: string; flows: number; bytesSent: number; bytesReceived: number }[];
      flows: {
        edges: {
          node: { srcCountry: string | null; dstCountry: string | null; bytesSrc: number; bytesDst: number };
        }[];
      };
      ipProfile: { flows: number; country: string; peers: { ip: string }[]; protocols: { app: string }[] };
    }>(
      'query($f: FlowFilter) { geo(filter: $f) { country flows bytesSent bytesReceived } flows(filter: $f, first: 500) { edges { node { srcCountry dstCountry bytesSrc bytesDst } } } ipProfile(ip: "8.8.8.8", filter: $f) { flows country peers { ip } protocols { app } } }',
      { f: f() },
    );
    const want = new Map<string, { flows: number; sent: number; received: number }>();
    for (const { node: n } of d.flows.edges) {
      const ends: [string | null, number, number][] = [
        [n.srcCountry, n.bytesSrc, n.bytesDst],
        [n.dstCountry, n.bytesDst, n.bytesSrc],
      ];
      const countedFlow = new Set<string>();
      for (const [c, s, r] of ends) {
        if (!c) continue;
        const e = want.get(c) ?? { flows: 0, sent: 0, received: 0 };
        if (!countedFlow.has(c)) e.flows++;
        countedFlow.add(c);
        e.sent += s;
        e.received += r;
        want.set(c, e);
      }
    }
    assert.ok(want.size > 3, 'the sample reaches several countries');
    assert.deepEqual(
      Object.fromEntries(
        d.geo.map((g) => [g.country, { flows: g.flows, sent: g.bytesSent, received: g.bytesReceived }]),
      ),
      Object.fromEntries(want),
    );
    // Cities: the same rule per (country, city), from the rows' own places.
    const places = await ok<{
      cities: { country: string; city: string; flows: number; bytesSent: number }[];
      flows: { edges: { node: Record<string, string | number | null> }[] };
    }>(
      'query($f: FlowFilter) { cities(filter: $f, limit: 500) { country city flows bytesSent } flows(filter: $f, first: 500) { edges { node { srcCountry dstCountry srcCity dstCity bytesSrc bytesDst } } } }',
      { f: f() },
    );
    const cities = new Map<string, { flows: number; sent: number }>();
    for (const { node: n } of places.flows.edges) {
      const seen = new Set<string>();
      for (const [c, city, sent] of [
        [n.srcCountry, n.srcCity, n.bytesSrc],
        [n.dstCountry, n.dstCity, n.bytesDst],
      ] as const) {
        if (!c || !city) continue;
        const key = `${c}/${city}`;
        const e = cities.get(key) ?? { flows: 0, sent: 0 };
        if (!seen.has(key)) e.flows++;
        seen.add(key);
        e.sent += Number(sent);
        cities.set(key, e);
      }
    }
    assert.ok(cities.size > 3, 'the sample reaches several cities');
    assert.deepEqual(
      Object.fromEntries(
        places.cities.map((c) => [`${c.country}/${c.city}`, { flows: c.flows, sent: c.bytesSent }]),
      ),
      Object.fromEntries(cities),
    );
    const dns8 = offline.filter((r) => r.src_ip === '8.8.8.8' || r.dst_ip === '8.8.8.8');
    assert.equal(d.ipProfile.flows, dns8.length);
    assert.equal(d.ipProfile.country, 'US');
    assert.deepEqual(
      d.ipProfile.protocols.map((p) => p.app),
      [...new Set(dns8.map((r) => r.app))],
    );
  });

  test('flows: sorting, cursor paging and totalCount', async () => {
    type Node = {
      id: string;
      bytesSrc: number;
      bytesDst: number;
      firstSeen: string;
      lastSeen: string;
      duration: number;
    };
    type Page = {
      flows: {
        totalCount: number;
        edges: { node: Node }[];
        pageInfo: { hasNextPage: boolean; endCursor: string };
      };
    };
    // Each of these reads its page in two steps (the page's last value, then the rows past it).
    const orders: [string, 'ASC' | 'DESC', (n: Node) => number | string][] = [
      ['BYTES', 'DESC', (n) => n.bytesSrc + n.bytesDst],
      ['FIRST_SEEN', 'ASC', (n) => n.firstSeen],
      ['LAST_SEEN', 'DESC', (n) => n.lastSeen],
      ['DURATION', 'DESC', (n) => n.duration],
    ];
    for (const [field, direction, value] of orders) {
      const page = (after: string | null): Promise<Page> =>
        ok<Page>(
          `query($f: FlowFilter, $after: String) { flows(filter: $f, first: 10, after: $after, orderBy: { field: ${field}, direction: ${direction} }) { totalCount edges { node { id bytesSrc bytesDst firstSeen lastSeen duration } } pageInfo { hasNextPage endCursor } } }`,
          { f: f(), after },
        );
      const ids: string[] = [];
      const values: (number | string)[] = [];
      let after: string | null = null;
      for (;;) {
        const p: Page['flows'] = (await page(after)).flows;
        assert.equal(p.totalCount, offline.length);
        for (const e of p.edges) {
          ids.push(e.node.id);
          values.push(value(e.node));
        }
        if (!p.pageInfo.hasNextPage) break;
        after = p.pageInfo.endCursor;
      }
      assert.deepEqual([...ids].sort(), offline.map((r) => r.flow_id).sort(), `${field}: every flow once`);
      const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      assert.deepEqual(values, direction === 'ASC' ? sorted : sorted.reverse(), `${field} ${direction}`);
    }
  });

  test('a page reads the fields it is asked for, through fragments too, with the same values', async () => {
    type Nodes = { flows: { edges: { node: Record<string, unknown> }[] } };
    const order = 'orderBy: { field: BYTES, direction: DESC }';
    const full = await ok<Nodes>(
      `query($f: FlowFilter) { flows(filter: $f, first: 50, ${order}) { edges { node { id srcIp dstIp srcPort protocol app firstSeen dstCountry srcAsOrg } } } }`,
      { f: f() },
    );
    const some = await ok<Nodes>(
      `query($f: FlowFilter) { flows(filter: $f, first: 50, ${order}) { edges { ... on FlowEdge { node { ...F } } } } }
       fragment F on Flow { id dstIp protocol firstSeen srcAsOrg }`,
      { f: f() },
    );
    assert.equal(some.flows.edges.length, full.flows.edges.length);
    assert.ok(some.flows.edges.length > 0);
    some.flows.edges.forEach((e, i) => {
      const want = full.flows.edges[i]!.node;
      assert.deepEqual(e.node, {
        id: want.id,
        dstIp: want.dstIp,
        protocol: want.protocol,
        firstSeen: want.firstSeen,
        srcAsOrg: want.srcAsOrg,
      });
    });
  });

  test('filters: CIDR, port range, app, server name, byte comparisons, OR groups', async () => {
    const count = async (filter: Record<string, unknown>) =>
      (
        await ok<{ flows: { totalCount: number } }>(
          'query($f: FlowFilter) { flows(filter: $f) { totalCount } }',
          {
            f: { captureIds: [captureId], ...filter },
          },
        )
      ).flows.totalCount;
    const n = (pred: (r: FlowRecord) => boolean) => offline.filter(pred).length;
    assert.equal(
      await count({ ip: '8.8.0.0/16' }),
      n((r) => r.src_ip.startsWith('8.8.') || r.dst_ip.startsWith('8.8.')),
    );
    assert.equal(
      await count({ dstPort: { min: 443, max: 443 } }),
      n((r) => r.dst_port === 443),
    );
    assert.equal(
      await count({ apps: ['tls', 'dns'] }),
      n((r) => r.app === 'tls' || r.app === 'dns'),
    );
    assert.equal(
      await count({ serverName: 'GOV' }),
      n((r) => (r.server_name ?? '').toLowerCase().includes('gov')),
    );
    assert.equal(
      await count({ bytesDst: { min: 10000 } }),
      n((r) => r.bytes_dst >= 10000),
    );
    assert.equal(
      await count({ or: [{ apps: ['ssh'] }, { ipProtos: [17] }] }),
      n((r) => r.app === 'ssh' || r.ip_proto === 17),
    );
    assert.equal(
      await count({ ip: '::/0' }),
      n((r) => r.ip_version === 6),
    );
  });
});

describe('security', () => {
  test('no token, a wrong token, and roles', async () => {
    assert.equal(code(await gql('{ me { name } }', {}, null)), 'UNAUTHENTICATED');
    assert.equal(code(await gql('{ me { name } }', {}, 'not-a-real-token-at-all')), 'UNAUTHENTICATED');
    const viewer = await ok<{ createApiToken: { token: string } }>(
      'mutation { createApiToken(input: { name: "v", role: VIEWER }) { token info { id role } } }',
    );
    const v = viewer.createApiToken.token;
    assert.equal((await gql<{ me: { role: string } }>('{ me { role } }', {}, v)).data.me.role, 'VIEWER');
    const r = await gql(
      'mutation($u: String!) { submitCapture(input: { url: $u }) { id } }',
      { u: fileUrl },
      v,
    );
    assert.equal(code(r), 'FORBIDDEN');
    assert.equal(code(await gql('{ apiTokens { id } }', {}, v)), 'FORBIDDEN');
    const stored = (await ok<{ apiTokens: { id: string }[] }>('{ apiTokens { id } }')).apiTokens;
    assert.ok(stored.length >= 2);
  });

  test('a token limited to a dataset sees only that dataset', async () => {
    const ds = await ok<{ createDataset: { id: string } }>(
      'mutation { createDataset(input: { name: "site B" }) { id } }',
    );
    const t = await ok<{ createApiToken: { token: string } }>(
      'mutation($d: [ID!]) { createApiToken(input: { name: "b", role: ANALYST, datasetIds: $d }) { token } }',
      { d: [ds.createDataset.id] },
    );
    const token = t.createApiToken.token;
    const seen = await gql<{ overview: { flows: number }; captures: unknown[]; capture: null }>(
      'query($id: ID!) { overview { flows } captures { id } capture(id: $id) { id } }',
      { id: captureId },
      token,
    );
    assert.equal(seen.data.overview.flows, 0);
    assert.deepEqual(seen.data.captures, []);
    assert.equal(seen.data.capture, null);
    const res = await fetch(`${api.url}/api/export?format=jsonl&access_token=${token}`);
    assert.equal((await res.text()).trim(), '');
  });

  test('hostile filter values give correct results or a clear validation error', async () => {
    const hostile: [Record<string, unknown>, 'ok' | 'BAD_USER_INPUT'][] = [
      [{ apps: ["tls' OR 1=1 --"] }, 'ok'],
      [{ serverName: "'); DROP TABLE flows; --" }, 'ok'],
      [{ serverName: 'x UNION SELECT * FROM system.users' }, 'ok'],
      [{ countries: ['US"/*'] }, 'ok'],
      [{ ip: '10.0.0.0/33' }, 'BAD_USER_INPUT'],
      [{ ip: "1.2.3.4' --" }, 'BAD_USER_INPUT'],
      [{ ip: '::ffff:1.2.3.4/200' }, 'BAD_USER_INPUT'],
      [{ ip: 'fe80::1%eth0' }, 'BAD_USER_INPUT'],
      [{ srcIp: '2001:db8::/129' }, 'BAD_USER_INPUT'],
      [{ port: { min: 70000 } }, 'BAD_USER_INPUT'],
      [{ port: { min: 500, max: 100 } }, 'BAD_USER_INPUT'],
      [{ bytes: { min: 9007199254740991 } }, 'ok'],
      [{ from: "2024-01-01'; --" }, 'BAD_USER_INPUT'],
      [{ duration: { max: -1 } }, 'BAD_USER_INPUT'],
      [{ ipProtos: [256] }, 'BAD_USER_INPUT'],
      [{ and: [{ and: [{ and: [{ and: [{ and: [{ and: [{}] }] }] }] }] }] }, 'BAD_USER_INPUT'],
    ];
    for (const [filter, want] of hostile) {
      const r = await gql<{ flows: { totalCount: number } }>(
        'query($f: FlowFilter) { flows(filter: $f) { totalCount } }',
        {
          f: filter,
        },
      );
      if (want === 'ok') {
        assert.equal(r.errors, undefined, `${JSON.stringify(filter)}: ${JSON.stringify(r.errors)}`);
        assert.equal(r.data.flows.totalCount, 0, JSON.stringify(filter));
      } else {
        assert.equal(code(r), want, JSON.stringify(filter));
        assert.match(r.errors![0]!.message, /^filter\./, r.errors![0]!.message);
      }
    }
    const huge = await gql(
      'query { flows(filter: { bytes: { min: 99999999999999999999 } }) { totalCount } }',
    );
    assert.equal(code(huge), 'GRAPHQL_VALIDATION_FAILED');
    const ipv6 = await ok<{ flows: { totalCount: number } }>(
      'query { flows(filter: { ip: "0:0:0:0:0:ffff:808:808" }) { totalCount } }',
    );
    assert.equal(
      ipv6.flows.totalCount,
      offline.filter((r) => r.src_ip === '8.8.8.8' || r.dst_ip === '8.8.8.8').length,
    );
  });

  test('page size, depth and cost limits', async () => {
    const big = await gql('{ flows(first: 501) { totalCount } }');
    assert.equal(code(big), 'BAD_USER_INPUT');
    assert.match(big.errors![0]!.message, /1\.\.500/);
    const costly = await gql(
      '{ flows(first: 500) { edges { node { id srcIp dstIp app srcPort dstPort bytesSrc bytesDst packetsSrc packetsDst firstSeen lastSeen duration srcCountry dstCountry srcAsn dstAsn serverName tcpState protocol final captureId srcCity dstCity srcAsOrg dstAsOrg tlsVersion alpn quicVersion tunnel ipVersion ipProto srcScope dstScope tcpFlagsSrc tcpFlagsDst payloadBytesSrc payloadBytesDst srcLat srcLon dstLat dstLon } } } a: overview { flows } b: topTalkers(limit: 1000) { ip name country asn asOrg flows packets bytesSent bytesReceived } c: flowsPerIp(limit: 1000) { ip name country asn asOrg flows packets bytesSent bytesReceived } d: topTalkers(end: DST, limit: 1000) { ip name country asn asOrg flows packets bytesSent bytesReceived } e: topTalkers(end: ANY, limit: 1000) { ip name country asn asOrg flows packets bytesSent bytesReceived } }',
    );
    assert.equal(code(costly), 'QUERY_TOO_COMPLEX', JSON.stringify(costly.errors));
    const deep = await gql('{ datasets { captures { progress { flows } } } }');
    assert.equal(deep.errors, undefined);
    const tooDeep = await gql(
      '{ ipProfile(ip: "8.8.8.8") { peers { ip } } __schema { types { fields { type { ofType { ofType { ofType { ofType { name } } } } } } } } }',
    );
    assert.ok(tooDeep.errors, 'a very deep query is refused');
  });
});

describe('exports and packets', () => {
  test('CSV and JSON-lines exports hold exactly the stored rows', async () => {
    const filter = encodeURIComponent(JSON.stringify({ captureIds: [captureId] }));
    const csv = await (
      await fetch(`${api.url}/api/export?format=csv&filter=${filter}`, {
        headers: { authorization: `Bearer ${ADMIN}` },
      })
    ).text();
    const lines = csv.trim().split('\n');
    assert.equal(lines[0]!.split(',')[1], 'flow_id');
    assert.equal(lines.length - 1, offline.length);
    const jsonl = await (
      await fetch(`${api.url}/api/export?format=jsonl&filter=${filter}&access_token=${ADMIN}`)
    ).text();
    const rows = jsonl
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const stored = new Map<string, Record<string, unknown>>();
    for await (const f of app.store.flows.byCapture(captureId))
      stored.set(f.flow_id, f as unknown as Record<string, unknown>);
    assert.equal(rows.length, stored.size);
    for (const r of rows) {
      const s = stored.get(String(r.flow_id))!;
      for (const [k, v] of Object.entries(r)) assert.deepEqual(v, s[k], `${r.flow_id}.${k}`);
    }
    const bad = await fetch(`${api.url}/api/export?format=csv&filter=%7Bnope`, {
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    assert.equal(bad.status, 400);
    const noAuth = await fetch(`${api.url}/api/export?format=csv`);
    assert.equal(noAuth.status, 401);
  });

  test("one flow's pcap holds exactly that flow's packets", async () => {
    const tls = offline
      .filter((r) => r.app === 'tls')
      .sort((a, b) => b.packets_src + b.packets_dst - (a.packets_src + a.packets_dst))[0]!;
    const res = await fetch(`${api.url}/api/flows/${captureId}/${tls.flow_id}/pcap`, {
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    assert.equal(res.status, 200);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const d = new PacketDecoder();
    let packets = 0;
    await readCapture(Readable.from([bytes]), (p) => {
      assert.ok(d.decode(p.linkType, p.data, p.origLen));
      const ports = [d.srcPort, d.dstPort].sort();
      assert.deepEqual(ports, [tls.src_port, tls.dst_port].sort());
      packets++;
    });
    assert.equal(packets, tls.packets_src + tls.packets_dst);
    const missing = await fetch(`${api.url}/api/flows/${captureId}/nope/pcap`, {
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    assert.equal(missing.status, 404);
  });

  test('a resumable (tus) upload in two parts becomes a capture', async () => {
    const headers = { authorization: `Bearer ${ADMIN}`, 'tus-resumable': '1.0.0' };
    const meta = `filename ${Buffer.from('uploaded.pcapng').toString('base64')}`;
    const created = await fetch(`${api.url}/api/uploads`, {
      method: 'POST',
      headers: { ...headers, 'upload-length': String(SAMPLE.length), 'upload-metadata': meta },
    });
    assert.equal(created.status, 201);
    const location = new URL(created.headers.get('location')!, api.url).toString();
    const half = Math.floor(SAMPLE.length / 2);
    const patch = (from: number, to: number) =>
      fetch(location, {
        method: 'PATCH',
        headers: {
          ...headers,
          'upload-offset': String(from),
          'content-type': 'application/offset+octet-stream',
        },
        body: SAMPLE.subarray(from, to),
      });
    assert.equal((await patch(0, half)).status, 204);
    const head = await fetch(location, { method: 'HEAD', headers });
    assert.equal(
      head.headers.get('upload-offset'),
      String(half),
      'an interrupted upload resumes where it stopped',
    );
    const last = await patch(half, SAMPLE.length);
    assert.equal(last.status, 204);
    const id = last.headers.get('capstream-capture-id');
    assert.ok(id);
    const done = await app.tracker.finished(id);
    assert.equal(done.status, 'DONE');
    assert.equal(done.flows, offline.length);
    assert.equal(done.name, 'uploaded.pcapng');
    const anonymous = await fetch(`${api.url}/api/uploads`, {
      method: 'POST',
      headers: { 'tus-resumable': '1.0.0', 'upload-length': '10' },
    });
    assert.equal(anonymous.status, 401);

    // The stored upload is kept as the capture's archive through a hard link, not a second copy.
    const archived = app.archive.path(id);
    const upload = readdirSync(join(dir, 'uploads')).filter((f) => f.endsWith('.cap'));
    const inodes = upload.map((f) => statSync(join(dir, 'uploads', f)).ino);
    assert.ok(inodes.includes(statSync(archived).ino), 'the archive is a link to the stored upload');
    assert.equal(statSync(archived).nlink, 2);
    const flow = offline.find((r) => r.app === 'tls')!;
    const pcapOf = () =>
      fetch(`${api.url}/api/flows/${id}/${flow.flow_id}/pcap`, {
        headers: { authorization: `Bearer ${ADMIN}` },
      });
    assert.equal((await pcapOf()).status, 200);
    // A file changed in place after it was read is refused, not cut into wrong packets.
    appendFileSync(archived, Buffer.alloc(16));
    const changed = await pcapOf();
    assert.equal(changed.status, 404);
    assert.match(((await changed.json()) as { error: { message: string } }).error.message, /changed after/);

    // Deleting the capture removes its bytes too.
    await ok('mutation($id: ID!) { deleteCapture(id: $id) }', { id });
    assert.equal(existsSync(archived), false, 'the archive of a deleted capture is gone');
    assert.equal((await pcapOf()).status, 404);
  });
});

test('schema.graphql is the schema the code serves', async () => {
  const committed = readFileSync(new URL('../services/api/schema.graphql', import.meta.url), 'utf8');
  assert.equal(await schemaSdl(), committed, 'run `npm run schema -w @capstream/api` and commit the file');
  assert.equal(`${api.schema()}\n`, committed);
});
