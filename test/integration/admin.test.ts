import { describe, expect, it } from 'vitest';
import { Admin } from '../../src/native/addon.js';
import { bootstrap, createTopic, uniqueTopic } from '../support/kafka.js';

describe('native admin operations', () => {
  // Regression: the group-offsets results were read before librdkafka had said how many there
  // were (argument evaluation order), so every list came back empty.
  it('alters and lists a consumer group\'s offsets', async () => {
    const topic = uniqueTopic('group-offsets');
    await createTopic(bootstrap('target'), topic, 2);
    const admin = new Admin({ 'bootstrap.servers': bootstrap('target') });
    try {
      const group = uniqueTopic('group');
      const altered = await admin.alterConsumerGroupOffsets(group, [{ topic, partition: 0, offset: 0 }, { topic, partition: 1, offset: 0 }]);
      expect(altered.map((o) => [o.partition, o.error])).toEqual([[0, null], [1, null]]);
      const listed = await admin.listConsumerGroupOffsets(group, [{ topic, partition: 0 }, { topic, partition: 1 }]);
      expect(listed.map((o) => [o.topic, o.partition, o.offset]).sort()).toEqual([[topic, 0, 0], [topic, 1, 0]]);
      expect(await admin.listConsumerGroupOffsets(group, null)).toHaveLength(2);
    } finally {
      admin.close();
    }
  });
});
