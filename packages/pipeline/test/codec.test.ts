import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { samplePcap } from '@capstream/core/testing';
import { CODECS, CodecError, codecFor, jsonCodec, segmentCodec } from '../src/codec.ts';
import type { CaptureEvent, CaptureJob, DnsNames, FlowMessage, Segment } from '../src/messages.ts';
import { TOPICS } from '../src/topics.ts';

const flow: FlowMessage = {
  flow_id: 'f-1',
  src_ip: '10.0.0.1',
  src_port: 51000,
  dst_ip: '2001:db8::1',
  dst_port: 443,
  ip_version: 6,
  ip_proto: 6,
  packets_src: 3,
  packets_dst: 2,
  bytes_src: 300,
  bytes_dst: 200,
  payload_bytes_src: 100,
  payload_bytes_dst: 50,
  first_seen: '2024-01-01T00:00:00.000000001Z',
  last_seen: '2024-01-01T00:00:01Z',
  duration: 0.999999999,
  app: 'tls',
  server_name: 'example.com',
  tls_version: '1.3',
  alpn: 'h2',
  quic_version: null,
  tcp_state: 'ESTABLISHED',
  tcp_flags_src: 'SA',
  tcp_flags_dst: null,
  tunnel: null,
  capture_id: 'c-1',
  version: 2,
  first_ns: '1704067200000000001',
  last_ns: '1704067201000000000',
  final: true,
};

function expectCodecError(fn: () => unknown, code: string, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof CodecError, `a CodecError, got ${e}`);
    assert.equal(e.code, code);
    assert.match(e.message, pattern);
    return true;
  });
}

describe('codecs', () => {
  it('round-trips a segment with real capture bytes, carried raw', () => {
    const pcap = samplePcap();
    const seg: Segment = {
      captureId: 'c-1',
      seq: 7,
      offset: 24,
      header: pcap.subarray(0, 24),
      records: pcap.subarray(24),
      packets: 12,
      last: true,
      live: false,
      error: { code: 'TRUNCATED', offset: 999, reason: 'cut short' },
    };
    const codec = CODECS[TOPICS.segments];
    const bytes = codec.encode(seg);
    assert.equal(bytes[0], codec.version);
    // No base64: the message is the capture bytes plus a small header and the scalar fields.
    assert.ok(bytes.length < pcap.length + 200, `${bytes.length} bytes for ${pcap.length} capture bytes`);
    assert.ok(bytes.includes(Buffer.from(pcap)), 'the capture bytes appear verbatim');
    const back = codec.decode(bytes);
    assert.deepEqual(Buffer.from(back.header), Buffer.from(seg.header));
    assert.deepEqual(Buffer.from(back.records), Buffer.from(seg.records));
    assert.ok(back.header instanceof Uint8Array);
    const { header: _h, records: _r, ...rest } = back;
    const { header: _h2, records: _r2, ...want } = seg;
    assert.deepEqual(rest, want);
    // A decode from inside a larger buffer (as a fetch hands it over).
    const framed = Buffer.concat([Buffer.from([9, 9, 9]), bytes]).subarray(3);
    assert.deepEqual(Buffer.from(codec.decode(framed).records), Buffer.from(seg.records));
  });

  it('round-trips an empty last segment', () => {
    const seg: Segment = {
      captureId: 'c',
      seq: 0,
      offset: 0,
      header: new Uint8Array(),
      records: new Uint8Array(),
      packets: 0,
      last: true,
    };
    const back = segmentCodec().decode(segmentCodec().encode(seg));
    assert.equal(back.header.length, 0);
    assert.equal(back.records.length, 0);
    assert.equal(back.last, true);
  });

  it('round-trips jobs, flows, dns names and events', () => {
    const job: CaptureJob = {
      captureId: 'c-1',
      datasetId: 'd',
      name: 'x.pcap',
      source: { kind: 'file', path: '/tmp/x.pcap' },
      submittedAt: '2024-01-01T00:00:00Z',
    };
    const dns: DnsNames = { capture_id: 'c-1', names: [{ ip: '1.1.1.1', name: 'one.one.one.one' }] };
    const event: CaptureEvent = {
      captureId: 'c-1',
      stage: 'parser',
      at: '2024-01-01T00:00:00Z',
      status: 'DONE',
      bytesTotal: null,
      counters: { skipped: 2 },
      linkTypes: [1],
    };
    assert.deepEqual(CODECS[TOPICS.jobs].decode(CODECS[TOPICS.jobs].encode(job)), job);
    assert.deepEqual(CODECS[TOPICS.flows].decode(CODECS[TOPICS.flows].encode(flow)), flow);
    assert.deepEqual(CODECS[TOPICS.dns].decode(CODECS[TOPICS.dns].encode(dns)), dns);
    assert.deepEqual(CODECS[TOPICS.events].decode(CODECS[TOPICS.events].encode(event)), event);
    assert.equal(CODECS[TOPICS.flows].compression, 'gzip');
    assert.equal(CODECS[TOPICS.segments].compression, 'none');
  });

  it('rejects unknown versions with a CodecError naming the version and topic', () => {
    for (const topic of Object.values(TOPICS)) {
      const codec = codecFor(topic);
      const value =
        topic === TOPICS.segments
          ? {
              captureId: 'c',
              seq: 0,
              offset: 0,
              header: new Uint8Array(),
              records: new Uint8Array(),
              packets: 0,
              last: true,
            }
          : topic === TOPICS.flows
            ? flow
            : {};
      const bytes = codec.encode(value);
      bytes[0] = 42;
      expectCodecError(
        () => codec.decode(bytes),
        'UNKNOWN_VERSION',
        new RegExp(`version 42 on ${topic.replaceAll('.', '\\.')}`),
      );
      try {
        codec.decode(bytes);
      } catch (e) {
        assert.equal((e as CodecError).version, 42);
        assert.equal((e as CodecError).topic, topic);
      }
    }
  });

  it('rejects empty, truncated and unparsable messages as MALFORMED', () => {
    const seg = CODECS[TOPICS.segments];
    const good = seg.encode({
      captureId: 'c',
      seq: 0,
      offset: 0,
      header: new Uint8Array([1, 2]),
      records: new Uint8Array([3]),
      packets: 1,
      last: false,
    });
    expectCodecError(() => seg.decode(new Uint8Array()), 'MALFORMED', /empty/);
    expectCodecError(() => seg.decode(good.subarray(0, good.length - 1)), 'MALFORMED', /lengths/);
    expectCodecError(() => seg.decode(good.subarray(0, 5)), 'MALFORMED', /shorter/);
    const flows = CODECS[TOPICS.flows];
    const record = flows.encode(flow);
    expectCodecError(() => flows.decode(new Uint8Array()), 'MALFORMED', /empty/);
    expectCodecError(
      () => flows.decode(record.subarray(0, record.length - 4)),
      'MALFORMED',
      /flow record of \d+ bytes ends inside field tcp_flags_src/,
    );
    expectCodecError(
      () => flows.decode(Buffer.concat([record, Buffer.from([0])])),
      'MALFORMED',
      /1 bytes after/,
    );
    // capture_id null: a required text field.
    expectCodecError(() => flows.decode(Buffer.from([2, 0])), 'MALFORMED', /capture_id is null/);
    // A length that never ends.
    expectCodecError(
      () => flows.decode(Buffer.from([2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])),
      'MALFORMED',
      /capture_id/,
    );
    assert.throws(
      () => flows.encode({ ...flow, bytes_src: '300' } as unknown as FlowMessage),
      /bytes_src is not a number/,
    );
    expectCodecError(() => codecFor('nope'), 'UNKNOWN_TOPIC', /nope/);
  });

  it('flow records are binary: every field back as it went, nulls, long and non-ASCII text included', () => {
    const codec = CODECS[TOPICS.flows];
    const odd: FlowMessage = {
      ...flow,
      src_port: null,
      dst_port: 0,
      server_name: `${'ü'.repeat(100)}.例え.jp`, // over 127 bytes: a two-byte length
      alpn: '',
      tcp_state: null,
      final: false,
      packets_src: 2 ** 53 - 1,
      duration: 1e-9,
    };
    for (const f of [flow, odd, { ...flow, capture_end: true }]) {
      const bytes = codec.encode(f);
      assert.equal(bytes[0], 3);
      assert.ok(bytes.length < Buffer.byteLength(JSON.stringify(f)) * 0.6, `${bytes.length} bytes`);
      assert.deepEqual(codec.decode(bytes), f);
    }
    // Views into a larger buffer (as kafkajs hands them) decode the same.
    const bytes = codec.encode(odd);
    const framed = Buffer.concat([Buffer.from([9, 9, 9]), bytes, Buffer.from([7])]);
    assert.deepEqual(codec.decode(framed.subarray(3, 3 + bytes.length)), odd);
  });

  it('reads version 2 flow records (before capture_end) as flows without it', () => {
    const codec = CODECS[TOPICS.flows];
    const v3 = codec.encode({ ...flow, capture_end: true });
    // Version 2 is version 3 without its last field.
    const v2 = Buffer.concat([Buffer.from([2]), v3.subarray(1, -1)]);
    assert.deepEqual(codec.decode(v2), flow);
    expectCodecError(() => codec.decode(Buffer.concat([v2, Buffer.from([1])])), 'MALFORMED', /1 bytes after/);
    expectCodecError(() => codec.decode(Buffer.from([4, ...v3.subarray(1)])), 'UNKNOWN_VERSION', /version 4/);
  });

  it('decoding any bytes gives a flow or a CodecError, never anything else (fuzz)', () => {
    const codec = CODECS[TOPICS.flows];
    const good = codec.encode(flow);
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let i = 0; i < 5000; i++) {
      const b = Buffer.from(good);
      // Flip a few bytes, then maybe cut it short.
      for (let k = 0, n = 1 + rand(4); k < n; k++) b[rand(b.length)] = rand(256);
      const cut = rand(3) === 0 ? b.subarray(0, rand(b.length + 1)) : b;
      try {
        codec.decode(cut);
      } catch (e) {
        assert.ok(e instanceof CodecError, String(e));
      }
    }
  });

  it('a codec of a newer version reads its own and rejects the old', () => {
    const v1 = jsonCodec<number>('t');
    const v2 = jsonCodec<number>('t', { version: 2 });
    assert.equal(v2.decode(v2.encode(5)), 5);
    expectCodecError(
      () => v2.decode(v1.encode(5)),
      'UNKNOWN_VERSION',
      /unknown version 1 on t \(this build reads version 2\)/,
    );
  });
});
