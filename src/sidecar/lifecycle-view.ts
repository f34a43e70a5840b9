import type {
  CheckpointFlowStatus, EngineView, FlowStatus, GroupTranslation, HeartbeatStatus, Readiness,
} from '../engine/view.js';

export type LifecyclePhase = 'starting' | 'running' | 'stopping';

/**
 * The EngineView the sidecar serves for the life of the process. The sidecar listens before the
 * engine starts (a port conflict fails at once, before any Kafka work; liveness answers during a
 * long start-up) and keeps listening while the engine stops, so readiness must say "starting" and
 * "stopping" rather than reflect an engine that is not there (yet, or any more).
 */
export class LifecycleView implements EngineView {
  private engine: EngineView | undefined;
  private phase_: LifecyclePhase = 'starting';

  get phase(): LifecyclePhase {
    return this.phase_;
  }

  /** The engine is up: every answer comes from it from now on. */
  attach(engine: EngineView): void {
    this.engine = engine;
    this.phase_ = 'running';
  }

  /** Shutting down: not ready any more (load balancers stop sending), status still served. */
  stopping(): void {
    this.phase_ = 'stopping';
  }

  readiness(): Readiness {
    if (this.phase_ === 'starting' || !this.engine) return { ready: false, reasons: ['kmirror is starting: flows are not running yet'] };
    if (this.phase_ === 'stopping') return { ready: false, reasons: ['kmirror is stopping'] };
    return this.engine.readiness();
  }

  status(): readonly FlowStatus[] {
    return this.engine?.status() ?? [];
  }

  checkpoints(): readonly CheckpointFlowStatus[] {
    return this.engine?.checkpoints() ?? [];
  }

  heartbeats(): readonly HeartbeatStatus[] {
    return this.engine?.heartbeats() ?? [];
  }

  translate(group: string, source?: string, target?: string): readonly GroupTranslation[] {
    return this.engine?.translate(group, source, target) ?? [];
  }

  resumePartition(flow: string, topic: string, partition: number): boolean {
    return this.phase_ === 'running' && (this.engine?.resumePartition(flow, topic, partition) ?? false);
  }

  pausePartition(flow: string, topic: string, partition: number): boolean {
    return this.phase_ === 'running' && (this.engine?.pausePartition(flow, topic, partition) ?? false);
  }
}
