import type { FlowConfig } from '../config/mirror-config.js';
import type { AdminError, ConfigEntry, NativeAdmin, TopicMetadata, TopicRoute } from '../native/addon.js';
import { compilePatternList, matchesPatternList } from '../policy/pattern-list.js';
import { shouldReplicateTopic, TopicFilter, type ReplicationPolicy } from '../policy/index.js';
import type { Logger } from '../log.js';

/**
 * REPLICATING; CREATE_FAILED the target refuses the remote topic (retried); SOURCE_ERROR the source
 * names the topic but reports an error for it (authorization, no leader…): replication waits, it is
 * not "deleted"; SOURCE_DELETED gone from the source (or no longer selected): replication stopped.
 */
export type RemoteTopicStateName = 'REPLICATING' | 'CREATE_FAILED' | 'SOURCE_ERROR' | 'SOURCE_DELETED';

export interface RemoteTopicState {
  readonly source: string;
  readonly remote: string;
  readonly partitions: number;
  readonly state: RemoteTopicStateName;
  /** Why the remote topic could not be created, or what happened to the source. */
  readonly reason?: string;
  /** Creation attempts the target refused so far (0 once it exists). */
  readonly failedAttempts: number;
  /** The source topic's ID (base64), when the source says: a new one means the topic was recreated. */
  readonly topicId?: string;
}

export interface RefreshResult {
  readonly routes: readonly TopicRoute[];
  /** The set of routed topics, or a partition count, changed since the last refresh. */
  readonly changed: boolean;
}

/**
 * Keeps a flow's remote topics in line with its source topics (MM2's MirrorSourceConnector
 * topic handling): selects source topics (filter, internal, cycle), creates missing remote topics
 * with the source's partition count and topic-level configs, mirrors partition increases, and
 * syncs topic configs. Remote topics are never deleted.
 */
export class TopicSync {
  private readonly topics = new Map<string, RemoteTopicState>();
  private readonly filter: TopicFilter;
  private readonly excludedConfig: RegExp | null;
  private lastSignature = '';

  constructor(private readonly deps: {
    flow: FlowConfig;
    policy: ReplicationPolicy;
    source: NativeAdmin;
    target: NativeAdmin;
    log: Logger;
  }) {
    const s = deps.flow.settings;
    this.filter = new TopicFilter({ include: s.topics, exclude: s['topics.exclude'] });
    this.excludedConfig = compilePatternList(s['config.properties.exclude'], 'config.properties.exclude');
  }

  states(): RemoteTopicState[] {
    return [...this.topics.values()];
  }

  private get timeoutMs(): number {
    return this.deps.flow.settings['admin.timeout.ms'];
  }

  /** Looks at both clusters once and creates what is missing. */
  async refresh(): Promise<RefreshResult> {
    const { flow, policy, source, target, log } = this.deps;
    const [sourceMeta, targetMeta] = await Promise.all([source.metadata(this.timeoutMs), target.metadata(this.timeoutMs)]);
    const selection = {
      policy, filter: this.filter, targetAlias: flow.target,
      heartbeatsReplicationEnabled: flow.settings['heartbeats.replication.enabled'],
    };
    const wanted = sourceMeta.topics.filter((t) => shouldReplicateTopic(selection, t.name));
    const selected = wanted.filter((t) => t.error === null);
    // A topic the source names with an error (not authorized, no leader…) is not deleted: it keeps
    // its state's place with the reason, and its replication goes on when the error clears.
    const erroring = new Map(wanted.filter((t) => t.error !== null).map((t) => [t.name, t.error!]));
    const selectedNames = new Set(selected.map((t) => t.name));
    for (const [name, error] of erroring) {
      const state = this.topics.get(name);
      const reason = `the source reports ${describe(error)} for this topic; replication waits for it`;
      if (state && state.reason !== reason) {
        log.warn({ flow: flow.name, topic: name, error: error.name }, reason);
        this.topics.set(name, { ...state, state: 'SOURCE_ERROR', reason });
      }
    }
    for (const [name, state] of this.topics) {
      if (!selectedNames.has(name) && !erroring.has(name) && state.state !== 'SOURCE_DELETED') {
        const gone = !sourceMeta.topics.some((t) => t.name === name);
        this.topics.set(name, { ...state, state: 'SOURCE_DELETED',
          reason: gone ? 'the source topic was deleted; replication stopped, the remote topic is kept'
            : 'the topic no longer matches the flow\'s topic selection; replication stopped, the remote topic is kept' });
        log.warn({ flow: flow.name, topic: name, remote: state.remote }, gone ? 'source topic deleted: replication of it stopped, remote topic kept'
          : 'topic no longer selected: replication of it stopped, remote topic kept');
      }
    }

    const remoteByName = new Map<string, TopicMetadata>(targetMeta.topics.map((t) => [t.name, t]));
    const toCreate: TopicMetadata[] = [];
    const toGrow: { topic: TopicMetadata; remote: string }[] = [];
    for (const topic of selected) {
      const remote = policy.formatRemoteTopic(flow.source, topic.name);
      const existing = remoteByName.get(remote);
      if (!existing || existing.error?.name === 'UNKNOWN_TOPIC_OR_PART') {
        if (this.topics.get(topic.name)?.state === 'REPLICATING') {
          // As MM2: a missing remote topic is created again. Its stored positions went with it.
          log.warn({ flow: flow.name, topic: topic.name, remote },
            'remote topic deleted on the target: creating it again; its positions were deleted with it, so it is copied again per auto.offset.reset');
        }
        toCreate.push(topic);
      }
      else if (existing.partitions.length < topic.partitions.length) toGrow.push({ topic, remote });
      else this.mark(topic.name, remote, topic.partitions.length, 'REPLICATING');
    }
    if (toCreate.length > 0) await this.create(toCreate);
    if (toGrow.length > 0) await this.grow(toGrow);

    await this.noteTopicIds(selected.map((t) => t.name));
    const replicating = [...this.topics.values()].filter((t) => t.state === 'REPLICATING' || t.state === 'SOURCE_ERROR');
    const limits = await this.remoteLimits(replicating.map((t) => t.remote));
    const routes = replicating
      .map((t) => ({ source: t.source, remote: t.remote, maxMessageBytes: limits.get(t.remote) ?? 0, ...(t.topicId !== undefined && { topicId: t.topicId }) }))
      .sort((a, b) => a.source.localeCompare(b.source));
    const signature = JSON.stringify(routes.map((r) => [r.source, this.topics.get(r.source)!.partitions, r.maxMessageBytes, r.topicId]));
    const changed = signature !== this.lastSignature;
    this.lastSignature = signature;
    return { routes, changed };
  }

  /**
   * The source topics' IDs. A known topic whose ID changed was deleted and created again under the
   * same name: said here once; the shards stop copying it at the old offsets and start the new one
   * from its beginning, counting what of the old one was not copied.
   */
  private async noteTopicIds(names: readonly string[]): Promise<void> {
    if (names.length === 0) return;
    const { flow, source, log } = this.deps;
    let described: Awaited<ReturnType<NativeAdmin['describeTopics']>>;
    try {
      described = await source.describeTopics(names, this.timeoutMs);
    } catch (err) {
      log.warn({ flow: flow.name, err: (err as Error).message }, 'cannot read the source topics\' IDs: a topic recreated under the same name is found at the next refresh');
      return;
    }
    for (const { name, topicId } of described) {
      const state = this.topics.get(name);
      if (!state || topicId === null || state.topicId === topicId) continue;
      if (state.topicId !== undefined) {
        log.error({ flow: flow.name, topic: name, was: state.topicId, now: topicId },
          'source topic deleted and created again under the same name: its new records are copied from its start');
      }
      this.topics.set(name, { ...state, topicId });
    }
  }

  /**
   * Each remote topic's max.message.bytes as the target applies it (its own setting or the
   * broker's): the shards stop a partition at a record the remote topic would refuse, and size
   * their producer to the largest. Unknown (absent) when the target does not say.
   */
  private async remoteLimits(remotes: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (remotes.length === 0) return out;
    try {
      for (const resource of await this.deps.target.describeTopicConfigs(remotes, this.timeoutMs)) {
        const value = Number(resource.entries.find((e) => e.name === 'max.message.bytes')?.value);
        if (!resource.error && Number.isSafeInteger(value) && value > 0) out.set(resource.name, value);
      }
    } catch (err) {
      this.deps.log.warn({ flow: this.deps.flow.name, err: (err as Error).message },
        'cannot read the remote topics\' max.message.bytes: records too large for them are found by the target refusing them');
    }
    return out;
  }

  private mark(source: string, remote: string, partitions: number, state: RemoteTopicStateName, reason?: string): void {
    const previous = this.topics.get(source);
    const failedAttempts = state === 'CREATE_FAILED' ? (previous?.failedAttempts ?? 0) + 1 : 0;
    this.topics.set(source, { source, remote, partitions, state, failedAttempts, ...(reason !== undefined && { reason }),
      ...(previous?.topicId !== undefined && { topicId: previous.topicId }) });
    if (state === 'REPLICATING' && previous?.state === 'SOURCE_ERROR') {
      this.deps.log.info({ flow: this.deps.flow.name, topic: source }, 'the source topic is available again: replicating');
    }
    if (state === 'REPLICATING' && previous?.state === 'CREATE_FAILED') {
      this.deps.log.info({ flow: this.deps.flow.name, topic: source, remote }, 'remote topic now available: replicating');
    }
  }

  private async create(topics: readonly TopicMetadata[]): Promise<void> {
    const { flow, policy, source, target, log } = this.deps;
    const configs = await this.topicConfigs(source, topics.map((t) => t.name));
    const specs = topics.map((t) => ({
      name: policy.formatRemoteTopic(flow.source, t.name),
      partitions: t.partitions.length,
      replicationFactor: flow.settings['replication.factor'],
      configs: Object.fromEntries((configs.get(t.name) ?? []).map((e) => [e.name, e.value ?? ''])),
    }));
    const results = await target.createTopics(specs, this.timeoutMs);
    for (const [i, topic] of topics.entries()) {
      const spec = specs[i]!;
      const error = results.find((r) => r.name === spec.name)?.error ?? null;
      if (error === null || error.name === 'TOPIC_ALREADY_EXISTS') {
        if (error === null) log.info({ flow: flow.name, topic: topic.name, remote: spec.name, partitions: spec.partitions }, 'created remote topic');
        this.mark(topic.name, spec.name, topic.partitions.length, 'REPLICATING');
      } else {
        const reason = `the target refused to create ${spec.name}: ${describe(error)}; retrying`;
        if (this.topics.get(topic.name)?.reason !== reason) log.error({ flow: flow.name, topic: topic.name, remote: spec.name, error: error.name }, reason);
        this.mark(topic.name, spec.name, topic.partitions.length, 'CREATE_FAILED', reason);
      }
    }
  }

  private async grow(topics: readonly { topic: TopicMetadata; remote: string }[]): Promise<void> {
    const { flow, target, log } = this.deps;
    const results = await target.createPartitions(topics.map((t) => ({ name: t.remote, totalCount: t.topic.partitions.length })), this.timeoutMs);
    for (const { topic, remote } of topics) {
      const error = results.find((r) => r.name === remote)?.error ?? null;
      if (error === null || error.name === 'INVALID_PARTITIONS') {
        if (error === null) log.info({ flow: flow.name, topic: topic.name, remote, partitions: topic.partitions.length }, 'added partitions to remote topic');
        this.mark(topic.name, remote, topic.partitions.length, 'REPLICATING');
      } else {
        // The existing partitions keep replicating; the new ones wait (WAITING) until this succeeds.
        const reason = `the target refused to add partitions to ${remote}: ${describe(error)}; retrying`;
        log.error({ flow: flow.name, topic: topic.name, remote, error: error.name }, reason);
        this.mark(topic.name, remote, topic.partitions.length, 'REPLICATING', reason);
      }
    }
  }

  /** The topic-level settings MM2 copies: set on the topic itself, not read-only, not sensitive, not excluded. */
  private async topicConfigs(admin: NativeAdmin, names: readonly string[]): Promise<Map<string, ConfigEntry[]>> {
    const out = new Map<string, ConfigEntry[]>();
    if (names.length === 0) return out;
    for (const resource of await admin.describeTopicConfigs(names, this.timeoutMs)) {
      if (resource.error) continue;
      out.set(resource.name, resource.entries.filter((e) => this.isCopied(e)));
    }
    return out;
  }

  private isCopied(entry: ConfigEntry): boolean {
    return entry.source === 'DYNAMIC_TOPIC_CONFIG' && !entry.isReadOnly && !entry.isSensitive
      && !matchesPatternList(this.excludedConfig, entry.name);
  }

  /**
   * MM2's periodic config sync (incremental): every copied source setting is SET on the remote
   * topic when it differs; a remote topic-level setting whose source is at its default is DELETEd.
   * Excluded settings are left alone. Each change is logged.
   */
  async syncConfigs(): Promise<void> {
    const { flow, source, target, log } = this.deps;
    const replicating = [...this.topics.values()].filter((t) => t.state === 'REPLICATING');
    if (replicating.length === 0) return;
    const [sourceConfigs, targetResources] = await Promise.all([
      this.topicConfigs(source, replicating.map((t) => t.source)),
      target.describeTopicConfigs(replicating.map((t) => t.remote), this.timeoutMs),
    ]);
    const alters: { name: string; ops: { name: string; op: 'SET' | 'DELETE'; value?: string }[] }[] = [];
    for (const topic of replicating) {
      const wanted = sourceConfigs.get(topic.source);
      const remote = targetResources.find((r) => r.name === topic.remote);
      if (!wanted || !remote || remote.error) continue;
      const current = new Map(remote.entries.map((e) => [e.name, e]));
      const ops: { name: string; op: 'SET' | 'DELETE'; value?: string }[] = [];
      for (const entry of wanted) {
        if (current.get(entry.name)?.value !== entry.value) ops.push({ name: entry.name, op: 'SET', value: entry.value ?? '' });
      }
      const wantedNames = new Set(wanted.map((e) => e.name));
      for (const entry of remote.entries) {
        if (entry.source === 'DYNAMIC_TOPIC_CONFIG' && !wantedNames.has(entry.name) && this.isCopiedName(entry.name)) {
          ops.push({ name: entry.name, op: 'DELETE' });
        }
      }
      if (ops.length > 0) alters.push({ name: topic.remote, ops });
    }
    if (alters.length === 0) return;
    const results = await target.incrementalAlterTopicConfigs(alters, this.timeoutMs);
    for (const alter of alters) {
      const error = results.find((r) => r.name === alter.name)?.error ?? null;
      if (error) log.error({ flow: flow.name, remote: alter.name, error: error.name }, `topic config sync refused: ${describe(error)}`);
      else log.info({ flow: flow.name, remote: alter.name, changes: alter.ops.map((o) => `${o.op} ${o.name}`) }, 'synced remote topic config');
    }
  }

  private isCopiedName(name: string): boolean {
    return !matchesPatternList(this.excludedConfig, name);
  }
}

function describe(error: AdminError): string {
  return `${error.name} (${error.message})`;
}
