import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { samplePcap, samplePcapng } from '@capstream/core/testing';
import { capstream, jsonLines } from '../../../test/support/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'cs-cli-'));
const pcap = join(dir, 'sample.pcap');
const pcapng = join(dir, 'sample.pcapng');
const gz = join(dir, 'sample.bin');
writeFileSync(pcap, samplePcap());
writeFileSync(pcapng, samplePcapng());
writeFileSync(gz, gzipSync(samplePcapng()));

const CONTRACT = [
  'src_ip',
  'src_port',
  'dst_ip',
  'dst_port',
  'ip_proto',
  'packets_src',
  'packets_dst',
  'bytes_src',
  'bytes_dst',
  'first_seen',
  'last_seen',
  'app',
  'server_name',
  'tcp_state',
];

describe('capstream CLI', () => {
  for (const cmd of [[], ['flows'], ['info'], ['demo']]) {
    it(`answers --help for '${cmd.join(' ') || 'capstream'}'`, async () => {
      const r = await capstream([...cmd, '--help']);
      assert.equal(r.code, 0);
      assert.match(r.stdout, /Usage: capstream/);
    });
  }

  it('prints the flows contract as JSON lines', async () => {
    const r = await capstream(['flows', pcap]);
    assert.equal(r.code, 0, r.stderr);
    const flows = jsonLines(r.stdout);
    assert.ok(flows.length > 20);
    for (const f of flows) for (const k of CONTRACT) assert.ok(k in f, `missing ${k}`);
    const icmp = flows.find((f) => f.ip_proto === 1)!;
    assert.deepEqual([icmp.src_port, icmp.dst_port, icmp.tcp_state], [null, null, null]);
    assert.match(String(flows[0].first_seen), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });

  it('gives the same flows for pcapng, gzip by content and standard input', async () => {
    const a = jsonLines((await capstream(['flows', pcapng])).stdout);
    const b = jsonLines((await capstream(['flows', gz])).stdout);
    const c = jsonLines((await capstream(['flows', '-'], gzipSync(samplePcapng()))).stdout);
    assert.ok(a.length > 20);
    assert.deepEqual(b, a);
    assert.deepEqual(c, a);
    assert.match(String(a[0].first_seen), /\.\d{9}Z$/, 'pcapng with a nanosecond interface prints 9 digits');
  });

  it('writes CSV with a header and a table for people', async () => {
    const csv = (await capstream(['flows', pcap, '--format', 'csv'])).stdout.trim().split('\n');
    assert.ok(csv[0].startsWith('flow_id,src_ip,src_port,dst_ip,dst_port'));
    assert.equal(csv.length, jsonLines((await capstream(['flows', pcap])).stdout).length + 1);
    const table = (await capstream(['flows', pcap, '--format', 'table'])).stdout;
    assert.match(table, /^FIRST SEEN\s+PROTO\s+SOURCE/);
  });

  it('rejects bad input with one line naming the problem, and no stack', async () => {
    const missing = await capstream(['flows', join(dir, 'nope.pcap')]);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, `capstream: ${join(dir, 'nope.pcap')}: no such file\n`);
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'not a capture at all');
    const junk = await capstream(['flows', text]);
    assert.equal(junk.code, 1);
    assert.match(junk.stderr, /^capstream: .*notes\.txt: malformed at byte 0: not a pcap or pcapng capture/);
    assert.equal(junk.stderr.trim().split('\n').length, 1);
    const badFormat = await capstream(['flows', pcap, '--format', 'xml']);
    assert.equal(badFormat.code, 1);
    assert.doesNotMatch(badFormat.stderr, /\n\s+at /);
  });

  it('keeps the flows before a break and exits 2 naming the offset', async () => {
    const whole = samplePcap();
    const cut = join(dir, 'cut.pcap');
    writeFileSync(cut, whole.subarray(0, whole.length - 100));
    const r = await capstream(['flows', cut]);
    assert.equal(r.code, 2);
    assert.ok(jsonLines(r.stdout).length > 20);
    assert.match(
      r.stderr,
      /^capstream: .*cut\.pcap: truncated at byte \d+: capture ends inside a packet record/,
    );
  });

  it('describes a capture as capinfos does', async () => {
    const r = await capstream(['info', pcap, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const info = JSON.parse(r.stdout);
    const cols = execFileSync('capinfos', ['-T', '-r', '-M', '-c', '-H', '-a', '-e', pcap], {
      encoding: 'utf8',
    })
      .trim()
      .split('\t');
    // capinfos -T -r: file, packets, start, end, sha256 (in the order of the flags' table)
    const [, packets, start, end, sha256] = cols;
    assert.equal(info.packets, Number(packets));
    assert.equal(info.sha256, sha256);
    assert.equal(info.first_packet.replace('T', ' ').replace('Z', ''), start);
    assert.equal(info.last_packet.replace('T', ' ').replace('Z', ''), end);
    assert.equal(info.format, 'pcap');
    assert.deepEqual(info.link_types, [1]);
    assert.deepEqual(info.skipped, {});
    const text = (await capstream(['info', pcap])).stdout;
    assert.match(text, /Number of packets:\s+\d+/);
  });
});
