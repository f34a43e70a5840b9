import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { failover, resolveFlow, translateGroup } from '../../src/cli/offsets.js';
import { mm2Syncs, mm2Translate } from '../../src/engine/offset-sync-store.js';
import { Checkpoint } from '../../src/mirror-client/checkpoint.js';
import { KafkaConsumer, Producer, type Message } from '../../src/kafka/rdkafka.js';
import { readPartitionTo } from '../../src/mirror-client/partition-reader.js';
import { Admin, readRecords, type ReadRecord } from '../../src/native/addon.js';
import { packageRoot } from '../../src/paths.js';
import { bootstrap, createTopic, produce, uniqueTopic } from '../support/kafka.js';
import { endOffsets, mm2Properties, setGroupOffsets, startEngine, waitFor } from '../support/kmirror.js';

const clusters = () => ({ source: bootstrap('source'), target: bootstrap('target') });

/** Every record of every partition, through gaps (compaction, transaction markers, aborted records). */
async function readAllThroughGaps(servers: string, topic: string, partitions: number): Promise<ReadRecord[][]> {
  const ends = await endOffsets(servers, topic, partitions);
  return Promise.all(ends.map(async (end, partition) => {
    const records: ReadRecord[] = [];
    await readPartitionTo(readRecords, { 'bootstrap.servers': servers }, topic, partition, 0, end, Date.now() + 60_000, (r) => records.push(r));
    return records;
  }));
}

/** The first record a consumer of `group` gets from each partition of `topic` on `servers` (committed offsets, no reset). */
async function resumeAs(servers: string, group: string, topic: string, partitions: readonly number[]): Promise<Map<number, Message>> {
  const consumer = new KafkaConsumer({ 'bootstrap.servers': servers, 'group.id': group, 'enable.auto.commit': false },
    { 'auto.offset.reset': 'error' });
  await new Promise<void>((resolve, reject) => consumer.connect({ timeout: 30_000 }, (err) => (err ? reject(err) : resolve())));
  const first = new Map<number, Message>();
  try {
    consumer.subscribe([topic]);
    const deadline = Date.now() + 60_000;
    while (partitions.some((p) => !first.has(p))) {
      if (Date.now() > deadline) throw new Error(`resumed on ${[...first.keys()]} of partitions ${partitions} within 60 s`);
      const batch = await new Promise<Message[]>((resolve, reject) => consumer.consume(100, (err, messages) => (err ? reject(err) : resolve(messages))));
      for (const m of batch) if (!first.has(m.partition)) first.set(m.partition, m);
    }
    return first;
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
}

interface Figures {
  partition: number;
  committed: number;
  kmirror: { reread: number; skipped: number };
  mm2: { reread: number; skipped: number };
}

/**
 * The failover drill: `group` stopped on the source at `committed`; kmirror replicates and
 * checkpoints; `kmirror failover` commits the translation on the target; a consumer of the group
 * there must get, from each partition, exactly the next record it had not read on the source.
 * Returns per partition what kmirror's and MM2's translation re-read or skip on the same data.
 */
async function drill(topic: string, partitions: number, committed: readonly number[], extra: Record<string, string | number | boolean> = {}): Promise<Figures[]> {
  const group = uniqueTopic('app');
  const remote = `source.${topic}`;
  await setGroupOffsets(bootstrap('source'), group, committed.map((offset, partition) => ({ topic, partition, offset })));
  const properties = mm2Properties(clusters(), {
    'source->target.enabled': true, 'source->target.topics': topic,
    'emit.checkpoints.interval.seconds': 1, 'refresh.groups.interval.seconds': 1,
    ...extra,
  });
  const file = join(tmpdir(), `${group}.properties`);
  await writeFile(file, properties);
  const engine = await startEngine(properties);

  const sourceEnds = await endOffsets(bootstrap('source'), topic, partitions);
  await waitFor('everything copied', () => {
    const ps = engine.partitions().filter((p) => p.topic === topic);
    return ps.length === partitions && ps.every((p) => p.committed >= 0 && p.lastTargetOffset >= 0 && p.highWatermark === sourceEnds[p.partition]);
  });
  const options = { group, from: 'source', to: 'target' };
  const resolved = await resolveFlow(file, 'source', 'target');
  await waitFor('a checkpoint of every partition at the committed offset', async () => {
    const offsets = await translateGroup(resolved, options).catch(() => []);
    return offsets.length === partitions && offsets.every((o) => o.upstreamOffset === committed[o.partition]) ? offsets : undefined;
  });
  const report = await failover(resolved, options);
  expect(report.checks.filter((c) => !c.ok)).toEqual([]);
  expect(report.outcome).toBe('committed');

  const [source, target] = await Promise.all([readAllThroughGaps(bootstrap('source'), topic, partitions), readAllThroughGaps(bootstrap('target'), remote, partitions)]);
  const withRecordsLeft = committed.map((c, p) => (source[p]!.some((r) => r.offset >= c) ? p : -1)).filter((p) => p >= 0);
  const resumed = await resumeAs(bootstrap('target'), group, remote, withRecordsLeft);
  const admin = new Admin({ 'bootstrap.servers': bootstrap('target') });
  const onTarget = await admin.listConsumerGroupOffsets(group, committed.map((_, partition) => ({ topic: remote, partition })), 10_000).finally(() => admin.close());

  return committed.map((c, partition) => {
    const src = source[partition]!;
    const dst = target[partition]!;
    expect(dst.map((r) => r.value)).toEqual(src.map((r) => r.value)); // each source record exactly once, in order
    const downstreamOf = new Map(src.map((r, i) => [r.offset, dst[i]!.offset]));
    const nextUnread = src.findIndex((r) => r.offset >= c); // index of the first record the group has not read
    const exact = nextUnread < 0 ? dst.at(-1)!.offset + 1 : dst[nextUnread]!.offset;
    const translated = onTarget.find((o) => o.partition === partition)!.offset;
    if (nextUnread >= 0) {
      // What the failed-over consumer really got: the same bytes as the next unread source record.
      expect(resumed.get(partition)!.value).toEqual(src[nextUnread]!.value);
    }
    const indexOf = (offset: number) => { const i = dst.findIndex((r) => r.offset >= offset); return i < 0 ? dst.length : i; };
    const mm2 = mm2Translate(mm2Syncs(src.map((r) => [r.offset, downstreamOf.get(r.offset)!] as const), 100), c);
    const figures = (at: number) => ({
      reread: Math.max(0, indexOf(exact) - indexOf(at)),
      skipped: Math.max(0, indexOf(at) - indexOf(exact)),
    });
    return { partition, committed: c, kmirror: figures(translated), mm2: figures(mm2) };
  });
}

function print(name: string, figures: readonly Figures[]): void {
  console.log(`${name}: ${figures.map((f) => `p${f.partition}@${f.committed} kmirror re-read ${f.kmirror.reread} skipped ${f.kmirror.skipped}, ` +
    `MM2 algorithm re-read ${f.mm2.reread} skipped ${f.mm2.skipped}`).join('; ')}`);
}

describe('exact offset translation and failover (a group stops mid-topic, fails over, resumes on the target)', () => {
  it('(a) a plain topic: zero re-read, zero skipped', async () => {
    const topic = uniqueTopic('plain');
    await createTopic(bootstrap('source'), topic, 3);
    await produce(bootstrap('source'), topic, Array.from({ length: 1_500 }, (_, i) => ({ partition: i % 3, key: `k${i}`, value: `v${i}` })));
    const figures = await drill(topic, 3, [273, 0, 500]);
    print('plain', figures);
    for (const f of figures) expect(f.kmirror).toEqual({ reread: 0, skipped: 0 });
    // The same data through MM2's algorithm re-reads (the first sync of a lifetime and every 100 after it).
    expect(figures[0]!.mm2.reread).toBeGreaterThan(0);
  });

  it('(b) a compacted topic with gaps: zero skipped, re-reads counted', async () => {
    const topic = uniqueTopic('compacted');
    await createTopic(bootstrap('source'), topic, 2, {
      'cleanup.policy': 'compact', 'segment.ms': '100', 'min.cleanable.dirty.ratio': '0.01', 'max.compaction.lag.ms': '100',
    });
    // Every third record has a key of its own, the others share 5 keys: compaction keeps the
    // unique ones where they are and removes nearly all of the rest, leaving gaps all along.
    await produce(bootstrap('source'), topic, Array.from({ length: 900 }, (_, i) =>
      ({ partition: i % 2, key: i % 3 === 0 ? `unique${i}` : `hot${i % 5}`, value: `v${i}` })));
    let roll = 0;
    const compacted = await waitFor('compaction to leave gaps in both partitions', async () => {
      // A record after segment.ms rolls the segment, which makes the older one cleanable.
      await produce(bootstrap('source'), topic, [0, 1].map((partition) => ({ partition, key: `roll${roll++}`, value: 'roll' })));
      const records = await readAllThroughGaps(bootstrap('source'), topic, 2);
      return records.every((p) => p.length > 0 && p.at(-1)!.offset + 1 - p.length > 100) ? records : undefined;
    }, 120_000, 500);
    // Partition 0 stops inside a gap in the middle, partition 1 on a record in the middle.
    const gapOffset = (p: ReadRecord[]) => p.find((r, i) => i > p.length / 2 && r.offset - p[i - 1]!.offset > 1)!.offset - 1;
    const committed = [gapOffset(compacted[0]!), compacted[1]![Math.floor(compacted[1]!.length / 2)]!.offset];
    const figures = await drill(topic, 2, committed);
    print('compacted', figures);
    for (const f of figures) expect(f.kmirror).toEqual({ reread: 0, skipped: 0 });
  });

  it('(c) a topic written with transactions, some aborted: zero skipped, re-reads counted', async () => {
    const topic = uniqueTopic('txn');
    await createTopic(bootstrap('source'), topic, 2);
    const producer = new Producer({ 'bootstrap.servers': bootstrap('source'), 'transactional.id': uniqueTopic('txn-test') });
    const call = (run: (done: (err: unknown) => void) => void) => new Promise<void>((resolve, reject) => run((err) => (err ? reject(err) : resolve())));
    await call((done) => producer.connect({ timeout: 30_000 }, done));
    try {
      await call((done) => producer.initTransactions(30_000, done));
      for (let t = 0; t < 30; t++) {
        await call((done) => producer.beginTransaction(done));
        for (let i = 0; i < 20; i++) producer.produce(topic, i % 2, Buffer.from(`t${t}-${i}`), Buffer.from(`k${i}`));
        // Aborted records are written (then marked aborted): flush them before aborting.
        if (t % 4 === 3) {
          await call((done) => producer.flush(30_000, done));
          await call((done) => producer.abortTransaction(30_000, done));
        }
        else await call((done) => producer.commitTransaction(30_000, done));
      }
    } finally {
      await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
    }
    const records = await readAllThroughGaps(bootstrap('source'), topic, 2);
    // Partition 0 stops right after a commit marker (where a read_committed consumer commits), partition 1 inside an aborted transaction.
    const p0 = records[0]!;
    const afterMarker = p0.find((r, i) => i > p0.length / 2 && r.offset - p0[i - 1]!.offset === 2)!.offset - 1;
    const aborted = records[1]!.find((r, i) => i > 0 && r.offset - records[1]![i - 1]!.offset > 2)!.offset - 3;
    const figures = await drill(topic, 2, [afterMarker, aborted]);
    print('transactional', figures);
    for (const f of figures) expect(f.kmirror).toEqual({ reread: 0, skipped: 0 });
  });
});

describe('group offset sync (sync.group.offsets.enabled)', () => {
  it('commits translated offsets to an absent target group, and reports a group active on the target instead of writing', async () => {
    const topic = uniqueTopic('gsync');
    const remote = `source.${topic}`;
    await createTopic(bootstrap('source'), topic, 2);
    await produce(bootstrap('source'), topic, Array.from({ length: 400 }, (_, i) => ({ partition: i % 2, value: `v${i}` })));
    const idle = uniqueTopic('idle');
    const busy = uniqueTopic('busy');
    await setGroupOffsets(bootstrap('source'), idle, [{ topic, partition: 0, offset: 150 }, { topic, partition: 1, offset: 20 }]);
    await setGroupOffsets(bootstrap('source'), busy, [{ topic, partition: 0, offset: 10 }]);
    const engine = await startEngine(mm2Properties(clusters(), {
      'source->target.enabled': true, 'source->target.topics': topic,
      'emit.checkpoints.interval.seconds': 1, 'refresh.groups.interval.seconds': 1,
      'sync.group.offsets.enabled': true, 'sync.group.offsets.interval.seconds': 1,
    }));
    await waitFor(`${remote} on the target`, async () => (await endOffsets(bootstrap('target'), remote, 2).catch(() => [0]))[0] === 200);

    // A consumer of `busy` is live on the target.
    const live = new KafkaConsumer({ 'bootstrap.servers': bootstrap('target'), 'group.id': busy }, { 'auto.offset.reset': 'earliest' });
    await new Promise<void>((resolve, reject) => live.connect({ timeout: 30_000 }, (err) => (err ? reject(err) : resolve())));
    try {
      live.subscribe([remote]);
      live.setDefaultConsumeTimeout(100);
      live.consume(); // flowing mode keeps it in the group
      const admin = new Admin({ 'bootstrap.servers': bootstrap('target') });
      try {
        await waitFor('idle group synced on the target', async () => {
          const offsets = await admin.listConsumerGroupOffsets(idle, [{ topic: remote, partition: 0 }, { topic: remote, partition: 1 }], 10_000);
          return offsets.map((o) => o.offset).join() === '150,20';
        });
        const status = await waitFor('busy reported ACTIVE_ON_TARGET', () =>
          engine.engine.checkpoints()[0]?.groups.find((g) => g.group === busy && g.sync.state === 'ACTIVE_ON_TARGET'));
        expect(status.sync.reason).toContain('active member');
        expect(engine.logs.some((l) => l.group === busy && String(l.msg).includes('offsets not synced'))).toBe(true);
        expect(engine.engine.translate(idle)[0]!.partitions.map((p) => [p.topic, p.partition, p.offset]))
          .toEqual([[remote, 0, 150], [remote, 1, 20]]);
      } finally {
        admin.close();
      }
    } finally {
      await new Promise<void>((resolve) => live.disconnect(() => resolve()));
    }
  });
});

describe('bad records on internal topics', () => {
  it('a corrupt offset sync or checkpoint is skipped with a warning naming topic, partition and offset; translation goes on', async () => {
    // Aliases of its own: the corrupt records stay out of the other tests' internal topics.
    const [a, b] = [uniqueTopic('a').replace('-', ''), uniqueTopic('b').replace('-', '')];
    const topic = uniqueTopic('corrupt');
    const remote = `${a}.${topic}`;
    await createTopic(bootstrap('source'), topic, 1);
    await produce(bootstrap('source'), topic, Array.from({ length: 50 }, (_, i) => ({ value: `v${i}` })));
    const syncs = `mm2-offset-syncs.${b}.internal`;
    const checkpoints = `${a}.checkpoints.internal`;
    await createTopic(bootstrap('source'), syncs, 1, { 'cleanup.policy': 'compact' });
    await createTopic(bootstrap('target'), checkpoints, 1, { 'cleanup.policy': 'compact' });
    await produce(bootstrap('source'), syncs, [{ key: 'not a sync key', value: Buffer.from([0, 0, 1]) }]);
    await produce(bootstrap('target'), checkpoints, [{ key: 'not a checkpoint', value: Buffer.from([0, 0]) }]);
    const group = uniqueTopic('grp');
    await setGroupOffsets(bootstrap('source'), group, [{ topic, partition: 0, offset: 20 }]);

    const engine = await startEngine(mm2Properties({ [a]: bootstrap('source'), [b]: bootstrap('target') }, {
      [`${a}->${b}.enabled`]: true, [`${a}->${b}.topics`]: topic,
      'emit.checkpoints.interval.seconds': 1, 'refresh.groups.interval.seconds': 1,
    }));
    await waitFor('the group translated', () => engine.engine.translate(group)[0]?.partitions.find((p) => p.topic === remote && p.offset === 20));
    for (const [name, what] of [[syncs, 'OffsetSync'], [checkpoints, 'Checkpoint']] as const) {
      const warning = engine.logs.find((l) => l.level === 40 && l.topic === name);
      expect(warning, `a warning about ${name}`).toMatchObject({ partition: 0, offset: 0 });
      expect(String(warning!.msg)).toContain(`skipped a corrupt record on ${name} partition 0 at offset 0: ${what}`);
    }
  });
});

describe('runbook commands: kmirror offsets translate / kmirror failover', () => {
  const cli = (...args: string[]) => new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', join(packageRoot, 'src', 'cli', 'main.ts'), ...args], { cwd: packageRoot },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });

  it('prints the translation, checks with --dry-run, refuses while the group is active on the target, then commits', async () => {
    const topic = uniqueTopic('runbook');
    const remote = `source.${topic}`;
    await createTopic(bootstrap('source'), topic, 2);
    await produce(bootstrap('source'), topic, Array.from({ length: 200 }, (_, i) => ({ partition: i % 2, value: `v${i}` })));
    const group = uniqueTopic('orders-app');
    await setGroupOffsets(bootstrap('source'), group, [{ topic, partition: 0, offset: 60 }, { topic, partition: 1, offset: 100 }]);
    const properties = mm2Properties(clusters(), {
      'source->target.enabled': true, 'source->target.topics': topic,
      'emit.checkpoints.interval.seconds': 1, 'refresh.groups.interval.seconds': 1,
    });
    const file = join(tmpdir(), `${group}.properties`);
    await writeFile(file, properties);
    await startEngine(properties);
    const args = ['--group', group, '--from', 'source', '--to', 'target'];

    const translated = await waitFor('checkpoints at 60 and 100', async () => {
      const out = await cli('offsets', 'translate', file, ...args);
      return out.code === 0 && /\s60\s*$/m.test(out.stdout) && out.stdout.includes(`${remote}  1          100`) ? out : undefined;
    });
    expect(translated.stdout).toContain(`Group '${group}' replicated from source resumes on target at:`);
    expect(translated.stdout).toMatch(new RegExp(`${remote}\\s+0\\s+60\\s+60`));

    const dry = await cli('failover', file, ...args, '--dry-run');
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('[ ok ] replication caught up');
    expect(dry.stdout).toContain('Dry run: every check passed; nothing was committed.');

    const live = new KafkaConsumer({ 'bootstrap.servers': bootstrap('target'), 'group.id': group, 'enable.auto.commit': false },
      { 'auto.offset.reset': 'latest' });
    await new Promise<void>((resolve, reject) => live.connect({ timeout: 30_000 }, (err) => (err ? reject(err) : resolve())));
    try {
      live.subscribe([remote]);
      live.setDefaultConsumeTimeout(100);
      live.consume();
      const refused = await waitFor('failover refused while the group is live on the target', async () => {
        const out = await cli('failover', file, ...args, '--force');
        return out.code === 1 && out.stdout.includes('[FAIL] group inactive on target') ? out : undefined;
      });
      expect(refused.stdout).toContain('Refused: nothing was committed');
    } finally {
      await new Promise<void>((resolve) => live.disconnect(() => resolve()));
    }

    const done = await waitFor('failover committed once the consumer left', async () => {
      const out = await cli('failover', file, ...args, '--json');
      return out.code === 0 ? JSON.parse(out.stdout) as { outcome: string; partitions: { partition: number; targetOffset: number }[] } : undefined;
    });
    expect(done.outcome).toBe('committed');
    expect(done.partitions.map((p) => [p.partition, p.targetOffset])).toEqual([[0, 60], [1, 100]]);

    const missing = await cli('failover', file, '--group', 'no-such-group', '--from', 'source', '--to', 'target');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("holds no checkpoint for group 'no-such-group'");
    const badAlias = await cli('offsets', 'translate', file, '--group', group, '--from', 'nowhere', '--to', 'target');
    expect(badAlias.code).toBe(2);
    expect(badAlias.stderr).toContain("defines no cluster 'nowhere'");
  });
});

describe('checkpoints across a restart', () => {
  it('a restarted kmirror neither repeats the last checkpoints nor stalls: it goes on from the topics', async () => {
    const [a, b] = [uniqueTopic('ra').replace('-', ''), uniqueTopic('rb').replace('-', '')];
    const topic = uniqueTopic('restart');
    await createTopic(bootstrap('source'), topic, 1);
    await produce(bootstrap('source'), topic, Array.from({ length: 300 }, (_, i) => ({ value: `v${i}` })));
    const group = uniqueTopic('grp');
    const properties = mm2Properties({ [a]: bootstrap('source'), [b]: bootstrap('target') }, {
      [`${a}->${b}.enabled`]: true, [`${a}->${b}.topics`]: topic,
      'emit.checkpoints.interval.seconds': 1, 'refresh.groups.interval.seconds': 1,
    });
    const checkpoints = async () => {
      const end = (await endOffsets(bootstrap('target'), `${a}.checkpoints.internal`, 1).catch(() => [0]))[0]!;
      const records: ReadRecord[] = [];
      if (end > 0) await readPartitionTo(readRecords, { 'bootstrap.servers': bootstrap('target') }, `${a}.checkpoints.internal`, 0, 0, end, Date.now() + 30_000, (r) => records.push(r));
      return records.map((r) => Checkpoint.deserialize(r.key, r.value)).filter((c) => c.consumerGroupId === group).map((c) => [c.upstreamOffset, c.downstreamOffset]);
    };

    await setGroupOffsets(bootstrap('source'), group, [{ topic, partition: 0, offset: 50 }]);
    const first = await startEngine(properties);
    await waitFor('checkpoint at 50', async () => (await checkpoints()).length === 1);
    await first.stop();

    const second = await startEngine(properties);
    // Rounds run every second; the restarted process must not write 50 again.
    await waitFor('three checkpoint rounds after the restart', () => (second.engine.checkpoints()[0]?.emitted === 0 &&
      second.engine.translate(group)[0]?.partitions[0]?.offset === 50 ? second.engine.checkpoints()[0]!.lastEmitMs : undefined));
    const roundAt = second.engine.checkpoints()[0]!.lastEmitMs;
    await waitFor('a later round', () => second.engine.checkpoints()[0]!.lastEmitMs > roundAt + 1500);
    expect(await checkpoints()).toEqual([[50, 50]]);

    await setGroupOffsets(bootstrap('source'), group, [{ topic, partition: 0, offset: 80 }]);
    await waitFor('checkpoint at 80 from the restarted process', async () => (await checkpoints()).length === 2);
    expect(await checkpoints()).toEqual([[50, 50], [80, 80]]);
  });
});
