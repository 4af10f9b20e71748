import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseGquicClientPacket } from '../../src/app/gquic.ts';
import { quicVersionName } from '../../src/app/quic.ts';
import { concat, gquicClientPacket, hex, inspect, UDP } from './builders.ts';

const read = (d: Uint8Array) => {
  const h = parseGquicClientPacket(d);
  return h === null ? null : { version: quicVersionName(h.version), serverName: h.serverName };
};

test('a gQUIC client packet gives its version and the SNI of its CHLO', () => {
  // Q035 (flags 0x09: version, 8-byte connection ID), as Chrome sent in 2017.
  assert.deepEqual(read(gquicClientPacket()), {
    version: 'Q035',
    serverName: 'pagead2.googlesyndication.com',
  });
  // Q025, whose flags 0x0c gave an 8-byte connection ID, and a private-flags byte before the frame.
  const q025 = gquicClientPacket({
    flags: 0x0d,
    version: 'Q025',
    beforeChlo: concat(new Uint8Array(12), [0x00, 0xa0, 0x01, 0x00, 0x04]),
    tags: [
      ['PAD', new Uint8Array(405)],
      ['SNI', 'WWW.Google.IT'],
      ['STK', new Uint8Array(58)],
    ],
  });
  assert.deepEqual(read(q025), { version: 'Q025', serverName: 'www.google.it' });
  // Before Q033, flags 0x08 alone meant a 4-byte connection ID; the version tag's place tells.
  assert.deepEqual(read(gquicClientPacket({ flags: 0x09, cidLength: 4, version: 'Q024' }))?.version, 'Q024');
  // No connection ID; a 2-byte packet number (flags 0x10) shifts the CHLO by one.
  assert.deepEqual(read(gquicClientPacket({ flags: 0x11, cidLength: 0, version: 'Q039' })), {
    version: 'Q039',
    serverName: 'pagead2.googlesyndication.com',
  });
});

test('the same inspected as a flow: quic, its version, the server name, done at once', () => {
  const r = inspect(UDP, 54997, 443, [[gquicClientPacket(), true]]);
  assert.deepEqual(
    [r.result.app, r.result.quicVersion, r.result.serverName, r.finishedAt],
    ['quic', 'Q035', 'pagead2.googlesyndication.com', 1],
  );
  // A server's packet is not a client's first one: no label from it.
  const server = inspect(UDP, 443, 54997, [[gquicClientPacket(), false]]);
  assert.equal(server.result.app, 'unknown');
});

test('what is no gQUIC client packet with a version', () => {
  const reset = gquicClientPacket({ flags: 0x0b });
  const reserved = gquicClientPacket({ flags: 0x89 });
  const noVersionFlag = gquicClientPacket({ flags: 0x08 });
  const ietfEra = gquicClientPacket({ version: 'Q046' });
  const notDigits = gquicClientPacket({ version: 'Q0a5' });
  const notQ = gquicClientPacket({ version: 'T035' });
  for (const [what, d] of Object.entries({ reset, reserved, noVersionFlag, ietfEra, notDigits, notQ })) {
    assert.equal(parseGquicClientPacket(d), null, what);
  }
  assert.equal(parseGquicClientPacket(hex('0901020304')), null, 'too short');
  // A DNS query whose first byte has the same flag bits is not taken for one.
  const dns = hex('0d2a 0100 0001 0000 0000 0000 0377777706676f6f676c6503636f6d00 0001 0001');
  assert.equal(parseGquicClientPacket(dns), null);
  assert.equal(inspect(UDP, 40000, 53, [[dns, true]]).result.app, 'dns');
});

test('a CHLO that cannot be read leaves the version and no server name', () => {
  const noName = (o: Parameters<typeof gquicClientPacket>[0]) => {
    const h = read(gquicClientPacket(o));
    assert.equal(h?.version, 'Q035');
    return h?.serverName;
  };
  // Values past the end of the datagram.
  assert.equal(noName({ cutTo: 100 }), null);
  // Entries past the end of the datagram.
  assert.equal(noName({ cutTo: 40 }), null);
  // No SNI tag.
  assert.equal(
    noName({
      tags: [
        ['PAD', 'xx'],
        ['VER', 'Q035'],
      ],
    }),
    null,
  );
  // A name with a character no host name has.
  assert.equal(noName({ tags: [['SNI', 'bad name.example']] }), null);
  // End offsets that go backwards.
  const backwards = gquicClientPacket({
    tags: [
      ['PAD', 'xxxx'],
      ['SNI', 'a.example'],
    ],
  });
  const at = backwards.indexOf(0x53); // 'S' of the SNI entry
  backwards.set([1, 0, 0, 0], at + 4);
  assert.equal(read(backwards)?.serverName, null);
  // Too many entries for a CHLO.
  const many = gquicClientPacket();
  many.set([200, 0], many.indexOf(0x43) + 4);
  assert.equal(read(many)?.serverName, null);
  // A CHLO further from the header than any frame layout puts it.
  assert.equal(noName({ beforeChlo: new Uint8Array(80) }), null);
});
