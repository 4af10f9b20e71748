/**
 * A small NetworkPolicy evaluator: can pod A open a TCP/UDP connection to pod (or address) B on
 * a port, given the policies of the overlay? Kubernetes semantics: a pod selected by a policy of
 * a type (Ingress/Egress) is isolated for that direction, and a connection needs the source's
 * egress and the destination's ingress to allow it. Peers: podSelector (in the policy's
 * namespace unless a namespaceSelector says otherwise), namespaceSelector, ipBlock; ports by
 * number or by the destination container's port name.
 *
 * Strimzi's listener policy is modelled from the Kafka resource's networkPolicyPeers (Strimzi
 * writes a NetworkPolicy for the brokers from them).
 */
import { isObject, type Json, type JsonObject, type KObject } from './kustomize.ts';
import { arr, obj, selects, str } from './manifests.ts';

export interface Endpoint {
  /** A pod: its namespace, labels and named ports; or an address outside the cluster. */
  namespace?: string;
  labels?: Record<string, string>;
  namedPorts?: Record<string, number>;
  ip?: string;
}

interface Policy {
  namespace: string;
  podSelector: JsonObject;
  types: string[];
  ingress: JsonObject[];
  egress: JsonObject[];
}

export class NetworkModel {
  readonly policies: Policy[];

  constructor(objs: KObject[]) {
    this.policies = objs
      .filter((o) => o.kind === 'NetworkPolicy')
      .map((o) => {
        const spec = obj(o.spec);
        return {
          namespace: str(o.metadata.namespace),
          podSelector: obj(spec.podSelector),
          types: arr(spec.policyTypes).map(String),
          ingress: arr(spec.ingress).filter(isObject),
          egress: arr(spec.egress).filter(isObject),
        };
      });
    // Strimzi: one policy for the brokers' listener ports, from networkPolicyPeers.
    for (const kafka of objs.filter((o) => o.kind === 'Kafka')) {
      const listeners = arr(obj(obj(kafka.spec).kafka).listeners).filter(isObject);
      this.policies.push({
        namespace: str(kafka.metadata.namespace),
        podSelector: {
          matchLabels: { 'strimzi.io/cluster': kafka.metadata.name, 'strimzi.io/kind': 'Kafka' },
        },
        types: ['Ingress'],
        ingress: listeners.map((l) => ({
          ports: [{ protocol: 'TCP', port: l.port as number }],
          ...(arr(l.networkPolicyPeers).length ? { from: arr(l.networkPolicyPeers) } : {}),
        })),
        egress: [],
      });
    }
  }

  /** Whether `from` can connect to `to` on `port`. */
  allowed(from: Endpoint, to: Endpoint, port: number, protocol = 'TCP'): boolean {
    return (
      this.direction('Egress', from, to, port, protocol) &&
      this.direction('Ingress', to, from, port, protocol)
    );
  }

  /** `self` is the pod whose policies apply; `peer` the other end; `port` is on the destination. */
  private direction(
    type: 'Ingress' | 'Egress',
    self: Endpoint,
    peer: Endpoint,
    port: number,
    protocol: string,
  ): boolean {
    if (self.ip !== undefined) return true; // outside the cluster: no policies here
    const mine = this.policies.filter(
      (p) =>
        p.namespace === self.namespace && p.types.includes(type) && selects(p.podSelector, self.labels ?? {}),
    );
    if (mine.length === 0) return true;
    const dest = type === 'Egress' ? peer : self;
    return mine.some((p) =>
      (type === 'Egress' ? p.egress : p.ingress).some((rule) => {
        const peers = arr(type === 'Egress' ? rule.to : rule.from);
        const peerOk =
          rule[type === 'Egress' ? 'to' : 'from'] === undefined ||
          peers.some((x) => peerMatches(obj(x), p.namespace, peer));
        const ports = arr(rule.ports).filter(isObject);
        const portOk = ports.length === 0 || ports.some((x) => portMatches(x, dest, port, protocol));
        return peerOk && portOk;
      }),
    );
  }
}

function peerMatches(peer: JsonObject, policyNamespace: string, ep: Endpoint): boolean {
  if (peer.ipBlock !== undefined) {
    if (ep.ip === undefined) return false;
    const block = obj(peer.ipBlock);
    return (
      inCidr(ep.ip, str(block.cidr)) && !arr(block.except).some((c) => inCidr(ep.ip as string, String(c)))
    );
  }
  if (ep.ip !== undefined) return false;
  const ns = ep.namespace ?? '';
  const nsOk =
    peer.namespaceSelector === undefined
      ? ns === policyNamespace
      : selects(peer.namespaceSelector, { 'kubernetes.io/metadata.name': ns });
  const podOk = peer.podSelector === undefined || selects(peer.podSelector, ep.labels ?? {});
  return nsOk && podOk;
}

function portMatches(p: JsonObject, dest: Endpoint, port: number, protocol: string): boolean {
  if ((p.protocol ?? 'TCP') !== protocol) return false;
  const ref: Json | undefined = p.port;
  if (ref === undefined) return true;
  if (typeof ref === 'number') return ref === port;
  return typeof ref === 'string' && dest.namedPorts?.[ref] === port;
}

/** Whether an IPv4 or IPv6 address lies in a CIDR block (of the same family). */
export function inCidr(ip: string, cidr: string): boolean {
  const [net, bitsText] = cidr.split('/');
  const a = toBits(ip);
  const b = toBits(net);
  if (!a || !b || a.length !== b.length) return false;
  const bits = Number(bitsText ?? a.length);
  return a.slice(0, bits) === b.slice(0, bits);
}

function toBits(ip: string): string | null {
  if (ip.includes('.')) {
    const parts = ip.split('.').map(Number);
    if (parts.length !== 4 || parts.some((x) => !(x >= 0 && x <= 255))) return null;
    return parts.map((x) => x.toString(2).padStart(8, '0')).join('');
  }
  const [head, tail] = ip.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  if (groups.length !== 8) return null;
  return groups
    .map((g) =>
      Number.parseInt(g || '0', 16)
        .toString(2)
        .padStart(16, '0'),
    )
    .join('');
}
