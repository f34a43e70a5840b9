import type { FlowConfig } from '../config/mirror-config.js';
import { toRdkafkaSettings } from '../kafka/client-config.js';
import { InternalProducer } from '../kafka/internal-producer.js';
import type { Logger } from '../log.js';
import { Checkpoint } from '../mirror-client/checkpoint.js';
import { OffsetSync } from '../mirror-client/offset-sync.js';
import { partitionBounds, readPartitionTo } from '../mirror-client/partition-reader.js';
import { isRecordFormatError } from '../mirror-client/record-format-error.js';
import { Admin, readRecords, type NativeAdmin, type RdkafkaSettings, type ReadRecord } from '../native/addon.js';
import { GroupFilter, type ReplicationPolicy } from '../policy/index.js';
import { OffsetSyncStore } from './offset-sync-store.js';
import { ensureInternalTopic } from './internal-topics.js';
import type { OffsetSyncsLocation } from './offset-syncs-location.js';
import type { CheckpointFlowStatus, GroupCheckpointStatus, GroupPartitionCheckpoint, GroupSyncState, GroupTranslation } from './view.js';

interface Emitted {
  readonly upstreamOffset: number;
  readonly downstreamOffset: number;
  readonly atMs: number;
}

interface SyncState {
  state: GroupSyncState;
  reason?: string;
  atMs?: number;
}

/** What the checkpoint emitter needs from its flow runner. */
export interface CheckpointFlow {
  /** Replicated source topics and their remote names, as of now. */
  routes(): ReadonlyMap<string, string>;
  /** Whether a shard of this process copies the source partition (only owners checkpoint it). */
  owns(topic: string, partition: number): boolean;
}

const READ_DEADLINE_MS = 60_000;
const GROUP_READS_IN_PARALLEL = 8;

/**
 * MM2's MirrorCheckpointConnector for one flow A->B, with exact translation.
 *
 * Every `emit.checkpoints.interval.seconds`: reads what is new on the offset-syncs topic into an
 * OffsetSyncStore (all processes of the flow write there, so every process knows every
 * partition's syncs, and a restarted process starts where the topic is), reads the committed
 * offsets of the source groups that pass `groups`/`groups.exclude`, translates them exactly, and
 * writes a Checkpoint to `A.checkpoints.internal` on B for each partition this process copies —
 * forward only, as MM2, unless the source group was rewound. The last checkpoint of each
 * partition is read back from that topic at start, so a restart neither repeats nor stalls.
 *
 * With `sync.group.offsets.enabled`, every `sync.group.offsets.interval.seconds` the translated
 * offsets are committed to B's group of the same name when it is empty or absent there, never
 * moving an offset backwards; a group with members on B is reported, not written.
 */
export class CheckpointEmitter {
  private readonly store = new OffsetSyncStore();
  private readonly groupFilter: GroupFilter;
  private readonly producer: InternalProducer;
  private readonly targetAdmin: NativeAdmin;
  private readonly syncsAdmin: NativeAdmin;
  private readonly checkpointsTopic: string;
  private readonly emitted = new Map<string, Map<string, Emitted>>(); // group → "remoteTopic\0partition"
  private readonly syncStates = new Map<string, SyncState>();
  private readonly groupStatus = new Map<string, GroupCheckpointStatus>();
  private readonly translations = new Map<string, GroupTranslation>();
  private syncsNext = -1;
  private seeded = false;
  private checkpointsTopicReady = false;
  private groups: string[] = [];
  private lastGroupRefresh = 0;
  private lastGroupSync = 0;
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  private stopped = false;
  private lastEmitMs = -1;
  private emittedCount = 0;
  private lastLatencyMs = 0;
  private lastError: string | undefined;

  constructor(private readonly deps: {
    flow: FlowConfig;
    policy: ReplicationPolicy;
    log: Logger;
    sourceAdmin: NativeAdmin;
    location: OffsetSyncsLocation;
    runner: CheckpointFlow;
    /** Groups kmirror itself uses (the flows' membership groups): never checkpointed. */
    ownGroups: ReadonlySet<string>;
  }) {
    const { flow, policy } = deps;
    this.groupFilter = new GroupFilter({ include: flow.settings.groups, exclude: flow.settings['groups.exclude'] });
    this.targetAdmin = new Admin(toRdkafkaSettings(flow.clients.targetAdmin).settings, `${flow.name} checkpoints admin`);
    this.syncsAdmin = new Admin(deps.location.admin, `${flow.name} offset-syncs reader`);
    this.producer = new InternalProducer(toRdkafkaSettings(flow.clients.targetProducer).settings, `kmirror-${flow.name}-checkpoints`);
    this.checkpointsTopic = policy.checkpointsTopic(flow.source);
  }

  private get settings() {
    return this.deps.flow.settings;
  }

  start(): void {
    const interval = this.settings['emit.checkpoints.interval.seconds'] * 1000;
    const tick = () => {
      this.runRound().finally(() => {
        if (!this.stopped) this.timer = setTimeout(tick, interval);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  /** Runs one round now (tests and the first tick); rounds never overlap. */
  runRound(): Promise<void> {
    this.round ??= this.doRound().catch((err: unknown) => {
      const message = (err as Error).message;
      if (message !== this.lastError) this.deps.log.warn({ flow: this.deps.flow.name, err: message }, 'checkpoint round failed; retrying');
      this.lastError = message;
    }).finally(() => {
      this.round = undefined;
    });
    return this.round;
  }

  private async doRound(): Promise<void> {
    const { flow, log, sourceAdmin, runner } = this.deps;
    const timeout = this.settings['admin.timeout.ms'];
    const started = Date.now();
    await this.readSyncs();
    if (!this.seeded) await this.seedCheckpoints();
    const refreshDue = this.settings['refresh.groups.enabled'] &&
      started - this.lastGroupRefresh >= this.settings['refresh.groups.interval.seconds'] * 1000;
    if (this.lastGroupRefresh === 0 || refreshDue) await this.refreshGroups();
    const routes = runner.routes();
    const records: { key: Buffer; value: Buffer }[] = [];
    const emitting: [string, string, Emitted][] = [];
    const lowest = new Map<string, number>(); // "topic\0partition" → lowest committed offset over groups
    // Group offsets are read GROUP_READS_IN_PARALLEL at a time: one request per group, as MM2.
    const offsetsOf = new Map<string, Awaited<ReturnType<NativeAdmin['listConsumerGroupOffsets']>>>();
    for (let i = 0; i < this.groups.length; i += GROUP_READS_IN_PARALLEL) {
      await Promise.all(this.groups.slice(i, i + GROUP_READS_IN_PARALLEL).map(async (group) => {
        try {
          offsetsOf.set(group, await sourceAdmin.listConsumerGroupOffsets(group, null, timeout));
        } catch (err) {
          log.debug({ flow: flow.name, group, err: (err as Error).message }, 'cannot read group offsets');
        }
      }));
    }
    for (const group of this.groups) {
      const offsets = offsetsOf.get(group);
      if (!offsets) continue;
      const partitions: GroupPartitionCheckpoint[] = [];
      for (const o of offsets) {
        const remoteTopic = routes.get(o.topic);
        if (remoteTopic === undefined || o.error !== null || o.offset < 0) continue;
        const key = `${o.topic}\0${o.partition}`;
        lowest.set(key, Math.min(lowest.get(key) ?? Number.MAX_SAFE_INTEGER, o.offset));
        const translation = this.store.translate(o.topic, o.partition, o.offset);
        const downstreamOffset = translation?.offset ?? -1;
        const emittedKey = `${remoteTopic}\0${o.partition}`;
        const last = this.emitted.get(group)?.get(emittedKey);
        if (downstreamOffset >= 0 && runner.owns(o.topic, o.partition) &&
            (last === undefined || o.offset < last.upstreamOffset || downstreamOffset > last.downstreamOffset)) {
          const checkpoint = new Checkpoint({ consumerGroupId: group, topicPartition: { topic: remoteTopic, partition: o.partition },
            upstreamOffset: o.offset, downstreamOffset, metadata: o.metadata ?? '' });
          records.push({ key: checkpoint.recordKey(), value: checkpoint.recordValue() });
          emitting.push([group, emittedKey, { upstreamOffset: o.offset, downstreamOffset, atMs: started }]);
        }
        const tail = this.store.tail(o.topic, o.partition);
        partitions.push({
          topic: o.topic, partition: o.partition, remoteTopic,
          upstreamOffset: o.offset, downstreamOffset, metadata: o.metadata ?? '',
          reread: 0, skipped: 0, // set below, against the checkpoints actually written
          unreplicated: translation?.ahead && tail ? o.offset - tail.upstream - 1 : 0,
        });
      }
      if (partitions.length === 0) {
        this.groupStatus.delete(group);
        continue;
      }
      partitions.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
      this.groupStatus.set(group, {
        flow: flow.name, source: flow.source, target: flow.target, group, partitions,
        sync: this.syncStates.get(group) ?? { state: this.settings['sync.group.offsets.enabled'] ? 'SYNCED' : 'DISABLED' },
      });
    }
    for (const group of this.groupStatus.keys()) if (!this.groups.includes(group)) this.groupStatus.delete(group);
    this.updateTranslations();

    if (records.length > 0 && this.settings['emit.checkpoints.enabled']) {
      if (!this.checkpointsTopicReady) await this.ensureCheckpointsTopic();
      await this.producer.sendAll(this.checkpointsTopic, 0, records);
      for (const [group, key, value] of emitting) {
        let byPartition = this.emitted.get(group);
        if (!byPartition) this.emitted.set(group, byPartition = new Map());
        byPartition.set(key, value);
      }
      this.emittedCount += records.length;
    }
    // Exposure: what failing over now, with the checkpoints written so far, would re-read or skip.
    for (const [group, status] of this.groupStatus) {
      this.groupStatus.set(group, { ...status, partitions: status.partitions.map((p) => this.withExposure(group, p)) });
    }
    this.lastLatencyMs = Date.now() - started;
    this.lastEmitMs = Date.now();
    if (this.lastError) log.info({ flow: flow.name }, 'checkpoints flowing again');
    this.lastError = undefined;

    for (const [key, offset] of lowest) {
      const [topic, partition] = key.split('\0') as [string, string];
      this.store.pruneBefore(topic, Number(partition), offset);
    }
    if (this.settings['sync.group.offsets.enabled'] &&
        Date.now() - this.lastGroupSync >= this.settings['sync.group.offsets.interval.seconds'] * 1000) {
      this.lastGroupSync = Date.now();
      await this.syncGroupOffsets();
    }
  }

  private withExposure(group: string, p: GroupPartitionCheckpoint): GroupPartitionCheckpoint {
    const last = this.emitted.get(group)?.get(`${p.remoteTopic}\0${p.partition}`);
    if (!last || p.downstreamOffset < 0) return p;
    return { ...p, lastEmitted: last, reread: Math.max(0, p.downstreamOffset - last.downstreamOffset),
      skipped: Math.max(0, last.downstreamOffset - p.downstreamOffset) };
  }

  /** Reads the offset-syncs topic from where the last round stopped to its current end. */
  private async readSyncs(): Promise<void> {
    const { location, log, flow } = this.deps;
    const timeout = this.settings['admin.timeout.ms'];
    const bounds = await partitionBounds(this.syncsAdmin, location.topic, timeout);
    if (!bounds) return; // no syncs written yet
    const { earliest, latest } = bounds;
    const from = Math.max(this.syncsNext, earliest);
    if (from >= latest) return;
    const onRecord = (record: ReadRecord) => {
      // Progress is kept record by record: a read cut short by its deadline (a long topic on the
      // first round) goes on from here next round instead of starting over.
      this.syncsNext = record.offset + 1;
      try {
        const sync = OffsetSync.deserialize(record.key, record.value);
        this.store.add(sync.topicPartition.topic, sync.topicPartition.partition, sync.upstreamOffset, sync.downstreamOffset);
      } catch (err) {
        if (!isRecordFormatError(err)) throw err;
        log.warn({ flow: flow.name, topic: location.topic, partition: 0, offset: record.offset },
          `skipped a corrupt record on ${location.topic} partition 0 at offset ${record.offset}: ${err.recordType} ${err.part}: ${err.reason}`);
      }
    };
    this.syncsNext = await readPartitionTo(readRecords, location.consumer, location.topic, 0, from, latest, Date.now() + READ_DEADLINE_MS, onRecord);
  }

  /** Learns the last checkpoint written for each group and partition (by any process, before any restart). */
  private async seedCheckpoints(): Promise<void> {
    const { flow, log } = this.deps;
    const settings: RdkafkaSettings = toRdkafkaSettings(flow.clients.targetConsumer).settings;
    const timeout = this.settings['admin.timeout.ms'];
    const bounds = await partitionBounds(this.targetAdmin, this.checkpointsTopic, timeout);
    if (bounds && bounds.latest > bounds.earliest) {
      await readPartitionTo(readRecords, settings, this.checkpointsTopic, 0, bounds.earliest, bounds.latest, Date.now() + READ_DEADLINE_MS, (record) => {
        try {
          if (record.value === null) return;
          const c = Checkpoint.deserialize(record.key, record.value);
          let byPartition = this.emitted.get(c.consumerGroupId);
          if (!byPartition) this.emitted.set(c.consumerGroupId, byPartition = new Map());
          byPartition.set(`${c.topicPartition.topic}\0${c.topicPartition.partition}`,
            { upstreamOffset: c.upstreamOffset, downstreamOffset: c.downstreamOffset, atMs: record.timestamp });
        } catch (err) {
          if (!isRecordFormatError(err)) throw err;
          log.warn({ flow: flow.name, topic: this.checkpointsTopic, partition: 0, offset: record.offset },
            `skipped a corrupt record on ${this.checkpointsTopic} partition 0 at offset ${record.offset}: ${err.recordType} ${err.part}: ${err.reason}`);
        }
      });
    }
    this.seeded = true;
  }

  private async refreshGroups(): Promise<void> {
    const listed = await this.deps.sourceAdmin.listConsumerGroups(this.settings['admin.timeout.ms']);
    const groups = listed.map((g) => g.groupId)
      .filter((g) => !this.deps.ownGroups.has(g) && this.groupFilter.shouldReplicateGroup(g))
      .sort();
    const added = groups.filter((g) => !this.groups.includes(g));
    if (added.length > 0) this.deps.log.info({ flow: this.deps.flow.name, groups: added }, 'checkpointing consumer groups');
    this.groups = groups;
    this.lastGroupRefresh = Date.now();
  }

  private async ensureCheckpointsTopic(): Promise<void> {
    await ensureInternalTopic(this.targetAdmin, this.checkpointsTopic, this.settings['checkpoints.topic.replication.factor'],
      this.settings['admin.timeout.ms'], 'target');
    this.checkpointsTopicReady = true;
  }

  /** MM2's sync.group.offsets, for the partitions this process copies. */
  private async syncGroupOffsets(): Promise<void> {
    const { flow, log, runner } = this.deps;
    const timeout = this.settings['admin.timeout.ms'];
    for (const [group, status] of this.groupStatus) {
      const previous = this.syncStates.get(group);
      const set = (next: SyncState) => {
        this.syncStates.set(group, next);
        this.groupStatus.set(group, { ...status, sync: next });
      };
      try {
        const [described] = await this.targetAdmin.describeConsumerGroups([group], timeout);
        if (described && described.members > 0) {
          const reason = `group ${group} has ${described.members} active member(s) on ${flow.target} (${described.state}): offsets not synced`;
          if (previous?.state !== 'ACTIVE_ON_TARGET') log.warn({ flow: flow.name, group }, reason);
          set({ state: 'ACTIVE_ON_TARGET', reason, atMs: Date.now() });
          continue;
        }
        const wanted = status.partitions.filter((p) => p.downstreamOffset >= 0 && runner.owns(p.topic, p.partition));
        if (wanted.length === 0) continue;
        const current = await this.targetAdmin.listConsumerGroupOffsets(group,
          wanted.map((p) => ({ topic: p.remoteTopic, partition: p.partition })), timeout);
        const at = new Map(current.filter((c) => c.error === null).map((c) => [`${c.topic}\0${c.partition}`, c.offset]));
        const changes = wanted
          .filter((p) => (at.get(`${p.remoteTopic}\0${p.partition}`) ?? -1) < p.downstreamOffset)
          .map((p) => ({ topic: p.remoteTopic, partition: p.partition, offset: p.downstreamOffset }));
        if (changes.length > 0) {
          const results = await this.targetAdmin.alterConsumerGroupOffsets(group, changes, timeout);
          const failed = results.find((r) => r.error !== null);
          if (failed) throw new Error(`${failed.topic}-${failed.partition}: ${failed.error!.name} (${failed.error!.message})`);
          log.debug({ flow: flow.name, group, partitions: changes.length }, 'synced group offsets to the target');
        }
        if (previous?.state === 'ACTIVE_ON_TARGET') log.info({ flow: flow.name, group }, 'group is no longer active on the target: syncing its offsets');
        set({ state: 'SYNCED', atMs: Date.now() });
      } catch (err) {
        const reason = (err as Error).message;
        if (previous?.reason !== reason) log.warn({ flow: flow.name, group, err: reason }, 'cannot sync group offsets');
        set({ state: 'ERROR', reason, atMs: Date.now() });
      }
    }
  }

  status(): CheckpointFlowStatus {
    return {
      flow: this.deps.flow.name,
      groups: [...this.groupStatus.values()],
      lastEmitMs: this.lastEmitMs,
      emitted: this.emittedCount,
      lastLatencyMs: this.lastLatencyMs,
      ...(this.lastError !== undefined && { lastError: this.lastError }),
    };
  }

  /**
   * The group's current exact translation, from memory; undefined when the group is not known
   * here. The same (frozen) object is returned until a round changes it, so callers may cache
   * what they make of it by identity (the sidecar does).
   */
  translate(group: string): GroupTranslation | undefined {
    return this.translations.get(group);
  }

  /** Refreshes `translations` from the group statuses, keeping the objects whose content did not change. */
  private updateTranslations(): void {
    const { flow } = this.deps;
    for (const group of this.translations.keys()) if (!this.groupStatus.has(group)) this.translations.delete(group);
    for (const [group, status] of this.groupStatus) {
      const partitions = status.partitions.filter((p) => p.downstreamOffset >= 0).map((p) => Object.freeze({
        topic: p.remoteTopic, partition: p.partition, offset: p.downstreamOffset,
        upstreamTopic: p.topic, upstreamOffset: p.upstreamOffset, metadata: p.metadata,
      }));
      const previous = this.translations.get(group);
      const same = previous !== undefined && previous.partitions.length === partitions.length &&
        previous.partitions.every((q, i) => {
          const p = partitions[i]!;
          return q.topic === p.topic && q.partition === p.partition && q.offset === p.offset && q.upstreamOffset === p.upstreamOffset &&
            q.metadata === p.metadata;
        });
      if (!same) this.translations.set(group, Object.freeze({ group, source: flow.source, target: flow.target, partitions: Object.freeze(partitions) }));
    }
  }

  /** The consumer groups checkpointed now (the flow's group filter, kmirror's own groups left out). */
  groupNames(): readonly string[] {
    return this.groups;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    // Closed first: a round waiting on a cluster that is down ends now instead of at its timeout.
    this.targetAdmin.close();
    this.syncsAdmin.close();
    await this.round?.catch(() => undefined);
    await this.producer.close();
  }
}
