import { describe, expect, it } from 'vitest';
import { flowReport, partitionReport, statusReport } from '../../../src/sidecar/status-report.js';
import { CHECKPOINTS, FakeView, flow, partition } from './fake-view.js';

const NOW = 1_700_000_010_000;

describe('partition report', () => {
  it('lag is the high watermark minus the position, when both are known', () => {
    expect(partitionReport(partition({ topic: 't', partition: 0, position: 10, highWatermark: 25 }))!.lag).toBe(15);
    expect(partitionReport(partition({ topic: 't', partition: 0, position: -1, highWatermark: 25 }))!.lag).toBeNull();
    expect(partitionReport(partition({ topic: 't', partition: 0, position: 10, highWatermark: -1 }))!.lag).toBeNull();
    // A watermark read before the last copy can trail the position: never a negative lag.
    expect(partitionReport(partition({ topic: 't', partition: 0, position: 30, highWatermark: 25 }))!.lag).toBe(0);
  });

  it('revoked partitions are not reported', () => {
    expect(partitionReport(partition({ topic: 't', partition: 0, status: 'REVOKED' }))).toBeUndefined();
  });
});

describe('flow state', () => {
  const stateOf = (f: ReturnType<typeof flow>) => {
    const r = flowReport(f, undefined, undefined, NOW);
    return [r.state, r.problems] as const;
  };
  const caughtUp = [partition({ topic: 'orders', partition: 0, position: 150 }), partition({ topic: 'orders', partition: 1, position: 150 })];

  it('RUNNING when all is well; caughtUp when every lag is known and 0', () => {
    expect(stateOf(flow({ partitions: caughtUp }))).toEqual(['RUNNING', []]);
    expect(flowReport(flow({ partitions: caughtUp }), undefined, undefined, NOW).caughtUp).toBe(true);
    expect(flowReport(flow(), undefined, undefined, NOW).caughtUp).toBe(false);
    expect(flowReport(flow({ partitions: [] }), undefined, undefined, NOW).caughtUp).toBe(false);
  });

  it('PAUSED when every partition is paused', () => {
    expect(stateOf(flow({ partitions: caughtUp.map((p) => ({ ...p, status: 'PAUSED' as const })) }))[0]).toBe('PAUSED');
  });

  it('DEGRADED while something is retried: refresh, topic creation, positions, checkpoints', () => {
    expect(stateOf(flow({ partitions: caughtUp, lastRefreshError: 'Local: Broker transport failure' })))
      .toEqual(['DEGRADED', ['topic refresh failed: Local: Broker transport failure']]);
    expect(stateOf(flow({
      partitions: caughtUp,
      topics: [{ source: 'x', remote: 'A.x', partitions: 1, state: 'CREATE_FAILED', reason: 'POLICY_VIOLATION', failedAttempts: 2 }],
    }))).toEqual(['DEGRADED', ['remote topic A.x cannot be created: POLICY_VIOLATION']]);
    expect(stateOf(flow({ partitions: [...caughtUp, partition({ topic: 'orders', partition: 2, status: 'WAITING', failure: 'coordinator loading' }),
      partition({ topic: 'orders', partition: 3, status: 'WAITING', failure: 'coordinator loading' })] })))
      .toEqual(['DEGRADED', ['2 partition(s) WAITING: orders-2 (coordinator loading) and 1 more']]);
    const report = flowReport(flow({ partitions: caughtUp }), { ...CHECKPOINTS, lastError: 'group listing timed out' }, undefined, NOW);
    expect([report.state, report.problems]).toEqual(['DEGRADED', ['checkpoints: group listing timed out']]);
  });

  it('FAILED when a shard is down or a partition FAILED', () => {
    expect(stateOf(flow({ partitions: caughtUp, shards: [{ index: 0, generation: 1, running: false, utilisation: 0 }] })))
      .toEqual(['FAILED', ['shard 0 is not running']]);
  });

  it('data loss is reported as a problem without changing the state', () => {
    const report = flowReport(flow({ partitions: [partition({ topic: 'orders', partition: 0, position: 150, lostRecords: 12 })] }),
      undefined, undefined, NOW);
    expect(report.state).toBe('RUNNING');
    expect(report.lostRecords).toBe(12);
    expect(report.problems).toEqual(['12 record(s) were deleted at the source before they were copied (lostRecords)']);
  });
});

describe('checkpoints report', () => {
  it('sums fail-over exposure per group; untranslatable offsets are null', () => {
    const report = flowReport(flow(), CHECKPOINTS, undefined, NOW).checkpoints!;
    expect(report).toMatchObject({ lastEmitMs: 1_700_000_000_000, lastEmitAgeMs: 10_000, emitted: 12, lastLatencyMs: 35, lastError: null });
    const [group] = report.groups;
    expect(group).toMatchObject({ group: 'billing', reread: 10, skipped: 0, unreplicated: 3, sync: { state: 'SYNCED', reason: null, atMs: 1_700_000_000_000 } });
    expect(group!.partitions.map((p) => p.downstreamOffset)).toEqual([42, null]);
    expect(group!.partitions.map((p) => p.lastEmitted)).toEqual([{ upstreamOffset: 30, downstreamOffset: 32, atMs: 1_699_999_990_000 }, null]);
  });
});

describe('status report', () => {
  it('reads readiness, flows, checkpoints and heartbeats from the view once', () => {
    const view = new FakeView();
    view.ready = { ready: false, reasons: ['x'] };
    const report = statusReport(view, NOW);
    expect(report).toMatchObject({ ready: false, reasons: ['x'], atMs: NOW });
    expect(report.flows.map((f) => [f.flow, f.checkpoints !== null, f.heartbeat?.lastReplicatedAgeMs])).toEqual([['A->B', true, 11_000]]);
    expect(report.heartbeats.map((h) => h.flow)).toEqual(['A->B', 'B->A']);
  });
});
