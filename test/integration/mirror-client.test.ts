import { describe, expect, it, onTestFinished } from 'vitest';
import { Producer } from '../../src/kafka/rdkafka.js';
import {
  Checkpoint, ErrorCodes, isKmirrorError, MirrorClient, type MirrorClientKafka, type MirrorClientOptions, type RecordFormatError,
} from '../../src/mirror-client/index.js';
import { Admin, readRecords } from '../../src/native/addon.js';
import { bootstrap, createTopic, uniqueTopic } from '../support/kafka.js';
import { endOffsets, produceRecords, waitFor } from '../support/kmirror.js';

/** MM2 creates its internal topics single-partition and compacted. */
const COMPACTED = { 'cleanup.policy': 'compact' };

function client(options: MirrorClientOptions = {}): MirrorClient {
  const mirrorClient = new MirrorClient({ 'bootstrap.servers': bootstrap('target') }, options);
  onTestFinished(() => mirrorClient.close());
  return mirrorClient;
}

function checkpoint(group: string, topic: string, partition: number, upstreamOffset: number, downstreamOffset: number,
  metadata = '') {
  const value = new Checkpoint({ consumerGroupId: group, topicPartition: { topic, partition }, upstreamOffset, downstreamOffset, metadata });
  return { partition: 0, key: value.recordKey(), value: value.recordValue() };
}

interface Read {
  from: number;
  count: number;
  offsets: number[];
}

/** The native addon, with every readRecords call recorded. */
function recordingKafka(reads: Read[]): MirrorClientKafka {
  return {
    createAdmin: (settings) => new Admin(settings),
    async readRecords(settings, topic, partition, from, count, timeoutMs) {
      const records = await readRecords(settings, topic, partition, from, count, timeoutMs);
      reads.push({ from, count, offsets: records.map((r) => r.offset) });
      return records;
    },
  };
}

/** Reads that delivered records: one that delivered none (a slow start on a busy machine) is simply retried. */
function delivering(reads: readonly Read[]): Read[] {
  return reads.filter((read) => read.offsets.length > 0);
}

/** Creates `topic` unless it exists (the `heartbeats` topic is shared by every test of the run). */
async function ensureTopic(servers: string, topic: string): Promise<void> {
  const admin = new Admin({ 'bootstrap.servers': servers });
  try {
    if ((await admin.metadata(10_000)).topics.some((t) => t.name === topic)) return;
  } finally {
    admin.close();
  }
  await createTopic(servers, topic, 1, COMPACTED);
}

/** Produces in one committed transaction, so the partition ends with a transaction marker (MM2 in exactly-once mode). */
async function produceTransactionally(servers: string, topic: string, records: readonly { key: Buffer; value: Buffer }[]): Promise<void> {
  const producer = new Producer({ 'bootstrap.servers': servers, 'transactional.id': uniqueTopic('mirror-client-test') });
  const call = (run: (done: (err: unknown) => void) => void) =>
    new Promise<void>((resolve, reject) => run((err) => (err ? reject(err) : resolve())));
  await call((done) => producer.connect({ timeout: 30_000 }, done));
  try {
    await call((done) => producer.initTransactions(30_000, done));
    await call((done) => producer.beginTransaction(done));
    for (const record of records) producer.produce(topic, 0, record.value, record.key);
    await call((done) => producer.commitTransaction(30_000, done));
  } finally {
    await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
  }
}

describe('MirrorClient.translateOffsets against a real cluster', () => {
  it('keeps the newest checkpoint per partition of the group and skips a corrupt record with a warning', async () => {
    const target = bootstrap('target');
    const source = uniqueTopic('src');
    const topic = `${source}.checkpoints.internal`;
    await createTopic(target, topic, 1, COMPACTED);
    produceRecords(target, topic, [
      checkpoint('g1', `${source}.orders`, 0, 100, 90),
      checkpoint('g1', `${source}.orders`, 1, 200, 190, 'first'),
      checkpoint('g2', `${source}.orders`, 0, 500, 490),
      { partition: 0, key: Buffer.from('not a checkpoint key'), value: Buffer.from([0x00, 0x00, 0x01]) },
      checkpoint('g1', `${source}.orders`, 1, 250, 240, 'later'),
      checkpoint('g1', `${source}.audit`, 0, 7, 6),
    ]);

    const warnings: { message: string; error: RecordFormatError }[] = [];
    const reads: Read[] = [];
    const mirrorClient = client({ onWarning: (message, error) => warnings.push({ message, error }), kafka: recordingKafka(reads) });
    const offsets = await mirrorClient.translateOffsets(source, 'g1', 30_000);

    expect(offsets).toEqual([
      { topic: `${source}.audit`, partition: 0, offset: 6, metadata: '', upstreamOffset: 7 },
      { topic: `${source}.orders`, partition: 0, offset: 90, metadata: '', upstreamOffset: 100 },
      { topic: `${source}.orders`, partition: 1, offset: 240, metadata: 'later', upstreamOffset: 250 },
    ]);
    expect(warnings.map((w) => w.message)).toEqual([
      `Skipped a corrupt record on ${topic} partition 0 at offset 3: ` +
        "Checkpoint value: field 'upstreamOffset' needs 8 bytes at byte 2, only 1 remain (record is 3 bytes)",
    ]);
    expect(warnings[0]!.error).toMatchObject({ code: 'KMIRROR_RECORD_FORMAT', topic, partition: 0, offset: 3 });
    // Without gaps one read gets every record it asks for, so it returns without waiting out its timeout.
    expect(delivering(reads)).toEqual([{ from: 0, count: 6, offsets: [0, 1, 2, 3, 4, 5] }]);

    expect(await mirrorClient.translateOffsets(source, 'g2', 30_000)).toEqual([{ topic: `${source}.orders`, partition: 0, offset: 490, metadata: '', upstreamOffset: 500 }]);
    expect(await mirrorClient.translateOffsets(source, 'nobody', 30_000)).toEqual([]);
  });

  it('reads to the end of a checkpoints topic that ends in a transaction marker', async () => {
    const target = bootstrap('target');
    const source = uniqueTopic('src');
    const topic = `${source}.checkpoints.internal`;
    await createTopic(target, topic, 1, COMPACTED);
    await produceTransactionally(target, topic, [
      checkpoint('g1', `${source}.t`, 0, 10, 9),
      checkpoint('g1', `${source}.t`, 0, 20, 19, 'newest'),
    ]);
    // Two records and the commit marker, which the coordinator writes after the commit returns.
    await waitFor('the commit marker', async () => (await endOffsets(target, topic, 1))[0] === 3, 30_000);

    const reads: Read[] = [];
    const offsets = await client({ kafka: recordingKafka(reads) }).translateOffsets(source, 'g1', 60_000);
    expect(offsets).toEqual([{ topic: `${source}.t`, partition: 0, offset: 19, metadata: 'newest', upstreamOffset: 20 }]);
    // The marker makes the first read short; the second re-reads the last record (the anchor) and
    // finds nothing after it: that proves the end.
    expect(delivering(reads)).toEqual([{ from: 0, count: 3, offsets: [0, 1] }, { from: 1, count: 2, offsets: [1] }]);
  });

  it('names the checkpoints topics that do exist when the one asked for is missing', async () => {
    const target = bootstrap('target');
    const present = uniqueTopic('src');
    await createTopic(target, `${present}.checkpoints.internal`, 1, COMPACTED);
    const missing = uniqueTopic('nowhere');

    const error = await client().translateOffsets(missing, 'g1', 30_000).catch((err: unknown) => err);
    expect(isKmirrorError(error, ErrorCodes.CHECKPOINTS_TOPIC_MISSING), String(error)).toBe(true);
    expect((error as Error).message).toContain(`No checkpoints topic ${missing}.checkpoints.internal on this cluster`);
    expect((error as Error).message).toContain(`${present}.checkpoints.internal`);
  });
});

describe('MirrorClient topic-name queries against a real cluster', () => {
  it('finds heartbeats and checkpoints topics, upstream clusters, hops and remote topics', async () => {
    const target = bootstrap('target');
    const a = uniqueTopic('a');
    const b = uniqueTopic('b');
    const c = uniqueTopic('c'); // reaches target only through b: two hops
    const orders = uniqueTopic('orders');
    await ensureTopic(target, 'heartbeats');
    const created = [`${a}.heartbeats`, `${b}.${a}.heartbeats`, `${b}.${c}.heartbeats`, `${a}.checkpoints.internal`,
      `${a}.${orders}`, `${b}.${a}.${orders}`, orders];
    for (const topic of created) await createTopic(target, topic, 1, topic.endsWith('.internal') ? COMPACTED : {});

    const mirrorClient = client();
    await waitFor('every created topic in the metadata', async () => {
      const topics = new Set([...await mirrorClient.heartbeatTopics(), ...await mirrorClient.remoteTopics(), ...await mirrorClient.checkpointTopics()]);
      return created.filter((t) => t !== orders).every((t) => topics.has(t));
    }, 30_000);

    expect(await mirrorClient.heartbeatTopics()).toEqual(expect.arrayContaining(['heartbeats', `${a}.heartbeats`, `${b}.${a}.heartbeats`, `${b}.${c}.heartbeats`]));
    expect(await mirrorClient.heartbeatTopics()).not.toContain(`${a}.${orders}`);
    expect(await mirrorClient.checkpointTopics()).toContain(`${a}.checkpoints.internal`);
    expect(await mirrorClient.checkpointTopics()).not.toContain(`${a}.heartbeats`);

    expect(await mirrorClient.upstreamClusters()).toEqual(expect.arrayContaining([a, b, c]));
    expect(await mirrorClient.replicationHops(a)).toBe(1);
    expect(await mirrorClient.replicationHops(b)).toBe(1);
    expect(await mirrorClient.replicationHops(c)).toBe(2);
    expect(await mirrorClient.replicationHops(uniqueTopic('unknown'))).toBe(-1);

    // Remote topics: any non-internal topic with a source alias, replicated heartbeats included (as in MM2).
    expect(await mirrorClient.remoteTopics(a)).toEqual([`${a}.heartbeats`, `${a}.${orders}`]);
    expect(await mirrorClient.remoteTopics(b)).toEqual([`${b}.${a}.heartbeats`, `${b}.${a}.${orders}`, `${b}.${c}.heartbeats`].sort());
    const all = await mirrorClient.remoteTopics();
    expect(all).toEqual(expect.arrayContaining([`${a}.heartbeats`, `${a}.${orders}`, `${b}.${a}.${orders}`]));
    expect(all).not.toContain(orders);
    expect(all).not.toContain('heartbeats');
    expect(all).not.toContain(`${a}.checkpoints.internal`);
    expect(all).not.toContain('__consumer_offsets');
  });
});
