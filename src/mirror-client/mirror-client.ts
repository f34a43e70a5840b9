/**
 * MM2's `MirrorClient` / `RemoteClusterUtils`: what an application can learn about replication
 * from ONE cluster, without running (or importing) the engine. Everything comes from this
 * cluster's topic names (heartbeats topics trace every path data takes to it) and from its
 * `<alias>.checkpoints.internal` topics (where each replicated group resumes here).
 *
 * Names are read with a ReplicationPolicy, which must be the one the replicator uses
 * (default: DefaultReplicationPolicy with separator ".").
 */

import { ErrorCodes, isKmirrorError, KmirrorError } from '../errors.js';
import type { NativeAdmin, RdkafkaSettings, ReadRecord } from '../native/addon.js';
import {
  DefaultReplicationPolicy, withPolicyDefaults, type PartialReplicationPolicy, type ReplicationPolicy,
} from '../policy/index.js';
import { Checkpoint } from './checkpoint.js';
import { readPartitionTo } from './partition-reader.js';
import { isRecordFormatError, type RecordFormatError } from './record-format-error.js';
import { compareTopicPartitions, type TopicPartition } from './topic-partition.js';

/** Where a remote consumer group resumes on this cluster: its offset in a topic here. */
export interface TranslatedOffset extends TopicPartition {
  /** The checkpoint's downstream offset: the next offset to consume here. */
  readonly offset: number;
  /** The group's commit metadata on the remote cluster ("" when it had none). */
  readonly metadata: string;
  /** The group's offset on the remote cluster that `offset` translates (the checkpoint's upstream offset). */
  readonly upstreamOffset: number;
}

export type WarningListener = (message: string, error: RecordFormatError) => void;

/** The part of the Admin client MirrorClient uses. */
export type MirrorClientAdmin = Pick<NativeAdmin, 'metadata' | 'listOffsets' | 'close'>;

/** How MirrorClient reaches Kafka; tests replace it with fakes. */
export interface MirrorClientKafka {
  createAdmin(settings: RdkafkaSettings): MirrorClientAdmin | Promise<MirrorClientAdmin>;
  /** As the native addon's `readRecords`: up to `count` records from `fromOffset`, waiting at most `timeoutMs`. */
  readRecords(settings: RdkafkaSettings, topic: string, partition: number, fromOffset: number, count: number,
    timeoutMs: number): Promise<readonly ReadRecord[]>;
}

export interface MirrorClientOptions {
  /** Must match the replicator's `replication.policy.class`; default DefaultReplicationPolicy. */
  readonly replicationPolicy?: ReplicationPolicy | PartialReplicationPolicy;
  /** Told about each corrupt record translateOffsets skips; default: nothing. */
  readonly onWarning?: WarningListener;
  /** Timeout of each metadata request; default 30 000 ms. */
  readonly requestTimeoutMs?: number;
  /** Default: kmirror's native addon, loaded on first use. */
  readonly kafka?: MirrorClientKafka;
}

export interface TranslateOptions {
  /** Overrides the client's onWarning for this call. */
  readonly onWarning?: WarningListener;
}

/** Kafka's own internal topics (`Topic.isInternal`), which Admin.listTopics leaves out as MM2 lists topics. */
const KAFKA_INTERNAL_TOPICS: ReadonlySet<string> = new Set(['__consumer_offsets', '__transaction_state', '__share_group_state']);

/** MM2 writes checkpoints to partition 0 only, and MirrorClient reads only partition 0. */
const CHECKPOINTS_PARTITION = 0;

const defaultKafka: MirrorClientKafka = {
  async createAdmin(settings) {
    const { Admin } = await import('../native/addon.js');
    return new Admin(settings, 'mirror-client');
  },
  async readRecords(settings, topic, partition, fromOffset, count, timeoutMs) {
    const { readRecords } = await import('../native/addon.js');
    return readRecords(settings, topic, partition, fromOffset, count, timeoutMs);
  },
};

export class MirrorClient {
  readonly #settings: RdkafkaSettings;
  readonly #policy: ReplicationPolicy;
  readonly #onWarning: WarningListener;
  readonly #requestTimeoutMs: number;
  readonly #kafka: MirrorClientKafka;
  #admin: Promise<MirrorClientAdmin> | null = null;
  /** Admin requests running; close() waits for them, since closing frees the handle they use. */
  readonly #inFlight = new Set<Promise<unknown>>();
  #closed = false;

  /** `settings`: librdkafka settings of the cluster to read, at least `bootstrap.servers`. */
  constructor(settings: RdkafkaSettings, options: MirrorClientOptions = {}) {
    this.#settings = { ...settings };
    this.#policy = withPolicyDefaults(options.replicationPolicy ?? new DefaultReplicationPolicy());
    this.#onWarning = options.onWarning ?? (() => {});
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.#kafka = options.kafka ?? defaultKafka;
  }

  get replicationPolicy(): ReplicationPolicy {
    return this.#policy;
  }

  /** Heartbeats topics at every hop (`heartbeats`, `A.heartbeats`, `B.A.heartbeats`), sorted. */
  async heartbeatTopics(): Promise<string[]> {
    return (await this.#listTopics()).filter((topic) => this.#policy.isHeartbeatsTopic(topic));
  }

  /** Topics named as checkpoints topics (`<alias>.checkpoints.internal`), sorted. */
  async checkpointTopics(): Promise<string[]> {
    return (await this.#listTopics()).filter((topic) => this.#policy.isCheckpointsTopic(topic));
  }

  /**
   * Every cluster whose heartbeats reach this one, at any number of hops (`B.A.heartbeats` gives
   * B and A), sorted.
   */
  async upstreamClusters(): Promise<string[]> {
    const clusters = new Set<string>();
    for (const topic of await this.heartbeatTopics()) {
      for (const source of this.#allSources(topic)) clusters.add(source);
    }
    return [...clusters].sort();
  }

  /**
   * The fewest hops from `upstreamClusterAlias` to this cluster along any heartbeats topic
   * (A->B->C: 2 from A at C); -1 if no heartbeats topic comes from it.
   */
  async replicationHops(upstreamClusterAlias: string): Promise<number> {
    let fewest = -1;
    for (const topic of await this.heartbeatTopics()) {
      const hops = this.#countHops(topic, upstreamClusterAlias);
      if (hops !== -1 && (fewest === -1 || hops < fewest)) fewest = hops;
    }
    return fewest;
  }

  /**
   * Topics replicated here (any number of hops), or only those whose nearest source is
   * `sourceClusterAlias`; sorted. As in MM2, a remote topic is any non-internal topic the policy
   * gives a source, so replicated heartbeats topics (`A.heartbeats`) are among them.
   */
  async remoteTopics(sourceClusterAlias?: string): Promise<string[]> {
    return (await this.#listTopics()).filter((topic) => {
      if (this.#policy.isInternalTopic(topic)) return false;
      const source = this.#policy.topicSource(topic);
      return source !== null && (sourceClusterAlias === undefined || source === sourceClusterAlias);
    });
  }

  /**
   * Where the consumer group `consumerGroupId` of the remote cluster `remoteClusterAlias` resumes
   * on this cluster (MM2's `RemoteClusterUtils.translateOffsets`): the newest checkpoint of each
   * partition for that group on `policy.checkpointsTopic(remoteClusterAlias)`, read from its start
   * to at least its end as of the call, sorted by topic then partition. A tombstone removes its
   * partition; a corrupt record is skipped and reported to onWarning.
   *
   * Unlike MM2, which returns whatever it read when time runs out, an incomplete read throws
   * (`KMIRROR_TIMEOUT`): a partial answer would silently send some partitions back to
   * `auto.offset.reset`. A missing checkpoints topic throws `KMIRROR_CHECKPOINTS_TOPIC_MISSING`.
   */
  async translateOffsets(remoteClusterAlias: string, consumerGroupId: string, timeoutMs: number,
    options: TranslateOptions = {}): Promise<TranslatedOffset[]> {
    const deadline = Date.now() + timeoutMs;
    const onWarning = options.onWarning ?? this.#onWarning;
    const topic = this.#policy.checkpointsTopic(remoteClusterAlias);
    const { earliest, end } = await this.#bounds(topic, remoteClusterAlias, deadline);

    const offsets = new Map<string, TranslatedOffset>();
    const apply = (record: ReadRecord): void => {
      try {
        if (record.value === null) {
          const { consumerGroupId: group, topicPartition } = Checkpoint.deserializeKey(record.key);
          if (group === consumerGroupId) offsets.delete(partitionKey(topicPartition));
          return;
        }
        const checkpoint = Checkpoint.deserialize(record.key, record.value);
        if (checkpoint.consumerGroupId !== consumerGroupId) return;
        const { topic: remoteTopic, partition } = checkpoint.topicPartition;
        offsets.set(partitionKey(checkpoint.topicPartition),
          { topic: remoteTopic, partition, offset: checkpoint.downstreamOffset, metadata: checkpoint.metadata, upstreamOffset: checkpoint.upstreamOffset });
      } catch (err) {
        if (!isRecordFormatError(err)) throw err;
        err.locate({ topic, partition: CHECKPOINTS_PARTITION, offset: record.offset });
        onWarning(`Skipped a corrupt record on ${topic} partition ${CHECKPOINTS_PARTITION} at offset ${record.offset}: ` +
          `${err.recordType} ${err.part}: ${err.reason}`, err);
      }
    };

    await readPartitionTo((...args) => this.#kafka.readRecords(...args), this.#settings, topic, CHECKPOINTS_PARTITION,
      earliest, end, deadline, apply,
      `within ${timeoutMs} ms; give translateOffsets more time, or check that the cluster is reachable.`);
    return [...offsets.values()].sort(compareTopicPartitions);
  }

  /** Closes the Admin client once the requests in flight have finished. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([...this.#inFlight]);
    const admin = this.#admin;
    this.#admin = null;
    if (admin) (await admin.catch(() => null))?.close();
  }

  async #listTopics(): Promise<string[]> {
    const metadata = await this.#request('listing the topics', (admin) => admin.metadata(this.#requestTimeoutMs));
    return metadata.topics
      .filter((topic) => !KAFKA_INTERNAL_TOPICS.has(topic.name) && topic.error?.name !== 'UNKNOWN_TOPIC_OR_PART')
      .map((topic) => topic.name)
      .sort();
  }

  /**
   * The checkpoints topic's first and end offsets on partition 0. librdkafka reports a missing
   * topic as a failure to find partition leaders, so any failure is checked against the topic list.
   */
  async #bounds(topic: string, remoteClusterAlias: string, deadline: number): Promise<{ earliest: number; end: number }> {
    const timeoutMs = Math.max(1, Math.min(this.#requestTimeoutMs, deadline - Date.now()));
    const specs = (['earliest', 'latest'] as const).map((spec) => ({ topic, partition: CHECKPOINTS_PARTITION, spec }));
    try {
      const results = await this.#request(`listing the offsets of ${topic}`, (admin) =>
        Promise.all(specs.map((spec) => admin.listOffsets([spec], timeoutMs))));
      const [earliest, end] = results.map((result) => {
        const first = result[0];
        if (first === undefined) throw new Error('no result for the partition');
        if (first.error !== null) throw Object.assign(new Error(`${first.error.name}: ${first.error.message}`), { cause: first.error });
        return first.offset;
      });
      return { earliest: earliest ?? 0, end: end ?? 0 };
    } catch (err) {
      const topics = await this.#listTopics().catch(() => null);
      if (topics !== null && !topics.includes(topic)) throw this.#missing(topic, remoteClusterAlias, topics);
      if (isKmirrorError(err)) throw err;
      throw new KmirrorError(ErrorCodes.KAFKA_REQUEST,
        `Listing the offsets of ${topic} partition ${CHECKPOINTS_PARTITION} failed: ${messageOf(err)}`, { canRetry: true, cause: err });
    }
  }

  #missing(topic: string, remoteClusterAlias: string, topics: readonly string[]): KmirrorError {
    const existing = topics.filter((name) => this.#policy.isCheckpointsTopic(name));
    const found = existing.length === 0
      ? ' This cluster has no checkpoints topic at all: is a replication flow from the remote cluster emitting checkpoints here?'
      : ` Checkpoints topics here: ${existing.join(', ')}.`;
    return new KmirrorError(ErrorCodes.CHECKPOINTS_TOPIC_MISSING,
      `No checkpoints topic ${topic} on this cluster, so offsets from cluster "${remoteClusterAlias}" cannot be translated.${found} ` +
      'The alias must be the source cluster alias of the replication flow, and the replication policy the one the replicator uses.');
  }

  async #request<T>(what: string, use: (admin: MirrorClientAdmin) => Promise<T>): Promise<T> {
    if (this.#closed) throw new KmirrorError(ErrorCodes.CLIENT_CLOSED, 'This MirrorClient is closed.');
    const servers = this.#settings['bootstrap.servers'] ?? '(no bootstrap.servers)';
    const run = (async () => {
      this.#admin ??= Promise.resolve().then(() => this.#kafka.createAdmin(this.#settings)).catch((err: unknown) => {
        this.#admin = null;
        throw new KmirrorError(ErrorCodes.KAFKA_REQUEST,
          `Creating an Admin client for ${servers} failed: ${messageOf(err)}`, { cause: err });
      });
      const admin = await this.#admin;
      try {
        return await use(admin);
      } catch (err) {
        throw new KmirrorError(ErrorCodes.KAFKA_REQUEST,
          `${what[0]!.toUpperCase()}${what.slice(1)} on ${servers} failed: ${messageOf(err)}`, { cause: err, canRetry: true });
      }
    })();
    this.#inFlight.add(run);
    try {
      return await run;
    } finally {
      this.#inFlight.delete(run);
    }
  }

  /** MM2's `allSources`: the source alias at each hop; a repeated alias ends the walk (identity naming can loop). */
  #allSources(topic: string): Set<string> {
    const sources = new Set<string>();
    let current: string | null = topic;
    let source = this.#policy.topicSource(current);
    while (source !== null && !sources.has(source)) {
      sources.add(source);
      current = this.#policy.upstreamTopic(current);
      if (current === null) break;
      source = this.#policy.topicSource(current);
    }
    return sources;
  }

  /** MM2's `countHopsForTopic`: hops up the topic's chain until `alias` is its source; -1 if never. */
  #countHops(topic: string, alias: string): number {
    const visited = new Set<string>();
    let current: string | null = topic;
    for (let hops = 1; current !== null; hops++) {
      const source = this.#policy.topicSource(current);
      if (source === null) return -1;
      if (source === alias) return hops;
      if (visited.has(source)) return -1;
      visited.add(source);
      current = this.#policy.upstreamTopic(current);
    }
    return -1;
  }
}

/** Opens a MirrorClient, runs `use` and closes it, as MM2's RemoteClusterUtils does for each call. */
export async function withMirrorClient<T>(settings: RdkafkaSettings, options: MirrorClientOptions,
  use: (client: MirrorClient) => Promise<T>): Promise<T> {
  const client = new MirrorClient(settings, options);
  try {
    return await use(client);
  } finally {
    await client.close();
  }
}

function partitionKey(tp: TopicPartition): string {
  return `${tp.partition}:${tp.topic}`;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
