import type { FlowConfig } from '../config/mirror-config.js';
import { toRdkafkaSettings } from '../kafka/client-config.js';
import { InternalProducer } from '../kafka/internal-producer.js';
import type { Logger } from '../log.js';
import { OffsetSync } from '../mirror-client/offset-sync.js';
import { Admin, type NativeAdmin, type PartitionSyncs, type RdkafkaSettings } from '../native/addon.js';
import type { ReplicationPolicy } from '../policy/index.js';
import { ensureInternalTopic } from './internal-topics.js';

/** Syncs waiting for the offset-syncs topic beyond this are dropped, oldest first, with an error log. */
const MAX_PENDING = 200_000;

/** Where a flow's offset syncs live (MM2's `offset-syncs.topic.location`). */
export interface OffsetSyncsLocation {
  readonly topic: string;
  /** source: on the source cluster, named after the target; target: on the target, named after the source. */
  readonly cluster: 'source' | 'target';
  readonly consumer: RdkafkaSettings;
  readonly producer: RdkafkaSettings;
  readonly admin: RdkafkaSettings;
}

export function offsetSyncsLocation(flow: FlowConfig, policy: ReplicationPolicy): OffsetSyncsLocation {
  const onSource = flow.settings['offset-syncs.topic.location'] === 'source';
  const { clients } = flow;
  return {
    topic: policy.offsetSyncsTopic(onSource ? flow.target : flow.source),
    cluster: onSource ? 'source' : 'target',
    consumer: toRdkafkaSettings(onSource ? clients.sourceConsumer : clients.targetConsumer).settings,
    producer: toRdkafkaSettings(onSource ? clients.sourceProducer : clients.targetProducer).settings,
    admin: toRdkafkaSettings(onSource ? clients.sourceAdmin : clients.targetAdmin).settings,
  };
}

/**
 * Writes the shards' offset syncs as MM2 OffsetSync records (partition 0 of the offset-syncs
 * topic, created compacted when missing). Syncs of one partition keep their order: one producer,
 * one topic partition, idempotent, one batch in flight at a time. When the cluster is unreachable
 * syncs queue up (bounded) and are sent once it is back.
 */
export class OffsetSyncWriter {
  private readonly producer: InternalProducer;
  private readonly admin: NativeAdmin;
  private pending: { key: Buffer; value: Buffer }[] = [];
  private sending: Promise<void> | undefined;
  private topicReady = false;
  private lastError: string | undefined;
  private dropped = 0;
  /** Syncs the cluster acknowledged since start. */
  written = 0;

  constructor(private readonly deps: { flow: FlowConfig; location: OffsetSyncsLocation; log: Logger }) {
    this.producer = new InternalProducer(deps.location.producer, `kmirror-${deps.flow.name}-offset-syncs`);
    this.admin = new Admin(deps.location.admin, `${deps.flow.name} offset-syncs admin`);
  }

  add(batch: readonly PartitionSyncs[]): void {
    for (const { topic, partition, syncs } of batch) {
      for (let i = 0; i + 1 < syncs.length; i += 2) {
        const sync = new OffsetSync({ topicPartition: { topic, partition }, upstreamOffset: syncs[i]!, downstreamOffset: syncs[i + 1]! });
        this.pending.push({ key: sync.recordKey(), value: sync.recordValue() });
      }
    }
    if (this.pending.length > MAX_PENDING) {
      const excess = this.pending.length - MAX_PENDING;
      this.pending.splice(0, excess);
      this.dropped += excess;
      this.deps.log.error({ flow: this.deps.flow.name, topic: this.deps.location.topic, dropped: this.dropped },
        'offset syncs dropped while the offset-syncs topic was unreachable: checkpoints for older offsets may be missing until groups move on');
    }
    this.sending ??= this.drain().finally(() => {
      this.sending = undefined;
    });
  }

  private async drain(): Promise<void> {
    const { flow, location, log } = this.deps;
    while (this.pending.length > 0) {
      const batch = this.pending.slice(0, 10_000);
      try {
        if (!this.topicReady) await this.ensureTopic();
        await this.producer.sendAll(location.topic, 0, batch);
        this.pending.splice(0, batch.length);
        this.written += batch.length;
        if (this.lastError) log.info({ flow: flow.name, topic: location.topic }, 'offset syncs written again');
        this.lastError = undefined;
      } catch (err) {
        const message = (err as Error).message;
        if (message !== this.lastError) log.warn({ flow: flow.name, topic: location.topic, err: message }, 'cannot write offset syncs; retrying');
        this.lastError = message;
        this.topicReady = false;
        return; // the next add() tries again
      }
    }
  }

  private async ensureTopic(): Promise<void> {
    const { flow, location } = this.deps;
    await ensureInternalTopic(this.admin, location.topic, flow.settings['offset-syncs.topic.replication.factor'],
      flow.settings['admin.timeout.ms'], location.cluster);
    this.topicReady = true;
  }

  /** Sends what is pending (best effort, bounded by the producer's timeouts), then closes. */
  async close(): Promise<void> {
    await this.sending;
    if (this.pending.length > 0) await this.drain();
    await this.producer.close();
    this.admin.close();
  }
}
