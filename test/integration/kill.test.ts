import { describe, expect, it } from 'vitest';
import { Admin, RecordProducer } from '../../src/native/addon.js';
import { flowGroupId } from '../../src/engine/shard-settings.js';
import { bootstrap, createTopic, uniqueTopic } from '../support/kafka.js';
import { mm2Properties, readAll, spawnKmirror, totalRecords, waitFor } from '../support/kmirror.js';

const clusters = () => ({ source: bootstrap('source'), target: bootstrap('target') });
const PARTITIONS = 4;

/** Records `from`..`from + count - 1` with unique values `<partition>:<i>` of ~200 bytes. */
function preloadRange(topic: string, from: number, count: number): void {
  const producer = new RecordProducer({ 'bootstrap.servers': bootstrap('source'), 'linger.ms': '20', 'batch.size': '1000000' });
  const pad = 'x'.repeat(180);
  for (let start = from; start < from + count; start += 10_000) {
    producer.produce(topic, Array.from({ length: Math.min(10_000, from + count - start) }, (_, j) => {
      const i = start + j;
      return { partition: i % PARTITIONS, key: Buffer.from(String(i)), value: Buffer.from(`${i % PARTITIONS}:${i}:${pad}`) };
    }));
  }
  const result = producer.flush(60_000);
  producer.close();
  if (result.delivered !== count) throw new Error(`preload: ${JSON.stringify(result)}`);
}

const preload = (topic: string, count: number) => preloadRange(topic, 0, count);

/** The flow's stored positions on the target, per remote partition. */
async function storedPositions(remote: string): Promise<number[]> {
  const admin = new Admin({ 'bootstrap.servers': bootstrap('target') });
  try {
    const offsets = await admin.listConsumerGroupOffsets(flowGroupId({ source: 'source', target: 'target' }),
      Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: remote, partition })));
    return offsets.sort((a, b) => a.partition - b.partition).map((o) => o.offset);
  } finally {
    admin.close();
  }
}

/** Every source record is on the target (by content); returns how many target records are duplicates. */
async function checkComplete(topic: string): Promise<{ duplicates: number; perPartition: number[] }> {
  const [source, target] = await Promise.all([readAll(bootstrap('source'), topic, PARTITIONS), readAll(bootstrap('target'), `source.${topic}`, PARTITIONS)]);
  const perPartition: number[] = [];
  for (let p = 0; p < PARTITIONS; p++) {
    const copied = new Set(target[p]!.map((r) => r.value!.toString()));
    const missing = source[p]!.filter((r) => !copied.has(r.value!.toString()));
    expect(missing.length, `partition ${p}: ${missing.length} source records missing on the target`).toBe(0);
    perPartition.push(target[p]!.length - source[p]!.length);
  }
  return { duplicates: perPartition.reduce((a, b) => a + b, 0), perPartition };
}

describe('delivery: at least once, nothing lost', () => {
  it('SIGKILL at a random point of a copy, then a restart: every source record is on the target', async () => {
    const topic = uniqueTopic('sigkill');
    const count = 200_000;
    const chunk = 10_000;
    await createTopic(bootstrap('source'), topic, PARTITIONS);
    const config = mm2Properties(clusters(), { 'source->target.enabled': true, 'source->target.topics': topic, 'tasks.max': 2 });

    // Records keep arriving while the first process copies, so the kill lands mid-copy.
    const first = spawnKmirror(config);
    await waitFor('the first process copying', () => first.output.join('').includes('"msg":"partitions assigned"'), 60_000, 50);
    const killAfterChunk = 3 + Math.floor(Math.random() * 12);
    let atKill = -1;
    for (let start = 0; start < count; start += chunk) {
      preloadRange(topic, start, chunk);
      if (start / chunk === killAfterChunk) {
        await waitFor('some of this chunk copied', async () => (await totalRecords(bootstrap('target'), `source.${topic}`, PARTITIONS).catch(() => 0)) > start, 60_000, 10);
        await first.kill('SIGKILL');
        atKill = await totalRecords(bootstrap('target'), `source.${topic}`, PARTITIONS);
      }
    }
    expect(atKill).toBeGreaterThan(0);
    expect(atKill).toBeLessThan(count);

    const second = spawnKmirror(config);
    await waitFor('the second process started', () => second.output.join('').includes('"msg":"kmirror started"'), 60_000, 100);
    const ends = Array.from({ length: PARTITIONS }, () => count / PARTITIONS);
    await waitFor('positions at the source end', async () => JSON.stringify(await storedPositions(`source.${topic}`)) === JSON.stringify(ends), 120_000, 250);
    await second.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    const { duplicates, perPartition } = await checkComplete(topic);
    console.log(`SIGKILL test: killed after ${atKill} of ${count} records were on the target; ` +
      `duplicates after restart: ${duplicates} (per partition ${perPartition.join(', ')})`);
  }, 240_000);

  it('two processes share a flow through the consumer group; when one dies the other takes over, nothing lost', async () => {
    const topic = uniqueTopic('scale-out');
    await createTopic(bootstrap('source'), topic, PARTITIONS);
    const config = mm2Properties(clusters(), {
      'source->target.enabled': true, 'source->target.topics': topic, 'tasks.max': 1,
      'source.consumer.session.timeout.ms': 6000, 'source.consumer.heartbeat.interval.ms': 500,
    });
    const a = spawnKmirror(config);
    const b = spawnKmirror(config);
    const assigned = (p: { output: string[] }) => p.output.join('').split('\n')
      .some((line) => line.includes('"msg":"partitions assigned"') && !line.includes('"partitions":0'));
    await waitFor('both processes own partitions', () => assigned(a) && assigned(b), 90_000, 250).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}\nfirst process:\n${a.output.join('').slice(-2000)}\nsecond process:\n${b.output.join('').slice(-2000)}`);
    });

    preload(topic, 40_000);
    await waitFor('some records copied', async () => (await totalRecords(bootstrap('target'), `source.${topic}`, PARTITIONS).catch(() => 0)) > 0, 60_000, 50);
    await a.kill('SIGKILL');
    preload(topic, 40_000);
    const ends = Array.from({ length: PARTITIONS }, () => 80_000 / PARTITIONS);
    await waitFor('the survivor copied everything', async () => JSON.stringify(await storedPositions(`source.${topic}`)) === JSON.stringify(ends), 120_000, 250);
    const { duplicates } = await checkComplete(topic);
    console.log(`scale-out test: duplicates after one of two processes was killed: ${duplicates}`);
    await b.kill('SIGTERM');
    expect(await b.exited).toBe(0);
  }, 240_000);
});
