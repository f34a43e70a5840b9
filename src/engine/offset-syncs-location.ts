import type { FlowConfig } from '../config/mirror-config.js';
import { toRdkafkaSettings } from '../kafka/client-config.js';
import type { RdkafkaSettings } from '../native/addon.js';
import type { ReplicationPolicy } from '../policy/index.js';

/**
 * Where a flow's offset syncs live (MM2's `offset-syncs.topic.location`), with the client settings
 * of that cluster: the shards write there (native/src/shard.cc), the checkpoint emitter reads there.
 */
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
