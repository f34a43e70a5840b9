import { describe, expect, it } from 'vitest';
import { bootstrap, createTopic, uniqueTopic } from '../support/kafka.js';
import { mm2Properties, startEngine, waitFor } from '../support/kmirror.js';

const clusters = () => ({ source: bootstrap('source'), target: bootstrap('target') });

describe("a flow's consumer group is shared only by processes running the same flow", () => {
  it('a process of a different flow with the same aliases stays out of the group and says so; its own group id lets it in', async () => {
    const [mine, theirs] = [uniqueTopic('group-mine'), uniqueTopic('group-theirs')];
    await createTopic(bootstrap('source'), mine, 2);
    await createTopic(bootstrap('source'), theirs, 2);
    const group = `kmirror.test-${mine}`;
    const first = await startEngine(mm2Properties(clusters(), {
      'source->target.enabled': true, 'source->target.topics': mine, 'kmirror.source.group.id': group,
    }));
    await waitFor('the first process owns its partitions', () => first.partitions().filter((p) => p.topic === mine).length === 2, 60_000);

    // Same aliases, same group, other topics: joining would split the partitions of both flows.
    const other = await startEngine(mm2Properties(clusters(), {
      'source->target.enabled': true, 'source->target.topics': theirs, 'kmirror.source.group.id': group,
    }));
    const [flow] = other.status();
    expect(flow!.groupConflict).toMatch(new RegExp(`the consumer group ${group.replace(/[.>-]/g, '\\$&')} on source is used by kmirror processes running a different flow`));
    expect(flow!.shards.every((s) => !s.running)).toBe(true);
    const readiness = other.engine.readiness();
    expect(readiness.ready).toBe(false);
    expect(readiness.reasons.join('\n')).toContain('kmirror.source.group.id');
    expect(other.logs.some((l) => l.level === 50 && String(l.msg).includes('running a different flow'))).toBe(true);
    // The first process kept all its partitions: nobody split them.
    expect(first.partitions().filter((p) => p.topic === mine && p.status === 'RUNNING')).toHaveLength(2);
    await other.stop();

    // The same flow joins (scale-out), and a different flow with a group of its own runs.
    const same = await startEngine(mm2Properties(clusters(), {
      'source->target.enabled': true, 'source->target.topics': mine, 'kmirror.source.group.id': group,
    }));
    expect(same.status()[0]!.groupConflict).toBeUndefined();
    const own = await startEngine(mm2Properties(clusters(), {
      'source->target.enabled': true, 'source->target.topics': theirs, 'kmirror.source.group.id': `${group}-theirs`,
    }));
    expect(own.status()[0]!.groupConflict).toBeUndefined();
    await waitFor('the other flow copies under its own group', () => own.partitions().filter((p) => p.topic === theirs).length === 2, 60_000);
  }, 180_000);
});
