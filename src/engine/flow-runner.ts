import type { FlowConfig } from '../config/mirror-config.js';
import { toRdkafkaSettings } from '../kafka/client-config.js';
import type { Logger } from '../log.js';
import { Admin, type NativeAdmin, type PartitionStats, type ShardEvent, type TopicRoute } from '../native/addon.js';
import type { ReplicationPolicy } from '../policy/index.js';
import type { ClientStats, FromShard, ToShard } from './protocol.js';
import type { CheckpointFlowStatus, GroupTranslation, HeartbeatStatus } from './view.js';
import type { ShardHandle, ShardPool } from './shard-pool.js';
import { flowFingerprint, flowGroupId as shardGroup, shardOptions } from './shard-settings.js';
import { AclSync } from './acl-sync.js';
import { CheckpointEmitter } from './checkpoint-emitter.js';
import { ensureInternalTopic } from './internal-topics.js';
import { offsetSyncsLocation, type OffsetSyncsLocation } from './offset-syncs-location.js';
import { TopicSync, type RemoteTopicState } from './topic-sync.js';

export interface PartitionStatus extends PartitionStats {
  /** Which shard (worker thread) of this process copies it. */
  readonly shard: number;
  /** How many times that shard slot has been started: cumulative figures restart from 0 with a new generation. */
  readonly shardGeneration: number;
  /** Records the source deleted before they were copied, since this process started. */
  readonly lostRecords: number;
}

export interface ShardStatus {
  readonly index: number;
  /** Starts of this shard slot so far (1 for the first). Its cumulative client figures restart with each. */
  readonly generation: number;
  readonly running: boolean;
  /** Share of the last report interval the worker thread spent copying, 0..1. */
  readonly utilisation: number;
  /** The shard's librdkafka clients, from their statistics (statistics.interval.ms); absent until the first report. */
  readonly clients?: ClientStats;
  /** Offset syncs this generation of the shard wrote, dropped (queue full) and had refused; absent until the first report. */
  readonly offsetSyncs?: { readonly written: number; readonly dropped: number; readonly failed: number };
  /** How long the target has acknowledged nothing while records wait, and the source given nothing while records wait there (ms; 0 when not). */
  readonly stalls?: { readonly targetMs: number; readonly sourceMs: number; readonly sourceAuthError: string; readonly targetAuthError: string };
}

export interface FlowStatus {
  readonly flow: string;
  readonly source: string;
  readonly target: string;
  readonly topics: readonly RemoteTopicState[];
  readonly partitions: readonly PartitionStatus[];
  readonly shards: readonly ShardStatus[];
  readonly lastRefreshError?: string;
  /** Why this process does not join the flow's group: another flow uses it (its shards are not started). */
  readonly groupConflict?: string;
  /** Why topic ACL sync failed last (sync.topic.acls.enabled), if it did. */
  readonly aclSyncError?: string;
}

interface ShardSlot {
  index: number;
  handle: ShardHandle | undefined;
  partitions: readonly PartitionStats[];
  utilisation: number;
  running: boolean;
  generation: number;
  /** Failures in a row, each soon after its start (restarts back off by it). */
  failures: number;
  clients?: ClientStats | undefined;
  offsetSyncs?: { written: number; dropped: number; failed: number } | undefined;
  stalls?: { targetMs: number; sourceMs: number; sourceAuthError: string; targetAuthError: string } | undefined;
}

const RETRY_MS = 10_000;
const RESTART_BACKOFF_MAX_MS = 60_000;
/** How long a cluster may stay silent while records wait before it is logged (readiness says so at 8 s too). */
const STALL_LOG_MS = 8_000;

/**
 * Runs one flow `A->B` in this process: keeps remote topics in line (TopicSync) and runs
 * `tasks.max` shards that join the flow's consumer group and copy the partitions it assigns them.
 */
export class FlowRunner {
  private readonly sourceAdmin: NativeAdmin;
  private readonly targetAdmin: NativeAdmin;
  private readonly sync: TopicSync;
  private readonly syncsLocation: OffsetSyncsLocation;
  private readonly checkpoints: CheckpointEmitter | undefined;
  private readonly acls: AclSync | undefined;
  private readonly slots: ShardSlot[];
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly restarts = new Set<NodeJS.Timeout>();
  private readonly lost = new Map<string, number>();
  private routes: readonly TopicRoute[] = [];
  private lastRefreshError: string | undefined;
  private groupConflict: string | undefined;
  private stopping = false;
  /** Since when no shard of this process has a partition of the flow (undefined while one has). */
  private unassignedSinceMs: number | undefined = Date.now();
  private refreshing: Promise<void> | undefined;

  constructor(private readonly deps: {
    flow: FlowConfig;
    policy: ReplicationPolicy;
    pool: ShardPool;
    log: Logger;
    reportIntervalMs: number;
    batchSize: number;
    /** Groups kmirror itself uses on any cluster: never checkpointed. */
    ownGroups: ReadonlySet<string>;
  }) {
    const { flow, policy, log } = deps;
    this.sourceAdmin = new Admin(toRdkafkaSettings(flow.clients.sourceAdmin).settings, `${flow.name} source admin`);
    this.targetAdmin = new Admin(toRdkafkaSettings(flow.clients.targetAdmin).settings, `${flow.name} target admin`);
    this.sync = new TopicSync({ flow, policy, source: this.sourceAdmin, target: this.targetAdmin, log });
    const location = offsetSyncsLocation(flow, policy);
    this.syncsLocation = location;
    if (flow.settings['emit.checkpoints.enabled'] || flow.settings['sync.group.offsets.enabled']) {
      this.checkpoints = new CheckpointEmitter({
        flow, policy, log, sourceAdmin: this.sourceAdmin, location, ownGroups: deps.ownGroups,
        runner: { routes: () => new Map(this.routes.map((r) => [r.source, r.remote])), owns: (topic, partition) => this.owns(topic, partition) },
      });
    }
    if (flow.settings['sync.topic.acls.enabled']) {
      this.acls = new AclSync({ flow, policy, log, source: this.sourceAdmin, target: this.targetAdmin,
        topics: () => this.routes.map((r) => r.source), groups: () => this.checkpoints?.groupNames() ?? [] });
    }
    this.slots = Array.from({ length: flow.settings['tasks.max'] }, (_, index) =>
      ({ index, handle: undefined, partitions: [], utilisation: 0, running: false, generation: 0, failures: 0 }));
  }

  get name(): string {
    return this.deps.flow.name;
  }

  async start(): Promise<void> {
    await this.refresh();
    await this.ensureOffsetSyncsTopic();
    await this.joinGroupIfOurs();
    this.checkpoints?.start();
    const s = this.deps.flow.settings;
    if (s['refresh.topics.enabled']) this.every(s['refresh.topics.interval.seconds'] * 1000, () => this.refresh());
    if (s['sync.topic.configs.enabled']) this.every(s['sync.topic.configs.interval.seconds'] * 1000, () => this.syncConfigs());
    if (this.acls) {
      const acls = this.acls;
      void acls.run();
      this.every(s['sync.topic.acls.interval.seconds'] * 1000, () => acls.run());
    }
    // Refused creations and unreachable clusters are retried sooner than the refresh interval,
    // and so is joining a group another flow held.
    this.every(RETRY_MS, async () => {
      if (this.groupConflict !== undefined) await this.joinGroupIfOurs();
      if (this.lastRefreshError || this.sync.states().some((t) => t.state === 'CREATE_FAILED' || t.reason)) await this.refresh();
    });
  }

  /**
   * Starts the shards unless the flow's group on the source is used by kmirror processes of a
   * different flow (another target, other topics, another naming policy: their client.id carries
   * another fingerprint). Sharing it would split the partitions between two flows silently; this
   * process stays out, says so (error log, /status, not ready) and looks again every 10 s.
   */
  private async joinGroupIfOurs(): Promise<void> {
    const { flow, log } = this.deps;
    const group = shardGroup(flow);
    const ours = flowFingerprint(flow);
    let others: string[] = [];
    try {
      const [described] = await this.sourceAdmin.describeConsumerGroups([group], flow.settings['admin.timeout.ms']);
      others = (described?.memberClients ?? []).filter((id) => id.startsWith('kmirror-') && id.includes('@') && !id.endsWith(`@${ours}`));
    } catch (err) {
      // The source cannot say: join (the usual case is a lone flow), and say why it was not checked.
      log.warn({ flow: flow.name, group, err: (err as Error).message }, 'cannot list the group\'s members to check they run this flow; joining');
    }
    if (others.length > 0) {
      const reason = `the consumer group ${group} on ${flow.source} is used by kmirror processes running a different flow ` +
        `(${others.slice(0, 3).join(', ')}; this one is @${ours}: the target, topics or replication policy differ): not joining it, ` +
        'so the two do not split each other\'s partitions; give one deployment its own kmirror.source.group.id';
      if (reason !== this.groupConflict) log.error({ flow: flow.name, group }, reason);
      this.groupConflict = reason;
      return;
    }
    if (this.groupConflict !== undefined) log.info({ flow: flow.name, group }, 'the group is free of other flows now: joining it');
    this.groupConflict = undefined;
    for (const slot of this.slots) if (!slot.handle) this.startShard(slot);
  }

  /**
   * The shards write offset syncs from their first record on: the topic is created first (one
   * partition, compacted, as MM2). If that fails the shards still start — their syncs wait in
   * the producer for the topic — and the failure is logged.
   */
  private async ensureOffsetSyncsTopic(): Promise<void> {
    const { flow, log } = this.deps;
    if (!flow.settings['emit.offset-syncs.enabled']) return;
    const location = this.syncsLocation;
    const admin = location.cluster === 'source' ? this.sourceAdmin : this.targetAdmin;
    try {
      await ensureInternalTopic(admin, location.topic, flow.settings['offset-syncs.topic.replication.factor'],
        flow.settings['admin.timeout.ms'], location.cluster);
    } catch (err) {
      log.error({ flow: flow.name, topic: location.topic, err: (err as Error).message },
        'cannot create the offset-syncs topic: checkpoints wait for it');
    }
  }

  private every(ms: number, task: () => Promise<void>): void {
    const timer = setInterval(() => {
      if (!this.stopping) task().catch((err: unknown) => this.deps.log.error({ flow: this.name, err }, 'periodic task failed'));
    }, ms);
    timer.unref();
    this.timers.push(timer);
  }

  /** Looks for new topics and partitions now (also runs every refresh.topics.interval.seconds). */
  refresh(): Promise<void> {
    this.refreshing ??= this.doRefresh().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async doRefresh(): Promise<void> {
    try {
      const { routes, changed } = await this.sync.refresh();
      if (this.lastRefreshError) this.deps.log.info({ flow: this.name }, 'topic refresh works again');
      this.lastRefreshError = undefined;
      this.routes = routes;
      if (changed) {
        this.deps.log.info({ flow: this.name, topics: routes.length }, 'replicating topics');
        for (const slot of this.slots) slot.handle?.send({ type: 'set-topics', routes });
      }
    } catch (err) {
      const message = (err as Error).message;
      if (this.stopping) return; // its admin client was closed by stop()
      if (message !== this.lastRefreshError) this.deps.log.error({ flow: this.name, err: message }, 'topic refresh failed; retrying');
      this.lastRefreshError = message;
    }
  }

  private async syncConfigs(): Promise<void> {
    await this.sync.syncConfigs();
  }

  private startShard(slot: ShardSlot): void {
    const { flow, pool, log } = this.deps;
    const handle = pool.start({
      flow: flow.name,
      index: slot.index,
      options: shardOptions(flow, slot.index, this.routes, this.syncsLocation),
      reportIntervalMs: this.deps.reportIntervalMs,
      batchSize: this.deps.batchSize,
    }, (message) => this.onShardMessage(slot, message));
    slot.handle = handle;
    slot.running = true;
    slot.generation++;
    slot.partitions = [];
    slot.clients = undefined;
    slot.offsetSyncs = undefined;
    slot.stalls = undefined;
    const startedAt = Date.now();
    handle.done.then(() => {
      slot.running = false;
    }, (err: unknown) => {
      slot.running = false;
      if (this.stopping) return;
      // Restarts back off (1 s, 2 s, 4 s … 60 s) while the shard keeps failing soon after it starts.
      slot.failures = Date.now() - startedAt > RESTART_BACKOFF_MAX_MS ? 1 : slot.failures + 1;
      const delay = Math.min(RESTART_BACKOFF_MAX_MS, 1000 * 2 ** (slot.failures - 1));
      log.error({ flow: flow.name, shard: slot.index, err: (err as Error).message, restartInMs: delay, failures: slot.failures },
        'shard stopped with an error (its clients closed); restarting it');
      const timer = setTimeout(() => {
        this.restarts.delete(timer);
        if (!this.stopping) this.startShard(slot);
      }, delay);
      timer.unref();
      this.restarts.add(timer);
    });
  }

  private onShardMessage(slot: ShardSlot, message: FromShard): void {
    if (message.type === 'failed') return; // the task's rejection reports it
    slot.partitions = message.partitions;
    const assigned = this.slots.some((s) => s.partitions.some((p) => p.status !== 'REVOKED'));
    if (assigned) this.unassignedSinceMs = undefined;
    else this.unassignedSinceMs ??= Date.now();
    slot.utilisation = message.utilisation;
    slot.clients = message.clients ?? slot.clients;
    slot.offsetSyncs = message.syncs;
    this.noteStalls(slot, message.stalls);
    slot.stalls = message.stalls;
    for (const event of message.events) this.logEvent(slot.index, event);
  }

  /** A cluster silent while records wait (a frozen broker keeps its connections): said once when it starts, once when it ends. */
  private noteStalls(slot: ShardSlot, now: { targetMs: number; sourceMs: number }): void {
    const { flow, log } = this.deps;
    const before = slot.stalls;
    for (const [side, cluster] of [['targetMs', flow.target], ['sourceMs', flow.source]] as const) {
      const was = (before?.[side] ?? 0) >= STALL_LOG_MS;
      const is = now[side] >= STALL_LOG_MS;
      if (is && !was) {
        log.warn({ flow: this.name, shard: slot.index, cluster, silentMs: now[side] },
          side === 'targetMs' ? `no acknowledgement from ${cluster} for ${Math.floor(now[side] / 1000)} s while records wait for it (a broker frozen, cut off or overloaded?)`
            : `no records from ${cluster} for ${Math.floor(now[side] / 1000)} s while it has records to copy (a broker frozen or cut off?)`);
      } else if (was && !is) {
        log.info({ flow: this.name, shard: slot.index, cluster }, `${cluster} answers again`);
      }
    }
  }

  private logEvent(shard: number, event: ShardEvent): void {
    const log = this.deps.log;
    const fields = { flow: this.name, shard, topic: event.topic, partition: event.partition, offset: event.offset };
    switch (event.kind) {
      case 'log':
        if (event.level <= 3) log.error(fields, event.message);
        else if (event.level === 4) log.warn(fields, event.message);
        else log.debug(fields, event.message);
        break;
      case 'data-loss':
      case 'source-recreated': {
        const key = `${event.topic}:${event.partition}`;
        this.lost.set(key, (this.lost.get(key) ?? 0) + Math.max(0, event.count ?? 0));
        log.error({ ...fields, lostRecords: event.count }, `${event.kind === 'data-loss' ? 'DATA LOSS' : 'SOURCE TOPIC RECREATED'}: ${event.message}`);
        break;
      }
      case 'partition-failed':
        log.error(fields, `partition FAILED: ${event.message}`);
        break;
      case 'written-past-failure':
        log.error(fields, `INVARIANT BROKEN: ${event.message}`);
        break;
      case 'source-truncated':
      case 'fatal':
      case 'error':
        log.error(fields, event.message);
        break;
      case 'partition-waiting':
        log.warn(fields, `partition WAITING: ${event.message}`);
        break;
      case 'partition-isolating':
        log.warn(fields, `partition ISOLATING: ${event.message}`);
        break;
      case 'producer-reset':
        log.warn({ ...fields, resets: event.count }, event.message);
        break;
      case 'topic-missing':
      case 'commit-failed':
        log.warn(fields, event.message);
        break;
      case 'partition-paused':
        log.info(fields, `partition PAUSED: ${event.message}`);
        break;
      case 'partition-resumed':
        log.info(fields, `partition RUNNING: ${event.message}`);
        break;
      case 'assigned':
      case 'revoked':
        log.info({ flow: this.name, shard, partitions: event.count }, `partitions ${event.kind}${event.message ? ` (${event.message})` : ''}`);
        break;
      default: {
        // Every kind the addon names is handled above (a new one fails type-checking here); one
        // the addon sends without TypeScript knowing it is a bug, said out loud.
        const unknown: never = event.kind;
        log.error({ ...fields, kind: unknown }, `unknown shard event: ${event.message}`);
      }
    }
  }

  status(): FlowStatus {
    const partitions: PartitionStatus[] = [];
    for (const slot of this.slots) {
      for (const p of slot.partitions) {
        if (p.status === 'REVOKED') continue;
        partitions.push({ ...p, shard: slot.index, shardGeneration: slot.generation, lostRecords: this.lost.get(`${p.topic}:${p.partition}`) ?? 0 });
      }
    }
    partitions.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
    return {
      flow: this.name,
      source: this.deps.flow.source,
      target: this.deps.flow.target,
      topics: this.sync.states(),
      partitions,
      shards: this.slots.map((s) => ({ index: s.index, generation: s.generation, running: s.running, utilisation: s.utilisation,
        ...(s.clients && { clients: s.clients }), ...(s.offsetSyncs && { offsetSyncs: s.offsetSyncs }), ...(s.stalls && { stalls: s.stalls }) })),
      ...(this.lastRefreshError !== undefined && { lastRefreshError: this.lastRefreshError }),
      ...(this.groupConflict !== undefined && { groupConflict: this.groupConflict }),
      ...(this.acls?.problem !== undefined && { aclSyncError: this.acls.problem }),
    };
  }

  get source(): string {
    return this.deps.flow.source;
  }

  /**
   * Why this flow is not ready in this process, beyond its shards' own state: no partition
   * assigned for longer than kmirror.unassigned.timeout.seconds (0 never).
   */
  notReadyReason(now = Date.now()): string | undefined {
    if (this.groupConflict !== undefined) return this.groupConflict;
    const limitS = this.deps.flow.settings['kmirror.unassigned.timeout.seconds'];
    if (limitS === 0 || this.unassignedSinceMs === undefined) return undefined;
    const forS = Math.floor((now - this.unassignedSinceMs) / 1000);
    if (forS < limitS) return undefined;
    return `no partition assigned to this process for ${forS} s (kmirror.unassigned.timeout.seconds = ${limitS}): ` +
      `the group ${shardGroup(this.deps.flow)} gives them to other members, or no topic matches`;
  }

  get target(): string {
    return this.deps.flow.target;
  }

  /** False when no shard of this process has the partition. */
  resumePartition(topic: string, partition: number): boolean {
    return this.sendToOwner(topic, partition, { type: 'resume-partition', topic, partition });
  }

  pausePartition(topic: string, partition: number): boolean {
    return this.sendToOwner(topic, partition, { type: 'pause-partition', topic, partition });
  }

  private sendToOwner(topic: string, partition: number, message: ToShard): boolean {
    const slot = this.slots.find((s) => s.partitions.some((p) => p.topic === topic && p.partition === partition && p.status !== 'REVOKED'));
    slot?.handle?.send(message);
    return slot?.handle !== undefined;
  }

  private owns(topic: string, partition: number): boolean {
    return this.slots.some((s) => s.running && s.partitions.some((p) => p.topic === topic && p.partition === partition && p.status !== 'REVOKED'));
  }

  checkpointStatus(): CheckpointFlowStatus | undefined {
    return this.checkpoints?.status();
  }

  translate(group: string): GroupTranslation | undefined {
    return this.checkpoints?.translate(group);
  }


  heartbeatStatus(emitter: { lastHeartbeat: number } | undefined): HeartbeatStatus {
    const { flow, policy } = this.deps;
    // Heartbeats from the source's own heartbeats topic, replicated here: the end-to-end liveness of the path.
    let lastReplicatedMs = -1;
    for (const slot of this.slots) {
      for (const p of slot.partitions) {
        if (p.topic === policy.heartbeatsTopic()) lastReplicatedMs = Math.max(lastReplicatedMs, p.lastTimestamp);
      }
    }
    return { flow: flow.name, upstream: flow.source, target: flow.target, lastEmittedMs: emitter?.lastHeartbeat ?? -1, lastReplicatedMs };
  }

  /** Stops the shards within about `timeoutMs`: each stores the positions of what the target acknowledged. */
  async stop(timeoutMs = 30_000): Promise<void> {
    this.stopping = true;
    for (const timer of this.timers) clearInterval(timer);
    for (const timer of this.restarts) clearTimeout(timer);
    // The shards are told first: their close runs while the rest finishes. The admin clients are
    // closed next, so a refresh or an ACL sync waiting on a cluster that is down ends now.
    for (const slot of this.slots) slot.handle?.send({ type: 'stop', timeoutMs });
    this.sourceAdmin.close();
    this.targetAdmin.close();
    await this.refreshing;
    await this.checkpoints?.stop();
    await Promise.allSettled(this.slots.map((s) => s.handle?.done));
  }
}
