/**
 * The benchmark's content verification (bench/lib/verify.ts) must be able to fail: lost,
 * reordered and altered copies fail the variant and the run's exit status; duplicates are counted
 * but do not fail. Records are fed through the same reader path the benchmark uses
 * (readPartitionTo in chunks) from an in-memory stand-in for the addon's readRecords.
 */
import { describe, expect, it } from 'vitest';
import type { ReadRecord, RdkafkaSettings } from '../../../src/native/addon.js';
import { completePrefix, contentFailures, exitStatus, verifyContent, type ContentCheck } from '../../../bench/lib/verify.js';

type Topic = ReadRecord[][];

function record(partition: number, i: number, offset: number, overrides: Partial<ReadRecord> = {}): ReadRecord {
  return {
    offset,
    key: Buffer.from(`key-${String(i).padStart(12, '0')}`),
    value: Buffer.from(`value ${partition}/${i}`),
    headers: [['trace-id', Buffer.from(`t${i}`)], ['bench-phase', Buffer.from('preload')]],
    timestamp: 1_700_000_000_000 + i,
    timestampType: 'CreateTime',
    ...overrides,
  };
}

/** `count` records per partition, record i of partition p at offset i. */
function sourceTopic(partitions: number, count: number): Topic {
  return Array.from({ length: partitions }, (_, p) => Array.from({ length: count }, (_, i) => record(p, i, i)));
}

/** A target partition from source records in the order given (offsets renumbered from 0). */
function copy(records: readonly ReadRecord[]): ReadRecord[] {
  return records.map((r, offset) => ({ ...r, offset }));
}

/** As the addon's readRecords: up to `count` records from `fromOffset`. */
function reader(topics: Record<string, Topic>) {
  const calls: { topic: string; partition: number; from: number; count: number }[] = [];
  const read = async (_settings: RdkafkaSettings, topic: string, partition: number, from: number, count: number) => {
    calls.push({ topic, partition, from, count });
    return (topics[topic]?.[partition] ?? []).filter((r) => r.offset >= from).slice(0, count);
  };
  return { read, calls };
}

async function verify(source: Topic, target: Topic): Promise<ContentCheck & { calls: number }> {
  const { read, calls } = reader({ bench: source, 'source.bench': target });
  const ends = (topic: Topic) => topic.map((records) => (records.at(-1)?.offset ?? -1) + 1);
  const check = await verifyContent({
    read,
    source: { settings: {}, topic: 'bench', endOffsets: ends(source) },
    target: { settings: {}, topic: 'source.bench', endOffsets: ends(target) },
    deadline: Date.now() + 10_000,
  });
  return { ...check, calls: calls.length };
}

/** The run's verdict for one variant that otherwise went well. */
const exitWith = (check: ContentCheck) => exitStatus([{ ok: check.failures.length === 0, content: check }]);

describe('bench content verification', () => {
  it('passes an exact copy, read in chunks, and the copy is complete at the end offsets', async () => {
    const source = sourceTopic(2, 25_000);
    const check = await verify(source, source.map(copy));
    expect(check.verdict).toMatchObject({ source: 50_000, target: 50_000, lost: 0, duplicates: 0, outOfOrder: 0, foreign: 0 });
    expect(check.failures).toEqual([]);
    expect(check.completeOffsets).toEqual([25_000, 25_000]);
    expect(check.recordsRead).toBe(100_000);
    expect(check.calls).toBeGreaterThan(4); // more than one read per partition and cluster
    expect(exitWith(check)).toBe(0);
  });

  it('fails on a lost record, anywhere in the partition (not only the head)', async () => {
    const source = sourceTopic(2, 1_000);
    const target = [copy(source[0]!), copy(source[1]!.filter((_, i) => i !== 700))];
    const check = await verify(source, target);
    expect(check.verdict.lost).toBe(1);
    expect(check.verdict.partitions[1]).toMatchObject({ lost: 1, firstLost: 700 });
    expect(check.failures).toHaveLength(1);
    expect(check.failures[0]).toMatch(/1 source records are not on the target \(p1 1\)/);
    expect(check.completeOffsets).toEqual([1_000, null]);
    expect(exitWith(check)).toBe(1);
  });

  it('does not let duplicates hide a loss (same record count on the target)', async () => {
    const source = sourceTopic(1, 100);
    // Record 50 lost, record 10 copied twice: 100 records on the target, as many as the source.
    const records = source[0]!.filter((_, i) => i !== 50);
    records.splice(11, 0, source[0]![10]!);
    const check = await verify(source, [copy(records)]);
    expect(check.verdict).toMatchObject({ source: 100, target: 100, lost: 1, duplicates: 1 });
    expect(exitWith(check)).toBe(1);
  });

  it('counts duplicates without failing, and finds when the last source record arrived', async () => {
    const source = sourceTopic(1, 100);
    // 0..59, then a re-copy of 40..59, then 60..99, then a re-copy of 90..99 at the end.
    const s = source[0]!;
    const records = [...s.slice(0, 60), ...s.slice(40, 60), ...s.slice(60), ...s.slice(90)];
    const check = await verify(source, [copy(records)]);
    expect(check.verdict).toMatchObject({ source: 100, target: 130, lost: 0, duplicates: 30, outOfOrder: 0, foreign: 0 });
    expect(check.failures).toEqual([]);
    expect(check.completeOffsets).toEqual([120]); // the trailing re-copy came after every record was there
    expect(exitWith(check)).toBe(0);
  });

  it('fails on records out of order', async () => {
    const source = sourceTopic(1, 100);
    const s = source[0]!;
    const records = [...s.slice(0, 30), s[31]!, s[30]!, ...s.slice(32)];
    const check = await verify(source, [copy(records)]);
    expect(check.verdict).toMatchObject({ lost: 0, duplicates: 0, outOfOrder: 1 });
    expect(check.failures.join()).toMatch(/1 records are out of order \(p0 1\)/);
    expect(exitWith(check)).toBe(1);
  });

  it('fails when a copy turns a null value into an empty one, or changes the timestamp type', async () => {
    const source = sourceTopic(1, 10);
    source[0]![3] = record(0, 3, 3, { value: null });
    const emptied = copy(source[0]!);
    emptied[3] = { ...emptied[3]!, value: Buffer.alloc(0) };
    const a = await verify(source, [emptied]);
    expect(a.verdict).toMatchObject({ lost: 1, foreign: 1 });
    expect(exitWith(a)).toBe(1);

    const retyped = copy(source[0]!);
    retyped[7] = { ...retyped[7]!, timestampType: 'LogAppendTime' };
    const b = await verify(source, [retyped]);
    expect(b.verdict).toMatchObject({ lost: 1, foreign: 1 });
    expect(exitWith(b)).toBe(1);
  });

  it('fails on an empty target', async () => {
    const source = sourceTopic(2, 10);
    const check = await verify(source, [[], []]);
    expect(check.verdict).toMatchObject({ source: 20, target: 0, lost: 20 });
    expect(exitWith(check)).toBe(1);
  });

  it('exit status: any failed variant, by error or by content, fails the run', () => {
    const good = { verdict: { source: 1, target: 1, lost: 0, duplicates: 0, outOfOrder: 0, foreign: 0, firstLost: -1,
      firstDisorder: -1, partitions: [] }, completeOffsets: [1], failures: [], recordsRead: 2, seconds: 0 } satisfies ContentCheck;
    const lost = { ...good, verdict: { ...good.verdict, lost: 1 } };
    expect(exitStatus([{ ok: true, content: good }, { ok: true, content: good }])).toBe(0);
    expect(exitStatus([{ ok: true, content: good }, { ok: false }])).toBe(1);
    // A result marked ok whose content check failed still fails the run.
    expect(exitStatus([{ ok: true, content: { ...lost, failures: contentFailures(lost.verdict) } }])).toBe(1);
    expect(exitStatus([])).toBe(1);
  });

  it('completePrefix: the shortest target prefix that holds every source record', () => {
    expect(completePrefix(['a', 'b', 'c'], ['a', 'b', 'c'])).toBe(3);
    expect(completePrefix(['a', 'b', 'c'], ['a', 'b', 'a', 'b', 'c', 'c', 'b'])).toBe(5);
    expect(completePrefix(['a', 'b', 'c'], ['a', 'c'])).toBe(-1);
    expect(completePrefix([], ['x'])).toBe(0);
  });
});
