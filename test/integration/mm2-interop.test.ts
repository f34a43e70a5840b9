import { describe, expect, it, onTestFinished } from 'vitest';
import { MirrorClient } from '../../src/mirror-client/mirror-client.js';
import { bootstrap, createTopic, produce, uniqueTopic } from '../support/kafka.js';
import { setGroupOffsets } from '../support/kmirror.js';
import { startMm2 } from '../support/mm2.js';

describe('interop with Apache MirrorMaker 2', () => {
  it("kmirror's translateOffsets reads the checkpoints Apache MM2 writes", async () => {
    const topic = uniqueTopic('mm2interop');
    const group = uniqueTopic('mm2group');
    await createTopic(bootstrap('source'), topic, 2);
    await produce(bootstrap('source'), topic, Array.from({ length: 600 }, (_, i) => ({ partition: i % 2, value: `v${i}` })));
    const committed = [150, 37];
    await setGroupOffsets(bootstrap('source'), group, committed.map((offset, partition) => ({ topic, partition, offset })));

    // Aliases of its own keep MM2's internal topics apart from kmirror's on the shared test clusters.
    const mm2 = await startMm2({ source: bootstrap('source'), target: bootstrap('target') }, topic);

    const client = new MirrorClient({ 'bootstrap.servers': bootstrap('target') });
    onTestFinished(() => client.close());
    // Fails at once, with MM2's log, if MM2 exits while we wait.
    const offsets = await mm2.waitFor('checkpoints from MM2 for both partitions at the committed offsets', async () => {
      const found = await client.translateOffsets(mm2.from, group, 10_000).catch(() => []);
      return found.length === 2 && found.every((o) => o.upstreamOffset === committed[o.partition]) ? found : undefined;
    }, 150_000, 1_000);

    expect(offsets.map((o) => [o.topic, o.partition])).toEqual([[`${mm2.from}.${topic}`, 0], [`${mm2.from}.${topic}`, 1]]);
    for (const o of offsets) {
      // A fresh copy of a plain topic has the source's offsets; MM2 translates at most offset.lag.max (100) short of them.
      expect(o.offset).toBeLessThanOrEqual(committed[o.partition]!);
      expect(o.offset).toBeGreaterThanOrEqual(committed[o.partition]! - 101);
    }
  }, 200_000);
});
