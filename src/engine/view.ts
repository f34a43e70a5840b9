/**
 * What the engine shows the outside (the sidecar's HTTP routes and the Prometheus metrics):
 * read-only snapshots from memory plus the few operator actions. The sidecar depends on this
 * interface only, so it can be tested with a fake and never reaches into engine internals.
 */
import type { FlowStatus } from './flow-runner.js';

export type { FlowStatus, PartitionStatus } from './flow-runner.js';

/** Upper bounds (ms) of the latency/age histogram buckets the shards count in; +Inf is implied. */
export const LATENCY_BUCKETS_MS: readonly number[] = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000];

export interface Readiness {
  /** True when every enabled flow has all its shards running, its topics refreshed and no partition WAITING for a position. */
  readonly ready: boolean;
  /** Why not, one line each (empty when ready). */
  readonly reasons: readonly string[];
}

/** One partition of one source consumer group, as the checkpoint emitter last saw and translated it. */
export interface GroupPartitionCheckpoint {
  /** Source topic and partition. */
  readonly topic: string;
  readonly partition: number;
  /** Topic name on the target (the replication policy's remote name). */
  readonly remoteTopic: string;
  /** The group's committed offset on the source when last read. */
  readonly upstreamOffset: number;
  /** Where the group resumes on the target: the exact translation of upstreamOffset, or -1 when it cannot be translated yet. */
  readonly downstreamOffset: number;
  readonly metadata: string;
  /** The last Checkpoint record written for this partition (what MM2 readers and `translateOffsets` see), or undefined. */
  readonly lastEmitted?: { readonly upstreamOffset: number; readonly downstreamOffset: number; readonly atMs: number };
  /**
   * Failover exposure now: a consumer failing over with the last emitted checkpoint would re-read
   * `reread` records / skip `skipped` records compared with the exact position.
   */
  readonly reread: number;
  readonly skipped: number;
  /** Records the group has consumed on the source that are not on the target yet (lost on failover now). */
  readonly unreplicated: number;
}

export type GroupSyncState =
  /** sync.group.offsets.enabled=false. */
  | 'DISABLED'
  /** Translated offsets committed to the (empty or absent) target group. */
  | 'SYNCED'
  /** The target group has active members: offsets not written, reported instead. */
  | 'ACTIVE_ON_TARGET'
  | 'ERROR';

export interface GroupCheckpointStatus {
  readonly flow: string;
  readonly source: string;
  readonly target: string;
  readonly group: string;
  readonly partitions: readonly GroupPartitionCheckpoint[];
  readonly sync: { readonly state: GroupSyncState; readonly reason?: string; readonly atMs?: number };
}

export interface CheckpointFlowStatus {
  readonly flow: string;
  readonly groups: readonly GroupCheckpointStatus[];
  /** Epoch ms of the last successful emit round, or -1. */
  readonly lastEmitMs: number;
  /** Checkpoint records written since start, and the latency of the last round (ms from reading group offsets to the target's ack). */
  readonly emitted: number;
  readonly lastLatencyMs: number;
  readonly lastError?: string;
}

export interface HeartbeatStatus {
  readonly flow: string;
  /** The cluster heartbeats arrive from. */
  readonly upstream: string;
  readonly target: string;
  /** Epoch ms of the last heartbeat this process wrote to the target for the pair, or -1. */
  readonly lastEmittedMs: number;
  /** Epoch ms (record timestamp) of the newest heartbeat replicated from upstream's heartbeats topic, or -1. */
  readonly lastReplicatedMs: number;
}

/** A group's offsets translated to one target, answered from memory. */
export interface GroupTranslation {
  readonly group: string;
  readonly source: string;
  readonly target: string;
  readonly partitions: readonly {
    readonly topic: string; // remote topic on the target
    readonly partition: number;
    readonly offset: number; // next offset to consume on the target
    readonly upstreamTopic: string;
    readonly upstreamOffset: number;
    readonly metadata: string;
  }[];
}

export interface EngineView {
  status(): readonly FlowStatus[];
  readiness(): Readiness;
  checkpoints(): readonly CheckpointFlowStatus[];
  heartbeats(): readonly HeartbeatStatus[];
  /** The group's translation to each target it is checkpointed to (filtered by source/target when given); empty when unknown. */
  translate(group: string, source?: string, target?: string): readonly GroupTranslation[];
  /** Operator actions; false when no such flow/partition is assigned here. */
  resumePartition(flow: string, topic: string, partition: number): boolean;
  pausePartition(flow: string, topic: string, partition: number): boolean;
}
