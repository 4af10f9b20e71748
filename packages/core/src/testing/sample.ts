// A small, realistic capture exercising every decoder path: fixtures for tests, and the sample
// capture that `npm start` generates on first start.
import { parseIP } from './address.ts';
import { concat } from './bytes.ts';
import { mergeByTime, tcpConversation, udpExchange } from './conversations.ts';
import { ethernet, fragmentIPv4, gre, icmp, ipUdp, ipv4, vxlan } from './packets.ts';
import { ascii, clientHello, dnsHeader, dnsName, dnsRR, tlsRecords } from './payloads.ts';
import { type WriterPacket, writePcap } from './pcap-writer.ts';
import { PcapngWriter } from './pcapng-writer.ts';

const T0 = 1_714_000_000_000_000_000n;
const MS = 1_000_000n;

/** A response with one A (or AAAA, for an IPv6 address) answer. */
function dnsResponse(name: string, ip: string, id = 0x1234): Uint8Array {
  const type = ip.includes(':') ? 28 : 1;
  const q = concat([dnsName(name), Uint8Array.of(0, type, 0, 1)]);
  return concat([
    dnsHeader({ id, flags: 0x8180, qd: 1, an: 1 }),
    q,
    dnsRR([0xc0, 0x0c], type, 300, parseIP(ip)),
  ]);
}

/** IP packets of a realistic little capture: DNS, HTTP, TLS, ICMP, fragments, tunnels, IPv6. */
export function sampleIpPackets(): { tsNs: bigint; ipPacket: Uint8Array; vlan?: number }[] {
  const host = 'www.example.org';
  const dns = udpExchange({
    client: { ip: '192.0.2.10', port: 53000 },
    server: { ip: '198.51.100.53', port: 53 },
    startNs: T0,
    requests: [concat([dnsHeader({ flags: 0x0100, qd: 1 }), dnsName(host), Uint8Array.of(0, 1, 0, 1)])],
    responses: [dnsResponse(host, '93.184.215.14')],
  });
  const httpConv = tcpConversation({
    client: { ip: '192.0.2.10', port: 40001 },
    server: { ip: '93.184.215.14', port: 80 },
    startNs: T0 + 30n * MS,
    requests: [ascii(`GET / HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: t\r\n\r\n`)],
    responses: [ascii(`HTTP/1.1 200 OK\r\nContent-Length: 3000\r\n\r\n${'x'.repeat(3000)}`)],
  });
  const tlsConv = tcpConversation({
    client: { ip: '2001:db8::10', port: 40002 },
    server: { ip: '2001:db8:1::443', port: 443 },
    startNs: T0 + 35n * MS,
    requests: [
      tlsRecords(
        clientHello({ sni: 'secure.example.org', alpn: ['h2'], versions: [0x0304], keyShareBytes: 1248 }),
      ),
    ],
    responses: [new Uint8Array(4000).fill(0x17)],
    close: 'rst',
  });
  const ssh = tcpConversation({
    client: { ip: '192.0.2.11', port: 40003 },
    server: { ip: '203.0.113.22', port: 22 },
    startNs: T0 + 40n * MS,
    requests: [ascii('SSH-2.0-OpenSSH_9.6\r\n')],
    responses: [ascii('SSH-2.0-OpenSSH_9.2p1 Debian\r\n')],
    close: 'none',
  });
  const ping = [0, 1, 2].flatMap((i) => [
    {
      tsNs: T0 + BigInt(50 + i * 10) * MS,
      ipPacket: ipv4(
        { src: '192.0.2.12', dst: '198.51.100.1', proto: 1 },
        icmp({ type: 8, code: 0, id: 7, seq: i }, new Uint8Array(56)),
      ),
    },
    {
      tsNs: T0 + BigInt(51 + i * 10) * MS,
      ipPacket: ipv4(
        { src: '198.51.100.1', dst: '192.0.2.12', proto: 1 },
        icmp({ type: 0, code: 0, id: 7, seq: i }, new Uint8Array(56)),
      ),
    },
  ]);
  const frags = fragmentIPv4(
    { src: '192.0.2.13', dst: '198.51.100.2', proto: 17, id: 99 },
    ipUdpPayload(4000),
    1480,
  ).map((ipPacket, i) => ({
    tsNs: T0 + BigInt(80 + i) * MS,
    ipPacket,
  }));
  const inner = tcpConversation({
    client: { ip: '10.1.0.5', port: 50000 },
    server: { ip: '10.2.0.6', port: 8443 },
    startNs: T0 + 90n * MS,
    requests: [ascii('hello over a tunnel')],
    responses: [ascii('ok')],
  });
  const tunneled = inner.map((p, i) => ({
    tsNs: p.tsNs,
    ipPacket:
      i % 2 === 0
        ? ipv4({ src: '203.0.113.1', dst: '203.0.113.2', proto: 47 }, gre({ key: 1 }, p.ipPacket))
        : ipUdp(
            { src: '203.0.113.3', dst: '203.0.113.4', sport: 40000, dport: 4789 },
            vxlan({ vni: 5 }, ethernet({}, p.ipPacket)),
          ),
  }));
  const vlanned = httpConv.map((p) => ({ ...p, vlan: 42 }));
  return mergeByTime<{ tsNs: bigint; ipPacket: Uint8Array; vlan?: number }>(
    dns,
    vlanned,
    tlsConv,
    ssh,
    ping,
    frags,
    tunneled,
    ...browsing(T0 + 200n * MS),
  );
}

/** Well-known public services (their real addresses), so the sample has somewhere to go. */
const SITES: [string, string][] = [
  ['www.wikipedia.org', '185.15.59.224'],
  ['github.com', '140.82.121.4'],
  ['www.google.com', '142.250.185.68'],
  ['www.google.com', '2a00:1450:4001:82b::2004'],
  ['www.microsoft.com', '23.55.220.138'],
  ['www.cloudflare.com', '104.16.124.96'],
  ['www.debian.org', '130.89.148.77'],
  ['www.bbc.co.uk', '151.101.0.81'],
  ['www.naver.com', '223.130.200.107'],
  ['www.yandex.ru', '77.88.55.242'],
  ['www.gov.br', '161.148.164.31'],
  ['www.abc.net.au', '104.18.26.180'],
];

/** A client looking up and visiting each site over TLS, a second apart. */
function browsing(start: bigint) {
  const client4 = '192.168.1.23';
  const client6 = '2001:db8:cafe::23';
  return SITES.flatMap(([name, ip], i) => {
    const t = start + BigInt(i) * 1_000n * MS;
    const v6 = ip.includes(':');
    const client = v6 ? client6 : client4;
    const lookup = udpExchange({
      client: { ip: client, port: 41000 + i },
      // Public resolvers, so the sample has known networks on both sides of its lookups.
      server: { ip: v6 ? '2001:4860:4860::8888' : i % 2 === 0 ? '8.8.8.8' : '1.1.1.1', port: 53 },
      startNs: t,
      requests: [
        concat([
          dnsHeader({ id: i, flags: 0x0100, qd: 1 }),
          dnsName(name),
          Uint8Array.of(0, v6 ? 28 : 1, 0, 1),
        ]),
      ],
      responses: [dnsResponse(name, ip, i)],
    });
    const visit = tcpConversation({
      client: { ip: client, port: 50000 + i },
      server: { ip, port: 443 },
      startNs: t + 20n * MS,
      requests: [
        tlsRecords(clientHello({ sni: name, alpn: ['h2', 'http/1.1'], versions: [0x0304, 0x0303] })),
        new Uint8Array(600 + i * 40).fill(0x17),
      ],
      responses: [new Uint8Array(3000 + i * 500).fill(0x16), new Uint8Array(20_000 + i * 7000).fill(0x17)],
      rttNs: BigInt(10 + i * 7) * MS,
    });
    return [lookup, visit];
  });
}

function ipUdpPayload(n: number): Uint8Array {
  const body = new Uint8Array(n);
  for (let i = 0; i < n; i++) body[i] = i & 0xff;
  const u = new Uint8Array(8 + n);
  u.set([0x13, 0x88, 0x13, 0x89, ((8 + n) >> 8) & 0xff, (8 + n) & 0xff, 0, 0]);
  u.set(body, 8);
  return u;
}

function ethernetFrames(): WriterPacket[] {
  return sampleIpPackets().map((p) => ({
    tsNs: p.tsNs,
    data: ethernet(p.vlan ? { vlans: [{ id: p.vlan }] } : {}, p.ipPacket),
  }));
}

export function samplePcap(opts: { byteOrder?: 'le' | 'be'; resolution?: 'us' | 'ns' } = {}): Uint8Array {
  return writePcap({ linkType: 1, ...opts }, ethernetFrames());
}

/** The same traffic as pcapng: two sections, Ethernet and raw-IP interfaces at different resolutions. */
export function samplePcapng(): Uint8Array {
  const w = new PcapngWriter({ byteOrder: 'be' });
  const pkts = sampleIpPackets();
  const half = Math.floor(pkts.length / 2);
  const parts = [w.section(), w.interface({ linkType: 1, tsresol: 9 }), w.interface({ linkType: 101 })];
  pkts.slice(0, half).forEach((p, i) => {
    parts.push(
      i % 3 === 0
        ? w.epb(1, { tsNs: p.tsNs, data: p.ipPacket })
        : w.epb(0, { tsNs: p.tsNs, data: ethernet({}, p.ipPacket) }),
    );
  });
  parts.push(
    w.section({ byteOrder: 'le' }),
    w.interface({ linkType: 228, tsresol: 0x80 | 30 }),
    w.interface({ linkType: 229 }),
  );
  for (const p of pkts.slice(half)) {
    const v6 = p.ipPacket[0] >> 4 === 6;
    parts.push(w.epb(v6 ? 1 : 0, { tsNs: p.tsNs, data: p.ipPacket }));
  }
  return concat(parts);
}
