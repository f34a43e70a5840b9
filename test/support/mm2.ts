/**
 * Apache MirrorMaker 2 from the pinned Kafka jars, for tests that compare kmirror with the real
 * thing: dedicated mode (`connect-mirror-maker`, i.e. org.apache.kafka.connect.mirror.MirrorMaker)
 * as bench/lib/replicators.ts starts it, on the two test clusters.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { Mm2Replicator, type ReplicatorProcess } from '../../bench/lib/replicators.js';
import { ensureKafkaDistribution } from '../../src/local-kafka/distribution.js';
import { uniqueTopic } from './kafka.js';
import { waitFor } from './kmirror.js';

export interface Mm2Run {
  /** The cluster aliases of this run: its own, so MM2's internal topics stay apart from kmirror's and other runs'. */
  readonly from: string;
  readonly to: string;
  /** The Kafka version of the pinned jars MM2 runs from. */
  readonly version: string;
  readonly process: ReplicatorProcess;
  /** Folder with mm2.properties, mm2.log and mm2.stdout.log. */
  readonly dir: string;
  /**
   * As kmirror.ts's waitFor, but fails as soon as MM2 exits (with its exit status and the tail of
   * its logs) instead of waiting out the timeout.
   */
  waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false,
    timeoutMs?: number, intervalMs?: number): Promise<T>;
}

const EXITED: unique symbol = Symbol('MM2 exited');

/** Replication factor 1 for every topic MM2 creates: the test clusters have one broker each. */
const REPLICATION_FACTORS = ['replication.factor', 'heartbeats.topic.replication.factor', 'checkpoints.topic.replication.factor',
  'offset-syncs.topic.replication.factor', 'config.storage.replication.factor', 'offset.storage.replication.factor',
  'status.storage.replication.factor'];

type Settings = Record<string, string | number | boolean>;

/**
 * Starts MM2 replicating `topics` (a topics filter) from cluster `source` to `target` under fresh
 * aliases, checkpointing every second; stopped when the test finishes. `extra` adds or overrides
 * mm2.properties keys; given the aliases, it can set per-cluster keys (the Connect worker of the
 * flow takes its settings, e.g. offset.flush.interval.ms, from `<to>.`-prefixed keys).
 */
export async function startMm2(servers: { source: string; target: string }, topics: string,
  extra: Settings | ((aliases: { from: string; to: string }) => Settings) = {}): Promise<Mm2Run> {
  const [from, to] = [uniqueTopic('mm2src').replace('-', ''), uniqueTopic('mm2tgt').replace('-', '')];
  const dir = await mkdtemp(join(tmpdir(), 'kmirror-mm2-'));
  const file = join(dir, 'mm2.properties');
  const settings: Settings = {
    clusters: `${from}, ${to}`,
    [`${from}.bootstrap.servers`]: servers.source,
    [`${to}.bootstrap.servers`]: servers.target,
    [`${from}->${to}.enabled`]: true,
    [`${from}->${to}.topics`]: topics,
    'emit.checkpoints.interval.seconds': 1,
    'refresh.groups.interval.seconds': 1,
    'refresh.topics.interval.seconds': 1,
    'emit.heartbeats.enabled': false,
    'sync.topic.acls.enabled': false,
    ...Object.fromEntries(REPLICATION_FACTORS.map((key) => [key, 1])),
    ...(typeof extra === 'function' ? extra({ from, to }) : extra),
  };
  await writeFile(file, Object.entries(settings).map(([k, v]) => `${k} = ${v}`).join('\n') + '\n');
  const { version } = await ensureKafkaDistribution();
  const mm2 = await new Mm2Replicator({ heapMb: 512 }).start(file, dir);
  onTestFinished(async () => {
    await mm2.stop(30_000);
  });

  const died = async (what: string) => {
    const info = await mm2.exited;
    return new Error(`MM2 exited (code ${info.code}, signal ${info.signal}) while waiting for ${what}; its log ends:\n` +
      (await mm2.tail(30)).join('\n'));
  };
  return {
    from, to, version, process: mm2, dir,
    async waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false,
      timeoutMs?: number, intervalMs?: number): Promise<T> {
      // The poll stops at its next round once MM2 is gone; the race fails the wait the moment it exits.
      const polled = waitFor<T | typeof EXITED>(what, () => (mm2.running() ? probe() : EXITED), timeoutMs, intervalMs);
      const value = await Promise.race([polled, mm2.exited.then(() => EXITED)]);
      if (value === EXITED) throw await died(what);
      return value as T;
    },
  };
}
