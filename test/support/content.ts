/**
 * Judging a copy by content: the target's records of one partition against the source's, in
 * order. The one place tests and benchmarks count lost, duplicated and out-of-order records.
 *
 * Each record is reduced to a digest of everything replication must keep (key and value with
 * null kept apart from empty, headers in order, timestamp and its type). The target's sequence is
 * then walked against the source's:
 * - a record whose digest the source does not have is `foreign`;
 * - a source record that never appears on the target is `lost`;
 * - every appearance after the first is a `duplicate` (a re-copy after a restart);
 * - a first appearance that comes after a later source record's first appearance is `outOfOrder`.
 * A correct at-least-once copy has lost = outOfOrder = foreign = 0; duplicates are re-copied ranges.
 */
import { createHash } from 'node:crypto';

/** What a record is made of, as readers return it (`src/native/addon.ts` ReadRecord fits). */
export interface ContentRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers?: readonly (readonly [string, Buffer | null])[];
  timestamp?: number;
  timestampType?: number | string;
}

export interface PartitionVerdict {
  source: number;
  target: number;
  lost: number;
  duplicates: number;
  outOfOrder: number;
  foreign: number;
  /** Source index of the first lost record, or -1. */
  firstLost: number;
  /** Target index of the first out-of-order or foreign record, or -1. */
  firstDisorder: number;
}

export interface Verdict extends PartitionVerdict {
  partitions: PartitionVerdict[];
}

function field(hash: ReturnType<typeof createHash>, bytes: Buffer | null): void {
  const length = Buffer.alloc(5);
  if (bytes === null) {
    length.writeUInt8(0, 0);
    hash.update(length);
    return;
  }
  length.writeUInt8(1, 0);
  length.writeUInt32BE(bytes.length, 1);
  hash.update(length);
  hash.update(bytes);
}

/** A digest of everything replication keeps byte for byte (options leave the timestamp out). */
export function digest(record: ContentRecord, options: { timestamps?: boolean } = {}): string {
  const hash = createHash('sha1');
  field(hash, record.key);
  field(hash, record.value);
  for (const [key, value] of record.headers ?? []) {
    field(hash, Buffer.from(key));
    field(hash, value);
  }
  if (options.timestamps !== false) hash.update(`|${record.timestamp ?? ''}|${record.timestampType ?? ''}`);
  return hash.digest('base64');
}

/** Compares one partition's digests, target against source (both in offset order). */
export function comparePartition(source: readonly string[], target: readonly string[]): PartitionVerdict {
  // Source indices of each digest, in order (a digest may repeat in the source).
  const positions = new Map<string, number[]>();
  source.forEach((d, i) => {
    const list = positions.get(d);
    if (list) list.push(i);
    else positions.set(d, [i]);
  });
  const seen = new Uint8Array(source.length);
  const used = new Map<string, number>(); // how many of a digest's source positions are matched
  let duplicates = 0;
  let outOfOrder = 0;
  let foreign = 0;
  let firstDisorder = -1;
  let highest = -1; // the highest source index that has appeared
  target.forEach((d, t) => {
    const list = positions.get(d);
    if (!list) {
      foreign++;
      if (firstDisorder < 0) firstDisorder = t;
      return;
    }
    const k = used.get(d) ?? 0;
    if (k >= list.length) {
      duplicates++;
      return;
    }
    // A repeated digest: take its next unmatched source position if that keeps order, else it
    // is a re-copy of one already matched.
    const index = list[k]!;
    if (index < highest && k > 0) {
      duplicates++;
      return;
    }
    used.set(d, k + 1);
    seen[index] = 1;
    if (index < highest) {
      outOfOrder++;
      if (firstDisorder < 0) firstDisorder = t;
    } else {
      highest = index;
    }
  });
  let lost = 0;
  let firstLost = -1;
  for (let i = 0; i < source.length; i++) {
    if (seen[i]) continue;
    lost++;
    if (firstLost < 0) firstLost = i;
  }
  return { source: source.length, target: target.length, lost, duplicates, outOfOrder, foreign, firstLost, firstDisorder };
}

/** Compares every partition; the totals add up the partitions. */
export function compareContent(source: readonly (readonly string[])[], target: readonly (readonly string[])[]): Verdict {
  return totalVerdict(source.map((s, p) => comparePartition(s, target[p] ?? [])));
}

/**
 * The verdict of partitions compared one at a time (comparePartition), with their totals: what
 * compareContent returns, for callers that cannot hold every partition's digests at once.
 */
export function totalVerdict(partitions: PartitionVerdict[]): Verdict {
  const total: Verdict = { source: 0, target: 0, lost: 0, duplicates: 0, outOfOrder: 0, foreign: 0, firstLost: -1, firstDisorder: -1, partitions };
  for (const v of partitions) {
    total.source += v.source;
    total.target += v.target;
    total.lost += v.lost;
    total.duplicates += v.duplicates;
    total.outOfOrder += v.outOfOrder;
    total.foreign += v.foreign;
  }
  return total;
}

/** One line for logs and failure messages: "lost 0, duplicates 12 (p0 12), out of order 0". */
export function describeVerdict(v: Verdict): string {
  const per = (pick: (p: PartitionVerdict) => number) =>
    v.partitions.map((p, i) => (pick(p) ? `p${i} ${pick(p)}` : '')).filter(Boolean).join(', ');
  const part = (name: string, n: number, pick: (p: PartitionVerdict) => number) => `${name} ${n}${n ? ` (${per(pick)})` : ''}`;
  return [
    `source ${v.source}, target ${v.target}`,
    part('lost', v.lost, (p) => p.lost),
    part('duplicates', v.duplicates, (p) => p.duplicates),
    part('out of order', v.outOfOrder, (p) => p.outOfOrder),
    part('foreign', v.foreign, (p) => p.foreign),
  ].join(', ');
}
