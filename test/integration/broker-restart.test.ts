import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalClusters, type LocalClusters } from '../../src/local-kafka/cluster.js';
import { Admin, RecordProducer } from '../../src/native/addon.js';
import { uniqueTopic } from '../support/kafka.js';
import { describeVerdict } from '../support/content.js';
import { compareCopy, mm2Properties, startEngine, totalRecords, waitFor } from '../support/kmirror.js';

// Clusters of its own: this test restarts brokers.
let clusters: LocalClusters;
beforeAll(async () => {
  clusters = await startLocalClusters({ clusters: ['east', 'west'], heapMb: 512 });
}, 120_000);
afterAll(async () => {
  await clusters?.stop();
});

type Engine = Awaited<ReturnType<typeof startEngine>>;

/**
 * The flow's partitions as a report made after the broker went down shows them: the report that
 * carries the clients' statistics showing no connection to it (every shard) carries these too. A
 * position (every record below it acknowledged by the target) never moves back, so it bounds
 * what had been copied when the broker stopped.
 */
function afterBrokerDown(engine: Engine, topic: string, side: 'consumer' | 'producer'): { position: number; produced: number }[] | false {
  const [flow] = engine.status();
  if (!flow || flow.shards.length === 0) return false;
  const down = flow.shards.every((s) => s.running && (side === 'consumer' ? s.clients?.consumerBrokersUp : s.clients?.producerBrokersUp) === 0);
  return down && flow.partitions.filter((p) => p.topic === topic).map((p) => ({ position: p.position, produced: p.produced }));
}

const sum = (xs: readonly number[]) => xs.reduce((x, y) => x + y, 0);

describe('broker restarts', () => {
  it('replication resumes without loss after the target broker is killed and the source broker restarted, each mid-copy', async () => {
    const east = clusters.get('east');
    const west = clusters.get('west');
    const topic = uniqueTopic('restart');
    const admin = new Admin({ 'bootstrap.servers': east.bootstrapServers });
    await admin.createTopics([{ name: topic, partitions: 3, replicationFactor: 1 }]);
    admin.close();
    const count = 30_000;
    // Small batches on the source: a fetch brings a few hundred records, not thousands.
    const producer = new RecordProducer({ 'bootstrap.servers': east.bootstrapServers, 'linger.ms': '20', 'batch.size': '16384' });
    producer.produce(topic, Array.from({ length: count }, (_, i) => ({ partition: i % 3, key: Buffer.from(String(i)), value: Buffer.from(`r${i}-${'y'.repeat(100)}`) })));
    expect(producer.flush(60_000).delivered).toBe(count);
    producer.close();

    // A slow target (small batches, one request at a time) and small buffers: the copy takes
    // seconds, and at any moment the engine holds only a few thousand records it has fetched and
    // not had acknowledged, so a broker stopped well before the end stops mid-copy.
    const engine = await startEngine(mm2Properties({ east: east.bootstrapServers, west: west.bootstrapServers }, {
      'east->west.enabled': true, 'east->west.topics': topic,
      'east->west.producer.batch.num.messages': 10, 'east->west.producer.max.in.flight.requests.per.connection': 1,
      'east->west.producer.queue.buffering.max.kbytes': 256,
      'east->west.consumer.queued.max.messages.kbytes': 64, 'east->west.consumer.max.partition.fetch.bytes': 65536,
    }));
    const remote = `east.${topic}`;
    const acked = (at: readonly { position: number }[]) => sum(at.map((p) => p.position));
    const show = (at: readonly { position: number; produced: number }[]) =>
      `${acked(at)} of ${count} acknowledged, ${sum(at.map((p) => p.produced))} handed to the producer`;
    const recentWarnings = () => JSON.stringify(engine.logs.filter((l) => (l.level as number) >= 40).map((l) => l.msg).slice(-10));
    // Each broker is stopped from inside a probe, the moment the engine is seen between `from`
    // and `count - 15_000` records acknowledged (the signal goes out before the probe returns).
    const stopWhileCopying = async (what: string, from: number, stop: () => Promise<void>): Promise<number> => {
      let seen = -1;
      let stopping: Promise<void> | undefined;
      const outcome = await waitFor(what, () => {
        seen = acked(engine.partitions());
        if (seen <= from) return false;
        if (seen >= count - 15_000) return 'too late';
        stopping = stop();
        return 'stopping';
      }, 90_000, 20).catch((err: unknown) => {
        throw new Error(`${(err as Error).message}; now ${show(engine.partitions())}; last warnings: ${recentWarnings()}`);
      });
      if (outcome === 'too late') throw new Error(`${what}: the copy got to ${seen} of ${count} acknowledged before a probe saw it`);
      await stopping;
      return seen;
    };

    let atTargetKill: { position: number; produced: number }[] = [];
    const seenBeforeKill = await stopWhileCopying('the target killed once a first part is copied', 5_000, () => west.restart({
      hard: true,
      whileDown: async () => {
        atTargetKill = await waitFor('a report made after the target went down', () => afterBrokerDown(engine, topic, 'producer'), 30_000, 50);
        // Readiness follows the clients' connections (librdkafka statistics, every 5 s).
        await waitFor('not ready while the target is down', () =>
          engine.engine.readiness().reasons.some((r) => r.includes('has no connection to west')), 30_000, 100);
      },
    }));
    let atSourceStop: { position: number; produced: number }[] = [];
    const seenBeforeStop = await stopWhileCopying('the source stopped once copying resumed after the target came back', acked(atTargetKill), () => east.restart({
      whileDown: async () => {
        atSourceStop = await waitFor('a report made after the source went down', () => afterBrokerDown(engine, topic, 'consumer'), 30_000, 50);
      },
    }));
    console.log(`broker-restart test: target killed at ${seenBeforeKill} acknowledged, after it ${show(atTargetKill)}; ` +
      `source stopped at ${seenBeforeStop} acknowledged, after it ${show(atSourceStop)}`);
    // Mid-copy at each stop: the copy had started (the target had acknowledged records) and had
    // not finished (the source held records the target had not acknowledged).
    for (const [what, at] of [['target killed', atTargetKill], ['source stopped', atSourceStop]] as const) {
      expect(at, what).toHaveLength(3);
      expect(acked(at), `${what}: ${JSON.stringify(at)}`).toBeGreaterThan(0);
      expect(acked(at), `${what}: ${JSON.stringify(at)}`).toBeLessThan(count);
    }
    await waitFor('positions at the end', () => engine.partitions().length === 3 && engine.partitions().every((p) => p.committed === count / 3), 120_000, 200);

    // Read back once the restarted source answers again (right after a restart it may refuse with UNKNOWN_LEADER_EPOCH).
    const verdict = await waitFor('both topics read back', () => compareCopy({ servers: east.bootstrapServers, topic }, { servers: west.bootstrapServers, topic: remote }, 3), 60_000, 500);
    const summary = describeVerdict(verdict);
    console.log(`broker-restart test: after both restarts: ${summary}`);
    verdict.partitions.forEach((p, i) => expect({ source: p.source, lost: p.lost, outOfOrder: p.outOfOrder, foreign: p.foreign }, `partition ${i}: ${summary}`)
      .toEqual({ source: count / 3, lost: 0, outOfOrder: 0, foreign: 0 }));
    expect(engine.partitions().every((p) => p.status === 'RUNNING')).toBe(true);
    await waitFor('ready again', () => engine.engine.readiness().ready, 30_000, 100);
  }, 300_000);
});
