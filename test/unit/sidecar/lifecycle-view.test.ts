import { describe, expect, it } from 'vitest';
import { LifecycleView } from '../../../src/sidecar/lifecycle-view.js';
import { FakeView, TRANSLATION } from './fake-view.js';

describe('LifecycleView', () => {
  it('is not ready while the engine starts, and shows nothing yet', () => {
    const view = new LifecycleView();
    expect(view.phase).toBe('starting');
    expect(view.readiness()).toEqual({ ready: false, reasons: ['kmirror is starting: flows are not running yet'] });
    expect(view.status()).toEqual([]);
    expect(view.checkpoints()).toEqual([]);
    expect(view.heartbeats()).toEqual([]);
    expect(view.translate('billing')).toEqual([]);
    expect(view.pausePartition('A->B', 'orders', 0)).toBe(false);
    expect(view.resumePartition('A->B', 'orders', 0)).toBe(false);
  });

  it('answers from the engine once attached', () => {
    const engine = new FakeView();
    engine.ready = { ready: false, reasons: ['A->B: 1 partition(s) WAITING'] };
    const view = new LifecycleView();
    view.attach(engine);
    expect(view.phase).toBe('running');
    expect(view.readiness()).toEqual(engine.ready);
    expect(view.status()).toBe(engine.flows);
    expect(view.checkpoints()).toBe(engine.checkpointStatus);
    expect(view.heartbeats()).toBe(engine.heartbeatStatus);
    expect(view.translate('billing', 'A', 'B')).toEqual([TRANSLATION]);
    expect(view.pausePartition('A->B', 'orders', 0)).toBe(true);
    expect(view.resumePartition('A->B', 'orders', 0)).toBe(true);
    expect(engine.actions).toHaveLength(2);
  });

  it('is not ready while stopping, still shows status, takes no more actions', () => {
    const engine = new FakeView();
    const view = new LifecycleView();
    view.attach(engine);
    view.stopping();
    expect(view.readiness()).toEqual({ ready: false, reasons: ['kmirror is stopping'] });
    expect(view.status()).toBe(engine.flows);
    expect(view.translate('billing')).toHaveLength(2);
    expect(view.pausePartition('A->B', 'orders', 0)).toBe(false);
    expect(engine.actions).toEqual([]);
  });
});
