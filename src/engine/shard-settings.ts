import { createHash } from 'node:crypto';
import type { FlowConfig } from '../config/mirror-config.js';
import { toRdkafkaSettings } from '../kafka/client-config.js';
import type { ShardOptions, TopicRoute } from '../native/addon.js';
import type { OffsetSyncsLocation } from './offset-syncs-location.js';
import { LATENCY_BUCKETS_MS } from './view.js';

/**
 * The consumer group a flow's shards join on the source cluster to share its partitions
 * (several kmirror processes with the same config form one group), and, on the target, the
 * group whose committed offsets are the flow's replication positions: `kmirror.source.group.id`,
 * or `kmirror.<source>-><target>` when it is not set.
 */
export function flowGroupId(flow: Pick<FlowConfig, 'source' | 'target'> & { readonly settings?: { readonly 'kmirror.source.group.id': string } }): string {
  const configured = flow.settings?.['kmirror.source.group.id'] ?? '';
  return configured !== '' ? configured : `kmirror.${flow.source}->${flow.target}`;
}

/**
 * What members of one flow's group must agree on — the target, what is selected, how it is
 * named — as a short hash carried in each source consumer's client.id (`…@<fingerprint>`), so a
 * process can see, before it joins, that the group is used by a different flow.
 */
export function flowFingerprint(flow: FlowConfig): string {
  const s = flow.settings;
  const target = (flow.clients.targetProducer['bootstrap.servers'] ?? '').split(',').map((b) => b.trim()).sort().join(',');
  return createHash('sha256').update(JSON.stringify([flow.source, flow.target, target, s.topics, s['topics.exclude'],
    s['replication.policy.class'], s['replication.policy.separator']])).digest('hex').slice(0, 12);
}

/** The client.id of a flow's source consumers: `kmirror-<flow>-<shard>@<fingerprint>`. */
export function shardClientId(flow: FlowConfig, index: number): string {
  return `kmirror-${flow.name}-${index}@${flowFingerprint(flow)}`;
}

/** Settings kmirror picks unless mm2.properties sets them. */
const CONSUMER_DEFAULTS: Readonly<Record<string, string>> = {
  // Bounds memory: records stay referenced until the target acknowledges them. librdkafka applies
  // this per partition, so a shard holds at most (its partitions × this) of fetched records.
  // Throughput first; see BENCHMARKS.md for the memory these cost and smaller settings.
  'queued.max.messages.kbytes': '32768',
  'fetch.wait.max.ms': '100',
  'partition.assignment.strategy': 'cooperative-sticky',
  // Fetch queues, round-trip times: reported per shard (metrics, /status).
  'statistics.interval.ms': '5000',
};

const PRODUCER_DEFAULTS: Readonly<Record<string, string>> = {
  'enable.idempotence': 'true',
  acks: 'all',
  'linger.ms': '10',
  'batch.size': '1000000',
  'batch.num.messages': '100000',
  // The producer's share of that memory: records handed over and not yet acknowledged.
  'queue.buffering.max.kbytes': '65536',
  // Never give up on a record: a target outage shows as lag, not as loss (MM2: delivery.timeout.ms=MAX).
  'message.timeout.ms': '0',
  'statistics.interval.ms': '5000',
};

export function shardOptions(flow: FlowConfig, index: number, topics: readonly TopicRoute[], offsetSyncs?: OffsetSyncsLocation): ShardOptions {
  const group = flowGroupId(flow);
  const consumer = toRdkafkaSettings(flow.clients.sourceConsumer).settings;
  const startAtEnd = (consumer['auto.offset.reset'] ?? 'earliest').toLowerCase() === 'latest';
  delete consumer['auto.offset.reset']; // the shard resolves starting points itself
  const positions = toRdkafkaSettings(flow.clients.targetConsumer).settings;
  delete positions['auto.offset.reset'];
  // The fetcher learns about new source partitions from its own metadata refreshes: no less
  // often than kmirror looks for them, so new partitions are copied soon after they are mirrored.
  const metadataRefresh = String(Math.min(300_000, flow.settings['refresh.topics.interval.seconds'] * 1000));
  const producer = toRdkafkaSettings(flow.clients.targetProducer).settings;
  return {
    name: `${flow.name}#${index}`,
    consumer: { ...CONSUMER_DEFAULTS, 'topic.metadata.refresh.interval.ms': metadataRefresh, ...consumer,
      'group.id': group, 'client.id': shardClientId(flow, index) },
    producer: { ...PRODUCER_DEFAULTS, 'topic.metadata.refresh.interval.ms': metadataRefresh, ...producer, 'client.id': `kmirror-${flow.name}-${index}` },
    positions: { ...positions, 'group.id': group, 'client.id': `kmirror-${flow.name}-${index}-positions` },
    startAtEnd,
    commitIntervalMs: flow.settings['offset.flush.interval.ms'],
    topics,
    latencyBucketsMs: LATENCY_BUCKETS_MS,
    // Large records replicate without tuning, unless mm2.properties caps the producer itself.
    followTopicLimits: producer['message.max.bytes'] === undefined,
    emitOffsetSyncs: flow.settings['emit.offset-syncs.enabled'],
    offsetLagMax: flow.settings['offset.lag.max'],
    ...(offsetSyncs && flow.settings['emit.offset-syncs.enabled'] && {
      offsetSyncs: { topic: offsetSyncs.topic, producer: { ...offsetSyncs.producer, 'client.id': `kmirror-${flow.name}-${index}-offset-syncs` } },
    }),
  };
}
