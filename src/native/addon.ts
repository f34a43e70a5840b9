/**
 * The one module that loads kmirror's native addon (native/, built by `npm install`) and gives it
 * types. Loadable from the main thread and from worker threads.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { packageRoot } from '../paths.js';

/** librdkafka settings: names as librdkafka knows them, values as text. */
export type RdkafkaSettings = Readonly<Record<string, string>>;

export interface TopicRoute {
  /** Topic name on the source cluster. */
  readonly source: string;
  /** Its remote name on the target (the replication policy's choice). */
  readonly remote: string;
  /**
   * The remote topic's max.message.bytes (0 or absent when unknown): an uncompressed record larger
   * than this stops its partition (FAILED) before it is sent, and with `followTopicLimits` the
   * target producer's message.max.bytes follows the largest of these.
   */
  readonly maxMessageBytes?: number;
  /**
   * The source topic's ID (base64), when the cluster says: stored with each position, so a topic
   * deleted and created again under the same name is never read at the old topic's offsets.
   */
  readonly topicId?: string;
}

export interface ShardOptions {
  readonly name: string;
  /** Source consumer; `group.id` is the flow's membership group. */
  readonly consumer: RdkafkaSettings;
  /** Target producer. */
  readonly producer: RdkafkaSettings;
  /** Target consumer handle used only to read and store positions; `group.id` is the positions group. */
  readonly positions: RdkafkaSettings;
  /** Partitions without a stored position start at the log end (auto.offset.reset=latest). */
  readonly startAtEnd: boolean;
  readonly commitIntervalMs: number;
  readonly topics: readonly TopicRoute[];
  /** Upper bounds (ms) of the latency/age histogram buckets: LATENCY_BUCKETS_MS, the one table. */
  readonly latencyBucketsMs: readonly number[];
  /**
   * The producer's message.max.bytes follows the largest max.message.bytes of the remote topics
   * (and batch.size stays under the smallest), so large records replicate without tuning; false
   * when mm2.properties sets the producer's message.max.bytes itself.
   */
  readonly followTopicLimits?: boolean;
  /** Take offset syncs (emit.offset-syncs.enabled); default true. */
  readonly emitOffsetSyncs?: boolean;
  /** MM2's offset.lag.max: a sync at least every this many downstream offsets; default 100. */
  readonly offsetLagMax?: number;
  /** Where the shard writes its offset syncs (MM2 OffsetSync records, partition 0); none when absent. */
  readonly offsetSyncs?: { readonly topic: string; readonly producer: RdkafkaSettings };
}

/**
 * RUNNING copying; ISOLATING a batch was refused and its records are resent one at a time to find
 * the one refused; WAITING the target cannot take it yet; PAUSED by an operator; FAILED stopped at a
 * refused record until an operator resumes it; REVOKED not this shard's
 * (native/src/shard/partition.h has the state machine).
 */
export type PartitionStatus = 'RUNNING' | 'ISOLATING' | 'PAUSED' | 'WAITING' | 'FAILED' | 'REVOKED';

/** One source partition as a shard sees it. Offsets are -1 when unknown. */
export interface PartitionStats {
  readonly topic: string;
  readonly remoteTopic: string;
  readonly partition: number;
  readonly status: PartitionStatus;
  /** Next source offset to copy: every record below it is acknowledged by the target. */
  readonly position: number;
  /** Position last stored on the target. */
  readonly committed: number;
  /** Source offset after the newest record handed to the producer. */
  readonly produced: number;
  readonly failedAt: number;
  /** Why the partition is not RUNNING; empty when it is. */
  readonly failure: string;
  /** Records acknowledged at or after a refused one: an invariant says 0; counted and reported if it ever breaks. */
  readonly writtenPastFailure: number;
  readonly lastTargetOffset: number;
  readonly lastTimestamp: number;
  /** Records and value bytes acknowledged by the target since the shard started. */
  readonly records: number;
  readonly bytes: number;
  readonly inFlight: number;
  readonly latencySumMs: number;
  readonly latencyMaxMs: number;
  /**
   * Acknowledged records counted by replication latency (ack time − record timestamp) and by
   * record age (fetch time − record timestamp), per bucket of LATENCY_BUCKETS_MS plus a last +Inf
   * bucket; not cumulative. Since the shard started.
   */
  readonly latencyBuckets: readonly number[];
  readonly ageBuckets: readonly number[];
  /** Sum over fetched records of fetch time − record timestamp (ms). */
  readonly ageSumMs: number;
  /** Source log end and start as last seen by the fetcher (-1 before the first fetch). */
  readonly highWatermark: number;
  readonly lowWatermark: number;
}

/** The names of native/src/shard/events.h, in its order (a unit test compares them with the addon's table). */
export const SHARD_EVENT_KINDS = [
  'log', 'error', 'fatal', 'partition-failed', 'partition-waiting', 'partition-isolating', 'partition-paused',
  'partition-resumed', 'data-loss', 'source-truncated', 'topic-missing', 'commit-failed', 'assigned', 'revoked',
  'producer-reset', 'written-past-failure', 'source-recreated',
] as const;

export type ShardEventKind = (typeof SHARD_EVENT_KINDS)[number];

export interface ShardEvent {
  readonly kind: ShardEventKind;
  /** syslog level: 0 emergency … 7 debug. */
  readonly level: number;
  readonly topic?: string;
  readonly partition?: number;
  readonly offset?: number;
  readonly count?: number;
  readonly message: string;
}

export interface NativeShard {
  setTopics(routes: readonly TopicRoute[]): void;
  /** Copies one batch; waits at most timeoutMs for the first record. Returns records handed to the producer. */
  pump(maxRecords: number, timeoutMs: number): number;
  stats(): PartitionStats[];
  drainEvents(): ShardEvent[];
  resumePartition(topic: string, partition: number): boolean;
  /** Stops copying the partition (status PAUSED) until resumePartition; false when not assigned here. */
  pausePartition(topic: string, partition: number): boolean;
  resumeWaiting(): number;
  /** Offset syncs the offset-syncs topic acknowledged, dropped because its producer's queue was full, and refused by the cluster, since start. */
  syncCounts(): { written: number; dropped: number; failed: number };
  /** The newest librdkafka statistics JSON of the source consumer and target producer ("" before the first). */
  clientStats(): { consumer: string; producer: string };
  /** How long (ms) the target has acknowledged nothing while records wait for it, and the source given nothing while records wait there; 0 when not. */
  stalls(): { targetMs: number; sourceMs: number; sourceAuthError: string; targetAuthError: string };
  /**
   * Leaves the group (in-flight records waited for, positions of acknowledged records stored) and
   * frees everything, within timeoutMs (default 30 s) whatever the clusters do.
   */
  close(timeoutMs?: number): void;
}

export interface AdminError {
  readonly code: number;
  readonly name: string;
  readonly message: string;
}

export interface TopicMetadata {
  readonly name: string;
  readonly error: AdminError | null;
  readonly partitions: readonly { id: number; leader: number; replicas: number[]; error: AdminError | null }[];
}

export interface ConfigEntry {
  readonly name: string;
  readonly value: string | null;
  /** librdkafka's ConfigSource name, e.g. DYNAMIC_TOPIC_CONFIG, DEFAULT_CONFIG, STATIC_BROKER_CONFIG. */
  readonly source: string;
  readonly isDefault: boolean;
  readonly isReadOnly: boolean;
  readonly isSensitive: boolean;
}

/** An ACL, with librdkafka's names: resourceType TOPIC/GROUP/CLUSTER/…, patternType LITERAL/PREFIXED, operation READ/WRITE/ALL/…, permission ALLOW/DENY. */
export interface AclBinding {
  readonly resourceType: string;
  readonly name: string;
  readonly patternType: string;
  readonly principal: string;
  readonly host: string;
  readonly operation: string;
  readonly permission: string;
}

/** A filter: ANY for the enums, absent strings match any. */
export interface AclFilter {
  readonly resourceType: string;
  readonly name?: string;
  readonly patternType: string;
  readonly principal?: string;
  readonly host?: string;
  readonly operation: string;
  readonly permission: string;
}

export interface PartitionOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly metadata?: string;
  readonly error: AdminError | null;
}

export interface NativeAdmin {
  metadata(timeoutMs?: number): Promise<{ brokers: { id: number; host: string; port: number }[]; topics: TopicMetadata[] }>;
  createTopics(topics: readonly { name: string; partitions: number; replicationFactor: number; configs?: Record<string, string> }[],
    timeoutMs?: number): Promise<{ name: string; error: AdminError | null }[]>;
  createPartitions(topics: readonly { name: string; totalCount: number }[], timeoutMs?: number): Promise<{ name: string; error: AdminError | null }[]>;
  describeTopicConfigs(topics: readonly string[], timeoutMs?: number): Promise<{ name: string; error: AdminError | null; entries: ConfigEntry[] }[]>;
  /** ACL bindings matching the filter (absent fields match any); rejects with SECURITY_DISABLED without an authorizer. */
  describeAcls(filter: AclFilter, timeoutMs?: number): Promise<AclBinding[]>;
  /** Creates ACLs; one result per binding, in order (an existing one is not an error). */
  createAcls(acls: readonly AclBinding[], timeoutMs?: number): Promise<{ error: AdminError | null }[]>;
  /** Topic IDs (base64; null when the cluster does not say) and partition counts. */
  describeTopics(topics: readonly string[], timeoutMs?: number): Promise<{ name: string; topicId: string | null; partitions: number; error: AdminError | null }[]>;
  incrementalAlterTopicConfigs(topics: readonly { name: string; ops: readonly { name: string; op: 'SET' | 'DELETE'; value?: string }[] }[],
    timeoutMs?: number): Promise<{ name: string; error: AdminError | null }[]>;
  listOffsets(partitions: readonly { topic: string; partition: number; spec: 'earliest' | 'latest' | number }[],
    timeoutMs?: number): Promise<(PartitionOffset & { timestamp: number })[]>;
  deleteRecords(partitions: readonly { topic: string; partition: number; offset: number }[], timeoutMs?: number): Promise<PartitionOffset[]>;
  listConsumerGroups(timeoutMs?: number): Promise<{ groupId: string; state: string; isSimple: boolean }[]>;
  describeConsumerGroups(groups: readonly string[], timeoutMs?: number): Promise<{ groupId: string; state: string; members: number;
    /** Each member's client.id. */
    memberClients: string[]; error: AdminError | null }[]>;
  listConsumerGroupOffsets(group: string, partitions: readonly { topic: string; partition: number }[] | null, timeoutMs?: number): Promise<PartitionOffset[]>;
  alterConsumerGroupOffsets(group: string, offsets: readonly { topic: string; partition: number; offset: number }[], timeoutMs?: number): Promise<PartitionOffset[]>;
  close(): void;
}

export interface ProducedRecord {
  readonly partition?: number;
  /** null or absent: a null key; an empty Buffer: an empty key. */
  readonly key?: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: readonly (readonly [string, Buffer | null])[];
  readonly timestamp?: number;
}

export interface NativeRecordProducer {
  produce(topic: string, records: readonly ProducedRecord[]): number;
  flush(timeoutMs?: number): { delivered: number; failed: number; error?: string };
  close(): void;
}

export interface ReadRecord {
  readonly offset: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly (readonly [string, Buffer | null])[];
  readonly timestamp: number;
  readonly timestampType: 'CreateTime' | 'LogAppendTime';
}

/** Test-only: the shard's own rules, driven directly (native/src/shard/testing.cc). */
export interface NativeTesting {
  PartitionProbe: new (topic: string, partition: number) => {
    call(transition: string, ...args: (number | string | boolean)[]): boolean | undefined;
    snapshot(): { state: string; status: PartitionStatus; position: number; produced: number; failedAt: number; inFlight: number;
      reason: string; writtenPastFailure: number; fetching: boolean };
    dequeue(): number;
    drainActions(): { type: string; offset?: number; message?: string }[];
  };
  OffsetSyncRule: new (offsetLagMax?: number) => {
    onAcknowledged(upstream: number, downstream: number): boolean;
    takeTail(): [number, number] | null;
    reset(): void;
  };
  encodeOffsetSync(topic: string, partition: number, upstream: number, downstream: number): { key: Buffer; value: Buffer };
  shardEventKinds(): string[];
}

interface AddonExports {
  /** Reads up to `count` records of one partition from `fromOffset`, byte for byte. */
  readRecords(settings: RdkafkaSettings, topic: string, partition: number, fromOffset: number, count: number,
    timeoutMs?: number): Promise<ReadRecord[]>;
  Shard: new (options: ShardOptions) => NativeShard;
  Admin: new (settings: RdkafkaSettings, role?: string) => NativeAdmin;
  RecordProducer: new (settings: RdkafkaSettings) => NativeRecordProducer;
  librdkafkaVersion: string;
  testing: NativeTesting;
  /**
   * What librdkafka says of a client configuration as `run` builds it: every setting set, and the
   * client created (`producer`, the default, or `consumer`) without brokers, so librdkafka's
   * start-up checks run (conflicting settings, TLS certificates and key, the SASL mechanism) and
   * nothing connects. null when librdkafka takes it, else its error, naming the setting (never a
   * secret's value). Absent from an addon built before it existed.
   */
  checkClientSettings?(settings: RdkafkaSettings, type?: 'producer' | 'consumer'): string | null;
}

export const addonPath = join(packageRoot, 'native', 'build', 'Release', 'kmirror_native.node');

const addon = createRequire(import.meta.url)(addonPath) as AddonExports;

export const { Shard, Admin, RecordProducer, readRecords, librdkafkaVersion, testing } = addon;

/** See AddonExports.checkClientSettings; undefined when the addon was built without it. */
export const checkClientSettings: AddonExports['checkClientSettings'] = addon.checkClientSettings?.bind(addon);
