import { isoTime } from '@capstream/core';
import { type CaptureEvent, type CaptureJob, type DeadLetter, TOPICS } from '@capstream/pipeline';
import { type Capture, newCapture } from '@capstream/store';

/** What is known of a capture while it runs and after: the `captures` row, less its version. */
export type CaptureState = Omit<Capture, 'version'>;

export type CaptureListener = (state: CaptureState) => void;

/** Flows of a capture have been stored: `flows` records so far (active flows' versions included). */
export interface LandedEvent {
  captureId: string;
  datasetId: string;
  flows: number;
  at: string;
}

export interface TrackerDeps {
  /** Writes the row (newest wins). */
  persist(state: CaptureState): Promise<void>;
  /** Final flows the store holds for a capture (to report DONE only once they are queryable). */
  storedFlows(captureId: string): Promise<number>;
  /**
   * What is already known of a capture this tracker has not seen yet (the stored row). A tracker
   * that starts while captures run (a restarted writer, a new API instance) would otherwise
   * build their rows from the events alone, without name and dataset.
   */
  load?(captureId: string): Promise<CaptureState | undefined>;
}

/**
 * Folds the stages' events into one state per capture, persists it, and tells watchers. A
 * capture reads as DONE only when the store holds every final flow the parser reported, so a
 * reader who sees DONE sees all rows.
 */
export class CaptureTracker {
  private readonly states = new Map<string, CaptureState>();
  private readonly listeners = new Map<string, Set<CaptureListener>>();
  private readonly lastPersist = new Map<string, number>();
  private readonly everyCapture = new Set<CaptureListener>();
  private readonly landedListeners = new Set<(e: LandedEvent) => void>();
  private readonly landed = new Map<string, number>();

  constructor(
    private readonly deps: TrackerDeps,
    private readonly persistEveryMs = 500,
  ) {}

  /**
   * A capture was submitted: its name, dataset and source. Idempotent, and in any order with the
   * capture's events (in a cluster the job and the events travel on different topics).
   */
  async submitted(job: CaptureJob, source: string): Promise<CaptureState> {
    const state = this.stateOf(job.captureId, job.submittedAt);
    state.dataset_id = job.datasetId;
    state.name = job.name;
    state.source = source;
    state.submitted_at = job.submittedAt;
    await this.save(state, true);
    return { ...state };
  }

  private stateOf(captureId: string, at = new Date().toISOString()): CaptureState {
    let state = this.states.get(captureId);
    if (state === undefined) {
      const { version: _version, ...fresh } = newCapture(captureId, at);
      state = { ...fresh, dataset_id: 'default' };
      this.states.set(captureId, state);
    }
    return state;
  }

  /** Every capture this process has seen, oldest first. */
  all(): CaptureState[] {
    return [...this.states.values()].map((s) => ({ ...s }));
  }

  get(captureId: string): CaptureState | undefined {
    return this.states.get(captureId);
  }

  watch(captureId: string, listener: CaptureListener): () => void {
    let set = this.listeners.get(captureId);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(captureId, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Every change of every capture. */
  watchAll(listener: CaptureListener): () => void {
    this.everyCapture.add(listener);
    return () => this.everyCapture.delete(listener);
  }

  onLanded(listener: (e: LandedEvent) => void): () => void {
    this.landedListeners.add(listener);
    return () => this.landedListeners.delete(listener);
  }

  /** The writer stored `rows` flow records of a capture. */
  flowsStored(captureId: string, rows: number): void {
    const total = (this.landed.get(captureId) ?? 0) + rows;
    this.landed.set(captureId, total);
    if (this.landedListeners.size === 0) return;
    const e: LandedEvent = {
      captureId,
      datasetId: this.states.get(captureId)?.dataset_id ?? 'default',
      flows: total,
      at: new Date().toISOString(),
    };
    for (const l of this.landedListeners) l(e);
  }

  /** Resolves with the final state (DONE or FAILED). */
  finished(captureId: string): Promise<CaptureState> {
    const s = this.states.get(captureId);
    if (s && (s.status === 'DONE' || s.status === 'FAILED')) return Promise.resolve(s);
    return new Promise((resolve) => {
      const stop = this.watch(captureId, (st) => {
        if (st.status === 'DONE' || st.status === 'FAILED') {
          stop();
          resolve(st);
        }
      });
    });
  }

  /** What this tracker knows of a capture, from its stored row when it has not met it yet. */
  private async known(captureId: string, at: string): Promise<CaptureState> {
    if (!this.states.has(captureId) && this.deps.load) {
      const stored = await this.deps.load(captureId);
      // The job may have arrived while the row was read: what this tracker has wins.
      if (stored && !this.states.has(captureId)) this.states.set(captureId, { ...stored });
    }
    return this.stateOf(captureId, at);
  }

  /**
   * A message of a capture was set aside on the dead-letter topic: its row says what was lost
   * (once per message), and a lost flow record is no longer waited for before DONE. An
   * undecodable flow record may have been an active flow's interim version rather than a final
   * one; counting it as final errs towards reading DONE a moment early rather than never.
   */
  async deadLetter(d: DeadLetter): Promise<void> {
    const captureId = captureOfKey(d.topic, d.key);
    if (captureId === null) return;
    const s = await this.known(captureId, d.at);
    const line = lostLine(d);
    if (s.lost.includes(line)) return;
    s.lost = [...s.lost, line];
    s.updated_at = new Date().toISOString();
    await this.save(s, true);
  }

  async event(e: CaptureEvent): Promise<void> {
    const s = await this.known(e.captureId, e.at);
    if (s.status === 'DONE' || s.status === 'FAILED') return;
    if (e.bytesRead !== undefined) s.bytes_read = Math.max(s.bytes_read, e.bytesRead);
    if (e.bytesTotal !== undefined && e.bytesTotal !== null) s.bytes_total = e.bytesTotal;
    if (e.packets !== undefined) s.packets = Math.max(s.packets, e.packets);
    if (e.error) s.error = e.error;
    if (e.format) s.format = e.format;
    if (e.sha256) s.sha256 = e.sha256;
    if (e.linkTypes) s.link_types = e.linkTypes;
    if (e.counters) s.counters = e.counters;
    if (e.firstNs) s.first_seen = nsIso(e.firstNs);
    if (e.lastNs) s.last_seen = nsIso(e.lastNs);
    let final = false;
    if (e.status === 'RUNNING' && s.status === 'QUEUED') s.status = 'RUNNING';
    if (e.status === 'FAILED' && e.stage === 'ingest' && s.packets === 0) {
      s.status = 'FAILED';
      final = true;
    }
    if (e.stage === 'parser' && (e.status === 'DONE' || e.status === 'FAILED')) {
      s.flows = e.flows ?? 0;
      await this.untilStored(s);
      s.status = e.status;
      final = true;
    }
    if (s.bytes_total === null && final) s.bytes_total = s.bytes_read;
    s.updated_at = new Date().toISOString();
    await this.save(s, final || e.status !== undefined);
  }

  private async untilStored(s: CaptureState): Promise<void> {
    for (let wait = 5; ; wait = Math.min(wait * 2, 200)) {
      // Dead letters may land while this waits (another consumer group): read them each time.
      const lost = s.lost.filter((l) => l.startsWith(LOST_FLOW)).length;
      if ((await this.deps.storedFlows(s.capture_id)) >= s.flows - lost) return;
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  private async save(s: CaptureState, force: boolean): Promise<void> {
    const now = Date.now();
    if (force || now - (this.lastPersist.get(s.capture_id) ?? 0) >= this.persistEveryMs) {
      this.lastPersist.set(s.capture_id, now);
      await this.deps.persist({ ...s });
    }
    for (const l of this.listeners.get(s.capture_id) ?? []) l({ ...s });
    for (const l of this.everyCapture) l({ ...s });
  }
}

const LOST_FLOW = 'a flow record';

/** What a dead letter took from its capture, in words, with where it is on the dead-letter topic. */
function lostLine(d: DeadLetter): string {
  const what =
    d.topic === TOPICS.flows
      ? LOST_FLOW
      : d.topic === TOPICS.segments
        ? 'a segment (its packets are missing from the flows)'
        : d.topic === TOPICS.dns
          ? 'DNS names'
          : `a message of ${d.topic}`;
  return `${what}: ${d.reason} [${d.code}, ${d.topic} partition ${d.partition} offset ${d.offset}]`;
}

/**
 * The capture a message belonged to: messages are keyed by their capture (flow records written by
 * earlier builds were keyed `capture/flow`, and may still sit on the topic).
 */
function captureOfKey(topic: string, key: string | null): string | null {
  if (!key) return null;
  if (topic !== TOPICS.flows) return key;
  const slash = key.lastIndexOf('/');
  return slash > 0 ? key.slice(0, slash) : key;
}

function nsIso(ns: string): string {
  const v = BigInt(ns);
  return isoTime(Number(v / 1_000_000_000n), Number(v % 1_000_000_000n), 9);
}
