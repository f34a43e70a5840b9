/**
 * A fake EngineView for the sidecar's tests: plain data the test can change, and a record of the
 * operator actions the sidecar asked for. No engine, no Kafka.
 */
import type {
  CheckpointFlowStatus, EngineView, FlowStatus, GroupTranslation, HeartbeatStatus, PartitionStatus, Readiness,
} from '../../../src/engine/view.js';

export function partition(overrides: Partial<PartitionStatus> & Pick<PartitionStatus, 'topic' | 'partition'>): PartitionStatus {
  return {
    remoteTopic: `A.${overrides.topic}`,
    status: 'RUNNING',
    position: 100,
    committed: 90,
    produced: 100,
    failedAt: -1,
    failure: '',
    writtenPastFailure: 0,
    lastTargetOffset: 99,
    lastTimestamp: 1_700_000_000_000,
    records: 100,
    bytes: 10_000,
    inFlight: 0,
    latencySumMs: 0,
    latencyMaxMs: 0,
    latencyBuckets: [],
    ageBuckets: [],
    ageSumMs: 0,
    highWatermark: 150,
    lowWatermark: 0,
    shard: 0,
    shardGeneration: 1,
    lostRecords: 0,
    ...overrides,
  };
}

export function flow(overrides: Partial<FlowStatus> = {}): FlowStatus {
  return {
    flow: 'A->B',
    source: 'A',
    target: 'B',
    topics: [{ source: 'orders', remote: 'A.orders', partitions: 3, state: 'REPLICATING', failedAttempts: 0 }],
    partitions: [
      partition({ topic: 'orders', partition: 0 }),
      partition({ topic: 'orders', partition: 1, shard: 1, position: 150 }),
      partition({ topic: 'orders', partition: 2, shard: 1, position: -1, committed: -1, highWatermark: -1, lastTimestamp: -1 }),
    ],
    shards: [{ index: 0, generation: 1, running: true, utilisation: 0.25 }, { index: 1, generation: 1, running: true, utilisation: 0.5 }],
    ...overrides,
  };
}

export const TRANSLATION: GroupTranslation = {
  group: 'billing',
  source: 'A',
  target: 'B',
  partitions: [
    { topic: 'A.orders', partition: 0, offset: 42, upstreamTopic: 'orders', upstreamOffset: 40, metadata: '' },
    // Offsets beyond 2^32 must survive int64 encoding.
    { topic: 'A.orders', partition: 1, offset: 6_000_000_000, upstreamTopic: 'orders', upstreamOffset: 6_000_000_007, metadata: 'm' },
  ],
};

export const CHECKPOINTS: CheckpointFlowStatus = {
  flow: 'A->B',
  lastEmitMs: 1_700_000_000_000,
  emitted: 12,
  lastLatencyMs: 35,
  groups: [{
    flow: 'A->B',
    source: 'A',
    target: 'B',
    group: 'billing',
    sync: { state: 'SYNCED', atMs: 1_700_000_000_000 },
    partitions: [
      { topic: 'orders', partition: 0, remoteTopic: 'A.orders', upstreamOffset: 40, downstreamOffset: 42, metadata: '',
        lastEmitted: { upstreamOffset: 30, downstreamOffset: 32, atMs: 1_699_999_990_000 }, reread: 10, skipped: 0, unreplicated: 0 },
      { topic: 'orders', partition: 1, remoteTopic: 'A.orders', upstreamOffset: 7, downstreamOffset: -1, metadata: '',
        reread: 0, skipped: 0, unreplicated: 3 },
    ],
  }],
};

export const HEARTBEATS: HeartbeatStatus[] = [
  { flow: 'A->B', upstream: 'A', target: 'B', lastEmittedMs: 1_700_000_000_000, lastReplicatedMs: 1_699_999_999_000 },
  { flow: 'B->A', upstream: 'B', target: 'A', lastEmittedMs: -1, lastReplicatedMs: -1 },
];

export class FakeView implements EngineView {
  flows: FlowStatus[] = [flow()];
  ready: Readiness = { ready: true, reasons: [] };
  checkpointStatus: CheckpointFlowStatus[] = [CHECKPOINTS];
  heartbeatStatus: HeartbeatStatus[] = HEARTBEATS;
  translations = new Map<string, GroupTranslation[]>([['billing', [TRANSLATION, { ...TRANSLATION, source: 'C', partitions: [] }]]]);
  readonly actions: { action: 'pause' | 'resume'; flow: string; topic: string; partition: number }[] = [];
  readonly translateCalls: { group: string; source?: string; target?: string }[] = [];

  status(): readonly FlowStatus[] {
    return this.flows;
  }

  readiness(): Readiness {
    return this.ready;
  }

  checkpoints(): readonly CheckpointFlowStatus[] {
    return this.checkpointStatus;
  }

  heartbeats(): readonly HeartbeatStatus[] {
    return this.heartbeatStatus;
  }

  translate(group: string, source?: string, target?: string): readonly GroupTranslation[] {
    this.translateCalls.push({ group, ...(source !== undefined && { source }), ...(target !== undefined && { target }) });
    return (this.translations.get(group) ?? [])
      .filter((t) => (source === undefined || t.source === source) && (target === undefined || t.target === target));
  }

  pausePartition(flowName: string, topic: string, partitionId: number): boolean {
    return this.act('pause', flowName, topic, partitionId);
  }

  resumePartition(flowName: string, topic: string, partitionId: number): boolean {
    return this.act('resume', flowName, topic, partitionId);
  }

  private act(action: 'pause' | 'resume', flowName: string, topic: string, partitionId: number): boolean {
    this.actions.push({ action, flow: flowName, topic, partition: partitionId });
    return this.flows.some((f) => f.flow === flowName && f.partitions.some((p) => p.topic === topic && p.partition === partitionId));
  }
}
