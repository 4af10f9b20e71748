import type { AppInspector, AppResult } from '../app/inspector.ts';
import { KEY_A, KEY_B_V4, KEY_B_V6, keyAddress, keyAddressText } from './flow-key.ts';

/**
 * One bidirectional flow while it is tracked. Direction 0 is source (the initiator) to
 * destination, direction 1 the reverse. Mutable, owned by the FlowTable; sinks that keep a flow
 * beyond the callback take a record of it (`toFlowRecord`): once a final flow has been emitted
 * the table reuses the object for a later flow (see `reset`).
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

  // Set by the constructor and by reset only.
  constructor(
    public key: string,
    public ipVersion: 4 | 6,
    public proto: number,
  ) {}

  /**
   * Makes an ended, emitted flow a new one, as the constructor would, for the table to reuse:
   * every flow lives long enough to be copied twice by V8's young collections (~300 bytes each),
   * a reused one is already old. Every field above is set back to
   * its initial value here (a test compares a reset flow with a new one, field by field).
   */
  reset(key: string, ipVersion: 4 | 6, proto: number): this {
    this.key = key;
    this.ipVersion = ipVersion;
    this.proto = proto;
    this.srcIsA = false;
    this.srcPort = -1;
    this.dstPort = -1;
    this.firstSec = 0;
    this.firstNsec = 0;
    this.lastSec = 0;
    this.lastNsec = 0;
    this.packets0 = 0;
    this.packets1 = 0;
    this.bytes0 = 0;
    this.bytes1 = 0;
    this.payload0 = 0;
    this.payload1 = 0;
    this.flags0 = 0;
    this.flags1 = 0;
    this.history = 0;
    this.inspector = null;
    this.app = null;
    this.serverName = null;
    this.feedsDns = false;
    this.tunnel = null;
    this.emissions = 0;
    this.dirty = true;
    this.ended = false;
    this.seq = 0;
    this.prev = null;
    this.next = null;
    this.wheelBucket = 0;
    this.wheelIndex = -1;
    this.srcText = null;
    this.dstText = null;
    return this;
  }

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

  /** IPv6 flows: the destination address as v6Units (its eight code units in the key). */
  dstV6(): string {
    const at = this.srcIsA ? KEY_B_V6 : KEY_A;
    return this.key.slice(at, at + 8);
  }
}
