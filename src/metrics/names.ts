/**
 * Every metric kmirror exports, in one table: name, type, help text, labels, how the partition
 * label folds away, and the MirrorMaker 2 metric with the same meaning. The collector
 * (collector.ts) creates exactly these, docs/metrics.md is generated from this table, and the
 * Grafana dashboard may only name metrics listed here (both checked by unit tests).
 *
 * Units follow Prometheus conventions (seconds, bytes, `_total` for counters); MM2's `*-ms`
 * figures are exported in seconds with the same meaning.
 */
import type { FlowStatus, GroupSyncState } from '../engine/view.js';

export type MetricType = 'counter' | 'gauge' | 'histogram';

export type LabelName =
  | 'flow' | 'source' | 'target' | 'topic' | 'partition'
  | 'status' | 'state' | 'group' | 'upstream' | 'shard' | 'client' | 'result';

/**
 * How a per-partition metric loses its `partition` label when partition labels are folded:
 * record and byte counts add up (`sum`), times and ages take the largest partition's (`max`).
 * Dashboards aggregate the same way, so they show the same numbers in both modes.
 */
export type Fold = 'sum' | 'max';

export interface MetricDefinition {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  readonly labels: readonly LabelName[];
  /** Present on every metric with a `partition` label. */
  readonly fold?: Fold;
  /** The MM2 metric (JMX group kafka.connect.mirror) with the same meaning; absent for what MM2 lacks. */
  readonly mm2?: string;
}

/** A flow `source->target`. */
const FLOW = ['flow', 'source', 'target'] as const satisfies readonly LabelName[];
/** One source partition; `topic` is the remote topic name (what MM2 tags its metrics with). */
const PARTITION = [...FLOW, 'topic', 'partition'] as const satisfies readonly LabelName[];
/** One partition of one consumer group being checkpointed; `topic` is the remote topic name. */
const GROUP_PARTITION = [...FLOW, 'group', 'topic', 'partition'] as const satisfies readonly LabelName[];
/** One shard (worker thread with its own source consumer and target producer) of a flow. */
const SHARD = [...FLOW, 'shard'] as const satisfies readonly LabelName[];

const MM2_SOURCE = 'kafka.connect.mirror:type=MirrorSourceConnector';
const MM2_CHECKPOINT = 'kafka.connect.mirror:type=MirrorCheckpointConnector';

export const METRICS = {
  // Throughput, latency and record age: MM2's MirrorSourceConnector metrics, same meanings.
  records: {
    name: 'kmirror_records_total', type: 'counter', labels: PARTITION, fold: 'sum',
    help: 'Records replicated: copied to the target and acknowledged by it.',
    mm2: `${MM2_SOURCE} record-count (record-rate: rate())`,
  },
  bytes: {
    name: 'kmirror_bytes_total', type: 'counter', labels: PARTITION, fold: 'sum',
    help: 'Value bytes of the records replicated (keys and headers not counted, as MM2).',
    mm2: `${MM2_SOURCE} byte-count (byte-rate: rate())`,
  },
  recordAge: {
    name: 'kmirror_record_age_seconds', type: 'histogram', labels: PARTITION, fold: 'sum',
    help: 'Record age when fetched from the source: fetch time minus the record timestamp.',
    mm2: `${MM2_SOURCE} record-age-ms (-min/-max/-avg: histogram_quantile())`,
  },
  replicationLatency: {
    name: 'kmirror_replication_latency_seconds', type: 'histogram', labels: PARTITION, fold: 'sum',
    help: 'Replication latency: time the target acknowledged the record minus the record timestamp.',
    mm2: `${MM2_SOURCE} replication-latency-ms (-min/-max/-avg: histogram_quantile())`,
  },

  // Lag and partition state: what MM2 lacks.
  recordLag: {
    name: 'kmirror_record_lag', type: 'gauge', labels: PARTITION, fold: 'sum',
    help: 'Records on the source not yet acknowledged by the target: source log end minus the replication position.',
  },
  timeLag: {
    name: 'kmirror_time_lag_seconds', type: 'gauge', labels: PARTITION, fold: 'max',
    help: 'How far behind in time the target copy is: 0 when caught up, else now minus the timestamp of the newest record replicated (an upper bound after an idle period).',
  },
  partitions: {
    name: 'kmirror_partitions', type: 'gauge', labels: [...PARTITION, 'status'], fold: 'sum',
    help: 'Source partitions copied by this process, by status (RUNNING, ISOLATING, PAUSED, WAITING, FAILED): 1 for the current status and 0 for the others per partition; a count per status when partition labels are folded.',
  },
  lostRecords: {
    name: 'kmirror_lost_records_total', type: 'counter', labels: PARTITION, fold: 'sum',
    help: 'Data loss: records deleted at the source (retention, deleteRecords) before they were replicated, counted exactly. Any increase is a data-loss event.',
  },
  topicState: {
    name: 'kmirror_topic_state', type: 'gauge', labels: [...FLOW, 'topic', 'state'],
    help: 'Remote topics by state (REPLICATING, CREATE_FAILED, SOURCE_ERROR, SOURCE_DELETED): 1 for the current state, 0 for the others.',
  },
  topicRefreshFailing: {
    name: 'kmirror_topic_refresh_failing', type: 'gauge', labels: FLOW,
    help: '1 while the flow\'s last refresh of source and target topic metadata failed, else 0.',
  },

  // Heartbeats.
  heartbeatAge: {
    name: 'kmirror_heartbeat_age_seconds', type: 'gauge', labels: [...FLOW, 'upstream'],
    help: 'Now minus the timestamp of the newest heartbeat replicated from the upstream cluster: end-to-end liveness of the path. Absent until the first heartbeat is replicated.',
  },
  heartbeatEmitAge: {
    name: 'kmirror_heartbeat_emit_age_seconds', type: 'gauge', labels: FLOW,
    help: 'Now minus the time this process last wrote a heartbeat for the flow to the target. Absent when the flow emits no heartbeats.',
  },

  // Checkpoints and offset translation.
  checkpointLatency: {
    name: 'kmirror_checkpoint_latency_seconds', type: 'gauge', labels: FLOW,
    help: 'Latency of the last checkpoint round: from reading the source group offsets to the target acknowledging the checkpoints.',
    mm2: `${MM2_CHECKPOINT} checkpoint-latency-ms (per flow here, per group partition in MM2)`,
  },
  checkpointsEmitted: {
    name: 'kmirror_checkpoints_emitted_total', type: 'counter', labels: FLOW,
    help: 'Checkpoint records written to the target\'s <source>.checkpoints.internal topic.',
  },
  checkpointFailing: {
    name: 'kmirror_checkpoint_failing', type: 'gauge', labels: FLOW,
    help: '1 while the flow\'s last checkpoint round failed, else 0.',
  },
  checkpointAge: {
    name: 'kmirror_checkpoint_age_seconds', type: 'gauge', labels: GROUP_PARTITION, fold: 'max',
    help: 'Now minus the time of the last checkpoint written for the group partition. Grows on an idle group too (a checkpoint is written only when the group moves); absent before the first.',
  },
  checkpointGap: {
    name: 'kmirror_checkpoint_gap_records', type: 'gauge', labels: GROUP_PARTITION, fold: 'sum',
    help: 'Offset translation gap: source records the group has consumed past the upstream offset of its last checkpoint. Absent before the first checkpoint.',
  },
  failoverReread: {
    name: 'kmirror_failover_reread_records', type: 'gauge', labels: GROUP_PARTITION, fold: 'sum',
    help: 'Failover exposure: records the group would read again if it failed over to the target now, resuming at its last checkpoint.',
  },
  failoverSkipped: {
    name: 'kmirror_failover_skipped_records', type: 'gauge', labels: GROUP_PARTITION, fold: 'sum',
    help: 'Failover exposure: records the group would skip if it failed over to the target now, resuming at its last checkpoint.',
  },
  failoverUnreplicated: {
    name: 'kmirror_failover_unreplicated_records', type: 'gauge', labels: GROUP_PARTITION, fold: 'sum',
    help: 'Failover exposure: records the group has consumed on the source that are not on the target yet (lost to it on a failover now).',
  },
  groupSyncState: {
    name: 'kmirror_group_sync_state', type: 'gauge', labels: [...FLOW, 'group', 'state'],
    help: 'Group offset sync (sync.group.offsets) per group, by state (DISABLED, SYNCED, ACTIVE_ON_TARGET, ERROR): 1 for the current state, 0 for the others.',
  },

  // Process, threads and librdkafka.
  ready: {
    name: 'kmirror_ready', type: 'gauge', labels: [],
    help: '1 when /health/ready would answer 200 (every shard running and connected, no cluster silent for 8 s while records wait, topics refreshed, no partition WAITING), else 0.',
  },
  shardRunning: {
    name: 'kmirror_shard_running', type: 'gauge', labels: SHARD,
    help: '1 while the shard\'s worker thread runs its copy loop, else 0 (e.g. restarting after a fatal producer error).',
  },
  shardUtilisation: {
    name: 'kmirror_shard_utilisation_ratio', type: 'gauge', labels: SHARD,
    help: 'Share of the last report interval the shard\'s worker thread spent copying records, 0 to 1.',
  },
  eventLoopDelayP99: {
    name: 'kmirror_event_loop_delay_p99_seconds', type: 'gauge', labels: [],
    help: '99th percentile of the main thread\'s event loop delay since the previous scrape (perf_hooks.monitorEventLoopDelay).',
  },
  eventLoopDelayMax: {
    name: 'kmirror_event_loop_delay_max_seconds', type: 'gauge', labels: [],
    help: 'Largest main-thread event loop delay since the previous scrape (perf_hooks.monitorEventLoopDelay).',
  },
  consumerQueuedBytes: {
    name: 'kmirror_consumer_queued_bytes', type: 'gauge', labels: SHARD,
    help: 'librdkafka source consumer: bytes fetched and waiting in the fetch queues (bounded by queued.max.messages.kbytes).',
  },
  consumerReceivedBytes: {
    name: 'kmirror_consumer_received_bytes_total', type: 'counter', labels: SHARD,
    help: 'librdkafka source consumer: bytes received from the source brokers (protocol overhead and compression included).',
  },
  producerQueuedMessages: {
    name: 'kmirror_producer_queued_messages', type: 'gauge', labels: SHARD,
    help: 'librdkafka target producer: records handed over and not yet acknowledged.',
  },
  producerQueuedBytes: {
    name: 'kmirror_producer_queued_bytes', type: 'gauge', labels: SHARD,
    help: 'librdkafka target producer: bytes handed over and not yet acknowledged (bounded by queue.buffering.max.kbytes).',
  },
  producerSentBytes: {
    name: 'kmirror_producer_sent_bytes_total', type: 'counter', labels: SHARD,
    help: 'librdkafka target producer: bytes sent to the target brokers (protocol overhead and compression included).',
  },
  brokerRtt: {
    name: 'kmirror_broker_rtt_seconds', type: 'gauge', labels: [...SHARD, 'client'],
    help: 'librdkafka: mean broker round-trip time seen by the shard\'s source consumer (client="consumer") and target producer (client="producer").',
  },
  producerRequestErrors: {
    name: 'kmirror_producer_request_errors_total', type: 'counter', labels: SHARD,
    help: 'librdkafka target producer: request errors (txerrs).',
  },
  producerRequestRetries: {
    name: 'kmirror_producer_request_retries_total', type: 'counter', labels: SHARD,
    help: 'librdkafka target producer: request retries (txretries).',
  },
  offsetSyncs: {
    name: 'kmirror_offset_syncs_total', type: 'counter', labels: [...SHARD, 'result'],
    help: 'Offset syncs the shard wrote to the offset-syncs topic (result="written"), dropped because its producer queue was full ' +
      '("dropped"), or the cluster refused ("failed"). Dropped or failed syncs make translation inexact (never skipping) until the next sync.',
  },
} as const satisfies Record<string, MetricDefinition>;

export type MetricKey = keyof typeof METRICS;

/** The table as a list, in declaration order. */
export const METRIC_LIST: readonly MetricDefinition[] = Object.values(METRICS);

/** Partition statuses exported by kmirror_partitions (REVOKED partitions belong to another shard or process). */
export const PARTITION_STATUSES = ['RUNNING', 'ISOLATING', 'PAUSED', 'WAITING', 'FAILED'] as const;
export const TOPIC_STATES = ['REPLICATING', 'CREATE_FAILED', 'SOURCE_ERROR', 'SOURCE_DELETED'] as const;
export const GROUP_SYNC_STATES = ['DISABLED', 'SYNCED', 'ACTIVE_ON_TARGET', 'ERROR'] as const;

// The state lists above must name every state the engine has: a new one fails type-checking here.
type Complete<All, Listed> = [Exclude<All, Listed>] extends [never] ? true : { missing: Exclude<All, Listed> };
const partitionStatusesComplete: Complete<Exclude<FlowStatus['partitions'][number]['status'], 'REVOKED'>, (typeof PARTITION_STATUSES)[number]> = true;
const topicStatesComplete: Complete<FlowStatus['topics'][number]['state'], (typeof TOPIC_STATES)[number]> = true;
const groupSyncStatesComplete: Complete<GroupSyncState, (typeof GROUP_SYNC_STATES)[number]> = true;
void partitionStatusesComplete;
void topicStatesComplete;
void groupSyncStatesComplete;
