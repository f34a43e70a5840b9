import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalClusters, type LocalClusters } from '../../src/local-kafka/cluster.js';
import { Admin, RecordProducer } from '../../src/native/addon.js';
import { bootstrap, createTopic, uniqueTopic } from '../support/kafka.js';
import { describeVerdict } from '../support/content.js';
import { compareCopy, mm2Properties, startEngine, totalRecords, waitFor } from '../support/kmirror.js';

// source and target come from the global setup; a third cluster is started here.
let third: LocalClusters;
beforeAll(async () => {
  third = await startLocalClusters({ clusters: ['third'], heapMb: 512 });
}, 120_000);
afterAll(async () => {
  await third?.stop();
});

function produce(servers: string, topic: string, count: number, tag: string): void {
  const producer = new RecordProducer({ 'bootstrap.servers': servers });
  producer.produce(topic, Array.from({ length: count }, (_, i) => ({
    key: Buffer.from(`${tag}-key-${i}`), value: Buffer.from(`${tag}-${i}`), headers: [['tag', Buffer.from(tag)]] as [string, Buffer][],
  })));
  const result = producer.flush(30_000);
  producer.close();
  if (result.delivered !== count) throw new Error(`produce to ${topic}: ${JSON.stringify(result)}`);
}

describe('topologies in one process: active-active, fan-out and aggregation, without loops', () => {
  it('replicates every flow once, multi-hop names included, and never back to where a topic came from', async () => {
    const orders = uniqueTopic('orders');
    await createTopic(bootstrap('source'), orders, 1);
    await createTopic(bootstrap('target'), orders, 1);
    produce(bootstrap('source'), orders, 10, 'from-source');
    produce(bootstrap('target'), orders, 20, 'from-target');
    const servers = { source: bootstrap('source'), target: bootstrap('target'), third: third.get('third').bootstrapServers };
    const engine = await startEngine(mm2Properties(servers, {
      topics: `.*${orders}`,
      'source->target.enabled': true, // active-active between source and target
      'target->source.enabled': true,
      'source->third.enabled': true, // fan-out from source, aggregation into third
      'target->third.enabled': true,
    }));

    // Every copy, first hop or second, holds exactly the records of the topic they came from.
    const origin = { source: { servers: servers.source, topic: orders }, target: { servers: servers.target, topic: orders } };
    const expected: [string, string, { servers: string; topic: string }, number][] = [
      [servers.target, `source.${orders}`, origin.source, 10],
      [servers.source, `target.${orders}`, origin.target, 20],
      [servers.third, `source.${orders}`, origin.source, 10],
      [servers.third, `target.${orders}`, origin.target, 20],
      // second hop: target's copy of source.orders reaches third through target->third
      [servers.third, `target.source.${orders}`, origin.source, 10],
      [servers.third, `source.target.${orders}`, origin.target, 20],
    ];
    for (const [cluster, topic, from, count] of expected) {
      await waitFor(`${topic} with ${count} records`, async () => (await totalRecords(cluster, topic, 1).catch(() => 0)) >= count, 60_000)
        .catch((err) => {
          console.log(JSON.stringify(engine.status(), null, 1).slice(0, 6000), engine.logs.filter((l) => (l.level as number) >= 40).map((l) => l.msg).slice(0, 30));
          throw err;
        });
      const verdict = await compareCopy(from, { servers: cluster, topic }, 1);
      console.log(`topologies test: ${topic} on ${cluster}: ${describeVerdict(verdict)}`);
      expect(verdict.partitions[0], `${topic} on ${cluster}: ${describeVerdict(verdict)}`)
        .toMatchObject({ source: count, target: count, lost: 0, duplicates: 0, outOfOrder: 0, foreign: 0 });
    }

    // What each flow selected: a topic never goes back to the cluster it came from.
    // (Heartbeats topics are always replicated, and whether the shared clusters have them depends on earlier tests.)
    const selected = (flow: string) => engine.status().find((f) => f.flow === flow)!.topics.map((t) => t.source)
      .filter((t) => t !== 'heartbeats' && !t.endsWith('.heartbeats')).sort();
    expect(selected('source->target')).toEqual([orders]);
    expect(selected('target->source')).toEqual([orders]);
    expect(selected('source->third')).toEqual([orders, `target.${orders}`].sort());
    expect(selected('target->third')).toEqual([orders, `source.${orders}`].sort());

    for (const [name, cluster] of Object.entries(servers)) {
      const admin = new Admin({ 'bootstrap.servers': cluster });
      const topics = (await admin.metadata()).topics.map((t) => t.name).filter((t) => t.endsWith(orders));
      admin.close();
      const looped = topics.filter((t) => t.startsWith(`${name}.`) || t.includes(`.${name}.`));
      expect(looped, `${name} holds a copy of its own data`).toEqual([]);
    }
  }, 120_000);
});
