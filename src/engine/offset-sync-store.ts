/**
 * Exact offset translation from offset syncs.
 *
 * A sync (u, d) says: the source record at offset u is the target record at offset d. kmirror's
 * shards take a sync whenever an acknowledged record is not the previous one shifted by one on
 * both sides (a gap upstream — compaction, transaction markers, a restart — or downstream), so
 * between two consecutive syncs every record keeps the first one's shift `d − u`. That makes
 * translation exact, where MM2 (mm2-internals §4) answers "the last sync's downstream + 1" and a
 * failed-over consumer re-reads up to offset.lag.max records per partition:
 *
 *   translate(C) = min(C + (d_i − u_i), d_{i+1})   for the newest sync i with u_i ≤ C
 *                = tail.d + 1                       past the newest known record (tail)
 *
 * The `min` matters at gaps: an offset C inside an upstream gap (a compacted key, a commit marker)
 * resumes at the record after the gap. Syncs that only repeat the previous shift (MM2's
 * offset.lag.max syncs, the shards' flush-time syncs) add nothing and are not kept, so memory is
 * proportional to the number of gaps, not of records; `prune` drops what no group can need any
 * more, and `maxSyncsPerPartition` bounds the rest (dropping the oldest quarter when full).
 * Of what is dropped, the newest sync of each drop is remembered (up to 64, like MM2's sparse
 * store), so offsets older than the kept syncs still get MM2's answer — never skipping, possibly
 * re-reading — flagged inexact. Offsets older than everything known are not translated (MM2 emits
 * no checkpoint for them either, and a guess could skip records).
 */

export interface Translation {
  /** The next offset to consume on the target. */
  readonly offset: number;
  /** True when `offset` is past the newest record known to be copied: records the group read there are not on the target yet. */
  readonly ahead: boolean;
  /** False when the syncs an exact answer needs were dropped (memory bound): MM2's answer, which may re-read but never skips. */
  readonly exact: boolean;
}

/** Dropped syncs remembered for MM2-style answers to old offsets. */
const HISTORY = 64;

/** Per partition: syncs sorted by upstream offset, as flat pairs in a growable Float64Array. */
class PartitionSyncs {
  private pairs = new Float64Array(8);
  private length = 0; // number of syncs
  /** The newest sync seen, kept even when its shift repeats the previous one. */
  tailUpstream = -1;
  tailDownstream = -1;
  /** The newest sync of each drop, oldest first (pairs), at most HISTORY. */
  private history: number[] = [];

  constructor(private readonly max: number) {}

  get size(): number {
    return this.length;
  }

  add(upstream: number, downstream: number): void {
    if (this.length > 0 && (upstream <= this.u(this.length - 1) || downstream < this.d(this.length - 1))) {
      // Copied again from an earlier position (a restart re-copies what was not yet stored), or
      // the target was truncated: the newer mapping wins from here on.
      this.length = this.firstAtOrAfter(upstream);
      while (this.length > 0 && this.d(this.length - 1) > downstream) this.length--;
      while (this.history.length > 0 && (this.history.at(-2)! >= upstream || this.history.at(-1)! > downstream)) this.history.length -= 2;
    }
    this.tailUpstream = upstream;
    this.tailDownstream = downstream;
    if (this.length > 0 && downstream - upstream === this.d(this.length - 1) - this.u(this.length - 1)) return; // same shift
    if (this.length === this.max) this.dropOldest(Math.max(1, this.max >> 2));
    if (this.length * 2 === this.pairs.length) {
      const grown = new Float64Array(Math.min(this.pairs.length * 2, this.max * 2));
      grown.set(this.pairs);
      this.pairs = grown;
    }
    this.pairs[this.length * 2] = upstream;
    this.pairs[this.length * 2 + 1] = downstream;
    this.length++;
  }

  translate(offset: number): Translation | undefined {
    if (this.length === 0 || offset < this.u(0)) return this.fromHistory(offset);
    const i = this.lastAtOrBefore(offset);
    const shifted = offset + this.d(i) - this.u(i);
    const bound = i + 1 < this.length ? this.d(i + 1) : this.tailDownstream + 1;
    return { offset: Math.min(shifted, bound), ahead: offset > this.tailUpstream + 1, exact: true };
  }

  /** MM2's answer from the remembered dropped syncs: the newest at or before `offset`, + 1 unless equal. */
  private fromHistory(offset: number): Translation | undefined {
    for (let i = this.history.length - 2; i >= 0; i -= 2) {
      const u = this.history[i]!;
      if (u <= offset) {
        const d = this.history[i + 1]!;
        return { offset: u === offset ? d : d + 1, ahead: false, exact: false };
      }
    }
    return undefined;
  }

  /** Drops syncs no offset ≥ `upstream` needs (keeps the newest sync at or before it). */
  pruneBefore(upstream: number): void {
    if (this.length === 0 || upstream <= this.u(0)) return;
    const keepFrom = this.lastAtOrBefore(upstream);
    if (keepFrom > 0) this.dropOldest(keepFrom);
  }

  private dropOldest(count: number): void {
    const newestDropped = count - 1;
    this.history.push(this.u(newestDropped), this.d(newestDropped));
    if (this.history.length > HISTORY * 2) this.history.splice(0, 2);
    this.pairs.copyWithin(0, count * 2, this.length * 2);
    this.length -= count;
  }

  private u(i: number): number {
    return this.pairs[i * 2]!;
  }

  private d(i: number): number {
    return this.pairs[i * 2 + 1]!;
  }

  /** Index of the newest sync with upstream ≤ offset (requires u(0) ≤ offset). */
  private lastAtOrBefore(offset: number): number {
    let lo = 0;
    let hi = this.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.u(mid) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Index of the first sync with upstream ≥ offset (length when none). */
  private firstAtOrAfter(offset: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.u(mid) < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** Default bound per partition: 16 bytes a sync, so at most 1 MiB per partition. */
export const DEFAULT_MAX_SYNCS_PER_PARTITION = 65_536;

export class OffsetSyncStore {
  private readonly partitions = new Map<string, Map<number, PartitionSyncs>>();

  constructor(private readonly maxSyncsPerPartition = DEFAULT_MAX_SYNCS_PER_PARTITION) {
    if (maxSyncsPerPartition < 4) throw new RangeError('maxSyncsPerPartition must be at least 4');
  }

  /** Records a sync of source partition topic-partition (syncs of a partition arrive in acknowledgement order). */
  add(topic: string, partition: number, upstream: number, downstream: number): void {
    let byPartition = this.partitions.get(topic);
    if (!byPartition) this.partitions.set(topic, byPartition = new Map());
    let syncs = byPartition.get(partition);
    if (!syncs) byPartition.set(partition, syncs = new PartitionSyncs(this.maxSyncsPerPartition));
    syncs.add(upstream, downstream);
  }

  /**
   * Where a consumer whose committed source offset is `offset` resumes on the target; undefined
   * when no sync of the partition at or before `offset` is known (MM2 emits no checkpoint then either).
   */
  translate(topic: string, partition: number, offset: number): Translation | undefined {
    return this.partitions.get(topic)?.get(partition)?.translate(offset);
  }

  /** The newest known (upstream, downstream) pair of the partition, or undefined. */
  tail(topic: string, partition: number): { upstream: number; downstream: number } | undefined {
    const syncs = this.partitions.get(topic)?.get(partition);
    return syncs && syncs.tailUpstream >= 0 ? { upstream: syncs.tailUpstream, downstream: syncs.tailDownstream } : undefined;
  }

  /** Forgets syncs only offsets below `upstream` would need: call with the lowest offset any group has committed. */
  pruneBefore(topic: string, partition: number, upstream: number): void {
    this.partitions.get(topic)?.get(partition)?.pruneBefore(upstream);
  }

  /** Syncs kept, over all partitions (the store's memory is 16 bytes each). */
  get size(): number {
    let n = 0;
    for (const byPartition of this.partitions.values()) for (const syncs of byPartition.values()) n += syncs.size;
    return n;
  }
}

/**
 * MM2's translation (OffsetSyncStore.translateDownstream) from the syncs MM2 would keep: the
 * newest sync s with s.upstream ≤ offset; s.downstream if equal, else s.downstream + 1. Used by
 * tests and benchmarks to compare kmirror's exactness with MM2's on the same data.
 */
export function mm2Translate(syncs: readonly (readonly [number, number])[], offset: number): number {
  let best: readonly [number, number] | undefined;
  for (const sync of syncs) if (sync[0] <= offset && (best === undefined || sync[0] >= best[0])) best = sync;
  if (best === undefined) return -1;
  return best[0] === offset ? best[1] : best[1] + 1;
}

/**
 * The syncs MM2's MirrorSourceTask would emit for an acknowledged stream of (upstream, downstream)
 * pairs (mm2-internals §4): first record, downstream ≥ offset.lag.max past the last sync, a gap
 * upstream, or the downstream going backwards.
 */
export function mm2Syncs(pairs: readonly (readonly [number, number])[], offsetLagMax: number): [number, number][] {
  const out: [number, number][] = [];
  let prevU = -1;
  let prevD = -1;
  let lastSyncD = -1;
  for (const [u, d] of pairs) {
    if (prevU < 0 || d - (lastSyncD + 1) >= offsetLagMax || u - prevU !== 1 || d < prevD) {
      out.push([u, d]);
      lastSyncD = d;
    }
    prevU = u;
    prevD = d;
  }
  return out;
}
