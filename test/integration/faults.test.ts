import { describe, expect, it } from 'vitest';
import { Admin, type ProducedRecord } from '../../src/native/addon.js';
import { AdminClient } from '../../src/kafka/rdkafka.js';
import { bootstrap, createTopic, uniqueTopic } from '../support/kafka.js';
import { comparePartition, compareContent, describeVerdict, type PartitionVerdict } from '../support/content.js';
import { compareCopy, digestsOf, mm2Properties, produceRecords, readAll, startEngine, totalRecords, waitFor } from '../support/kmirror.js';

const clusters = () => ({ source: bootstrap('source'), target: bootstrap('target') });

const produce = (servers: string, topic: string, records: readonly ProducedRecord[]) => produceRecords(servers, topic, records, { 'message.max.bytes': '10000000' });

describe('faults and bad input: a clear signal, nothing lost', () => {
  it('a record larger than the target accepts stops its partition as FAILED, naming topic, partition, offset and limit; others go on', async () => {
    const topic = uniqueTopic('too-large');
    await createTopic(bootstrap('source'), topic, 2);
    // The remote topic exists already, with a small limit (and config sync off, so it stays).
    await createTopic(bootstrap('target'), `source.${topic}`, 2, { 'max.message.bytes': '2000' });
    const small = (i: number) => Buffer.from(`small-${i}`);
    // Partition 0: two records, the refused one at offset 2, then more that must not be copied
    // (the partition stops there: nothing after a refused record, nothing skipped).
    produce(bootstrap('source'), topic, [
      { partition: 0, value: small(0) }, { partition: 0, value: small(1) },
      { partition: 0, value: Buffer.alloc(5000, 1) },
      ...Array.from({ length: 5 }, (_, i) => ({ partition: 0, key: Buffer.from(`after-${i}`), value: small(3 + i) })),
      ...Array.from({ length: 10 }, (_, i) => ({ partition: 1, value: small(i) })),
    ]);
    const engine = await startEngine(mm2Properties(clusters(), {
      'source->target.enabled': true, 'source->target.topics': topic, 'sync.topic.configs.enabled': false,
    }));
    // FAILED may come before the records ahead of it are acknowledged: wait for those to settle.
    const failed = await waitFor('partition 0 FAILED, nothing in flight', () =>
      engine.partitions().find((p) => p.partition === 0 && p.status === 'FAILED' && p.inFlight === 0));
    expect(failed).toMatchObject({ topic, partition: 0, failedAt: 2, position: 2 });
    expect(failed.failure).toMatch(/record of 5000 bytes is larger than the target accepts/);
    await waitFor('partition 1 fully copied', () => engine.partitions().find((p) => p.partition === 1 && p.committed === 10));
    await waitFor('the position stored stops before the refused record', () => engine.partitions().find((p) => p.partition === 0)?.committed === 2);
    // Still FAILED at exactly the refused record, with its reason, once everything settled.
    expect(engine.partitions().find((p) => p.partition === 0)).toMatchObject({ status: 'FAILED', failedAt: 2, position: 2, committed: 2 });
    const line = engine.logs.find((l) => String(l.msg).startsWith('partition FAILED'));
    expect(line).toMatchObject({ topic, partition: 0, offset: 2, level: 50 });
    // Stopped before reading, so nothing the shard still had in flight arrives after the check.
    await engine.stop();

    const [source, target] = await Promise.all([digestsOf(bootstrap('source'), topic, 2), digestsOf(bootstrap('target'), `source.${topic}`, 2)]);
    expect(source.map((p) => p.length)).toEqual([8, 10]);
    // Partition 0 holds exactly the source records before the refused one: a record after it
    // (copied past the failure) is foreign to that prefix, a skipped one is lost.
    const exact = (source: number): PartitionVerdict =>
      ({ source, target: source, lost: 0, duplicates: 0, outOfOrder: 0, foreign: 0, firstLost: -1, firstDisorder: -1 });
    const before = comparePartition(source[0]!.slice(0, 2), target[0]!);
    const whole = compareContent([source[0]!], [target[0]!]);
    expect(before, `partition 0 against its records before the refused one; against the whole source: ${describeVerdict(whole)}`)
      .toEqual(exact(2));
    expect(comparePartition(source[1]!, target[1]!), 'partition 1').toEqual(exact(10));
  });

  it('a remote topic the target refuses to create gets a clear status and is retried; its neighbours are copied', async () => {
    const prefix = uniqueTopic('refused');
    // A source topic name of Kafka's maximum length (249): its remote name ("source." + name) is
    // too long for the target, which refuses to create it. The other topic of the flow is fine.
    const bad = `${prefix}-bad-`.padEnd(249, 'x');
    await createTopic(bootstrap('source'), `${prefix}-ok`, 1);
    await createTopic(bootstrap('source'), bad, 1);
    const ok = Array.from({ length: 20 }, (_, i) => ({
      key: i % 5 === 0 ? null : Buffer.from(`k${i}`), value: i === 7 ? null : Buffer.from(`fine-${i}`),
      headers: [['n', Buffer.from(String(i))]] as [string, Buffer][],
    }));
    produce(bootstrap('source'), `${prefix}-ok`, ok);
    const engine = await startEngine(mm2Properties(clusters(), {
      'source->target.enabled': true, 'source->target.topics': `${prefix}-.*`,
    }));
    const state = await waitFor('creation refused twice', () =>
      engine.status()[0]!.topics.find((t) => t.source === bad && t.failedAttempts >= 2), 60_000);
    expect(state.state).toBe('CREATE_FAILED');
    expect(state.reason, state.reason).toMatch(/the target refused to create source\.refused-.*-bad-x+: TOPIC_EXCEPTION/);
    expect(engine.logs.some((l) => l.level === 50 && String(l.msg).includes('TOPIC_EXCEPTION'))).toBe(true);

    // The other topic of the same flow is copied whole and exactly, refused neighbour or not.
    await waitFor('the -ok topic copied', () => engine.partitions().find((p) => p.topic === `${prefix}-ok` && p.committed === ok.length), 60_000);
    expect(engine.status()[0]!.topics.find((t) => t.source === `${prefix}-ok`)?.state).toBe('REPLICATING');
    const verdict = await compareCopy({ servers: bootstrap('source'), topic: `${prefix}-ok` },
      { servers: bootstrap('target'), topic: `source.${prefix}-ok` }, 1);
    expect(verdict.partitions[0]!.source, describeVerdict(verdict)).toBe(ok.length);
    expect(verdict.partitions[0]!, describeVerdict(verdict)).toMatchObject({ target: ok.length, lost: 0, duplicates: 0, outOfOrder: 0, foreign: 0 });
  }, 90_000);

  it('a deleted source topic stops its replication and keeps the remote topic', async () => {
    const topic = uniqueTopic('deleted');
    const admin = AdminClient.create({ 'bootstrap.servers': bootstrap('source') });
    await new Promise<void>((resolve, reject) => admin.createTopic({ topic, num_partitions: 1, replication_factor: 1 },
      (err) => (err ? reject(err) : resolve())));
    produce(bootstrap('source'), topic, [{ value: Buffer.from('kept') }]);
    const engine = await startEngine(mm2Properties(clusters(), { 'source->target.enabled': true, 'source->target.topics': topic }));
    await waitFor('the record copied', async () => (await totalRecords(bootstrap('target'), `source.${topic}`, 1).catch(() => 0)) === 1);
    await new Promise<void>((resolve, reject) => admin.deleteTopic(topic, (err) => (err ? reject(err) : resolve())));
    admin.disconnect();
    const state = await waitFor('SOURCE_DELETED', () => engine.status()[0]!.topics.find((t) => t.source === topic && t.state === 'SOURCE_DELETED'));
    expect(state.reason).toContain('the source topic was deleted');
    expect(await totalRecords(bootstrap('target'), `source.${topic}`, 1)).toBe(1);
  });

  it('records deleted at the source before they were copied are a data-loss event with the exact count, never a silent rewind', async () => {
    const topic = uniqueTopic('loss');
    await createTopic(bootstrap('source'), topic, 1);
    const config = mm2Properties(clusters(), { 'source->target.enabled': true, 'source->target.topics': topic });
    produce(bootstrap('source'), topic, Array.from({ length: 100 }, (_, i) => ({ value: Buffer.from(`a${i}`) })));
    const first = await startEngine(config);
    await waitFor('the first 100 copied', () => first.partitions()[0]?.committed === 100);
    await first.stop();

    produce(bootstrap('source'), topic, Array.from({ length: 100 }, (_, i) => ({ value: Buffer.from(`b${i}`) })));
    const admin = new Admin({ 'bootstrap.servers': bootstrap('source') });
    const [deleted] = await admin.deleteRecords([{ topic, partition: 0, offset: 150 }]);
    admin.close();
    expect(deleted!.offset).toBe(150);

    const second = await startEngine(config);
    await waitFor('the rest copied', () => second.partitions()[0]?.committed === 200, 30_000).catch((err) => {
      console.log(JSON.stringify(second.partitions()), second.logs.filter((l) => (l.level as number) >= 30).map((l) => l.msg));
      throw err;
    });
    expect(second.partitions()[0]!.lostRecords).toBe(50);
    const line = second.logs.find((l) => String(l.msg).startsWith('DATA LOSS'));
    expect(line).toMatchObject({ topic, partition: 0, lostRecords: 50, level: 50 });
    expect(String(line!.msg)).toContain('source records 100..149 were deleted before they were replicated (50 records lost)');
    const [records] = await readAll(bootstrap('target'), `source.${topic}`, 1);
    expect(records!.map((r) => r.value?.toString())).toEqual([
      ...Array.from({ length: 100 }, (_, i) => `a${i}`), ...Array.from({ length: 50 }, (_, i) => `b${i + 50}`)]);
  });
});
