import type { MirrorConfig } from '../config/mirror-config.js';
import type { Logger } from '../log.js';
import type { ReplicationPolicy } from '../policy/index.js';
import { FlowRunner, type FlowStatus } from './flow-runner.js';
import { HeartbeatEmitter } from './heartbeat-emitter.js';
import { ShardPool } from './shard-pool.js';
import { flowGroupId } from './shard-settings.js';
import type { CheckpointFlowStatus, EngineView, GroupTranslation, HeartbeatStatus, Readiness } from './view.js';

export interface EngineOptions {
  readonly log: Logger;
  /** How often shards report stats (ms). */
  readonly reportIntervalMs?: number;
  /** Records per copy-loop batch. */
  readonly batchSize?: number;
}

/**
 * A cluster that answers nothing for this long while records wait is reported not ready: a broker
 * frozen or cut off keeps its connections open, so "no connection" alone would not say it. With
 * reports every second, readiness turns within 10 s.
 */
const STALL_MS = 8_000;

/** What the shards get of kmirror.shutdown.timeout.ms: the rest is for the worker pool and the sidecar. */
const SHUTDOWN_MARGIN_MS = 2_000;

/**
 * The replication engine: the composition root of `kmirror run`. One FlowRunner per enabled
 * flow, all of their shards in one worker pool.
 */
export class Engine implements EngineView {
  private constructor(private readonly runners: readonly FlowRunner[], private readonly heartbeats_: readonly HeartbeatEmitter[],
    private readonly pool: ShardPool, private readonly log: Logger) {}

  static async start(config: MirrorConfig, policies: ReadonlyMap<string, ReplicationPolicy>, options: EngineOptions): Promise<Engine> {
    const flows = config.flows.filter((f) => f.enabled);
    const threads = Math.max(1, flows.reduce((sum, f) => sum + f.settings['tasks.max'], 0));
    const pool = new ShardPool(threads);
    const ownGroups = new Set(config.flows.map((f) => flowGroupId(f)));
    const runners = flows.map((flow) => new FlowRunner({
      flow,
      policy: policies.get(flow.name)!,
      pool,
      log: options.log,
      reportIntervalMs: options.reportIntervalMs ?? 1000,
      batchSize: options.batchSize ?? 2000,
      ownGroups,
    }));
    // As MM2: every pair emits heartbeats unless emit.heartbeats.enabled=false, replicated or not.
    const heartbeats = config.flows.filter((f) => f.heartbeats)
      .map((flow) => new HeartbeatEmitter({ flow, policy: policies.get(flow.name)!, log: options.log }));
    const engine = new Engine(runners, heartbeats, pool, options.log);
    for (const emitter of heartbeats) emitter.start();
    await Promise.all(runners.map((r) => r.start()));
    options.log.info({ flows: runners.map((r) => r.name), threads }, 'kmirror started');
    return engine;
  }

  status(): FlowStatus[] {
    return this.runners.map((r) => r.status());
  }

  readiness(): Readiness {
    const reasons: string[] = [];
    for (const runner of this.runners) {
      const reason = runner.notReadyReason();
      if (reason) reasons.push(`${runner.name}: ${reason}`);
    }
    for (const flow of this.status()) {
      if (flow.lastRefreshError) reasons.push(`${flow.flow}: topic refresh failed: ${flow.lastRefreshError}`);
      for (const shard of flow.shards) {
        if (!shard.running) reasons.push(`${flow.flow}: shard ${shard.index} is not running`);
        else if (shard.stalls?.sourceAuthError) reasons.push(`${flow.flow}: shard ${shard.index} cannot authenticate to ${flow.source}: ${shard.stalls.sourceAuthError}`);
        else if (shard.stalls?.targetAuthError) reasons.push(`${flow.flow}: shard ${shard.index} cannot authenticate to ${flow.target}: ${shard.stalls.targetAuthError}`);
        else if (shard.clients?.consumerBrokersUp === 0) reasons.push(`${flow.flow}: shard ${shard.index} has no connection to ${flow.source}`);
        else if (shard.clients?.producerBrokersUp === 0) reasons.push(`${flow.flow}: shard ${shard.index} has no connection to ${flow.target}`);
        else if ((shard.stalls?.targetMs ?? 0) >= STALL_MS) {
          reasons.push(`${flow.flow}: shard ${shard.index}: no acknowledgement from ${flow.target} for ${Math.floor(shard.stalls!.targetMs / 1000)} s while records wait for it`);
        } else if ((shard.stalls?.sourceMs ?? 0) >= STALL_MS) {
          reasons.push(`${flow.flow}: shard ${shard.index}: no records from ${flow.source} for ${Math.floor(shard.stalls!.sourceMs / 1000)} s while it has records to copy`);
        }
      }
      const waiting = flow.partitions.filter((p) => p.status === 'WAITING');
      if (waiting.length > 0) reasons.push(`${flow.flow}: ${waiting.length} partition(s) WAITING (${waiting[0]!.failure})`);
    }
    return { ready: reasons.length === 0, reasons };
  }

  checkpoints(): readonly CheckpointFlowStatus[] {
    return this.runners.flatMap((r) => r.checkpointStatus() ?? []);
  }

  heartbeats(): readonly HeartbeatStatus[] {
    return this.runners.map((r) => r.heartbeatStatus(this.heartbeatEmitterFor(r.name)));
  }

  private heartbeatEmitterFor(flow: string): HeartbeatEmitter | undefined {
    return this.heartbeats_.find((h) => h.flow === flow);
  }

  /** Called for every translation request the sidecar answers (its freshness check): a plain loop, no intermediate arrays. */
  translate(group: string, source?: string, target?: string): readonly GroupTranslation[] {
    const found: GroupTranslation[] = [];
    for (const r of this.runners) {
      if ((source !== undefined && r.source !== source) || (target !== undefined && r.target !== target)) continue;
      const t = r.translate(group);
      if (t !== undefined) found.push(t);
    }
    return found;
  }

  resumePartition(flow: string, topic: string, partition: number): boolean {
    return this.flow(flow)?.resumePartition(topic, partition) ?? false;
  }

  pausePartition(flow: string, topic: string, partition: number): boolean {
    return this.flow(flow)?.pausePartition(topic, partition) ?? false;
  }

  flow(name: string): FlowRunner | undefined {
    return this.runners.find((r) => r.name === name);
  }

  /**
   * Stops every flow within about `timeoutMs` (kmirror.shutdown.timeout.ms): shards leave their
   * groups after storing the positions of what the target acknowledged.
   */
  async stop(timeoutMs = 30_000): Promise<void> {
    const shardTimeout = Math.max(1_000, timeoutMs - SHUTDOWN_MARGIN_MS);
    await Promise.all([...this.runners.map((r) => r.stop(shardTimeout)), ...this.heartbeats_.map((h) => h.stop())]);
    await this.pool.destroy();
    this.log.info('kmirror stopped');
  }
}
