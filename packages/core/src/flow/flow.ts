import type { AppInspector, AppResult } from '../app/inspector.ts';
import { KEY_A, KEY_B_V4, keyAddress, keyAddressText } from './flow-key.ts';

/**
 * One bidirectional flow while it is tracked. Direction 0 is source (the initiator) to
 * destination, direction 1 the reverse. Mutable, owned by the FlowTable; sinks that keep a flow
 * beyond the callback take a record of it (`toFlowRecord`).
 */
export class Flow {
  /** Whether the source is the endpoint that sorts first (endpoint A of the table's key). */
  srcIsA = false;
  /** -1 when the protocol has no ports. */
  srcPort = -1;
  dstPort = -1;
  firstSec = 0;
  firstNsec = 0;
  lastSec = 0;
  lastNsec = 0;
  packets0 = 0;
  packets1 = 0;
  bytes0 = 0;
  bytes1 = 0;
  payload0 = 0;
  payload1 = 0;
  flags0 = 0;
  flags1 = 0;
  /** TCP history bits (see tcp-state.ts). */
  history = 0;
  inspector: AppInspector | null = null;
  app: AppResult | null = null;
  serverName: string | null = null;
  /** Labelled DNS (or mDNS, LLMNR): its answers feed the passive DNS (see FlowTable.inspect). */
  feedsDns = false;
  tunnel: string | null = null;
  /** Times emitted so far; the first emission is 0. */
  emissions = 0;
  /** Changed since the last emission. */
  dirty = true;
  ended = false;
  /** Order of creation within its table (the order flows ending together are emitted in). */
  seq = 0;
  /** Its neighbours in the table's creation-order list (null at either end, and once ended). */
  prev: Flow | null = null;
  next: Flow | null = null;
  /** Where the table's expiry wheel filed it; wheelIndex is -1 when not filed. */
  wheelBucket = 0;
  wheelIndex = -1;

  /** The address texts, made from the key when first asked for: `capstream flows` writes IPv4 addresses from the key and never asks. */
  private srcText: string | null = null;
  private dstText: string | null = null;

  constructor(
    readonly key: string,
    readonly ipVersion: 4 | 6,
    readonly proto: number,
  ) {}

  get srcIp(): string {
    this.srcText ??= keyAddressText(this.key, this.ipVersion, this.srcIsA);
    return this.srcText;
  }

  get dstIp(): string {
    this.dstText ??= keyAddressText(this.key, this.ipVersion, !this.srcIsA);
    return this.dstText;
  }

  /** IPv4 flows: the source address as an unsigned 32-bit number. */
  srcV4(): number {
    return keyAddress(this.key, this.srcIsA ? KEY_A : KEY_B_V4);
  }

  dstV4(): number {
    return keyAddress(this.key, this.srcIsA ? KEY_B_V4 : KEY_A);
  }
}
