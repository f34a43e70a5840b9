import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalClusters, type LocalClusters } from '../../src/local-kafka/cluster.js';
import { Admin, RecordProducer } from '../../src/native/addon.js';
import { uniqueTopic } from '../support/kafka.js';
import { mm2Properties, readAll, startEngine, totalRecords, waitFor } from '../support/kmirror.js';

// Clusters of its own: this test restarts brokers.
let clusters: LocalClusters;
beforeAll(async () => {
  clusters = await startLocalClusters({ clusters: ['east', 'west'], heapMb: 512 });
}, 120_000);
afterAll(async () => {
  await clusters?.stop();
});

describe('broker restarts', () => {
  it('replication resumes without loss after the target broker is killed and the source broker restarted', async () => {
    const east = clusters.get('east');
    const west = clusters.get('west');
    const topic = uniqueTopic('restart');
    const admin = new Admin({ 'bootstrap.servers': east.bootstrapServers });
    await admin.createTopics([{ name: topic, partitions: 3, replicationFactor: 1 }]);
    admin.close();
    const count = 60_000;
    const producer = new RecordProducer({ 'bootstrap.servers': east.bootstrapServers, 'linger.ms': '20' });
    producer.produce(topic, Array.from({ length: count }, (_, i) => ({ partition: i % 3, value: Buffer.from(`r${i}-${'y'.repeat(100)}`) })));
    expect(producer.flush(60_000).delivered).toBe(count);
    producer.close();

    const engine = await startEngine(mm2Properties({ east: east.bootstrapServers, west: west.bootstrapServers }, {
      'east->west.enabled': true, 'east->west.topics': topic,
    }));
    const remote = `east.${topic}`;
    await waitFor('a first part copied', async () => (await totalRecords(west.bootstrapServers, remote, 3).catch(() => 0)) > 5_000, 60_000, 20);
    await west.restart({
      hard: true,
      // Readiness follows the clients' connections (librdkafka statistics, every 5 s).
      whileDown: () => waitFor('not ready while the target is down', () =>
        engine.engine.readiness().reasons.some((r) => r.includes('has no connection to west')), 30_000, 100).then(() => undefined),
    });
    await waitFor('more copied after the target came back', async () => (await totalRecords(west.bootstrapServers, remote, 3)) > 30_000, 90_000, 50);
    await east.restart();
    await waitFor('positions at the end', () => engine.partitions().length === 3 && engine.partitions().every((p) => p.committed === count / 3), 120_000, 200);

    const copied = await readAll(west.bootstrapServers, remote, 3);
    const seen = new Set(copied.flat().map((r) => r.value!.toString().split('-')[0]));
    const missing = Array.from({ length: count }, (_, i) => `r${i}`).filter((v) => !seen.has(v));
    expect(missing).toEqual([]);
    expect(engine.partitions().every((p) => p.status === 'RUNNING')).toBe(true);
    await waitFor('ready again', () => engine.engine.readiness().ready, 30_000, 100);
  }, 300_000);
});
