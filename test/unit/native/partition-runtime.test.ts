/**
 * The shard's partition state machine (native/src/shard/partition.cc), the C++ itself, through the
 * addon's test exports: named transitions first, then a simulated copy (fetcher, producer in
 * batches, a broker that refuses records, producer resets, operator actions, rebalances) run
 * many times at random, checking the invariants ARCHITECTURE.md states.
 */
import { describe, expect, it } from 'vitest';
import { SHARD_EVENT_KINDS, testing } from '../../../src/native/addon.js';

type Probe = InstanceType<typeof testing.PartitionProbe>;

function probe(): Probe {
  return new testing.PartitionProbe('orders', 3);
}

describe('partition state machine: transitions', () => {
  it('assigned: RUNNING at its start, fetching', () => {
    const p = probe();
    p.call('assign', 10);
    expect(p.snapshot()).toMatchObject({ state: 'Running', status: 'RUNNING', position: 10, produced: 10, fetching: true, reason: '' });
  });

  /** Assigned at `start` with its first record (start) copied: batches may follow. */
  const primed = (start = 0): Probe => {
    const p = probe();
    p.call('assign', start);
    p.call('handedOver', start);
    p.call('acknowledged', start);
    p.drainActions();
    return p;
  };

  it('the first record of a lifetime goes alone: a broker takes any first sequence from a producer it does not know', () => {
    const p = probe();
    p.call('assign', 0);
    const seq = p.dequeue();
    expect(p.call('admit', 0, seq)).toBe(true);
    p.call('handedOver', 0);
    expect(p.call('admit', 1, seq)).toBe(false); // not behind an unacknowledged first record
    expect(p.snapshot().fetching).toBe(false);
    expect(p.drainActions()).toEqual([{ type: 'pause' }]);
    p.call('acknowledged', 0);
    expect(p.drainActions()).toEqual([{ type: 'fetch', offset: 1 }]);
    const next = p.dequeue();
    for (const o of [1, 2, 3]) {
      expect(p.call('admit', o, next)).toBe(true);
      p.call('handedOver', o);
    }
    expect(p.snapshot()).toMatchObject({ fetching: true, inFlight: 3 });
    // After a producer reset (a new producer), the first record goes alone again.
    for (const o of [1, 2, 3]) p.call('undelivered', o);
    p.call('producerReset');
    p.drainActions();
    const again = p.dequeue();
    p.call('handedOver', 1);
    expect(p.call('admit', 2, again)).toBe(false);
  });

  it('hands records over in order, once; the position follows acknowledgements only', () => {
    const p = primed();
    const seq = p.dequeue();
    for (const o of [1, 2, 3]) {
      expect(p.call('admit', o, seq)).toBe(true);
      p.call('handedOver', o);
    }
    expect(p.call('admit', 2, seq)).toBe(false); // already handed over
    expect(p.snapshot()).toMatchObject({ produced: 4, position: 1, inFlight: 3 });
    p.call('acknowledged', 1);
    p.call('acknowledged', 2);
    expect(p.snapshot()).toMatchObject({ position: 3, inFlight: 1 });
  });

  it('does not follow the fetcher past records waiting for room in the producer queue', () => {
    const p = primed();
    p.call('parked');
    expect(p.call('advanceTo', 5)).toBe(false);
    p.call('unparked');
    expect(p.call('advanceTo', 5)).toBe(true);
  });

  it('a record refused alone: FAILED at it, fetching paused, records dequeued before are dropped', () => {
    const p = primed();
    const seq = p.dequeue();
    p.call('handedOver', 1);
    p.call('refused', 1, false, 'TOPIC_AUTHORIZATION_FAILED');
    expect(p.snapshot()).toMatchObject({ state: 'Failed', status: 'FAILED', failedAt: 1, position: 1, fetching: false });
    expect(p.snapshot().reason).toContain('TOPIC_AUTHORIZATION_FAILED');
    expect(p.drainActions()).toEqual([{ type: 'pause' }, { type: 'partition-failed', offset: 1, message: 'TOPIC_AUTHORIZATION_FAILED' }]);
    expect(p.call('admit', 2, seq)).toBe(false);
    expect(p.call('admit', 2, p.dequeue())).toBe(false); // nothing after a FAILED record
  });

  it('a refused batch: drained, then resent one record at a time, and the one refused alone FAILS', () => {
    const p = probe();
    p.call('assign', 0);
    const first = p.dequeue();
    for (let o = 0; o < 10; o++) p.call('handedOver', o);
    for (let o = 0; o < 5; o++) p.call('acknowledged', o);
    p.call('refused', 5, true, 'MSG_SIZE_TOO_LARGE');
    expect(p.snapshot()).toMatchObject({ state: 'Draining', status: 'ISOLATING', position: 5, fetching: false });
    expect(p.call('admit', 10, first)).toBe(false); // later records of the same fetch: dropped
    for (let o = 6; o < 10; o++) p.call('refused', o, true, 'MSG_SIZE_TOO_LARGE');
    expect(p.snapshot()).toMatchObject({ state: 'Isolating', inFlight: 0, fetching: true });
    expect(p.drainActions().filter((a) => a.type === 'fetch')).toEqual([{ type: 'fetch', offset: 5 }]);
    // One at a time: 5, 6, 7 go through; 8 is the one.
    for (let o = 5; o < 8; o++) {
      const seq = p.dequeue();
      expect(p.call('admit', o, seq)).toBe(true);
      p.call('handedOver', o);
      expect(p.call('admit', o + 1, seq)).toBe(false);
      p.call('acknowledged', o);
      expect(p.drainActions().filter((a) => a.type === 'fetch')).toEqual([{ type: 'fetch', offset: o + 1 }]);
    }
    const seq = p.dequeue();
    p.call('admit', 8, seq);
    p.call('handedOver', 8);
    p.call('refused', 8, true, 'MSG_SIZE_TOO_LARGE');
    expect(p.snapshot()).toMatchObject({ state: 'Failed', failedAt: 8, position: 8, writtenPastFailure: 0 });
  });

  it('when every record of the refused batch goes through alone, copying goes on in batches', () => {
    const p = probe();
    p.call('assign', 0);
    p.call('handedOver', 0);
    p.call('handedOver', 1);
    p.call('refused', 0, true, 'RECORD_LIST_TOO_LARGE');
    p.call('refused', 1, true, 'RECORD_LIST_TOO_LARGE');
    for (const o of [0, 1]) {
      p.call('handedOver', o);
      p.call('acknowledged', o);
    }
    expect(p.snapshot()).toMatchObject({ state: 'Running', position: 2, fetching: true });
    expect(p.drainActions().map((a) => a.type)).toContain('partition-resumed');
  });

  it('a record acknowledged after a refused one is counted and reported, and does not move the position', () => {
    const p = probe();
    p.call('assign', 0);
    for (const o of [0, 1]) p.call('handedOver', o);
    p.call('refused', 0, false, 'INVALID_REQUIRED_ACKS');
    p.drainActions();
    expect(p.call('acknowledged', 1)).toBe(false);
    expect(p.snapshot()).toMatchObject({ position: 0, writtenPastFailure: 1 });
    expect(p.drainActions()).toEqual([expect.objectContaining({ type: 'written-past-failure', offset: 1 })]);
  });

  it('an operator resume of a FAILED partition copies again from the position', () => {
    const p = probe();
    p.call('assign', 0);
    p.call('handedOver', 0);
    p.call('acknowledged', 0);
    p.call('handedOver', 1);
    p.call('refused', 1, false, 'x');
    p.drainActions();
    expect(p.call('operatorResume')).toBe(true);
    expect(p.snapshot()).toMatchObject({ state: 'Running', failedAt: -1, produced: 1 });
    expect(p.drainActions()[0]).toEqual({ type: 'fetch', offset: 1 });
  });

  it('operator pause and resume: nothing admitted while PAUSED, resumes after what was handed over', () => {
    const p = probe();
    p.call('assign', 0);
    const seq = p.dequeue();
    p.call('handedOver', 0);
    expect(p.call('operatorPause')).toBe(true);
    expect(p.snapshot()).toMatchObject({ state: 'OperatorPaused', status: 'PAUSED' });
    expect(p.call('admit', 1, seq)).toBe(false);
    expect(p.call('admit', 1, p.dequeue())).toBe(false);
    p.drainActions();
    expect(p.call('operatorResume')).toBe(true);
    expect(p.drainActions()[0]).toEqual({ type: 'fetch', offset: 1 });
    expect(p.call('operatorResume')).toBe(false); // RUNNING already
  });

  it('remote partition missing: WAITING at the record, resumed from it', () => {
    const p = probe();
    p.call('assign', 7);
    p.call('remoteMissing', 7, 'remote partition missing');
    expect(p.snapshot()).toMatchObject({ state: 'Waiting', status: 'WAITING', produced: 7, fetching: false });
    p.drainActions();
    p.call('tryAgain');
    expect(p.snapshot()).toMatchObject({ state: 'Running' });
    expect(p.drainActions()[0]).toEqual({ type: 'fetch', offset: 7 });
  });

  it('position unknown at assignment: WAITING, nothing admitted, RUNNING once read', () => {
    const p = probe();
    p.call('assignWithoutPosition', 'coordinator loading');
    expect(p.snapshot()).toMatchObject({ state: 'Waiting', position: -1 });
    expect(p.call('admit', 0, p.dequeue())).toBe(false);
    p.call('positionKnown', 42);
    expect(p.snapshot()).toMatchObject({ state: 'Running', position: 42, produced: 42 });
  });

  it('a producer reset rewinds to the position; a draining partition starts isolating there', () => {
    const p = probe();
    p.call('assign', 0);
    for (let o = 0; o < 4; o++) p.call('handedOver', o);
    p.call('acknowledged', 0);
    p.call('undelivered', 1);
    p.call('undelivered', 2);
    p.call('undelivered', 3);
    p.drainActions();
    p.call('producerReset');
    expect(p.snapshot()).toMatchObject({ state: 'Running', position: 1, produced: 1, inFlight: 0 });
    expect(p.drainActions()).toEqual([{ type: 'fetch', offset: 1 }]);

    for (let o = 1; o < 3; o++) p.call('handedOver', o);
    p.call('refused', 1, true, 'too large');
    expect(p.snapshot().state).toBe('Draining');
    p.call('undelivered', 2);
    p.call('producerReset');
    expect(p.snapshot()).toMatchObject({ state: 'Isolating', position: 1, produced: 1 });
  });

  it('revoked: nothing admitted, late acknowledgements still move the position forward only', () => {
    const p = probe();
    p.call('assign', 0);
    p.call('handedOver', 0);
    p.call('revoke');
    expect(p.snapshot()).toMatchObject({ state: 'Unassigned', status: 'REVOKED' });
    expect(p.call('admit', 1, p.dequeue())).toBe(false);
    p.call('acknowledged', 0);
    expect(p.snapshot().position).toBe(1);
  });

  it('follows the consumer past offsets without records only when idle', () => {
    const p = probe();
    p.call('assign', 5);
    p.call('handedOver', 5);
    expect(p.call('advanceTo', 9)).toBe(false);
    p.call('acknowledged', 5);
    expect(p.call('advanceTo', 9)).toBe(true);
    expect(p.snapshot()).toMatchObject({ position: 9, produced: 9 });
  });
});

/** A deterministic pseudo-random generator, so failures reproduce (the seed is in the test name). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

interface Outcome {
  source: number[];
  /** The offset of the record the broker refuses, or -1. */
  refused: number;
  target: number[];
  state: string;
  failedAt: number;
  position: number;
  positions: number[];
  writtenPastFailure: number;
}

/**
 * A partition copied through the real state machine. The fetcher returns source records from its
 * cursor unless paused; each step hands over what is admitted as one batch; the broker settles
 * the oldest batches, refusing a whole batch that holds a `bad` record (and, as a gapless
 * idempotent producer does, leaving every later batch unwritten and resetting the producer). At
 * random: producer resets (a purged in-flight batch may have been written: duplicates), operator
 * pauses and resumes, rebalances that give the partition back at its stored position.
 */
function simulate(seed: number, options: { records: number; bad: readonly number[]; chaos: boolean }): Outcome {
  const random = rng(seed);
  const source: number[] = [];
  for (let o = 0; source.length < options.records; o += random() < 0.1 ? 2 + Math.floor(random() * 3) : 1) source.push(o);
  const end = source.at(-1)! + 1;
  const bad = new Set(options.bad.map((i) => source[i]!));
  const p = probe();
  const fetcher = { cursor: 0, paused: false };
  let batches: number[][] = [];
  let pending: (readonly [number, number])[] = [];
  const target: number[] = [];
  const positions: number[] = [];
  let committed = 0;

  const apply = () => {
    for (const a of p.drainActions()) {
      if (a.type === 'pause') fetcher.paused = true;
      if (a.type === 'fetch') {
        fetcher.cursor = a.offset!;
        fetcher.paused = false;
      }
    }
  };
  let brokerKnows = false; // the broker has this partition's state for the current producer
  const reset = (written: boolean) => {
    brokerKnows = false; // a new producer
    for (const batch of batches) {
      for (const o of batch) {
        if (written) target.push(o); // PURGE_INFLIGHT: it may have reached the target anyway
        p.call('undelivered', o);
      }
      written = false;
    }
    batches = [];
    p.call('producerReset');
    apply();
  };

  p.call('assign', 0);
  for (let step = 0; step < 20_000; step++) {
    const s = p.snapshot();
    if (s.state === 'Failed' && s.inFlight === 0) break;
    if (s.position >= end && s.inFlight === 0) break;
    // Fetch (unless records the producer's queue could not take are waiting) and hand over; the
    // queue is full at random, and the rest waits for the next step, with its dequeue number.
    if (pending.length === 0) {
      const seq = p.dequeue();
      const fetched = fetcher.paused ? [] : source.filter((o) => o >= fetcher.cursor).slice(0, 1 + Math.floor(random() * 20));
      if (fetched.length > 0) fetcher.cursor = fetched.at(-1)! + 1;
      pending = fetched.map((o) => [o, seq] as const);
      for (let i = 0; i < pending.length; i++) p.call('parked');
    }
    const batch: number[] = [];
    const room = random() < 0.3 ? Math.floor(random() * 5) : Infinity;
    while (pending.length > 0 && batch.length < room) {
      const [o, seq] = pending.shift()!;
      p.call('unparked');
      if (p.call('admit', o, seq)) {
        p.call('handedOver', o);
        batch.push(o);
      }
      apply();
    }
    if (batch.length > 0) batches.push(batch);
    // The broker settles some batches, oldest first.
    let settle = Math.floor(random() * 3);
    while (settle-- > 0 && batches.length > 0) {
      const next = batches.shift()!;
      if (next.some((o) => bad.has(o))) {
        for (const o of next) p.call('refused', o, true, 'MSG_SIZE_TOO_LARGE');
        apply();
        // As Kafka does: a broker with no state of this producer for the partition takes a later
        // batch whatever its first sequence; then the gapless producer stops and is replaced.
        if (!brokerKnows) {
          for (const batch of batches.splice(0)) {
            for (const o of batch) {
              target.push(o);
              p.call('acknowledged', o);
            }
          }
          apply();
        }
        reset(false);
        break;
      }
      brokerKnows = true;
      for (const o of next) {
        target.push(o);
        p.call('acknowledged', o);
        apply();
      }
    }
    // The shard moves a partition past offsets without records when the fetcher is past them
    // and nothing is in flight or waiting (AdvancePastControlRecords): the fetcher's cursor here.
    if (random() < 0.3) p.call('advanceTo', fetcher.cursor);
    positions.push(p.snapshot().position);
    if (!options.chaos) continue;
    const r = random();
    if (r < 0.01) {
      reset(random() < 0.5);
    } else if (r < 0.02) {
      p.call('operatorPause');
      apply();
    } else if (r < 0.05 && p.snapshot().state === 'OperatorPaused') {
      p.call('operatorResume');
      apply();
    } else if (r < 0.055 && p.snapshot().state === 'Running') {
      // A rebalance: revoked after waiting for what is in flight, then assigned again at the stored position.
      while (batches.length > 0 && !batches[0]!.some((o) => bad.has(o))) {
        for (const o of batches.shift()!) {
          target.push(o);
          p.call('acknowledged', o);
        }
      }
      committed = p.snapshot().position;
      p.call('revoke');
      reset(false);
      p.call('assign', committed);
      fetcher.cursor = committed;
      fetcher.paused = false;
      p.drainActions();
    }
  }
  const last = p.snapshot();
  return { source, refused: options.bad.length > 0 ? source[options.bad[0]!]! : -1, target, state: last.state, failedAt: last.failedAt, position: last.position, positions, writtenPastFailure: last.writtenPastFailure };
}

/** Checks the invariants that hold in every run. */
function checkInvariants(run: Outcome, label: string): void {
  // Per partition the target's order is the source's: first appearances in increasing order.
  const seen = new Set<number>();
  let highest = -1;
  for (const o of run.target) {
    if (seen.has(o)) continue;
    seen.add(o);
    expect(o, `${label}: ${o} first reached the target after ${highest}`).toBeGreaterThan(highest);
    highest = o;
  }
  // The position never goes back, and never passes a record that is not on the target.
  for (let i = 1; i < run.positions.length; i++) {
    expect(run.positions[i]!, `${label}: position went back at step ${i}`).toBeGreaterThanOrEqual(run.positions[i - 1]!);
  }
  expect(run.writtenPastFailure, `${label}: records after a refused one`).toBe(0);
}

describe('partition state machine: invariants over simulated copies', () => {
  it.each(Array.from({ length: 40 }, (_, i) => i + 1))('seed %i, no refusals, with chaos: every record copied, in order', (seed) => {
    const run = simulate(seed, { records: 400, bad: [], chaos: true });
    checkInvariants(run, `seed ${seed}`);
    expect(run.state).not.toBe('Failed');
    const copied = new Set(run.target);
    expect(run.source.filter((o) => !copied.has(o)), 'source records missing on the target').toEqual([]);
    expect(run.position).toBe(run.source.at(-1)! + 1);
  });

  it.each(Array.from({ length: 40 }, (_, i) => i + 1))('seed %i, a refused record mid-stream: FAILED exactly at it, nothing after it copied', (seed) => {
    const badIndex = 50 + ((seed * 37) % 300);
    const run = simulate(seed, { records: 400, bad: [badIndex], chaos: seed % 2 === 0 });
    checkInvariants(run, `seed ${seed}`);
    expect(run.state).toBe('Failed');
    expect(run.failedAt, 'FAILED at the refused record').toBe(run.refused);
    // Everything before the refused record is on the target; nothing at or after it.
    const copied = new Set(run.target);
    expect(run.source.filter((o) => o < run.refused && !copied.has(o)), 'records before the refused one missing').toEqual([]);
    expect(run.target.filter((o) => o >= run.refused), 'records at or after the refused one on the target').toEqual([]);
    // The position is right after the last record before it (offsets between may hold no record).
    expect(run.position).toBeLessThanOrEqual(run.refused);
    expect(run.source.filter((o) => o >= run.position && o < run.refused)).toEqual([]);
  });
});

describe('the event names', () => {
  it('are the same table in C++ and TypeScript', () => {
    expect(testing.shardEventKinds()).toEqual([...SHARD_EVENT_KINDS]);
  });
});
