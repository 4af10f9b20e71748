import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Packets and IP-layer bytes per undirected 5-tuple key. */
export type TupleTotals = Map<string, { packets: number; bytes: number }>;

/** The undirected 5-tuple key both sides of a comparison use. */
export function tupleKey(proto: number, a: string, ap: number | null, b: string, bp: number | null): string {
  const x = `${a}#${ap ?? '-'}`;
  const y = `${b}#${bp ?? '-'}`;
  return x < y ? `${proto} ${x} ${y}` : `${proto} ${y} ${x}`;
}

const FIELDS = [
  'frame.protocols',
  'ip.src',
  'ip.dst',
  'ip.len',
  'ip.proto',
  'ip.id',
  'ip.frag_offset',
  'ip.flags.mf',
  'ipv6.src',
  'ipv6.dst',
  'ipv6.plen',
  'ipv6.nxt',
  'ipv6.fraghdr.nxt',
  'ipv6.fraghdr.offset',
  'ipv6.fraghdr.ident',
  'tcp.srcport',
  'tcp.dstport',
  'udp.srcport',
  'udp.dstport',
  'sctp.srcport',
  'sctp.dstport',
];

const TRANSPORTS = new Set(['tcp', 'udp', 'sctp']);

/**
 * Totals per undirected 5-tuple as tshark sees them: the innermost IP header (tunnels decoded),
 * stopping at ICMP (an ICMP error quotes another packet's headers, which are not the flow),
 * fragments not reassembled and attributed to their first fragment's 5-tuple.
 */
export async function tsharkTotals(file: string): Promise<TupleTotals> {
  const args = [
    '-r',
    file,
    '-n',
    '-o',
    'ip.defragment:FALSE',
    '-o',
    'ipv6.defragment:FALSE',
    '-T',
    'fields',
    '-E',
    'separator=/t',
    '-E',
    'occurrence=a',
    '-E',
    'aggregator=,',
  ];
  for (const f of FIELDS) args.push('-e', f);
  // tshark exits non-zero on a capture cut short, after printing every packet it could read.
  const { stdout } = await run('tshark', args, { maxBuffer: 1 << 30 }).catch((e) => {
    if (typeof e.stdout !== 'string' || !/cut short|appears to be damaged|corrupt/i.test(String(e.stderr)))
      throw e;
    return { stdout: e.stdout as string };
  });
  const totals: TupleTotals = new Map();
  // Fragment trains in capture order: later fragments go to the latest first fragment of their
  // train, or wait for it when they overtook it.
  const fragFirst = new Map<string, string>();
  const fragWaiting = new Map<string, number[]>();
  const add = (key: string, bytes: number, packets = 1) => {
    const t = totals.get(key) ?? { packets: 0, bytes: 0 };
    t.packets += packets;
    t.bytes += bytes;
    totals.set(key, t);
  };
  for (const line of stdout.split('\n')) {
    if (!line) continue;
    const col = line.split('\t');
    const v = (name: string) => (col[FIELDS.indexOf(name)] ?? '').split(',').filter((s) => s !== '');
    const tokens = v('frame.protocols')[0]?.split(':') ?? [];
    // Find the innermost IP header before any ICMP, and the transport right after it.
    let ip4 = 0;
    let ip6 = 0;
    let fam = 0;
    let famIdx = -1;
    let transport: string | null = null;
    const seen: Record<string, number> = { tcp: 0, udp: 0, sctp: 0 };
    let transportIdx = -1;
    let icmp = 0;
    for (const t of tokens) {
      if (t === 'ip') {
        fam = 4;
        famIdx = ip4++;
        transport = null;
      } else if (t === 'ipv6') {
        fam = 6;
        famIdx = ip6++;
        transport = null;
      } else if (t === 'icmp' || t === 'icmpv6') {
        icmp = t === 'icmp' ? 1 : 58;
        transport = null;
        break;
      } else if (TRANSPORTS.has(t)) {
        if (transport === null && fam !== 0) {
          transport = t;
          transportIdx = seen[t];
        }
        seen[t]++;
      }
    }
    if (fam === 0) continue;
    const pick = (name: string) => v(name)[famIdx];
    const src = fam === 4 ? pick('ip.src') : pick('ipv6.src');
    const dst = fam === 4 ? pick('ip.dst') : pick('ipv6.dst');
    const bytes = fam === 4 ? Number(pick('ip.len')) : Number(pick('ipv6.plen')) + 40;
    if (src === undefined || dst === undefined || !Number.isFinite(bytes)) continue;
    let proto = icmp || Number(fam === 4 ? pick('ip.proto') : (v('ipv6.fraghdr.nxt')[0] ?? pick('ipv6.nxt')));
    // The train is named by the outermost fragmented header (a tunnel may be inside it).
    const frag = fragmentOf(v, tokens);
    if (frag?.later) {
      const first = fragFirst.get(frag.key);
      if (first !== undefined) add(first, bytes);
      else fragWaiting.set(frag.key, [...(fragWaiting.get(frag.key) ?? []), bytes]);
      continue;
    }
    let sp: number | null = null;
    let dp: number | null = null;
    if (transport !== null) {
      proto = transport === 'tcp' ? 6 : transport === 'udp' ? 17 : 132;
      sp = Number(v(`${transport}.srcport`)[transportIdx]);
      dp = Number(v(`${transport}.dstport`)[transportIdx]);
      if (!Number.isFinite(sp) || !Number.isFinite(dp)) continue;
    }
    const key = tupleKey(proto, src, sp, dst, dp);
    add(key, bytes);
    if (frag !== null) {
      fragFirst.set(frag.key, key);
      for (const b of fragWaiting.get(frag.key) ?? []) add(key, b);
      fragWaiting.delete(frag.key);
    }
  }
  return totals;
}

/** The outermost fragmented IP header of a packet: its train key and whether it is a later fragment. */
function fragmentOf(v: (name: string) => string[], tokens: string[]): { key: string; later: boolean } | null {
  const mf = v('ip.flags.mf');
  const off = v('ip.frag_offset');
  let ip4 = 0;
  for (const t of tokens) {
    if (t === 'ip') {
      const i = ip4++;
      if (mf[i] === '1' || Number(off[i] ?? 0) > 0) {
        const key = `4|${v('ip.src')[i]}|${v('ip.dst')[i]}|${v('ip.proto')[i]}|${v('ip.id')[i]}`;
        return { key, later: Number(off[i] ?? 0) > 0 };
      }
    } else if (t === 'ipv6' && v('ipv6.fraghdr.ident').length > 0) {
      const key = `6|${v('ipv6.src')[0]}|${v('ipv6.dst')[0]}|${v('ipv6.fraghdr.nxt')[0]}|${v('ipv6.fraghdr.ident')[0]}`;
      return { key, later: Number(v('ipv6.fraghdr.offset')[0] ?? 0) > 0 };
    }
  }
  return null;
}
