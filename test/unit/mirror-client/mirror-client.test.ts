import { describe, expect, it } from 'vitest';

import { ErrorCodes, isKmirrorError } from '../../../src/errors.js';
import { Checkpoint } from '../../../src/mirror-client/checkpoint.js';
import { MirrorClient, type MirrorClientAdmin, type MirrorClientKafka } from '../../../src/mirror-client/mirror-client.js';
import type { RecordFormatError } from '../../../src/mirror-client/record-format-error.js';
import type { ReadRecord } from '../../../src/native/addon.js';
import { DefaultReplicationPolicy, IdentityReplicationPolicy } from '../../../src/policy/index.js';

type LogEntry = { offset: number; key: Buffer | null; value: Buffer | null };

/** A cluster with the given topics; `logs` holds partition 0 of some of them. */
class FakeKafka implements MirrorClientKafka {
  readonly reads: { from: number; count: number; timeoutMs: number }[] = [];
  closed = 0;
  /** Reads that deliver nothing before the fetch "works" (a slow or unreachable cluster). */
  emptyReads = 0;

  constructor(readonly topics: string[], readonly logs: Record<string, { entries: LogEntry[]; end: number; earliest?: number }> = {}) {}

  createAdmin(): MirrorClientAdmin {
    return {
      metadata: async () => ({ brokers: [], topics: this.topics.map((name) => ({ name, error: null, partitions: [] })) }),
      listOffsets: async (partitions) => partitions.map((p) => {
        const log = this.logs[p.topic];
        const error = log ? null : { code: 3, name: 'UNKNOWN_TOPIC_OR_PART', message: 'Broker: Unknown topic or partition' };
        const offset = !log ? -1 : p.spec === 'earliest' ? log.earliest ?? 0 : log.end;
        return { topic: p.topic, partition: p.partition, offset, timestamp: -1, error };
      }),
      close: () => {
        this.closed++;
      },
    };
  }

  async readRecords(_settings: unknown, topic: string, _partition: number, from: number, count: number, timeoutMs: number): Promise<ReadRecord[]> {
    this.reads.push({ from, count, timeoutMs });
    if (this.emptyReads > 0) {
      this.emptyReads--;
      await new Promise((resolve) => setTimeout(resolve, Math.min(timeoutMs, 5)));
      return [];
    }
    return (this.logs[topic]?.entries ?? [])
      .filter((e) => e.offset >= from)
      .slice(0, count)
      .map((e) => ({ ...e, headers: [], timestamp: 0, timestampType: 'CreateTime' as const }));
  }
}

function checkpoint(offset: number, group: string, topic: string, partition: number, downstreamOffset: number, metadata = ''): LogEntry {
  const c = new Checkpoint({ consumerGroupId: group, topicPartition: { topic, partition }, upstreamOffset: downstreamOffset + 100, downstreamOffset, metadata });
  return { offset, key: c.recordKey(), value: c.recordValue() };
}

describe('MirrorClient: what topic names tell', () => {
  const topics = ['heartbeats', 'A.heartbeats', 'B.A.heartbeats', 'C.B.A.heartbeats', 'D.heartbeats.x', 'A.orders', 'B.A.orders',
    'B.payments', 'orders', 'A.checkpoints.internal', 'B.checkpoints.internal', 'mm2-offset-syncs.A.internal', '__consumer_offsets',
    '__transaction_state', 'connect-offsets-internal'];
  const client = () => new MirrorClient({ 'bootstrap.servers': 'fake:9092' }, { kafka: new FakeKafka(topics) });

  it('lists heartbeats and checkpoints topics', async () => {
    expect(await client().heartbeatTopics()).toEqual(['A.heartbeats', 'B.A.heartbeats', 'C.B.A.heartbeats', 'heartbeats']);
    expect(await client().checkpointTopics()).toEqual(['A.checkpoints.internal', 'B.checkpoints.internal']);
  });

  it('finds upstream clusters at every hop', async () => {
    expect(await client().upstreamClusters()).toEqual(['A', 'B', 'C']);
  });

  it('counts the fewest hops, -1 when unreachable', async () => {
    const c = client();
    expect(await c.replicationHops('A')).toBe(1);
    expect(await c.replicationHops('B')).toBe(1);
    expect(await c.replicationHops('C')).toBe(1);
    expect(await c.replicationHops('D')).toBe(-1);
    const chain = new MirrorClient({}, { kafka: new FakeKafka(['C.B.A.heartbeats', 'C.B.heartbeats']) });
    expect(await chain.replicationHops('A')).toBe(3);
    expect(await chain.replicationHops('B')).toBe(2);
  });

  it('lists remote topics (replicated heartbeats included, as in MM2), or those from one source', async () => {
    expect(await client().remoteTopics()).toEqual(['A.heartbeats', 'A.orders', 'B.A.heartbeats', 'B.A.orders', 'B.payments', 'C.B.A.heartbeats', 'D.heartbeats.x']);
    expect(await client().remoteTopics('B')).toEqual(['B.A.heartbeats', 'B.A.orders', 'B.payments']);
    expect(await client().remoteTopics('Z')).toEqual([]);
  });

  it('stops at repeated aliases, which identity-like naming can produce', async () => {
    // A policy whose chain loops: every topic's source is "A" and its upstream is itself.
    const looping = { formatRemoteTopic: (_: string, t: string) => t, topicSource: () => 'A', upstreamTopic: (t: string) => t };
    const c = new MirrorClient({}, { replicationPolicy: looping, kafka: new FakeKafka(['heartbeats']) });
    expect(await c.upstreamClusters()).toEqual(['A']);
    expect(await c.replicationHops('B')).toBe(-1);
    expect(await c.replicationHops('A')).toBe(1);
  });

  it('reads names with the configured policy', async () => {
    const names = ['orders', 'A.orders', 'A_heartbeats', 'B_A_heartbeats', 'A_checkpoints_internal', 'A.checkpoints.internal'];
    const underscore = new MirrorClient({}, { replicationPolicy: new DefaultReplicationPolicy({ separator: '_' }), kafka: new FakeKafka(names) });
    expect(await underscore.upstreamClusters()).toEqual(['A', 'B']);
    expect(await underscore.replicationHops('A')).toBe(1);
    expect(await underscore.checkpointTopics()).toEqual(['A_checkpoints_internal']);
    expect(await underscore.remoteTopics()).toEqual(['A_heartbeats', 'B_A_heartbeats']);
    // Identity naming: only heartbeats topics carry their path; other topics have no source without source.cluster.alias.
    const identity = new MirrorClient({}, { replicationPolicy: new IdentityReplicationPolicy(), kafka: new FakeKafka(['orders', 'A.heartbeats', 'B.A.heartbeats']) });
    expect(await identity.upstreamClusters()).toEqual(['A', 'B']);
    expect(await identity.remoteTopics()).toEqual(['A.heartbeats', 'B.A.heartbeats']);
  });

  it('closes its Admin client once, and refuses calls after close', async () => {
    const kafka = new FakeKafka(['heartbeats']);
    const c = new MirrorClient({}, { kafka });
    await c.heartbeatTopics();
    await Promise.all([c.close(), c.close()]);
    expect(kafka.closed).toBe(1);
    await expect(c.heartbeatTopics()).rejects.toSatisfy((err) => isKmirrorError(err, ErrorCodes.CLIENT_CLOSED));
  });
});

describe('MirrorClient.translateOffsets', () => {
  const TOPIC = 'A.checkpoints.internal';

  function translate(kafka: FakeKafka, timeoutMs = 10_000) {
    const warnings: { message: string; error: RecordFormatError }[] = [];
    const client = new MirrorClient({ 'bootstrap.servers': 'fake:9092' }, { kafka, onWarning: (message, error) => warnings.push({ message, error }) });
    return { warnings, result: client.translateOffsets('A', 'g1', timeoutMs).finally(() => client.close()) };
  }

  it('keeps the newest checkpoint of each partition of the group, sorted, and skips corrupt records with a warning', async () => {
    const kafka = new FakeKafka([TOPIC], {
      [TOPIC]: {
        end: 7,
        entries: [
          checkpoint(0, 'g1', 'A.orders', 1, 10),
          checkpoint(1, 'g1', 'A.orders', 0, 5, 'm0'),
          checkpoint(2, 'other', 'A.orders', 0, 99),
          { offset: 3, key: Buffer.from('junk'), value: Buffer.from([0, 0, 1]) },
          checkpoint(4, 'g1', 'A.orders', 1, 20, 'newest'),
          checkpoint(5, 'g1', 'A.audit', 0, 7),
          checkpoint(6, 'g2', 'A.audit', 0, 70),
        ],
      },
    });
    const { warnings, result } = translate(kafka);
    expect(await result).toEqual([
      { topic: 'A.audit', partition: 0, offset: 7, metadata: '', upstreamOffset: 107 },
      { topic: 'A.orders', partition: 0, offset: 5, metadata: 'm0', upstreamOffset: 105 },
      { topic: 'A.orders', partition: 1, offset: 20, metadata: 'newest', upstreamOffset: 120 },
    ]);
    expect(warnings.map((w) => w.message)).toEqual([
      "Skipped a corrupt record on A.checkpoints.internal partition 0 at offset 3: Checkpoint value: field 'upstreamOffset' needs 8 bytes at byte 2, only 1 remain (record is 3 bytes)",
    ]);
    expect(warnings[0]!.error).toMatchObject({ topic: TOPIC, partition: 0, offset: 3 });
  });

  it('removes a partition on a tombstone, and warns about a null key', async () => {
    const kafka = new FakeKafka([TOPIC], {
      [TOPIC]: {
        end: 4,
        entries: [
          checkpoint(0, 'g1', 'A.orders', 0, 10),
          checkpoint(1, 'g1', 'A.orders', 1, 11),
          { offset: 2, key: checkpoint(0, 'g1', 'A.orders', 0, 0).key, value: null },
          { offset: 3, key: null, value: checkpoint(0, 'g1', 'A.orders', 1, 0).value },
        ],
      },
    });
    const { warnings, result } = translate(kafka);
    expect(await result).toEqual([{ topic: 'A.orders', partition: 1, offset: 11, metadata: '', upstreamOffset: 111 }]);
    expect(warnings.map((w) => w.message)).toEqual([
      'Skipped a corrupt record on A.checkpoints.internal partition 0 at offset 3: Checkpoint key: the record has a null key',
    ]);
  });

  it('returns nothing for an empty checkpoints topic without reading it', async () => {
    const kafka = new FakeKafka([TOPIC], { [TOPIC]: { end: 5, earliest: 5, entries: [] } });
    expect(await translate(kafka).result).toEqual([]);
    expect(kafka.reads).toEqual([]);
  });

  it('reads in chunks, from the log start, and ends without waiting when there are no gaps', async () => {
    const entries = Array.from({ length: 25_000 }, (_, i) => checkpoint(100 + i, 'g1', 'A.t', i % 3, i));
    const kafka = new FakeKafka([TOPIC], { [TOPIC]: { end: 25_100, earliest: 100, entries } });
    expect(await translate(kafka).result).toEqual([
      { topic: 'A.t', partition: 0, offset: 24_999, metadata: '', upstreamOffset: 25099 },
      { topic: 'A.t', partition: 1, offset: 24_997, metadata: '', upstreamOffset: 25097 },
      { topic: 'A.t', partition: 2, offset: 24_998, metadata: '', upstreamOffset: 25098 },
    ]);
    // Each read after the first starts at the last record seen (the anchor) and asks one more.
    expect(kafka.reads.map(({ from, count }) => [from, count])).toEqual([[100, 10_000], [10_099, 10_000], [20_098, 5_002]]);
  });

  it('proves the end through gaps (compaction, transaction markers) by re-reading the anchor', async () => {
    // Records at even offsets only; the end offset (41) follows a transaction marker at 40.
    const entries = Array.from({ length: 20 }, (_, i) => checkpoint(2 * i, 'g1', 'A.t', 0, i));
    const kafka = new FakeKafka([TOPIC], { [TOPIC]: { end: 41, entries } });
    expect(await translate(kafka).result).toEqual([{ topic: 'A.t', partition: 0, offset: 19, metadata: '', upstreamOffset: 119 }]);
    expect(kafka.reads.map(({ from, count }) => [from, count])).toEqual([[0, 41], [38, 3]]);
  });

  it('retries reads that deliver nothing, waiting longer each time', async () => {
    const kafka = new FakeKafka([TOPIC], { [TOPIC]: { end: 1, entries: [checkpoint(0, 'g1', 'A.t', 0, 3)] } });
    kafka.emptyReads = 2;
    expect(await translate(kafka).result).toEqual([{ topic: 'A.t', partition: 0, offset: 3, metadata: '', upstreamOffset: 103 }]);
    expect(kafka.reads.map((r) => r.timeoutMs)).toEqual([1_000, 2_000, 4_000]);
  });

  it('throws instead of returning a partial translation when time runs out', async () => {
    const kafka = new FakeKafka([TOPIC], { [TOPIC]: { end: 1, entries: [checkpoint(0, 'g1', 'A.t', 0, 3)] } });
    kafka.emptyReads = Number.POSITIVE_INFINITY;
    const error = await translate(kafka, 30).result.catch((err: unknown) => err);
    expect(isKmirrorError(error, ErrorCodes.TIMEOUT)).toBe(true);
    expect((error as Error).message).toBe('Read A.checkpoints.internal partition 0 up to offset 0 of 1 within 30 ms; ' +
      'give translateOffsets more time, or check that the cluster is reachable.');
  });

  it('says which checkpoints topics exist when the one asked for does not', async () => {
    const kafka = new FakeKafka(['B.checkpoints.internal', 'orders']);
    const error = await translate(kafka).result.catch((err: unknown) => err);
    expect(isKmirrorError(error, ErrorCodes.CHECKPOINTS_TOPIC_MISSING)).toBe(true);
    expect((error as Error).message).toContain('No checkpoints topic A.checkpoints.internal on this cluster');
    expect((error as Error).message).toContain('Checkpoints topics here: B.checkpoints.internal.');
  });

  it('wraps a failed Kafka request with the cluster and the cause', async () => {
    const kafka = new FakeKafka([]);
    const cause = new Error('Local: Broker transport failure');
    kafka.createAdmin = () => ({ metadata: () => Promise.reject(cause), listOffsets: () => Promise.reject(cause), close: () => {} });
    const client = new MirrorClient({ 'bootstrap.servers': 'down:9092' }, { kafka });
    const error = await client.heartbeatTopics().catch((err: unknown) => err);
    expect(error).toMatchObject({ code: 'KMIRROR_KAFKA_REQUEST', canRetry: true, cause,
      message: 'Listing the topics on down:9092 failed: Local: Broker transport failure' });
    await client.close();
  });
});
