import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { Mm2Replicator } from '../../bench/lib/replicators.js';
import { MirrorClient } from '../../src/mirror-client/mirror-client.js';
import { bootstrap, createTopic, produce, uniqueTopic } from '../support/kafka.js';
import { setGroupOffsets, waitFor } from '../support/kmirror.js';

describe('interop with Apache MirrorMaker 2', () => {
  it("kmirror's translateOffsets reads the checkpoints Apache MM2 writes", async () => {
    const topic = uniqueTopic('mm2interop');
    const group = uniqueTopic('mm2group');
    await createTopic(bootstrap('source'), topic, 2);
    await produce(bootstrap('source'), topic, Array.from({ length: 600 }, (_, i) => ({ partition: i % 2, value: `v${i}` })));
    const committed = [150, 37];
    await setGroupOffsets(bootstrap('source'), group, committed.map((offset, partition) => ({ topic, partition, offset })));

    // Aliases of their own keep MM2's internal topics apart from kmirror's on the shared test clusters.
    const [from, to] = [uniqueTopic('mm2src').replace('-', ''), uniqueTopic('mm2tgt').replace('-', '')];
    const dir = await mkdtemp(join(tmpdir(), 'kmirror-mm2-'));
    const file = join(dir, 'mm2.properties');
    await writeFile(file, [
      `clusters = ${from}, ${to}`,
      `${from}.bootstrap.servers = ${bootstrap('source')}`,
      `${to}.bootstrap.servers = ${bootstrap('target')}`,
      `${from}->${to}.enabled = true`,
      `${from}->${to}.topics = ${topic}`,
      'emit.checkpoints.interval.seconds = 1',
      'refresh.groups.interval.seconds = 1',
      'refresh.topics.interval.seconds = 1',
      'emit.heartbeats.enabled = false',
      'sync.topic.acls.enabled = false',
      ...['replication.factor', 'heartbeats.topic.replication.factor', 'checkpoints.topic.replication.factor',
        'offset-syncs.topic.replication.factor', 'config.storage.replication.factor', 'offset.storage.replication.factor',
        'status.storage.replication.factor'].map((key) => `${key} = 1`),
      '',
    ].join('\n'));
    const mm2 = await new Mm2Replicator({ heapMb: 512 }).start(file, dir);
    onTestFinished(async () => {
      await mm2.stop(30_000);
    });

    const client = new MirrorClient({ 'bootstrap.servers': bootstrap('target') });
    onTestFinished(() => client.close());
    const offsets = await waitFor('checkpoints from MM2 for both partitions at the committed offsets', async () => {
      if (!mm2.running()) throw new Error(`MM2 exited: ${(await mm2.tail(20)).join('\n')}`);
      const found = await client.translateOffsets(from, group, 10_000).catch(() => []);
      return found.length === 2 && found.every((o) => o.upstreamOffset === committed[o.partition]) ? found : undefined;
    }, 150_000, 1_000);

    expect(offsets.map((o) => [o.topic, o.partition])).toEqual([[`${from}.${topic}`, 0], [`${from}.${topic}`, 1]]);
    for (const o of offsets) {
      // A fresh copy of a plain topic has the source's offsets; MM2 translates at most offset.lag.max (100) short of them.
      expect(o.offset).toBeLessThanOrEqual(committed[o.partition]!);
      expect(o.offset).toBeGreaterThanOrEqual(committed[o.partition]! - 101);
    }
  }, 200_000);
});
