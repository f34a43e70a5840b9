import { describe, expect, it } from 'vitest';
import { mm2Syncs, mm2Translate, OffsetSyncStore } from '../../../src/engine/offset-sync-store.js';
import { testing } from '../../../src/native/addon.js';

/**
 * The syncs a shard writes for an acknowledged stream: the shard's own C++ rule (OffsetSyncRule in
 * native/src/shard/partition.cc, through the addon's test exports), plus the newest record at a
 * position flush every `flushEvery` records and at the end.
 */
function shardSyncs(pairs: readonly (readonly [number, number])[], offsetLagMax: number, flushEvery: number): [number, number][] {
  const rule = new testing.OffsetSyncRule(offsetLagMax);
  const out: [number, number][] = [];
  pairs.forEach(([u, d], i) => {
    if (rule.onAcknowledged(u, d)) out.push([u, d]);
    if ((i + 1) % flushEvery === 0) {
      const tail = rule.takeTail();
      if (tail) out.push(tail);
    }
  });
  const tail = rule.takeTail();
  if (tail) out.push(tail);
  return out;
}

/** Where a consumer that committed `c` upstream must resume downstream: the first copied record at or after c, else after the last one. */
function truth(pairs: readonly (readonly [number, number])[], c: number): number {
  for (const [u, d] of pairs) if (u >= c) return d;
  return pairs.at(-1)![1] + 1;
}

/** A deterministic pseudo-random generator, so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Source offsets with gaps (compaction, transaction markers), copied to a contiguous target from `base`. */
function copied(seed: number, records: number, gapChance: number, base = 0): [number, number][] {
  const random = rng(seed);
  const pairs: [number, number][] = [];
  let u = Math.floor(random() * 5);
  for (let i = 0; i < records; i++) {
    pairs.push([u, base + i]);
    u += random() < gapChance ? 2 + Math.floor(random() * 4) : 1;
  }
  return pairs;
}

function storeOf(syncs: readonly (readonly [number, number])[], max?: number): OffsetSyncStore {
  const store = new OffsetSyncStore(max);
  for (const [u, d] of syncs) store.add('t', 0, u, d);
  return store;
}

describe('OffsetSyncStore', () => {
  it.each([
    ['a plain topic', 0],
    ['a compacted topic', 0.3],
    ['a transactional topic (a marker every few records)', 0.15],
  ])('translates every committed offset of %s exactly', (_name, gapChance) => {
    for (const seed of [1, 2, 3]) {
      const pairs = copied(seed, 2_000, gapChance);
      const store = storeOf(shardSyncs(pairs, 100, 250));
      const last = pairs.at(-1)![0];
      for (let c = pairs[0]![0]; c <= last + 1; c++) {
        expect(store.translate('t', 0, c)?.offset, `offset ${c} (seed ${seed})`).toBe(truth(pairs, c));
      }
    }
  });

  it('keeps only the syncs at shifts: memory follows the gaps, not the records', () => {
    const plain = storeOf(shardSyncs(copied(1, 100_000, 0), 100, 1_000));
    expect(plain.size).toBe(1);
    const gappy = copied(2, 10_000, 0.01);
    const shifts = gappy.filter(([u, d], i) => i === 0 || u - gappy[i - 1]![0] !== 1 || d - gappy[i - 1]![1] !== 1).length;
    expect(storeOf(shardSyncs(gappy, 100, 1_000)).size).toBe(shifts);
  });

  it('MM2 re-reads up to offset.lag.max records on the same syncs, and never skips', () => {
    const pairs = copied(4, 5_000, 0.05);
    const syncs = mm2Syncs(pairs, 100);
    let maxReread = 0;
    for (let c = pairs[0]![0]; c <= pairs.at(-1)![0]; c++) {
      const mm2 = mm2Translate(syncs, c);
      expect(mm2).toBeLessThanOrEqual(truth(pairs, c));
      maxReread = Math.max(maxReread, truth(pairs, c) - mm2);
    }
    expect(maxReread).toBeGreaterThan(50);
    expect(maxReread).toBeLessThanOrEqual(100);
  });

  it('answers past the newest copied record with the next target offset, flagged ahead', () => {
    const store = storeOf([[10, 0], [19, 9]]);
    expect(store.translate('t', 0, 20)).toEqual({ offset: 10, ahead: false, exact: true });
    expect(store.translate('t', 0, 25)).toEqual({ offset: 10, ahead: true, exact: true });
    expect(store.tail('t', 0)).toEqual({ upstream: 19, downstream: 9 });
  });

  it('an offset inside an upstream gap resumes at the record after the gap', () => {
    // records 0..4 at 0..4, then 10..14 at 5..9 (5..9 compacted away)
    const store = storeOf([[0, 0], [10, 5], [14, 9]]);
    expect(store.translate('t', 0, 4)?.offset).toBe(4);
    expect(store.translate('t', 0, 5)?.offset).toBe(5);
    expect(store.translate('t', 0, 7)?.offset).toBe(5);
    expect(store.translate('t', 0, 10)?.offset).toBe(5);
    expect(store.translate('t', 0, 11)?.offset).toBe(6);
  });

  it('does not translate offsets before the first known sync, nor unknown partitions', () => {
    const store = storeOf([[100, 0]]);
    expect(store.translate('t', 0, 99)).toBeUndefined();
    expect(store.translate('t', 1, 100)).toBeUndefined();
    expect(store.translate('other', 0, 100)).toBeUndefined();
  });

  it('a restart that copies again from an earlier offset supersedes the first copy', () => {
    // 0..9 copied to 0..9; the shard restarted from 5 and copied 5..12 to 10..17.
    const first = Array.from({ length: 10 }, (_, i) => [i, i] as [number, number]);
    const again = Array.from({ length: 8 }, (_, i) => [5 + i, 10 + i] as [number, number]);
    const store = storeOf([...shardSyncs(first, 100, 1_000), ...shardSyncs(again, 100, 1_000)]);
    expect(store.translate('t', 0, 3)?.offset).toBe(3);
    expect(store.translate('t', 0, 5)?.offset).toBe(10);
    expect(store.translate('t', 0, 12)?.offset).toBe(17);
    expect(store.translate('t', 0, 13)?.offset).toBe(18);
  });

  it('a truncated target (downstream going back) supersedes later syncs', () => {
    const store = storeOf([[0, 0], [50, 40], [60, 5]]);
    expect(store.translate('t', 0, 60)?.offset).toBe(5);
    expect(store.translate('t', 0, 61)?.offset).toBe(6);
  });

  it('pruneBefore keeps what offsets at or after the bound need, and the answers stay exact there', () => {
    const pairs = copied(5, 3_000, 0.2);
    const store = storeOf(shardSyncs(pairs, 100, 500));
    const before = store.size;
    const bound = pairs[2_000]![0];
    store.pruneBefore('t', 0, bound);
    expect(store.size).toBeLessThan(before);
    for (let c = bound; c <= pairs.at(-1)![0]; c++) expect(store.translate('t', 0, c)?.offset).toBe(truth(pairs, c));
    // Older offsets: MM2's answer from the remembered dropped sync, flagged inexact; never past the truth.
    for (let c = pairs[0]![0]; c < bound; c++) {
      const t = store.translate('t', 0, c);
      if (t?.exact) expect(t.offset).toBe(truth(pairs, c));
      else if (t) expect(t.offset).toBeLessThanOrEqual(truth(pairs, c));
    }
  });

  it('is bounded per partition: the oldest syncs go first, newer answers stay exact', () => {
    const pairs = copied(6, 5_000, 0.5);
    const store = storeOf(shardSyncs(pairs, 100, 1_000), 64);
    expect(store.size).toBeLessThanOrEqual(64);
    const recent = pairs.at(-20)![0];
    for (let c = recent; c <= pairs.at(-1)![0]; c++) expect(store.translate('t', 0, c)?.offset).toBe(truth(pairs, c));
    let approximate = 0;
    for (let c = pairs[0]![0]; c < recent; c++) {
      const t = store.translate('t', 0, c);
      if (t && !t.exact) {
        approximate++;
        expect(t.offset).toBeLessThanOrEqual(truth(pairs, c)); // re-reads, never skips
      }
    }
    expect(approximate).toBeGreaterThan(0);
  });

  it('refuses a bound too small to work with', () => {
    expect(() => new OffsetSyncStore(2)).toThrow(RangeError);
  });
});
