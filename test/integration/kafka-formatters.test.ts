import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ensureKafkaDistribution } from '../../src/local-kafka/distribution.js';
import { Checkpoint } from '../../src/mirror-client/checkpoint.js';
import { Heartbeat } from '../../src/mirror-client/heartbeat.js';
import { OffsetSync } from '../../src/mirror-client/offset-sync.js';
import { bootstrap, createTopic, uniqueTopic } from '../support/kafka.js';
import { produceRecords } from '../support/kmirror.js';

const run = promisify(execFile);

/** Apache Kafka's own kafka-console-consumer with one of MM2's formatters, from the pinned jars. */
async function consoleConsumer(topic: string, formatter: string, count: number): Promise<string[]> {
  const dist = await ensureKafkaDistribution();
  const { stdout } = await run(dist.java, ['-cp', dist.classpath, 'org.apache.kafka.tools.consumer.ConsoleConsumer',
    '--bootstrap-server', bootstrap('target'), '--topic', topic, '--from-beginning', '--max-messages', String(count),
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
});
