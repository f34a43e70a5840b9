/**
 * The benchmark's content verification: after the backlog, the whole target topic is compared
 * with the source, record by record, partition by partition, in order (test/support/content.ts
 * judges; this file reads and decides what fails a run).
 *
 * Every record is read byte for byte (the native addon's readRecords, in chunks through
 * readPartitionTo) and reduced at once to a digest of key and value (null kept apart from empty),
 * headers in order, timestamp and timestamp type. Only the digests (and the target's offsets) of
 * one partition are held at a time, so memory stays bounded for millions of records.
 *
 * Lost, out-of-order and foreign records fail the variant (and the run's exit status);
 * duplicates are reported, not fatal (a correct at-least-once copy may re-copy a range).
 */
import type { RdkafkaSettings } from '../../src/native/addon.js';
import { readPartitionTo, type ReadRecords } from '../../src/mirror-client/partition-reader.js';
import { comparePartition, describeVerdict, digest, totalVerdict, type PartitionVerdict,
  type Verdict } from '../../test/support/content.js';

export interface ContentCheck {
  /** Totals and per partition: source, target, lost, duplicates, outOfOrder, foreign. */
  readonly verdict: Verdict;
  /**
   * Per partition, the target end offset from which every source record of that partition was on
   * the target (the offset after the last first copy); null when records are lost. Equals the
   * partition's end offset unless duplicates or foreign records follow the last first copy.
   */
  readonly completeOffsets: readonly (number | null)[];
  /** What fails the variant; empty when the copy is correct. */
  readonly failures: readonly string[];
  /** Records read from both clusters. */
  readonly recordsRead: number;
  readonly seconds: number;
}

export interface VerifyOptions {
  /** The native addon's readRecords (or a stand-in in tests). */
  readonly read: ReadRecords;
  readonly source: { readonly settings: RdkafkaSettings; readonly topic: string; readonly endOffsets: readonly number[] };
  readonly target: { readonly settings: RdkafkaSettings; readonly topic: string; readonly endOffsets: readonly number[] };
  /** Epoch ms; reading past it throws (a partial read is never judged). */
  readonly deadline: number;
  readonly log?: (line: string) => void;
}

/** What fails a copy: lost, out-of-order and foreign records. Duplicates do not. */
export function contentFailures(v: Verdict): string[] {
  const per = (pick: (p: PartitionVerdict) => number) =>
    v.partitions.map((p, i) => (pick(p) ? `p${i} ${pick(p)}` : '')).filter(Boolean).join(', ');
  const failures: string[] = [];
  if (v.lost > 0) failures.push(`${v.lost} source records are not on the target (${per((p) => p.lost)})`);
  if (v.outOfOrder > 0) failures.push(`${v.outOfOrder} records are out of order (${per((p) => p.outOfOrder)})`);
  if (v.foreign > 0) {
    failures.push(`${v.foreign} target records match no source record (altered copies?) (${per((p) => p.foreign)})`);
  }
  return failures;
}

/** The benchmark's exit status: 1 when any variant failed, including by content; 0 otherwise. */
export function exitStatus(results: readonly { readonly ok: boolean; readonly content?: ContentCheck }[]): 0 | 1 {
  return results.length > 0 && results.every((r) => r.ok && (r.content?.failures.length ?? 0) === 0) ? 0 : 1;
}

/** Digests of one partition, `from` 0 up to `end`, with the offset of each. */
async function readDigests(read: ReadRecords, settings: RdkafkaSettings, topic: string, partition: number,
  end: number, deadline: number): Promise<{ digests: string[]; offsets: number[] }> {
  const digests: string[] = [];
  const offsets: number[] = [];
  if (end > 0) {
    await readPartitionTo(read, settings, topic, partition, 0, end, deadline, (record) => {
      digests.push(digest(record));
      offsets.push(record.offset);
    }, `within the verification's time limit (${topic} partition ${partition}).`);
  }
  return { digests, offsets };
}

/**
 * How many target records had been written when every source record was there: the shortest
 * prefix of the target with nothing lost (binary search over comparePartition; lost only shrinks
 * as the prefix grows). -1 when records are lost from the whole target.
 */
export function completePrefix(source: readonly string[], target: readonly string[]): number {
  if (comparePartition(source, target).lost > 0) return -1;
  let lo = 0;
  let hi = target.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (comparePartition(source, target.slice(0, mid)).lost === 0) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Compares the whole target topic with the source, one partition at a time. */
export async function verifyContent(options: VerifyOptions): Promise<ContentCheck> {
  const started = performance.now();
  const { read, source, target } = options;
  const partitions: PartitionVerdict[] = [];
  const completeOffsets: (number | null)[] = [];
  let recordsRead = 0;
  for (let p = 0; p < source.endOffsets.length; p++) {
    const [s, t] = await Promise.all([
      readDigests(read, source.settings, source.topic, p, source.endOffsets[p]!, options.deadline),
      readDigests(read, target.settings, target.topic, p, target.endOffsets[p] ?? 0, options.deadline),
    ]);
    recordsRead += s.digests.length + t.digests.length;
    const verdict = comparePartition(s.digests, t.digests);
    partitions.push(verdict);
    let complete: number | null = null;
    if (verdict.lost === 0) {
      const k = verdict.duplicates + verdict.foreign > 0 ? completePrefix(s.digests, t.digests) : t.digests.length;
      complete = k === 0 ? 0 : t.offsets[k - 1]! + 1;
    }
    completeOffsets.push(complete);
    const clean = verdict.lost + verdict.duplicates + verdict.outOfOrder + verdict.foreign === 0;
    options.log?.(`content: partition ${p}: ` + (clean ? `${verdict.source} records, identical`
      : `source ${verdict.source}, target ${verdict.target}, lost ${verdict.lost}, duplicates ${verdict.duplicates}, ` +
        `out of order ${verdict.outOfOrder}, foreign ${verdict.foreign}`));
  }
  const verdict = totalVerdict(partitions);
  return { verdict, completeOffsets, failures: contentFailures(verdict), recordsRead,
    seconds: Math.round((performance.now() - started) / 10) / 100 };
}

/** One line: the verdict, and FAILED with its reasons when it fails. */
export function describeCheck(check: ContentCheck): string {
  return `${describeVerdict(check.verdict)}` +
    (check.failures.length ? ` — FAILED: ${check.failures.join('; ')}` : ' — correct');
}
