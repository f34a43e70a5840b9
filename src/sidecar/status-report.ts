/**
 * What `GET /status` answers: the engine's snapshots (EngineView) shaped for operators, with the
 * questions of MM2's runbook answered directly (is the flow running, which tasks/shards, total
 * lag, is it zero, are heartbeats arriving, what would fail-over lose).
 *
 * Conventions of the HTTP answer: offsets and times the engine does not know (-1 inside the
 * engine) are null; times are epoch milliseconds (`…Ms`) or ages in milliseconds (`…AgeMs`).
 * Only this process's share of a flow is shown: several processes with the same mm2.properties
 * split a flow's partitions, and each sidecar reports the partitions assigned to it.
 */
import type {
  CheckpointFlowStatus, EngineView, FlowStatus, GroupCheckpointStatus, HeartbeatStatus, PartitionStatus, Readiness,
} from '../engine/view.js';

export type PartitionState = 'RUNNING' | 'ISOLATING' | 'PAUSED' | 'WAITING' | 'FAILED';

/**
 * A flow's state in Connect's words (what `/connectors/<name>/status` says for MM2): FAILED when a
 * shard is down or a partition FAILED, DEGRADED when something waits or is retried (topic refresh,
 * remote topic creation, a position that cannot be read), PAUSED when every partition is paused.
 */
export type FlowState = 'RUNNING' | 'DEGRADED' | 'FAILED' | 'PAUSED';

export interface PartitionReport {
  readonly topic: string;
  readonly remoteTopic: string;
  readonly partition: number;
  readonly status: PartitionState;
  /** Why the partition is not RUNNING, else null. */
  readonly reason: string | null;
  /** The source offset of the record the target refused (FAILED), else null. */
  readonly failedAt: number | null;
  /** Next source offset to copy (everything below is on the target), and the last one stored on the target. */
  readonly position: number | null;
  readonly committed: number | null;
  readonly highWatermark: number | null;
  readonly lowWatermark: number | null;
  /** Records on the source not copied yet: highWatermark − position, when both are known. */
  readonly lag: number | null;
  /** CreateTime of the newest record copied. */
  readonly lastRecordTimestampMs: number | null;
  readonly records: number;
  readonly bytes: number;
  readonly inFlight: number;
  /** Records deleted at the source before they were copied (data loss), since this process started. */
  readonly lostRecords: number;
  /** Records that reached the target after a refused one: an invariant says 0 (reported as a problem if not). */
  readonly writtenPastFailure: number;
  readonly shard: number;
}

export interface FlowReport {
  readonly flow: string;
  readonly source: string;
  readonly target: string;
  readonly state: FlowState;
  /** One line per thing that is not as it should be; empty when RUNNING. */
  readonly problems: readonly string[];
  /** Sum of the partitions' lag where known, and how many partitions have no known lag yet. */
  readonly lag: number;
  readonly lagUnknownPartitions: number;
  /** Every partition here has a known lag of 0: what a planned fail-over waits for. */
  readonly caughtUp: boolean;
  readonly lostRecords: number;
  readonly partitionCounts: Readonly<Record<PartitionState, number>>;
  readonly topics: FlowStatus['topics'];
  readonly shards: readonly ShardReport[];
  readonly partitions: readonly PartitionReport[];
  readonly lastRefreshError: string | null;
  readonly checkpoints: CheckpointsReport | null;
  readonly heartbeat: HeartbeatReport | null;
}

export interface ShardReport {
  readonly index: number;
  readonly running: boolean;
  readonly utilisation: number;
  /** Partitions this shard copies. */
  readonly partitions: number;
  readonly clients: FlowStatus['shards'][number]['clients'] | null;
}

export interface GroupReport {
  readonly group: string;
  readonly sync: { readonly state: GroupCheckpointStatus['sync']['state']; readonly reason: string | null; readonly atMs: number | null };
  /** Fail-over exposure now, summed over the group's partitions (see GroupPartitionCheckpoint). */
  readonly reread: number;
  readonly skipped: number;
  readonly unreplicated: number;
  readonly partitions: readonly {
    readonly topic: string;
    readonly partition: number;
    readonly remoteTopic: string;
    readonly upstreamOffset: number;
    readonly downstreamOffset: number | null;
    readonly metadata: string;
    readonly lastEmitted: { readonly upstreamOffset: number; readonly downstreamOffset: number; readonly atMs: number } | null;
    readonly reread: number;
    readonly skipped: number;
    readonly unreplicated: number;
  }[];
}

export interface CheckpointsReport {
  readonly lastEmitMs: number | null;
  readonly lastEmitAgeMs: number | null;
  readonly emitted: number;
  readonly lastLatencyMs: number;
  readonly lastError: string | null;
  readonly groups: readonly GroupReport[];
}

export interface HeartbeatReport {
  readonly flow: string;
  readonly upstream: string;
  readonly target: string;
  readonly lastEmittedMs: number | null;
  readonly lastEmittedAgeMs: number | null;
  /** The newest heartbeat replicated from upstream: end-to-end proof that records flow. */
  readonly lastReplicatedMs: number | null;
  readonly lastReplicatedAgeMs: number | null;
}

export interface StatusReport extends Readiness {
  readonly atMs: number;
  readonly flows: readonly FlowReport[];
  /** Every pair this process emits heartbeats for, heartbeat-only pairs included. */
  readonly heartbeats: readonly HeartbeatReport[];
}

const known = (n: number): number | null => (n >= 0 ? n : null);
const ageOf = (ms: number, now: number): number | null => (ms >= 0 ? Math.max(0, now - ms) : null);

export function partitionReport(p: PartitionStatus): PartitionReport | undefined {
  if (p.status === 'REVOKED') return undefined;
  const position = known(p.position);
  const highWatermark = known(p.highWatermark);
  return {
    topic: p.topic,
    remoteTopic: p.remoteTopic,
    partition: p.partition,
    status: p.status,
    reason: p.failure === '' ? null : p.failure,
    failedAt: p.status === 'FAILED' ? known(p.failedAt) : null,
    position,
    committed: known(p.committed),
    highWatermark,
    lowWatermark: known(p.lowWatermark),
    lag: position !== null && highWatermark !== null ? Math.max(0, highWatermark - position) : null,
    lastRecordTimestampMs: known(p.lastTimestamp),
    records: p.records,
    bytes: p.bytes,
    inFlight: p.inFlight,
    lostRecords: p.lostRecords,
    writtenPastFailure: p.writtenPastFailure,
    shard: p.shard,
  };
}

export function heartbeatReport(h: HeartbeatStatus, now: number): HeartbeatReport {
  return {
    flow: h.flow,
    upstream: h.upstream,
    target: h.target,
    lastEmittedMs: known(h.lastEmittedMs),
    lastEmittedAgeMs: ageOf(h.lastEmittedMs, now),
    lastReplicatedMs: known(h.lastReplicatedMs),
    lastReplicatedAgeMs: ageOf(h.lastReplicatedMs, now),
  };
}

export function checkpointsReport(c: CheckpointFlowStatus, now: number): CheckpointsReport {
  return {
    lastEmitMs: known(c.lastEmitMs),
    lastEmitAgeMs: ageOf(c.lastEmitMs, now),
    emitted: c.emitted,
    lastLatencyMs: c.lastLatencyMs,
    lastError: c.lastError ?? null,
    groups: c.groups.map((g) => ({
      group: g.group,
      sync: { state: g.sync.state, reason: g.sync.reason ?? null, atMs: g.sync.atMs ?? null },
      reread: g.partitions.reduce((sum, p) => sum + p.reread, 0),
      skipped: g.partitions.reduce((sum, p) => sum + p.skipped, 0),
      unreplicated: g.partitions.reduce((sum, p) => sum + p.unreplicated, 0),
      partitions: g.partitions.map((p) => ({
        topic: p.topic,
        partition: p.partition,
        remoteTopic: p.remoteTopic,
        upstreamOffset: p.upstreamOffset,
        downstreamOffset: known(p.downstreamOffset),
        metadata: p.metadata,
        lastEmitted: p.lastEmitted ? { ...p.lastEmitted } : null,
        reread: p.reread,
        skipped: p.skipped,
        unreplicated: p.unreplicated,
      })),
    })),
  };
}

/** The state of a flow, and the reasons when it is not RUNNING. */
function assess(flow: FlowStatus, partitions: readonly PartitionReport[], checkpoints: CheckpointsReport | null): {
  state: FlowState; problems: string[];
} {
  const failed: string[] = [];
  const degraded: string[] = [];
  if (flow.groupConflict !== undefined) failed.push(flow.groupConflict);
  for (const shard of flow.shards) if (!shard.running && flow.groupConflict === undefined) failed.push(`shard ${shard.index} is not running`);
  const byStatus = (status: PartitionState) => partitions.filter((p) => p.status === status);
  const describe = (list: readonly PartitionReport[], what: string) => {
    const first = list[0]!;
    const at = first.failedAt !== null ? ` at offset ${first.failedAt}` : '';
    const more = list.length > 1 ? ` and ${list.length - 1} more` : '';
    return `${list.length} partition(s) ${what}: ${first.topic}-${first.partition}${at}${first.reason ? ` (${first.reason})` : ''}${more}`;
  };
  const failedPartitions = byStatus('FAILED');
  if (failedPartitions.length > 0) failed.push(describe(failedPartitions, 'FAILED'));
  const waiting = byStatus('WAITING');
  if (waiting.length > 0) degraded.push(describe(waiting, 'WAITING'));
  const isolating = byStatus('ISOLATING');
  if (isolating.length > 0) degraded.push(describe(isolating, 'ISOLATING'));
  if (flow.lastRefreshError !== undefined) degraded.push(`topic refresh failed: ${flow.lastRefreshError}`);
  for (const topic of flow.topics) {
    if (topic.state === 'CREATE_FAILED') degraded.push(`remote topic ${topic.remote} cannot be created: ${topic.reason ?? 'refused'}`);
    if (topic.state === 'SOURCE_ERROR') degraded.push(`source topic ${topic.source}: ${topic.reason ?? 'error'}`);
  }
  if (checkpoints?.lastError) degraded.push(`checkpoints: ${checkpoints.lastError}`);
  if (flow.aclSyncError !== undefined) degraded.push(`ACL sync: ${flow.aclSyncError}`);
  const past = partitions.filter((p) => p.writtenPastFailure > 0);
  if (past.length > 0) {
    failed.push(`${past.length} partition(s) had records reach the target after a refused record: ` +
      `${past[0]!.topic}-${past[0]!.partition} (${past[0]!.writtenPastFailure} records)`);
  }
  const lost = partitions.reduce((sum, p) => sum + p.lostRecords, 0);
  const notes = lost > 0 ? [`${lost} record(s) were deleted at the source before they were copied (lostRecords)`] : [];
  const problems = [...failed, ...degraded, ...notes];
  if (failed.length > 0) return { state: 'FAILED', problems };
  if (degraded.length > 0) return { state: 'DEGRADED', problems };
  if (partitions.length > 0 && partitions.every((p) => p.status === 'PAUSED')) return { state: 'PAUSED', problems };
  return { state: 'RUNNING', problems };
}

export function flowReport(flow: FlowStatus, checkpoints: CheckpointFlowStatus | undefined, heartbeat: HeartbeatStatus | undefined,
  now: number): FlowReport {
  const partitions = flow.partitions.flatMap((p) => partitionReport(p) ?? []);
  const checkpointReport = checkpoints ? checkpointsReport(checkpoints, now) : null;
  const { state, problems } = assess(flow, partitions, checkpointReport);
  const counts = { RUNNING: 0, ISOLATING: 0, PAUSED: 0, WAITING: 0, FAILED: 0 };
  for (const p of partitions) counts[p.status]++;
  const lags = partitions.map((p) => p.lag);
  const lag = lags.reduce<number>((sum, l) => sum + (l ?? 0), 0);
  const lagUnknownPartitions = lags.filter((l) => l === null).length;
  return {
    flow: flow.flow,
    source: flow.source,
    target: flow.target,
    state,
    problems,
    lag,
    lagUnknownPartitions,
    caughtUp: partitions.length > 0 && lagUnknownPartitions === 0 && lag === 0,
    lostRecords: partitions.reduce((sum, p) => sum + p.lostRecords, 0),
    partitionCounts: counts,
    topics: flow.topics,
    shards: flow.shards.map((s) => ({
      index: s.index,
      running: s.running,
      utilisation: s.utilisation,
      partitions: partitions.filter((p) => p.shard === s.index).length,
      clients: s.clients ?? null,
    })),
    partitions,
    lastRefreshError: flow.lastRefreshError ?? null,
    checkpoints: checkpointReport,
    heartbeat: heartbeat ? heartbeatReport(heartbeat, now) : null,
  };
}

/** Everything `GET /status` shows, read once from the view. */
export function statusReport(view: EngineView, now = Date.now()): StatusReport {
  const readiness = view.readiness();
  const checkpoints = view.checkpoints();
  const heartbeats = view.heartbeats();
  return {
    ready: readiness.ready,
    reasons: readiness.reasons,
    atMs: now,
    flows: view.status().map((flow) => flowReport(flow,
      checkpoints.find((c) => c.flow === flow.flow), heartbeats.find((h) => h.flow === flow.flow), now)),
    heartbeats: heartbeats.map((h) => heartbeatReport(h, now)),
  };
}

/** One flow's report, or undefined when this process runs no such flow. */
export function flowStatusReport(view: EngineView, name: string, now = Date.now()): FlowReport | undefined {
  const flow = view.status().find((f) => f.flow === name);
  if (!flow) return undefined;
  return flowReport(flow, view.checkpoints().find((c) => c.flow === name), view.heartbeats().find((h) => h.flow === name), now);
}
