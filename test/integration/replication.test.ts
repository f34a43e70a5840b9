import { describe, expect, it } from 'vitest';
import { Admin, type ProducedRecord } from '../../src/native/addon.js';
import { bootstrap, createTopic, uniqueTopic } from '../support/kafka.js';
import { mm2Properties, produceRecords, readAll, startEngine, totalRecords, waitFor } from '../support/kmirror.js';

const clusters = () => ({ source: bootstrap('source'), target: bootstrap('target') });

const produce = (servers: string, topic: string, records: readonly ProducedRecord[]) => produceRecords(servers, topic, records, { 'enable.idempotence': 'true' });

const bin = (...bytes: number[]) => Buffer.from(bytes);

describe('replication source->target', () => {
  it('copies every record byte for byte: keys, values, null and empty, binary and null headers, order, timestamps', async () => {
    const topic = uniqueTopic('exact');
    await createTopic(bootstrap('source'), topic, 3);
    const records: ProducedRecord[] = [
      { partition: 0, key: null, value: bin(1, 2, 3), timestamp: 1_600_000_000_000 },
      { partition: 0, key: Buffer.alloc(0), value: Buffer.alloc(0), timestamp: 1_600_000_000_001 },
      { partition: 0, key: bin(0xff, 0x00), value: null, timestamp: 1_600_000_000_002 }, // a tombstone
      { partition: 1, key: bin(0x80), value: bin(0xff, 0x00, 0x80, 0x41),
        headers: [['bin', bin(0xff, 0x00, 0x80, 0x41)], ['null', null], ['empty', Buffer.alloc(0)], ['bin', bin(0x00)], ['ünï', bin(0xc3)]] },
      { partition: 1, key: Buffer.from('k'), value: Buffer.alloc(1_000, 0xab), headers: [['a', bin(1)], ['a', bin(2)], ['a', bin(3)]] },
      ...Array.from({ length: 300 }, (_, i) => ({ partition: 2, key: Buffer.from(`key-${i}`), value: Buffer.from(`value-${i}`), timestamp: 1_700_000_000_000 + i })),
    ];
    produce(bootstrap('source'), topic, records);
    const engine = await startEngine(mm2Properties(clusters(), { 'source->target.enabled': true, 'source->target.topics': topic }));

    const remote = `source.${topic}`;
    await waitFor('every record on the target', async () => (await totalRecords(bootstrap('target'), remote, 3).catch(() => 0)) === records.length);
    const [source, target] = await Promise.all([readAll(bootstrap('source'), topic, 3), readAll(bootstrap('target'), remote, 3)]);
    expect(target.map((p) => p.length)).toEqual([3, 2, 300]);
    expect(target).toEqual(source); // offsets, keys, values, headers, timestamps, timestamp types
    expect(target[0]![2]!.value).toBeNull();
    expect(target[0]![1]!.value).toEqual(Buffer.alloc(0));
    expect(target[0]![0]!.key).toBeNull();
    expect(target[0]![1]!.key).toEqual(Buffer.alloc(0));
    expect(target[1]![0]!.headers).toEqual([['bin', bin(0xff, 0, 0x80, 0x41)], ['null', null], ['empty', Buffer.alloc(0)], ['bin', bin(0)], ['ünï', bin(0xc3)]]);

    await waitFor('positions stored for every partition', () =>
      engine.partitions().length === 3 && engine.partitions().every((p) => p.committed === p.position && p.position === [3, 2, 300][p.partition]));
    expect(engine.partitions().map((p) => [p.partition, p.status, p.records])).toEqual([[0, 'RUNNING', 3], [1, 'RUNNING', 2], [2, 'RUNNING', 300]]);
  });

  it('creates the remote topic with the source partition count and topic configs, minus the excluded ones', async () => {
    const topic = uniqueTopic('configs');
    await createTopic(bootstrap('source'), topic, 5, { 'retention.ms': '123456789', 'min.insync.replicas': '1', 'cleanup.policy': 'compact' });
    await startEngine(mm2Properties(clusters(), { 'source->target.enabled': true, 'source->target.topics': topic }));
    const remote = `source.${topic}`;
    const admin = new Admin({ 'bootstrap.servers': bootstrap('target') });
    try {
      const [config] = await waitFor('the remote topic', async () => {
        const result = await admin.describeTopicConfigs([remote]);
        return result[0]?.error === null ? result : undefined;
      });
      const overrides = Object.fromEntries(config!.entries.filter((e) => e.source === 'DYNAMIC_TOPIC_CONFIG').map((e) => [e.name, e.value]));
      expect(overrides).toEqual({ 'retention.ms': '123456789', 'cleanup.policy': 'compact' });
      const meta = await admin.metadata();
      expect(meta.topics.find((t) => t.name === remote)?.partitions).toHaveLength(5);
    } finally {
      admin.close();
    }
  });

  it('picks up new topics and partition increases, and keeps source config changes in sync', async () => {
    const prefix = uniqueTopic('grow');
    const first = `${prefix}-a`;
    await createTopic(bootstrap('source'), first, 1);
    const engine = await startEngine(mm2Properties(clusters(), { 'source->target.enabled': true, 'source->target.topics': `${prefix}-.*` }));
    await waitFor('the first remote topic', () => engine.status()[0]!.topics.some((t) => t.source === first && t.state === 'REPLICATING'));

    const second = `${prefix}-b`;
    await createTopic(bootstrap('source'), second, 2);
    produce(bootstrap('source'), second, [{ partition: 1, value: Buffer.from('x') }]);
    await waitFor('the new topic replicated', async () => (await totalRecords(bootstrap('target'), `source.${second}`, 2).catch(() => 0)) === 1);

    const admin = new Admin({ 'bootstrap.servers': bootstrap('source') });
    const targetAdmin = new Admin({ 'bootstrap.servers': bootstrap('target') });
    try {
      expect((await admin.createPartitions([{ name: first, totalCount: 3 }]))[0]!.error).toBeNull();
      await waitFor('the remote topic grown to 3 partitions', async () =>
        (await targetAdmin.metadata()).topics.find((t) => t.name === `source.${first}`)?.partitions.length === 3);
      produce(bootstrap('source'), first, [{ partition: 2, value: Buffer.from('on the new partition') }]);
      await waitFor('a record on the new partition replicated', async () =>
        (await totalRecords(bootstrap('target'), `source.${first}`, 3).catch(() => 0)) === 1, 30_000).catch((err) => {
        console.log(JSON.stringify(engine.partitions(), null, 1), engine.logs.filter((l) => (l.level as number) >= 30).map((l) => l.msg));
        throw err;
      });

      expect((await admin.incrementalAlterTopicConfigs([{ name: first, ops: [{ name: 'retention.ms', op: 'SET', value: '7777777' }] }]))[0]!.error).toBeNull();
      await waitFor('the config change synced', async () => {
        const [config] = await targetAdmin.describeTopicConfigs([`source.${first}`]);
        return config!.entries.find((e) => e.name === 'retention.ms')?.value === '7777777';
      });
    } finally {
      admin.close();
      targetAdmin.close();
    }
  });

  it('resumes from the stored positions after a clean restart: nothing copied twice', async () => {
    const topic = uniqueTopic('resume');
    await createTopic(bootstrap('source'), topic, 2);
    const config = mm2Properties(clusters(), { 'source->target.enabled': true, 'source->target.topics': topic });
    produce(bootstrap('source'), topic, Array.from({ length: 200 }, (_, i) => ({ partition: i % 2, value: Buffer.from(`a${i}`) })));
    const first = await startEngine(config);
    await waitFor('the first 200 copied', async () => (await totalRecords(bootstrap('target'), `source.${topic}`, 2).catch(() => 0)) === 200);
    await first.stop();

    produce(bootstrap('source'), topic, Array.from({ length: 100 }, (_, i) => ({ partition: i % 2, value: Buffer.from(`b${i}`) })));
    const second = await startEngine(config);
    await waitFor('the next 100 copied', async () => (await totalRecords(bootstrap('target'), `source.${topic}`, 2)) >= 300);
    await waitFor('positions at the end', () => second.partitions().length === 2 && second.partitions().every((p) => p.committed === 150));
    expect(await totalRecords(bootstrap('target'), `source.${topic}`, 2)).toBe(300);
    const target = await readAll(bootstrap('target'), `source.${topic}`, 2);
    const source = await readAll(bootstrap('source'), topic, 2);
    expect(target.map((p) => p.map((r) => r.value?.toString()))).toEqual(source.map((p) => p.map((r) => r.value?.toString())));
  });

  it('with auto.offset.reset=latest, starts new partitions at their end', async () => {
    const topic = uniqueTopic('latest');
    await createTopic(bootstrap('source'), topic, 1);
    produce(bootstrap('source'), topic, [{ value: Buffer.from('old') }]);
    const engine = await startEngine(mm2Properties(clusters(), {
      'source->target.enabled': true, 'source->target.topics': topic, 'source.consumer.auto.offset.reset': 'latest',
    }));
    await waitFor('the partition assigned at the end', () => engine.partitions().some((p) => p.position === 1 && p.committed === 1));
    produce(bootstrap('source'), topic, [{ value: Buffer.from('new') }]);
    await waitFor('the new record copied', async () => (await totalRecords(bootstrap('target'), `source.${topic}`, 1)) === 1);
    const [records] = await readAll(bootstrap('target'), `source.${topic}`, 1);
    expect(records!.map((r) => r.value?.toString())).toEqual(['new']);
  });
});
