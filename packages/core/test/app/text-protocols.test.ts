import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseHttpRequest } from '../../src/app/http.ts';
import { parseSipRequest } from '../../src/app/sip.ts';
import { ascii, inspect, TCP, UDP } from './builders.ts';

const c = (s: string): [Uint8Array, boolean] => [ascii(s), true];
const s = (t: string): [Uint8Array, boolean] => [ascii(t), false];

test('HTTP request: Host without port, lower case; finished at once', () => {
  const r = inspect(TCP, 50000, 8080, [
    c('GET /index.html HTTP/1.1\r\nUser-Agent: x\r\nHost: WWW.Example.COM:8080\r\n\r\n'),
  ]);
  assert.deepEqual(r.result, {
    app: 'http',
    serverName: 'www.example.com',
    alpn: null,
    tlsVersion: null,
    quicVersion: null,
  });
  assert.equal(r.finishedAt, 1);
  for (const m of ['POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE']) {
    assert.equal(
      inspect(TCP, 1, 80, [c(`${m} / HTTP/1.0\r\nhost: h.example\r\n\r\n`)]).result.serverName,
      'h.example',
      m,
    );
  }
});

test('HTTP request head split across segments; Host found before the end of the head', () => {
  const r = inspect(TCP, 50000, 80, [
    c('GET /a/very/long/path?q=1 HT'),
    c('TP/1.1\r\nAccept: */*\r\nHo'),
    c('st: split.example\r\nCookie: x'),
  ]);
  assert.deepEqual([r.result.app, r.result.serverName, r.finishedAt], ['http', 'split.example', 3]);
});

test('HTTP variants: IPv6 literal Host, HTTP/1.0 without Host, absolute-form, CONNECT, h2c preface', () => {
  assert.deepEqual(parseHttpRequest(ascii('GET / HTTP/1.1\r\nHost: [2001:DB8::1]:8443\r\n\r\n')), {
    host: '2001:db8::1',
  });
  assert.deepEqual(parseHttpRequest(ascii('GET / HTTP/1.0\r\nAccept: */*\r\n\r\n')), { host: null });
  assert.deepEqual(parseHttpRequest(ascii('GET http://user@Proxy.Example:3128/x HTTP/1.1\r\n\r\n')), {
    host: 'proxy.example',
  });
  assert.deepEqual(parseHttpRequest(ascii('CONNECT tunnel.example:443 HTTP/1.1\r\n\r\n')), {
    host: 'tunnel.example',
  });
  assert.deepEqual(parseHttpRequest(ascii('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')), { host: null });
  assert.deepEqual(parseHttpRequest(ascii('GET / HTTP/1.1\r\nHost: bad host\r\n\r\n')), { host: null });
});

test('HTTP response only (server side): labelled, waits for a request within the budget', () => {
  const r = inspect(TCP, 50000, 80, [s('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello')]);
  assert.deepEqual([r.result.app, r.finishedAt], ['http', -1]);
  const later = inspect(TCP, 50000, 80, [
    s('HTTP/1.1 200 OK\r\n\r\n'),
    s('body'),
    c('GET / HTTP/1.1\r\nHost: late.example\r\n\r\n'),
  ]);
  assert.deepEqual([later.result.serverName, later.finishedAt], ['late.example', 3]);
  const budget = inspect(TCP, 50000, 80, [
    s('HTTP/1.0 404 Not Found\r\n\r\n'),
    ...Array.from({ length: 10 }, () => s('xxxx')),
  ]);
  assert.deepEqual([budget.result.app, budget.finishedAt], ['http', 8]);
});

test('HTTP-like text that is not HTTP', () => {
  const notHttp = [
    'GET me a coffee please\r\n',
    'GETTING / HTTP/1.1\r\n\r\n',
    'get / HTTP/1.1\r\n\r\n',
    'GET / HTTP/2.0\r\n\r\n',
    'GET /\x01 HTTP/1.1\r\n\r\n',
    'GET / HTTP/1.1 extra\r\n\r\n',
    'HTTP/2 200\r\n\r\n',
    'HTTP/1.1 OK\r\n',
    'POSTMAN / HTTP/1.1\r\n',
  ];
  for (const t of notHttp) {
    const r = inspect(
      TCP,
      50000,
      80,
      Array.from({ length: 8 }, () => c(t)),
    );
    assert.equal(r.result.app, 'unknown', JSON.stringify(t));
  }
});

test('SSH banner from either side', () => {
  assert.deepEqual(inspect(TCP, 50000, 22, [s('SSH-2.0-OpenSSH_9.6\r\n')]).result.app, 'ssh');
  assert.deepEqual(inspect(TCP, 50000, 2222, [c('SSH-2.0-PuTTY_Release_0.80\r\n')]).result.app, 'ssh');
  assert.deepEqual(inspect(TCP, 50000, 22, [s('SSH-1.99-Cisco-1.25\r\n')]).result.app, 'ssh');
  assert.equal(inspect(TCP, 50000, 22, [s('SSH-3.0-x\r\n'), s('SSH-2.0-\r\n')]).result.app, 'unknown');
});

test('Gnutella: the connection handshake from either side, 0.6 and 0.4', () => {
  const label = (...packets: [Uint8Array, boolean][]) => {
    const r = inspect(TCP, 50196, 12556, packets);
    return [r.result.app, r.finishedAt];
  };
  assert.deepEqual(
    label(c('GNUTELLA CONNECT/0.6\r\nNode: 93.47.226.53:28681\r\nUser-Agent: gtk-gnutella/1.1\r\n')),
    ['gnutella', 1],
  );
  // A capture that starts after the client's line: the server's answer (503 when it is full).
  assert.deepEqual(label(s('GNUTELLA/0.6 503 No QRP\r\nUser-Agent: Foxy 9.9.9.9\r\n')), ['gnutella', 1]);
  assert.deepEqual(label(s('GNUTELLA/0.6 200 OK\r\n\r\n')), ['gnutella', 1]);
  assert.deepEqual(label(c('GNUTELLA CONNECT/0.4\n\n'), s('GNUTELLA OK\n\n')), ['gnutella', 1]);
  assert.deepEqual(label(s('GNUTELLA OK\n\n')), ['gnutella', 1]);
  // Lines that only look like it.
  for (const [what, line, fromClient] of [
    ['no version', 'GNUTELLA CONNECT/\r\n', true],
    ['a version that is no number', 'GNUTELLA CONNECT/x.y\r\n', true],
    ['more after the version', 'GNUTELLA CONNECT/0.6 please\r\n', true],
    ['a short status code', 'GNUTELLA/0.6 20\r\n', false],
    ['a long status code', 'GNUTELLA/0.6 2000 OK\r\n', false],
    ['the client line from the server', 'GNUTELLA CONNECT/0.6\r\n', false],
    ['the server line from the client', 'GNUTELLA/0.6 200 OK\r\n', true],
    ['lower case', 'gnutella connect/0.6\r\n', true],
  ] as const) {
    assert.equal(inspect(TCP, 50196, 12556, [[ascii(line), fromClient]]).result.app, 'unknown', what);
  }
  // An HTTP request that mentions Gnutella is HTTP.
  assert.equal(
    inspect(TCP, 1, 80, [c('GET /gnutella HTTP/1.1\r\nHost: g.example\r\n\r\n')]).result.app,
    'http',
  );
});

test('SMTP: ESMTP greeting gives the server name; ambiguous greeting settled by EHLO', () => {
  const r = inspect(TCP, 50000, 25, [s('220 MX.Example.org ESMTP Postfix\r\n')]);
  assert.deepEqual([r.result.app, r.result.serverName, r.finishedAt], ['smtp', 'mx.example.org', 1]);
  const amb = inspect(TCP, 50000, 2500, [
    s('220 mail.example.net service ready\r\n'),
    c('EHLO client.example\r\n'),
  ]);
  assert.deepEqual([amb.result.app, amb.result.serverName, amb.finishedAt], ['smtp', 'mail.example.net', 2]);
  // Client side only.
  assert.equal(inspect(TCP, 50000, 25, [c('HELO me\r\n')]).result.app, 'smtp');
});

test('FTP: greeting naming FTP, or an ambiguous 220 followed by FTP commands', () => {
  assert.equal(inspect(TCP, 50000, 21, [s('220 (vsFTPd 3.0.5)\r\n')]).result.app, 'ftp');
  assert.equal(inspect(TCP, 50000, 21, [s('220-ProFTPD Server ready\r\n')]).result.app, 'ftp');
  const user = inspect(TCP, 50000, 2121, [s('220 Welcome\r\n'), c('USER anonymous\r\n')]);
  assert.deepEqual([user.result.app, user.result.serverName], ['ftp', null]);
  assert.equal(inspect(TCP, 50000, 2121, [s('220 Welcome\r\n'), c('SYST\r\n')]).result.app, 'ftp');
  assert.equal(
    inspect(TCP, 50000, 2121, [c('FEAT\r\n'), s('211-Features:\r\n EPSV\r\n211 End\r\n')]).result.app,
    'ftp',
  );
  // FTP-only commands without any server reply: only port 21 corroborates.
  const feat = Array.from({ length: 8 }, () => c('FEAT\r\n'));
  assert.equal(inspect(TCP, 50000, 2121, feat).result.app, 'unknown');
  assert.equal(inspect(TCP, 50000, 21, feat).result.app, 'ftp');
  // USER alone is FTP or POP3: the reply decides.
  assert.equal(
    inspect(TCP, 50000, 2121, [c('USER bob\r\n'), s('331 Password required\r\n')]).result.app,
    'ftp',
  );
  assert.equal(inspect(TCP, 50000, 2121, [c('USER bob\r\n'), s('+OK\r\n')]).result.app, 'pop3');
});

test('220 without content evidence: unknown unless the port corroborates', () => {
  const quiet = Array.from({ length: 8 }, () => s('220 ready\r\n'));
  assert.equal(inspect(TCP, 50000, 2121, quiet).result.app, 'unknown');
  assert.equal(inspect(TCP, 50000, 21, quiet).result.app, 'ftp');
  const mail = inspect(TCP, 50000, 587, [s('220 relay.example.com ready\r\n'), ...quiet.slice(1)]);
  assert.deepEqual([mail.result.app, mail.result.serverName], ['smtp', 'relay.example.com']);
});

test('IMAP and POP3', () => {
  assert.equal(
    inspect(TCP, 50000, 143, [s('* OK [CAPABILITY IMAP4rev1] Dovecot ready.\r\n')]).result.app,
    'imap',
  );
  assert.equal(inspect(TCP, 50000, 143, [c('a001 CAPABILITY\r\n')]).result.app, 'imap');
  assert.equal(inspect(TCP, 50000, 143, [c('A1 login bob secret\r\n')]).result.app, 'imap');
  assert.equal(
    inspect(TCP, 50000, 110, [s('+OK POP3 server ready <1896.697170952@dbc.example>\r\n')]).result.app,
    'pop3',
  );
  assert.equal(
    inspect(TCP, 50000, 110, [c('CAPA\r\n'), s('+OK Capability list follows\r\n')]).result.app,
    'pop3',
  );
  assert.equal(
    inspect(
      TCP,
      50000,
      1100,
      Array.from({ length: 8 }, () => c('CAPA\r\n')),
    ).result.app,
    'unknown',
  );
  assert.equal(
    inspect(
      TCP,
      50000,
      110,
      Array.from({ length: 8 }, () => c('hello world\r\n')),
    ).result.app,
    'unknown',
  );
});

test('SIP over UDP and TCP: Request-URI host', () => {
  const invite =
    'INVITE sip:bob@Biloxi.Example.com:5060;transport=udp SIP/2.0\r\nVia: SIP/2.0/UDP pc33.atlanta.example.com\r\n\r\n';
  assert.deepEqual(inspect(UDP, 5060, 5060, [c(invite)]).result, {
    app: 'sip',
    serverName: 'biloxi.example.com',
    alpn: null,
    tlsVersion: null,
    quicVersion: null,
  });
  assert.equal(
    inspect(TCP, 50000, 5060, [c('REGISTER sip:registrar.example.com SIP/2.0\r\n\r\n')]).result.serverName,
    'registrar.example.com',
  );
  assert.equal(
    inspect(TCP, 50000, 5060, [c('OPTIONS sip:[2001:db8::5] SIP/2.0\r\n\r\n')]).result.serverName,
    '2001:db8::5',
  );
  const resp = inspect(UDP, 5060, 5060, [s('SIP/2.0 200 OK\r\nVia: x\r\n\r\n')]);
  assert.deepEqual([resp.result.app, resp.finishedAt], ['sip', -1]);
  // OPTIONS with an HTTP target is HTTP, not SIP.
  assert.equal(
    inspect(TCP, 50000, 80, [c('OPTIONS * HTTP/1.1\r\nHost: h.example\r\n\r\n')]).result.app,
    'http',
  );
  assert.equal(parseSipRequest(ascii('INVITE sip:x@y SIP/3.0\r\n')), 'no');
  assert.equal(parseSipRequest(ascii('INVITE mailto:x@y SIP/2.0\r\n')), 'no');
});

test('SSDP over UDP', () => {
  assert.equal(
    inspect(UDP, 50000, 1900, [c('M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n\r\n')]).result.app,
    'ssdp',
  );
  assert.equal(
    inspect(UDP, 1900, 1900, [c('NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n\r\n')]).result.app,
    'ssdp',
  );
  assert.equal(
    inspect(UDP, 50000, 1900, [s('HTTP/1.1 200 OK\r\nST: upnp:rootdevice\r\n\r\n')]).result.app,
    'ssdp',
  );
});

test('Redis-style exchanges are not mistaken for POP3, FTP or IMAP', () => {
  const r = inspect(TCP, 50000, 6379, [
    c('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n'),
    s('+OK\r\n'),
    c('TYPE k\r\n'),
    s('+string\r\n'),
    c('PING\r\n'),
    s('+PONG\r\n'),
    c('INFO\r\n'),
    s('-ERR unknown command\r\n'),
  ]);
  assert.deepEqual([r.result.app, r.finishedAt], ['unknown', 8]);
  // A '220' line after the client has spoken is not a greeting.
  assert.equal(inspect(TCP, 50000, 7000, [c('hello\r\n'), s('220 ESMTP later\r\n')]).result.app, 'unknown');
});

test('HTTP/0.9 simple request (RFC 1945 §4.1): GET, a path, CRLF, no version', () => {
  const r = inspect(TCP, 40000, 80, [c('GET /bad.html\r\n'), s('<html>old</html>')]);
  assert.equal(r.result.app, 'http');
  assert.equal(r.result.serverName, null);
  // Only GET, only a path: other methods or targets without a version are not HTTP.
  assert.equal(inspect(TCP, 40000, 80, [c('POST /x\r\n')]).result.app, 'unknown');
  assert.equal(inspect(TCP, 40000, 80, [c('GET x\r\n')]).result.app, 'unknown');
});
