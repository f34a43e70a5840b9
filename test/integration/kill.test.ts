import { describe, expect, it } from 'vitest';
import { Admin, RecordProducer } from '../../src/native/addon.js';
import { flowGroupId } from '../../src/engine/shard-settings.js';
import { bootstrap, createTopic, uniqueTopic } from '../support/kafka.js';
import { describeVerdict, type Verdict } from '../support/content.js';
import { compareCopy, endOffsets, mm2Properties, spawnKmirror, totalRecords, waitFor } from '../support/kmirror.js';

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

/**
 * The target's copy judged by content, partition by partition: nothing lost, nothing out of order,
 * nothing foreign; re-copies (duplicates) are allowed and returned. The source must hold what the
 * test wrote: `perPartition` records in each partition.
 */
async function checkComplete(topic: string, perPartition: number): Promise<Verdict> {
  const verdict = await compareCopy({ servers: bootstrap('source'), topic }, { servers: bootstrap('target'), topic: `source.${topic}` }, PARTITIONS);
  const summary = describeVerdict(verdict);
  verdict.partitions.forEach((p, i) => {
    expect(p.source, `partition ${i}: source records (${summary})`).toBe(perPartition);
    expect({ lost: p.lost, outOfOrder: p.outOfOrder, foreign: p.foreign }, `partition ${i}: ${summary}`)
      .toEqual({ lost: 0, outOfOrder: 0, foreign: 0 });
    expect(p.target, `partition ${i}: target = source + duplicates (${summary})`).toBe(p.source + p.duplicates);
  });
  return verdict;
}

describe('delivery: at least once, nothing lost', () => {
  it('SIGKILL at a random point of a copy, then a restart: every source record is on the target', async () => {
    const topic = uniqueTopic('sigkill');
    const count = 200_000;
    const chunk = 10_000;
    await createTopic(bootstrap('source'), topic, PARTITIONS);
    const config = mm2Properties(clusters(), { 'source->target.enabled': true, 'source->target.topics': topic, 'tasks.max': 2 });

    // Records keep arriving while the first process copies. It writes to the target in small
    // requests, one at a time, so copying a chunk takes a good part of a second, not the few
    // milliseconds a probe needs to see it start: the kill lands mid-copy.
    const first = spawnKmirror(config + [
      'source->target.producer.batch.num.messages = 100',
      'source->target.producer.max.in.flight.requests.per.connection = 1',
    ].join('\n') + '\n');
    await waitFor('the first process copying', () => first.output.join('').includes('"msg":"partitions assigned"'), 60_000, 50);
    // From a random chunk on, the process is killed as soon as the target is seen past a random
    // point of the chunk just written and short of its end; a chunk copied whole before that was
    // seen moves the kill to the next one.
    const killFromChunk = 3 + Math.floor(Math.random() * 12);
    const remote = `source.${topic}`;
    let killed: { source: number[]; target: number[]; seen: number } | undefined;
    for (let start = 0; start < count; start += chunk) {
      preloadRange(topic, start, chunk);
      if (killed || start / chunk < killFromChunk) continue;
      const killAt = start + Math.floor(Math.random() * chunk / 2);
      let seen = -1;
      await waitFor('the target part-way through this chunk', async () => {
        seen = await totalRecords(bootstrap('target'), remote, PARTITIONS).catch(() => 0);
        if (seen <= killAt) return false;
        if (seen < start + chunk) first.child.kill('SIGKILL');
        return true;
      }, 60_000, 5);
      if (first.child.killed) {
        await first.exited;
        // What each side held at the kill: the source has not moved since (no chunk written yet).
        const [source, target] = await Promise.all([endOffsets(bootstrap('source'), topic, PARTITIONS), endOffsets(bootstrap('target'), remote, PARTITIONS)]);
        killed = { source, target, seen };
      }
    }
    expect(killed, 'the process was never killed part-way through a chunk').toBeDefined();
    const sum = (xs: number[]) => xs.reduce((x, y) => x + y, 0);
    const atKill = sum(killed!.target);
    const sourceAtKill = sum(killed!.source);
    // The kill landed mid-copy: records were on the target, and the source had more the target lacked.
    expect(atKill).toBeGreaterThan(0);
    expect(atKill, `at the kill the target had ${atKill} of the source's ${sourceAtKill} records`).toBeLessThan(sourceAtKill);

    const second = spawnKmirror(config);
    await waitFor('the second process started', () => second.output.join('').includes('"msg":"kmirror started"'), 60_000, 100);
    const ends = Array.from({ length: PARTITIONS }, () => count / PARTITIONS);
    await waitFor('positions at the source end', async () => JSON.stringify(await storedPositions(`source.${topic}`)) === JSON.stringify(ends), 120_000, 250);
    await second.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    const verdict = await checkComplete(topic, count / PARTITIONS);
    console.log(`SIGKILL test: killed when ${killed!.seen} records were seen on the target; after the kill it had ${atKill} ` +
      `of the ${sourceAtKill} source records (of ${count} in all); ` +
      `after the restart: ${describeVerdict(verdict)}`);
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

    // Distinct records before and after the kill: a lost batch cannot hide behind a copy of itself.
    preloadRange(topic, 0, 40_000);
    await waitFor('some records copied', async () => (await totalRecords(bootstrap('target'), `source.${topic}`, PARTITIONS).catch(() => 0)) > 0, 60_000, 50);
    await a.kill('SIGKILL');
    const atKill = await totalRecords(bootstrap('target'), `source.${topic}`, PARTITIONS);
    preloadRange(topic, 40_000, 40_000);
    const ends = Array.from({ length: PARTITIONS }, () => 80_000 / PARTITIONS);
    await waitFor('the survivor copied everything', async () => JSON.stringify(await storedPositions(`source.${topic}`)) === JSON.stringify(ends), 120_000, 250);
    const verdict = await checkComplete(topic, 80_000 / PARTITIONS);
    console.log(`scale-out test: one of two processes killed with ${atKill} of 40000 records on the target; ` +
      `after the takeover: ${describeVerdict(verdict)}`);
    await b.kill('SIGTERM');
    expect(await b.exited).toBe(0);
  }, 240_000);
});
