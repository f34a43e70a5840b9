import { describe, expect, it } from 'vitest';
import { Admin, type ProducedRecord } from '../../src/native/addon.js';
import { AdminClient } from '../../src/kafka/rdkafka.js';
import { bootstrap, createTopic, uniqueTopic } from '../support/kafka.js';
import { mm2Properties, produceRecords, readAll, startEngine, totalRecords, waitFor } from '../support/kmirror.js';

const clusters = () => ({ source: bootstrap('source'), target: bootstrap('target') });

const produce = (servers: string, topic: string, records: readonly ProducedRecord[]) => produceRecords(servers, topic, records, { 'message.max.bytes': '10000000' });

describe('faults and bad input: a clear signal, nothing lost', () => {
  it('a record larger than the target accepts stops its partition as FAILED, naming topic, partition, offset and limit; others go on', async () => {
    const topic = uniqueTopic('too-large');
    await createTopic(bootstrap('source'), topic, 2);
    // The remote topic exists already, with a small limit (and config sync off, so it stays).
    await createTopic(bootstrap('target'), `source.${topic}`, 2, { 'max.message.bytes': '2000' });
    const small = (i: number) => Buffer.from(`small-${i}`);
    produce(bootstrap('source'), topic, [
      { partition: 0, value: small(0) }, { partition: 0, value: small(1) },
      { partition: 0, value: Buffer.alloc(5000, 1) }, { partition: 0, value: small(3) },
      ...Array.from({ length: 10 }, (_, i) => ({ partition: 1, value: small(i) })),
    ]);
    const engine = await startEngine(mm2Properties(clusters(), {
      'source->target.enabled': true, 'source->target.topics': topic, 'sync.topic.configs.enabled': false,
    }));
    const failed = await waitFor('partition 0 FAILED', () => engine.partitions().find((p) => p.partition === 0 && p.status === 'FAILED'));
    expect(failed).toMatchObject({ topic, partition: 0, failedAt: 2, position: 2 });
    expect(failed.failure).toMatch(/record of 5000 bytes is larger than the target accepts/);
    await waitFor('partition 1 fully copied', () => engine.partitions().find((p) => p.partition === 1 && p.position === 10));
    const [p0, p1] = await readAll(bootstrap('target'), `source.${topic}`, 2);
    expect(p1).toHaveLength(10);
    expect(p0!.slice(0, 2).map((r) => r.value?.toString())).toEqual(['small-0', 'small-1']);
    expect(p0!.some((r) => r.value?.length === 5000)).toBe(false);
    await waitFor('the position stored stops before the refused record', () => engine.partitions().find((p) => p.partition === 0)?.committed === 2);
    const line = engine.logs.find((l) => String(l.msg).startsWith('partition FAILED'));
    expect(line).toMatchObject({ topic, partition: 0, offset: 2, level: 50 });
  });

  it('a remote topic the target refuses to create gets a clear status and is retried', async () => {
    const prefix = uniqueTopic('refused');
    await createTopic(bootstrap('source'), `${prefix}-ok`, 1);
    await createTopic(bootstrap('source'), `${prefix}-bad`, 1);
    produce(bootstrap('source'), `${prefix}-ok`, [{ value: Buffer.from('fine') }]);
    // One broker on the target: a replication factor of 3 is refused for this flow's topics.
    const engine = await startEngine(mm2Properties(clusters(), {
      'source->target.enabled': true, 'source->target.topics': `${prefix}-.*`,
    }).replace('replication.factor = 1', 'replication.factor = 1\nsource->target.replication.factor = 3'));
    const state = await waitFor('creation refused twice', () =>
      engine.status()[0]!.topics.find((t) => t.source === `${prefix}-bad` && t.failedAttempts >= 2), 60_000);
    expect(state.state).toBe('CREATE_FAILED');
    expect(state.reason).toMatch(/the target refused to create source\.refused-.*-bad: INVALID_REPLICATION_FACTOR/);
    expect(engine.logs.some((l) => l.level === 50 && String(l.msg).includes('INVALID_REPLICATION_FACTOR'))).toBe(true);
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
