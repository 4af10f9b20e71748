import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CaptureEvent, type DeadLetter, TOPICS } from '@capstream/pipeline';
import { type CaptureState, CaptureTracker } from '../src/tracker.ts';

function deadLetter(topic: string, key: string | null, offset: number): DeadLetter {
  return {
    topic,
    partition: 0,
    offset,
    group: 'g',
    key,
    code: 'UNKNOWN_VERSION',
    reason: `unknown version 99 on ${topic} (this build reads version 1)`,
    at: '2026-11-28T00:00:00.000Z',
    value: '',
  };
}

const parserDone = (captureId: string, flows: number): CaptureEvent => ({
  captureId,
  stage: 'parser',
  status: 'DONE',
  flows,
  at: '2026-11-28T00:00:01.000Z',
});

function tracker(stored: number) {
  const persisted: CaptureState[] = [];
  const t = new CaptureTracker({
    persist: async (s) => {
      persisted.push(s);
    },
    storedFlows: async () => stored,
  });
  return { t, persisted };
}

describe('CaptureTracker and dead letters', () => {
  it('a lost flow record is not waited for: DONE once the rest are stored, and the row says what was lost', async () => {
    const { t, persisted } = tracker(2);
    let finished = false;
    const done = t.event(parserDone('c1', 3)).then(() => {
      finished = true;
    });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(finished, false, 'waits for the third flow');
    await t.deadLetter(deadLetter(TOPICS.flows, 'c1/f3', 7));
    await done;
    const s = t.get('c1')!;
    assert.equal(s.status, 'DONE');
    assert.deepEqual(s.lost, [
      `a flow record: unknown version 99 on ${TOPICS.flows} (this build reads version 1) [UNKNOWN_VERSION, ${TOPICS.flows} partition 0 offset 7]`,
    ]);
    assert.deepEqual(persisted.at(-1)?.lost, s.lost);
  });

  it('notes each dead letter once, by what it carried; one without a key belongs to no capture', async () => {
    const { t } = tracker(0);
    await t.deadLetter(deadLetter(TOPICS.segments, 'c2', 1));
    await t.deadLetter(deadLetter(TOPICS.segments, 'c2', 1)); // read again after a restart
    await t.deadLetter(deadLetter(TOPICS.dns, 'c2', 4));
    await t.deadLetter(deadLetter(TOPICS.segments, null, 5));
    const lost = t.get('c2')!.lost;
    assert.equal(lost.length, 2);
    assert.match(lost[0], /^a segment \(its packets are missing from the flows\): /);
    assert.match(lost[1], /^DNS names: /);
    assert.deepEqual(
      t.all().map((s) => s.capture_id),
      ['c2'],
    );
  });
});
