import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ascii, be16, concat, dnsHeader, hex, inspect, TCP, UDP } from './builders.ts';

const c = (b: Uint8Array): [Uint8Array, boolean] => [b, true];
const s = (b: Uint8Array): [Uint8Array, boolean] => [b, false];

function smb(protocolId: number, size = 64): Uint8Array {
  const body = concat([protocolId], ascii('SMB'), new Uint8Array(size - 4));
  return concat([0, (body.length >> 16) & 0xff, (body.length >> 8) & 0xff, body.length & 0xff], body);
}

test('SMB1, SMB2 and SMB3 transform headers over direct TCP', () => {
  assert.equal(inspect(TCP, 50000, 445, [c(smb(0xff, 32))]).result.app, 'smb');
  assert.equal(inspect(TCP, 50000, 445, [c(smb(0xfe))]).result.app, 'smb');
  assert.equal(inspect(TCP, 50000, 445, [s(smb(0xfd, 52))]).result.app, 'smb');
  const wrong = smb(0xfe);
  wrong[4] = 0xfb;
  assert.equal(inspect(TCP, 50000, 445, [c(wrong)]).result.app, 'unknown');
});

test('NetBIOS session request', () => {
  const name = concat([0x20], ascii('CKFDENECFDEFFCFGEFFCCACACACACACA'), [0]);
  const req = concat([0x81, 0, ...be16(68)], name, name);
  assert.equal(inspect(TCP, 50000, 139, [c(req)]).result.app, 'netbios');
});

function tpkt(x224: Uint8Array): Uint8Array {
  return concat([3, 0], be16(4 + x224.length), x224);
}

test('RDP connection request with cookie or RDP_NEG_REQ, and confirm', () => {
  const negReq = [0x01, 0x00, 0x08, 0x00, 0x03, 0x00, 0x00, 0x00];
  const cookie = ascii('Cookie: mstshash=eltons\r\n');
  const crBody = (v: Uint8Array) => concat([6 + v.length, 0xe0, 0, 0, 0, 0, 0], v);
  assert.equal(inspect(TCP, 50000, 3389, [c(tpkt(crBody(concat(cookie, negReq))))]).result.app, 'rdp');
  assert.equal(inspect(TCP, 50000, 3389, [c(tpkt(crBody(Uint8Array.from(negReq))))]).result.app, 'rdp');
  assert.equal(inspect(TCP, 50000, 3389, [c(tpkt(crBody(cookie)))]).result.app, 'rdp');
  const negRsp = [0x02, 0x00, 0x08, 0x00, 0x02, 0x00, 0x00, 0x00];
  assert.equal(
    inspect(TCP, 50000, 3389, [s(tpkt(concat([14, 0xd0, 0, 0, 0x12, 0x34, 0], negRsp)))]).result.app,
    'rdp',
  );
  // A plain ISO transport CR with TSAP parameters (e.g. S7comm) is not RDP.
  const cotp = concat([0xc1, 2, 1, 0, 0xc2, 2, 1, 2, 0xc0, 1, 0x0a]);
  assert.equal(inspect(TCP, 50000, 102, [c(tpkt(crBody(cotp)))]).result.app, 'unknown');
  // Inconsistent length indicator.
  const bad = tpkt(crBody(Uint8Array.from(negReq)));
  bad[4] = 3;
  assert.equal(inspect(TCP, 50000, 3389, [c(bad)]).result.app, 'unknown');
});

function dhcpDiscover(): Uint8Array {
  const b = new Uint8Array(300);
  b.set([1, 1, 6, 0, 0x39, 0x03, 0xf3, 0x26]);
  b.set([0x00, 0x0c, 0x29, 0x01, 0x02, 0x03], 28);
  b.set([0x63, 0x82, 0x53, 0x63, 53, 1, 1, 255], 236);
  return b;
}

test('DHCP needs the magic cookie, not the port', () => {
  assert.equal(inspect(UDP, 68, 67, [c(dhcpDiscover())]).result.app, 'dhcp');
  assert.equal(inspect(UDP, 6800, 6700, [c(dhcpDiscover())]).result.app, 'dhcp');
  const noCookie = dhcpDiscover();
  noCookie[236] = 0;
  assert.equal(inspect(UDP, 68, 67, [c(noCookie)]).result.app, 'unknown');
});

test('DHCPv6 with its ports and well-formed options', () => {
  // SOLICIT: type 1, transaction id, CLIENTID option (1) and ELAPSED_TIME (8).
  const solicit = concat(
    [1, 0x10, 0x20, 0x30],
    be16(1),
    be16(10),
    new Uint8Array(10),
    be16(8),
    be16(2),
    [0, 0],
  );
  assert.equal(inspect(UDP, 546, 547, [c(solicit)]).result.app, 'dhcpv6');
  assert.equal(inspect(UDP, 40000, 40001, [c(solicit)]).result.app, 'unknown');
  assert.equal(inspect(UDP, 546, 547, [c(solicit.subarray(0, solicit.length - 1))]).result.app, 'unknown');
});

function ntp(first: number, stratum = 0): Uint8Array {
  const b = new Uint8Array(48);
  b[0] = first;
  b[1] = stratum;
  return b;
}

test('NTP: header shape corroborated by port 123', () => {
  assert.equal(inspect(UDP, 50000, 123, [c(ntp(0x23))]).result.app, 'ntp'); // v4 client
  assert.equal(inspect(UDP, 123, 123, [s(ntp(0x1c, 2))]).result.app, 'ntp'); // v3 server
  assert.equal(inspect(UDP, 50000, 12300, [c(ntp(0x23))]).result.app, 'unknown');
  assert.equal(inspect(UDP, 50000, 123, [c(ntp(0x27))]).result.app, 'unknown'); // mode 7
  assert.equal(inspect(UDP, 50000, 123, [c(ntp(0x23).subarray(0, 40))]).result.app, 'unknown');
});

test('SNMP v2c get-request and v3', () => {
  const pdu = hex('a01c02040a0b0c0d020100020100300e300c06082b060102010101000500');
  const inner = concat([0x02, 0x01, 0x01], [0x04, 0x06], ascii('public'), pdu);
  const msg = concat([0x30, inner.length], inner);
  assert.equal(inspect(UDP, 50000, 161, [c(msg)]).result.app, 'snmp');
  assert.equal(inspect(UDP, 50000, 161, [c(msg.subarray(0, msg.length - 1))]).result.app, 'unknown');
  const v3inner = concat([0x02, 0x01, 0x03], [0x30, 0x0e], new Uint8Array(14));
  assert.equal(inspect(UDP, 50000, 161, [c(concat([0x30, v3inner.length], v3inner))]).result.app, 'snmp');
});

test('BitTorrent handshake and DHT', () => {
  const hs = concat([19], ascii('BitTorrent protocol'), new Uint8Array(48));
  assert.equal(inspect(TCP, 50000, 6881, [c(hs)]).result.app, 'bittorrent');
  const ping = ascii('d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe');
  assert.equal(inspect(UDP, 50000, 6881, [c(ping)]).result.app, 'bittorrent');
});

test('NetBIOS name service query', () => {
  const name = concat([0x20], ascii('FHEPFCELEHFCEPFFFACACACACACACABN'), [0]);
  const q = concat(dnsHeader({ flags: 0x0110, qd: 1 }), name, be16(0x20), be16(1));
  assert.equal(inspect(UDP, 137, 137, [c(q)]).result.app, 'netbios');
  // Registration (opcode 5) with an additional record.
  const reg = concat(
    dnsHeader({ flags: 0x2910, qd: 1, ar: 1 }),
    name,
    be16(0x20),
    be16(1),
    [0xc0, 0x0c],
    be16(0x20),
    be16(1),
    [0, 4, 0x93, 0xe0],
    be16(6),
    [0x60, 0, 192, 168, 1, 5],
  );
  assert.equal(inspect(UDP, 137, 137, [c(reg)]).result.app, 'netbios');
});

test('random bytes stay unknown', () => {
  let x = 12345;
  const next = () => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x >> 16;
  };
  for (let i = 0; i < 200; i++) {
    const b = Uint8Array.from({ length: 20 + (next() % 1400) }, () => next() & 0xff);
    assert.equal(
      inspect(
        TCP,
        50000,
        443,
        Array.from({ length: 8 }, () => c(b)),
      ).result.app,
      'unknown',
    );
    assert.equal(inspect(UDP, 50000, 53, [c(b)]).result.app, 'unknown');
  }
});

test('NetBIOS datagram service (RFC 1002 §4.4.1) on UDP', () => {
  const name = ascii(' ' + 'FHEPFCELEHFCEPFFFACACACACACACAAA'); // length byte 0x20 then 32 letters
  const header = Uint8Array.from([
    0x11, 0x02, 0x81, 0x23, 192, 168, 1, 5, 0x00, 0x8a, 0x00, 0x60, 0x00, 0x00,
  ]);
  const dgram = new Uint8Array([...header, ...name, 0, ...name, 0, 0xff, 0x53, 0x4d, 0x42]);
  assert.equal(inspect(UDP, 138, 138, [[dgram, true]]).result.app, 'netbios');
  const broken = dgram.slice();
  broken[20] = 0x5a; // not an encoded-name letter
  assert.notEqual(inspect(UDP, 138, 138, [[broken, true]]).result.app, 'netbios');
});
