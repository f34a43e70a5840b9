import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ensureKafkaDistribution } from '../../src/local-kafka/distribution.js';
import { Checkpoint } from '../../src/mirror-client/checkpoint.js';
import { Heartbeat } from '../../src/mirror-client/heartbeat.js';
import { OffsetSync } from '../../src/mirror-client/offset-sync.js';
import { readRecords } from '../../src/native/addon.js';
import { bootstrap, createTopic, produce, uniqueTopic } from '../support/kafka.js';
import { endOffsets, mm2Properties, produceRecords, startEngine, waitFor } from '../support/kmirror.js';

const run = promisify(execFile);

/** Apache Kafka's own kafka-console-consumer with one of MM2's formatters, from the pinned jars. */
async function consoleConsumer(topic: string, formatter: string, count: number, cluster = 'target'): Promise<string[]> {
  const dist = await ensureKafkaDistribution();
  const { stdout } = await run(dist.java, ['-cp', dist.classpath, 'org.apache.kafka.tools.consumer.ConsoleConsumer',
    '--bootstrap-server', bootstrap(cluster), '--topic', topic, '--from-beginning', '--max-messages', String(count),
    '--timeout-ms', '20000', '--formatter', `org.apache.kafka.connect.mirror.formatters.${formatter}`], { timeout: 60_000 });
  return stdout.trim().split('\n');
}

// The records kmirror writes are decoded by Apache Kafka's own MM2 formatters into the same values.
describe('interop with Apache Kafka\'s MM2 formatters', () => {
  it('HeartbeatFormatter, CheckpointFormatter and OffsetSyncFormatter read kmirror\'s records', async () => {
    const heartbeats = uniqueTopic('hb');
    const checkpoints = uniqueTopic('cp');
    const syncs = uniqueTopic('os');
    await Promise.all([heartbeats, checkpoints, syncs].map((t) => createTopic(bootstrap('target'), t, 1)));
    const hb = new Heartbeat({ sourceClusterAlias: 'east', targetClusterAlias: 'west', timestamp: 1_700_000_000_000 });
    const cp = new Checkpoint({ consumerGroupId: 'orders-app', topicPartition: { topic: 'east.orders', partition: 3 },
      upstreamOffset: 42, downstreamOffset: 40, metadata: 'm' });
    const os = new OffsetSync({ topicPartition: { topic: 'orders', partition: 3 }, upstreamOffset: 42, downstreamOffset: 40 });
    produceRecords(bootstrap('target'), heartbeats, [{ key: hb.recordKey(), value: hb.recordValue() }]);
    produceRecords(bootstrap('target'), checkpoints, [{ key: cp.recordKey(), value: cp.recordValue() }]);
    produceRecords(bootstrap('target'), syncs, [{ key: os.recordKey(), value: os.recordValue() }]);

    const [hbLine] = await consoleConsumer(heartbeats, 'HeartbeatFormatter', 1);
    expect(hbLine).toBe('Heartbeat{sourceClusterAlias=east, targetClusterAlias=west, timestamp=1700000000000}');
    const [cpLine] = await consoleConsumer(checkpoints, 'CheckpointFormatter', 1);
    expect(cpLine).toBe('Checkpoint{consumerGroupId=orders-app, topicPartition=east.orders-3, upstreamOffset=42, downstreamOffset=40, metadata=m}');
    const [osLine] = await consoleConsumer(syncs, 'OffsetSyncFormatter', 1);
    expect(osLine).toBe('OffsetSync{topicPartition=orders-3, upstreamOffset=42, downstreamOffset=40}');
    // And kmirror's own toString() says the same as Kafka's.
    expect([hb.toString(), cp.toString(), os.toString()]).toEqual([hbLine, cpLine, osLine]);
  }, 120_000);

  it('OffsetSyncFormatter reads the offset syncs the shards write (encoded in C++), byte for byte as the TypeScript encoder', async () => {
    const [a, b] = [uniqueTopic('fa').replace('-', ''), uniqueTopic('fb').replace('-', '')];
    const topic = uniqueTopic('synced');
    await createTopic(bootstrap('source'), topic, 2);
    await produce(bootstrap('source'), topic, Array.from({ length: 10 }, (_, i) => ({ partition: i % 2, value: `v${i}` })));
    await startEngine(mm2Properties({ [a]: bootstrap('source'), [b]: bootstrap('target') }, { [`${a}->${b}.enabled`]: true, [`${a}->${b}.topics`]: topic }));
    const syncsTopic = `mm2-offset-syncs.${b}.internal`;
    // Per partition: the first record (a new lifetime), then the newest at position flushes
    // (how many depends on how the records were fetched), the last one at offset 4.
    const { records, decoded } = await waitFor('offset syncs up to offset 4 of both partitions', async () => {
      const [end] = await endOffsets(bootstrap('source'), syncsTopic, 1).catch(() => [0]);
      if (!end) return undefined;
      const read = await readRecords({ 'bootstrap.servers': bootstrap('source') }, syncsTopic, 0, 0, end, 30_000);
      const all = read.map((r) => OffsetSync.deserialize(r.key, r.value));
      const of = (p: number) => all.filter((d) => d.topicPartition.topic === topic && d.topicPartition.partition === p);
      return [0, 1].every((p) => of(p).at(-1)?.upstreamOffset === 4) ? { records: read, decoded: all } : undefined;
    });
    for (const p of [0, 1]) {
      const mine = decoded.filter((d) => d.topicPartition.partition === p);
      expect(mine[0]).toMatchObject({ upstreamOffset: 0, downstreamOffset: 0 });
      expect(mine.every((d) => d.upstreamOffset === d.downstreamOffset)).toBe(true); // a fresh copy keeps the offsets
    }
    for (const [i, d] of decoded.entries()) {
      expect(records[i]!.key).toEqual(d.recordKey());
      expect(records[i]!.value).toEqual(d.recordValue());
    }
    expect(await consoleConsumer(syncsTopic, 'OffsetSyncFormatter', decoded.length, 'source')).toEqual(decoded.map((d) => d.toString()));
  }, 120_000);
});
