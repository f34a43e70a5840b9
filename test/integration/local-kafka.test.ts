import { describe, expect, it } from 'vitest';
import { fetchMetadata } from '../../src/kafka/probe.js';
import { features } from '../../src/kafka/rdkafka.js';
import { bootstrap, consume, createTopic, produce, uniqueTopic } from '../support/kafka.js';

describe('the local Kafka clusters of a test run', () => {
  it('are two independent real clusters, source and target', async () => {
    const topic = uniqueTopic('only-on-source');
    await createTopic(bootstrap('source'), topic);
    const [source, target] = await Promise.all([
      fetchMetadata(bootstrap('source'), 10_000),
      fetchMetadata(bootstrap('target'), 10_000),
    ]);
    expect(bootstrap('source')).not.toBe(bootstrap('target'));
    expect(source.topics.map((t) => t.name)).toContain(topic);
    expect(target.topics.map((t) => t.name)).not.toContain(topic);
  });

  it('round-trips records through a topic on source: keys, values, null value, headers, order per partition', async () => {
    const servers = bootstrap('source');
    const topic = uniqueTopic('roundtrip');
    await createTopic(servers, topic, 3);
    const records = Array.from({ length: 30 }, (_, i) => ({
      partition: i % 3,
      key: `key-${i}`,
      value: i === 7 ? null : `value-${i}`,
      headers: [{ seq: String(i) }, { seq: 'repeated' }],
      timestamp: 1_700_000_000_000 + i,
    }));
    const offsets = await produce(servers, topic, records);
    expect(offsets.filter((_, i) => i % 3 === 0)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);

    const received = await consume(servers, topic, 3, records.length);
    expect(received).toHaveLength(30);
    for (let partition = 0; partition < 3; partition++) {
      const got = received.filter((m) => m.partition === partition);
      const sent = records.filter((r) => r.partition === partition);
      expect(got.map((m) => m.offset)).toEqual(sent.map((_, i) => i));
      expect(got.map((m) => m.key?.toString())).toEqual(sent.map((r) => r.key));
      expect(got.map((m) => m.value?.toString() ?? null)).toEqual(sent.map((r) => r.value));
      expect(got.map((m) => m.timestamp)).toEqual(sent.map((r) => r.timestamp));
      expect(got.map((m) => m.headers?.map((h) => Object.entries(h).map(([k, v]) => `${k}=${v.toString()}`)).flat()))
        .toEqual(sent.map((r) => [`seq=${r.headers[0]!.seq}`, 'seq=repeated']));
    }
  });

  // librdkafka only has zstd when libzstd-dev was installed before node-rdkafka was built.
  it.each(['gzip', 'snappy', 'lz4', 'zstd'])('produces and consumes %s-compressed batches', async (codec) => {
    expect(features).toContain(codec);
    const servers = bootstrap('source');
    const topic = uniqueTopic(`codec-${codec}`);
    await createTopic(servers, topic);
    const value = 'compressible '.repeat(100);
    await produce(servers, topic, Array.from({ length: 50 }, () => ({ value })), {
      'compression.codec': codec,
      'linger.ms': 5,
    });
    const received = await consume(servers, topic, 1, 50);
    expect(received.every((m) => m.value?.toString() === value)).toBe(true);
  });
});
