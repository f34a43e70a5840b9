import type {
  CheckpointFlowStatus, EngineView, FlowStatus, GroupTranslation, HeartbeatStatus, PartitionStatus, Readiness,
} from '../../../src/engine/view.js';
import { LATENCY_BUCKETS_MS } from '../../../src/engine/view.js';
import type { ClientStats } from '../../../src/engine/protocol.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
/** A FlowStatus a test can change in place. */
export type FakeFlow = Omit<Mutable<FlowStatus>, 'partitions'> & { partitions: Mutable<PartitionStatus>[] };

/** An EngineView whose snapshots the test sets directly; counts how often each is read. */
export class FakeView implements EngineView {
  flows: FakeFlow[] = [];
  checkpointFlows: CheckpointFlowStatus[] = [];
  heartbeatStatus: HeartbeatStatus[] = [];
  isReady = true;
  readonly calls = { status: 0, checkpoints: 0, heartbeats: 0, readiness: 0 };

  status(): readonly FlowStatus[] {
    this.calls.status++;
    return this.flows;
  }

  readiness(): Readiness {
    this.calls.readiness++;
    return { ready: this.isReady, reasons: this.isReady ? [] : ['not ready'] };
  }

  checkpoints(): readonly CheckpointFlowStatus[] {
    this.calls.checkpoints++;
    return this.checkpointFlows;
  }

  heartbeats(): readonly HeartbeatStatus[] {
    this.calls.heartbeats++;
    return this.heartbeatStatus;
  }

  translate(): readonly GroupTranslation[] {
    return [];
  }

  resumePartition(): boolean {
    return false;
  }

  pausePartition(): boolean {
    return false;
  }
}

/** Bucket counts (not cumulative) as the shards report them: `{ 10: 3 }` puts 3 records in the ≤ 10 ms bucket; key Infinity is +Inf. */
export function buckets(counts: Readonly<Record<number, number>> = {}): number[] {
  const out = new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0);
  for (const [bound, n] of Object.entries(counts)) {
    const i = bound === 'Infinity' ? LATENCY_BUCKETS_MS.length : LATENCY_BUCKETS_MS.indexOf(Number(bound));
    if (i < 0) throw new Error(`no bucket ${bound}`);
    out[i] = n;
  }
  return out;
}

export function partition(p: Partial<PartitionStatus> & { topic: string; partition: number }): Mutable<PartitionStatus> {
  return {
    remoteTopic: `source.${p.topic}`, status: 'RUNNING', position: 0, committed: 0, produced: 0, failedAt: -1, failure: '', writtenPastFailure: 0,
    lastTargetOffset: -1, lastTimestamp: -1, records: 0, bytes: 0, inFlight: 0, latencySumMs: 0, latencyMaxMs: 0,
    latencyBuckets: buckets(), ageBuckets: buckets(), ageSumMs: 0, highWatermark: -1, lowWatermark: -1, shard: 0, shardGeneration: 1, lostRecords: 0,
    ...p,
  };
}

export function clients(c: Partial<ClientStats> = {}): ClientStats {
  return {
    consumerQueuedBytes: 0, consumerRxBytes: 0, producerQueuedMessages: 0, producerQueuedBytes: 0, producerTxBytes: 0,
    consumerRttMs: 0, producerRttMs: 0, producerTxErrors: 0, producerTxRetries: 0, consumerBrokersUp: 1, producerBrokersUp: 1, ...c,
  };
}

export function flow(f: Partial<FakeFlow> = {}): FakeFlow {
  return {
    flow: 'source->target', source: 'source', target: 'target', topics: [], partitions: [],
    shards: [{ index: 0, generation: 1, running: true, utilisation: 0.25, clients: clients() }], ...f,
  };
}
