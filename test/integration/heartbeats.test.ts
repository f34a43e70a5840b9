import { describe, expect, it } from 'vitest';
import { Heartbeat } from '../../src/mirror-client/heartbeat.js';
import { readRecords } from '../../src/native/addon.js';
import { bootstrap, uniqueTopic } from '../support/kafka.js';
import { endOffsets, mm2Properties, startEngine, waitFor } from '../support/kmirror.js';

/** Heartbeats written to `topic` on `servers` since offset `from`. */
async function heartbeatsSince(servers: string, topic: string, from: number): Promise<Heartbeat[]> {
  const [end] = await endOffsets(servers, topic, 1).catch(() => [0]);
  if (end! <= from) return [];
  const records = await readRecords({ 'bootstrap.servers': servers }, topic, 0, from, end! - from, 10_000);
  return records.map((r) => Heartbeat.deserialize(r.key, r.value));
}

describe('heartbeats', () => {
  it('every pair emits MM2 heartbeats to the target, and heartbeats topics are replicated onwards', async () => {
    const [sourceStart] = await endOffsets(bootstrap('source'), 'heartbeats', 1).catch(() => [0]);
    const [targetStart] = await endOffsets(bootstrap('target'), 'heartbeats', 1).catch(() => [0]);
    const engine = await startEngine(mm2Properties({ source: bootstrap('source'), target: bootstrap('target') }, {
      'source->target.enabled': true,
      'source->target.topics': uniqueTopic('nothing-matches'),
      'emit.heartbeats.enabled': true, // overrides the helper's `false` (last one wins)
      'emit.heartbeats.interval.seconds': 1,
    }));

    // source->target (replicating) writes to target's `heartbeats`; target->source (disabled) to source's.
    const onTarget = await waitFor('3 heartbeats on target', async () => {
      const hbs = (await heartbeatsSince(bootstrap('target'), 'heartbeats', targetStart!)).filter((h) => h.sourceClusterAlias === 'source');
      return hbs.length >= 3 ? hbs : undefined;
    });
    expect(onTarget.every((h) => h.targetClusterAlias === 'target')).toBe(true);
    expect(onTarget.map((h) => h.timestamp)).toEqual([...onTarget.map((h) => h.timestamp)].sort((a, b) => a - b));
    expect(Math.abs(onTarget.at(-1)!.timestamp - Date.now())).toBeLessThan(30_000);
    const onSource = await waitFor('a heartbeat on source from the disabled pair', async () =>
      (await heartbeatsSince(bootstrap('source'), 'heartbeats', sourceStart!)).find((h) => h.sourceClusterAlias === 'target'));
    expect(onSource.targetClusterAlias).toBe('source');

    // source's own `heartbeats` topic is replicated whatever `topics` says: source.heartbeats on target.
    await waitFor('source.heartbeats replicated to target', () =>
      engine.status()[0]!.topics.find((t) => t.source === 'heartbeats' && t.remote === 'source.heartbeats' && t.state === 'REPLICATING'));
    await waitFor('records in source.heartbeats', async () => ((await endOffsets(bootstrap('target'), 'source.heartbeats', 1))[0] ?? 0) > 0);
  });
});
