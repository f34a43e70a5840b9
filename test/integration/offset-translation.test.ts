import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { failover, resolveFlow, translateGroup } from '../../src/cli/offsets.js';
import { mm2Syncs, mm2Translate } from '../../src/engine/offset-sync-store.js';
import { Checkpoint } from '../../src/mirror-client/checkpoint.js';
import { MirrorClient } from '../../src/mirror-client/mirror-client.js';
import { OffsetSync } from '../../src/mirror-client/offset-sync.js';
import { KafkaConsumer, Producer, type Message } from '../../src/kafka/rdkafka.js';
import { readPartitionTo } from '../../src/mirror-client/partition-reader.js';
import { Admin, readRecords, type ReadRecord } from '../../src/native/addon.js';
import { packageRoot } from '../../src/paths.js';
import { bootstrap, createTopic, produce, uniqueTopic } from '../support/kafka.js';
import { endOffsets, mm2Properties, setGroupOffsets, startEngine, waitFor } from '../support/kmirror.js';
import { startMm2 } from '../support/mm2.js';

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

  // Everything copied: every source record acknowledged by the target and the position stored
  // there (what failover's catch-up check reads), and the target holds one record per source record.
  const [sourceEnds, sourceRecords] = await Promise.all([endOffsets(bootstrap('source'), topic, partitions),
    readAllThroughGaps(bootstrap('source'), topic, partitions)]);
  await waitFor('everything copied', async () => {
    const ps = engine.partitions().filter((p) => p.topic === topic);
    if (ps.length !== partitions || !ps.every((p) => p.position === sourceEnds[p.partition] && p.committed === sourceEnds[p.partition])) {
      return false;
    }
    const targetEnds = await endOffsets(bootstrap('target'), remote, partitions);
    return targetEnds.every((end, p) => end === sourceRecords[p]!.length);
  });
  // Failover asked right after the copy completed (a regression: it committed checkpoints older
  // than the newest offset syncs, re-reading): a dry run now, judged against the exact offsets below.
  const options = { group, from: 'source', to: 'target' };
  const resolved = await resolveFlow(file, 'source', 'target');
  await waitFor('a checkpoint of every partition', async () => (await translateGroup(resolved, options).catch(() => [])).length === partitions);
  const early = await failover(resolved, { ...options, dryRun: true });

  // The copy is complete when the positions are stored, but the syncs for its last records are
  // written at that moment and read by the next checkpoint round: until then a checkpoint of an
  // offset past them stops at the newest known record (re-reads, flagged unreplicated). Wait until
  // kmirror knows every committed offset is copied and the checkpoint it wrote (acknowledged before
  // the exposure is computed) is its translation now; the broker's answer is judged below.
  await waitFor('checkpoints written with the copy known complete (nothing unreplicated, no exposure)', () => {
    const status = engine.engine.checkpoints()[0]?.groups.find((g) => g.group === group);
    return status !== undefined && status.partitions.length === partitions && status.partitions.every((p) =>
      p.upstreamOffset === committed[p.partition] && p.lastEmitted?.upstreamOffset === committed[p.partition] &&
      p.unreplicated === 0 && p.reread === 0 && p.skipped === 0);
  });
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
    // Exactly the next unread record's offset; at the end of a partition, exactly the end (an
    // offset past it would skip whatever is copied there next, which a count of records cannot show).
    expect(translated, `p${partition}@${c}: translated offset`).toBe(exact);
    // The early dry run: when it called the checkpoint current and exact, it was exact.
    const earlyRow = early.partitions.find((r) => r.partition === partition)!;
    const earlyOk = (name: string) => early.checks.find((check) => check.name === name)?.ok === true;
    if (earlyOk('checkpoint current') && earlyOk('checkpoint exact') && earlyRow.checkpointUpstream === c) {
      expect(earlyRow.targetOffset, `p${partition}@${c}: a checkpoint failover called exact right after the copy`).toBe(exact);
    }
    if (nextUnread >= 0) {
      // What the failed-over consumer really got: the same bytes as the next unread source record.
      expect(resumed.get(partition)!.value).toEqual(src[nextUnread]!.value);
    }
    const mm2 = mm2Translate(mm2Syncs(src.map((r) => [r.offset, downstreamOf.get(r.offset)!] as const), 100), c);
    return { partition, committed: c, kmirror: figures(dst, exact, translated), mm2: figures(dst, exact, mm2) };
  });
}

/** Records of `dst` (a copied partition) between `exact` and `at`: re-read when `at` is before `exact`, skipped when after. */
function figures(dst: readonly ReadRecord[], exact: number, at: number): { reread: number; skipped: number } {
  const indexOf = (offset: number) => { const i = dst.findIndex((r) => r.offset >= offset); return i < 0 ? dst.length : i; };
  return { reread: Math.max(0, indexOf(exact) - indexOf(at)), skipped: Math.max(0, indexOf(at) - indexOf(exact)) };
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

  it("(d) the plain topic through the real MM2 (pinned jars): its measured re-reads next to the model's", async () => {
    // The "MM2 algorithm" figures above come from a model (mm2Syncs + mm2Translate). Here Apache
    // MM2 itself copies and checkpoints the same data, stopped at the same points, and the
    // checkpoints it writes are read as a failed-over consumer's tools would (MirrorClient).
    const topic = uniqueTopic('mm2drill');
    const partitions = 3;
    const committed = [273, 0, 500];
    await createTopic(bootstrap('source'), topic, partitions);
    await produce(bootstrap('source'), topic, Array.from({ length: 1_500 }, (_, i) => ({ partition: i % 3, key: `k${i}`, value: `v${i}` })));
    const group = uniqueTopic('app');
    // A second group at the end of every partition shows when MM2 has read its last syncs.
    const probe = uniqueTopic('probe');
    await setGroupOffsets(bootstrap('source'), group, committed.map((offset, partition) => ({ topic, partition, offset })));
    await setGroupOffsets(bootstrap('source'), probe, committed.map((_, partition) => ({ topic, partition, offset: 500 })));
    const source = await readAllThroughGaps(bootstrap('source'), topic, partitions);

    // MM2 syncs the newest copied record of each partition at every offset commit of its Connect
    // worker (offset.flush.interval.ms, default 60 s): 10 s keeps the run short, the rule is the same.
    const started = Date.now();
    const mm2 = await startMm2(clusters(), topic, ({ to }) => ({ [`${to}.offset.flush.interval.ms`]: 10_000 }));
    const remote = `${mm2.from}.${topic}`;
    await mm2.waitFor('MM2 copied every record', async () => {
      const ends = await endOffsets(bootstrap('target'), remote, partitions).catch(() => []);
      return ends.length === partitions && ends.every((end, p) => end === source[p]!.length);
    }, 120_000, 500);
    const copiedAt = Date.now();
    const syncsTopic = `mm2-offset-syncs.${mm2.to}.internal`;
    const syncRecords = await mm2.waitFor('MM2 offset syncs of the last record of every partition', async () => {
      const mine = (await readAllThroughGaps(bootstrap('source'), syncsTopic, 1))[0]!
        .map((r) => ({ sync: OffsetSync.deserialize(r.key, r.value), at: r.timestamp }))
        .filter(({ sync }) => sync.topicPartition.topic === topic);
      const byPartition = source.map((_, p) => mine.filter(({ sync }) => sync.topicPartition.partition === p));
      return byPartition.every((own, p) => own.some(({ sync }) => sync.upstreamOffset === source[p]!.at(-1)!.offset)) ? byPartition : undefined;
    }, 60_000, 500);
    const syncs = syncRecords.map((own) => own.map(({ sync }) => [sync.upstreamOffset, sync.downstreamOffset] as const));

    const client = new MirrorClient({ 'bootstrap.servers': bootstrap('target') });
    onTestFinished(() => client.close());
    const checkpointsOf = async (g: string) => (await client.translateOffsets(mm2.from, g, 10_000).catch(() => []))
      .filter((o) => o.topic === remote).sort((a, b) => a.partition - b.partition);
    // The probe at the end translates to the end once MM2 has read the last sync of its partition;
    // moved back one record, its next checkpoints come from a later round than every checkpoint
    // computed before: the group's newest checkpoints are then those of MM2's complete syncs.
    await mm2.waitFor('the probe translated at the end of every partition', async () => {
      const found = await checkpointsOf(probe);
      return found.length === partitions && found.every((o) => o.upstreamOffset === 500 && o.offset === 500);
    }, 60_000, 500);
    await setGroupOffsets(bootstrap('source'), probe, committed.map((_, partition) => ({ topic, partition, offset: 499 })));
    await mm2.waitFor('the probe moved back one record', async () => {
      const found = await checkpointsOf(probe);
      return found.length === partitions && found.every((o) => o.upstreamOffset === 499);
    }, 60_000, 500);
    const checkpoints = await checkpointsOf(group);
    expect(checkpoints.map((o) => [o.partition, o.upstreamOffset])).toEqual(committed.map((c, p) => [p, c]));
    const settledAt = Date.now();

    const target = await readAllThroughGaps(bootstrap('target'), remote, partitions);
    const rows = committed.map((c, partition) => {
      const src = source[partition]!;
      const dst = target[partition]!;
      expect(dst.map((r) => r.value)).toEqual(src.map((r) => r.value)); // each record once, in order
      const pairs = src.map((r, i) => [r.offset, dst[i]!.offset] as const);
      const nextUnread = src.findIndex((r) => r.offset >= c);
      const exact = nextUnread < 0 ? dst.at(-1)!.offset + 1 : dst[nextUnread]!.offset;
      const measured = checkpoints[partition]!.offset;
      const modelSyncs = mm2Syncs(pairs, 100);
      const model = mm2Translate(modelSyncs, c);
      return {
        partition, committed: c, exact, measured, model, mm2Syncs: syncs[partition]!, modelSyncs,
        real: figures(dst, exact, measured), predicted: figures(dst, exact, model),
      };
    });
    // How long after the copy MM2 wrote the sync of each partition's last record (record timestamps).
    const lastSyncDelay = Math.max(...syncRecords.map((own) => own.at(-1)!.at - own.at(-2)!.at));
    console.log(`real MM2 (Kafka ${mm2.version} jars): copied ${((copiedAt - started) / 1000).toFixed(1)} s after start, ` +
      `last syncs up to ${(lastSyncDelay / 1000).toFixed(1)} s after the others, checkpoints settled ${((settledAt - started) / 1000).toFixed(1)} s after start\n  ` +
      rows.map((r) => `p${r.partition}@${r.committed}: exact ${r.exact}; MM2 checkpoint ${r.measured}, re-read ${r.real.reread} skipped ${r.real.skipped}; ` +
        `model ${r.model}, re-read ${r.predicted.reread} skipped ${r.predicted.skipped}; ` +
        `syncs MM2 wrote ${JSON.stringify(r.mm2Syncs)}, the model's ${JSON.stringify(r.modelSyncs)}`).join('\n  '));

    for (const r of rows) {
      const at = `p${r.partition}@${r.committed}`;
      // What must hold: MM2 never skips. It resumes at or before the next unread record.
      expect(r.measured, at).toBeGreaterThanOrEqual(0);
      expect(r.measured, at).toBeLessThanOrEqual(r.exact);
      expect(r.real.skipped, at).toBe(0);
      expect(r.real.reread, at).toBe(r.exact - r.measured); // a fresh copy of a plain topic: one record per offset
      // What the model claims: MM2 writes the syncs of its rule (first record, offset.lag.max = 100)...
      for (const sync of r.modelSyncs) expect(r.mm2Syncs, `${at}: MM2 wrote the model's sync ${sync.join(':')}`).toContainEqual(sync);
      // ...and translates from its syncs as mm2Translate does (the newest at or before, + 1 unless equal).
      expect(r.measured, `${at}: MM2's checkpoint against mm2Translate of MM2's own syncs`).toBe(mm2Translate(r.mm2Syncs, r.committed));
      // So wherever the sync MM2 translates from is one the model predicts, the model's figure is MM2's.
      // MM2 also syncs each partition's newest record at every offset commit, which the model
      // leaves out: where such a sync is the newest at or before the stop point (the end of a
      // partition), MM2 re-reads less than the model says, as printed above.
      const used = r.mm2Syncs.filter(([u]) => u <= r.committed).at(-1)!;
      if (r.modelSyncs.some(([u, d]) => u === used[0] && d === used[1])) expect(r.measured, `${at}: MM2 against the model`).toBe(r.model);
    }
  }, 240_000);
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

    // A consumer of `busy` is live on the target. It commits nothing itself, so whatever `busy`
    // has committed on the target was written by kmirror.
    const live = new KafkaConsumer({ 'bootstrap.servers': bootstrap('target'), 'group.id': busy, 'enable.auto.commit': false },
      { 'auto.offset.reset': 'earliest' });
    await new Promise<void>((resolve, reject) => live.connect({ timeout: 30_000 }, (err) => (err ? reject(err) : resolve())));
    const admin = new Admin({ 'bootstrap.servers': bootstrap('target') });
    /** The group's committed offsets on the target, partitions 0 and 1 of the remote topic (-1001: none). */
    const onTarget = async (group: string) =>
      (await admin.listConsumerGroupOffsets(group, [{ topic: remote, partition: 0 }, { topic: remote, partition: 1 }], 10_000))
        .sort((a, b) => a.partition - b.partition).map((o) => o.offset);
    try {
      try {
        live.subscribe([remote]);
        live.setDefaultConsumeTimeout(100);
        live.consume(); // flowing mode keeps it in the group
        await waitFor('idle group synced on the target', async () => (await onTarget(idle)).join() === '150,20');
        const status = await waitFor('busy reported ACTIVE_ON_TARGET', () =>
          engine.engine.checkpoints()[0]?.groups.find((g) => g.group === busy && g.sync.state === 'ACTIVE_ON_TARGET'));
        expect(status.sync.reason).toContain('active member');
        expect(engine.logs.some((l) => l.group === busy && String(l.msg).includes('offsets not synced'))).toBe(true);
        expect(engine.engine.translate(idle)[0]!.partitions.map((p) => [p.topic, p.partition, p.offset]))
          .toEqual([[remote, 0, 150], [remote, 1, 20]]);

        // Reported instead of written, on the broker: `busy` moves on the source, kmirror translates
        // the new offset and runs a sync round while the consumer is live, and the group's offsets
        // on the target stay as they were (kmirror may have synced `busy` before its consumer joined).
        const before = await onTarget(busy);
        expect(before[0]).not.toBe(120);
        await setGroupOffsets(bootstrap('source'), busy, [{ topic, partition: 0, offset: 120 }]);
        await waitFor('busy translated at 120', () => engine.engine.translate(busy)[0]?.partitions.find((p) => p.partition === 0 && p.offset === 120));
        const translatedAt = Date.now();
        await waitFor('a sync round after the translation, busy still ACTIVE_ON_TARGET', () => {
          const sync = engine.engine.checkpoints()[0]?.groups.find((g) => g.group === busy)?.sync;
          if (sync && sync.state !== 'ACTIVE_ON_TARGET') throw new Error(`busy is ${sync.state}: ${sync.reason}`);
          return sync !== undefined && (sync.atMs ?? 0) > translatedAt;
        });
        expect(await onTarget(busy)).toEqual(before);
      } finally {
        await new Promise<void>((resolve) => live.disconnect(() => resolve()));
      }
      // Once its consumer has left, the same group is synced: the check above could see a write.
      await waitFor('busy synced at 120 once inactive on the target', async () => (await onTarget(busy))[0] === 120);
    } finally {
      admin.close();
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

    // What the broker holds for the group on the target: nothing before failover
    // (NONE, librdkafka's RD_KAFKA_OFFSET_INVALID: no committed offset).
    const NONE = -1001;
    const onTarget = async () => {
      const admin = new Admin({ 'bootstrap.servers': bootstrap('target') });
      try {
        return (await admin.listConsumerGroupOffsets(group, [{ topic: remote, partition: 0 }, { topic: remote, partition: 1 }], 10_000))
          .sort((a, b) => a.partition - b.partition).map((o) => o.offset);
      } finally {
        admin.close();
      }
    };
    expect(await onTarget()).toEqual([NONE, NONE]);

    const dry = await cli('failover', file, ...args, '--dry-run');
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('[ ok ] replication caught up');
    expect(dry.stdout).toContain('Dry run: every check passed; nothing was committed.');
    expect(await onTarget(), 'committed on the target after --dry-run').toEqual([NONE, NONE]);

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
      expect(await onTarget(), 'committed on the target after the refusal').toEqual([NONE, NONE]);
    } finally {
      await new Promise<void>((resolve) => live.disconnect(() => resolve()));
    }

    const done = await waitFor('failover committed once the consumer left', async () => {
      const out = await cli('failover', file, ...args, '--json');
      return out.code === 0 ? JSON.parse(out.stdout) as { outcome: string; partitions: { partition: number; targetOffset: number }[] } : undefined;
    });
    expect(done.outcome).toBe('committed');
    expect(done.partitions.map((p) => [p.partition, p.targetOffset])).toEqual([[0, 60], [1, 100]]);
    expect(await onTarget(), 'committed on the target after failover').toEqual([60, 100]);

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
    // Rounds run every second; the restarted process must not write 50 again. Once it translates
    // the group at 50, three rounds complete, each told apart by its completion time (lastEmitMs,
    // -1 before the first): the first is at least the round that translated it.
    await waitFor('the group translated at 50 after the restart', () => second.engine.translate(group)[0]?.partitions[0]?.offset === 50);
    const round = () => second.engine.checkpoints()[0]?.lastEmitMs ?? -1;
    let roundAt = round();
    for (const nth of ['first', 'second', 'third']) {
      const previous = roundAt;
      roundAt = await waitFor(`the ${nth} checkpoint round completed since`, () => (round() > previous ? round() : undefined));
    }
    expect(second.engine.checkpoints()[0]!.emitted).toBe(0);
    expect(await checkpoints()).toEqual([[50, 50]]);

    await setGroupOffsets(bootstrap('source'), group, [{ topic, partition: 0, offset: 80 }]);
    await waitFor('checkpoint at 80 from the restarted process', async () => (await checkpoints()).length === 2);
    expect(await checkpoints()).toEqual([[50, 50], [80, 80]]);
  });
});
