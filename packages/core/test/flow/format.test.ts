import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonLine } from '../../src/flow/format.ts';
import { FLOW_FIELDS, type FlowRecord } from '../../src/flow/record.ts';

const base: FlowRecord = {
  flow_id: '0123456789abcdef',
  src_ip: '2001:db8::1',
  src_port: null,
  dst_ip: '192.0.2.1',
  dst_port: 443,
  ip_version: 6,
  ip_proto: 6,
  packets_src: 1,
  packets_dst: 2,
  bytes_src: 3,
  bytes_dst: 4,
  payload_bytes_src: 5,
  payload_bytes_dst: 6,
  first_seen: '2024-01-01T00:00:00.000000001Z',
  last_seen: '2024-01-01T00:00:01.5Z',
  duration: 1.499999999,
  app: 'tls',
  server_name: 'we"ird\\name\u0001.example',
  tls_version: '1.3',
  alpn: 'h2,http/1.1',
  quic_version: null,
  tcp_state: 'SF',
  tcp_flags_src: 'FSPA',
  tcp_flags_dst: null,
  tunnel: 'gre/vxlan',
};

describe('jsonLine', () => {
  it('writes exactly what JSON.stringify would, in contract order', () => {
    assert.equal(jsonLine(base), JSON.stringify(base));
    assert.deepEqual(Object.keys(JSON.parse(jsonLine(base))), FLOW_FIELDS);
    const other = { ...base, src_port: 1, server_name: null, alpn: null, app: 'unknown', duration: 0 };
    assert.equal(jsonLine(other), JSON.stringify(other));
  });
});
