/**
 * The failover runbook's commands (mirrormaker2-reference.md, "Failover"):
 *
 *   kmirror offsets translate FILE --group G --from A --to B   where G resumes on B, per partition
 *   kmirror failover FILE --group G --from A --to B [--dry-run] [--force]
 *
 * Both read B's `A.checkpoints.internal` (MirrorClient.translateOffsets, as MM2's
 * RemoteClusterUtils) — the only thing that survives when A is gone. `failover` then checks what
 * can be checked, refuses when a check fails, and commits the translated offsets to B's group.
 */
import type { FlowConfig } from '../config/mirror-config.js';
import { formatIssue, loadMirrorConfig } from '../config/mirror-config.js';
import { loadFlowPolicies } from '../config/flow-policies.js';
import { flowGroupId } from '../engine/shard-settings.js';
import { ErrorCodes, KmirrorError } from '../errors.js';
import { toRdkafkaSettings } from '../kafka/client-config.js';
import { MirrorClient, type TranslatedOffset } from '../mirror-client/mirror-client.js';
import { Admin, readRecords, type NativeAdmin } from '../native/addon.js';
import { OffsetSyncStore } from '../engine/offset-sync-store.js';
import { offsetSyncsLocation } from '../engine/offset-syncs-location.js';
import { OffsetSync } from '../mirror-client/offset-sync.js';
import { partitionBounds, readPartitionTo } from '../mirror-client/partition-reader.js';
import type { ReplicationPolicy } from '../policy/index.js';

export interface OffsetsOptions {
  readonly group: string;
  readonly from: string;
  readonly to: string;
  /** How long each cluster request may take (ms). */
  readonly timeoutMs?: number;
}

export interface FailoverOptions extends OffsetsOptions {
  readonly dryRun?: boolean;
  /** Commit even when replication has not caught up or the source cannot be asked. Never overrides an active target group. */
  readonly force?: boolean;
}

export interface FailoverPartition {
  /** Topic on the target (the remote topic) and partition. */
  readonly topic: string;
  readonly partition: number;
  readonly sourceTopic: string;
  /** The group's offset on the source when the checkpoint was taken, and where it resumes on the target. */
  readonly checkpointUpstream: number;
  readonly targetOffset: number;
  /** The group's offset on the target before failover (-1: none). */
  readonly previousTargetOffset: number;
  /** The group's committed offset on the source now (-1: unknown or none). */
  readonly sourceCommitted: number;
  /** Source records not yet copied (-1: unknown). */
  readonly replicationLag: number;
}

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
  /** A failed check that --force does not override. */
  readonly hard?: boolean;
}

export interface FailoverReport {
  readonly group: string;
  readonly from: string;
  readonly to: string;
  readonly partitions: readonly FailoverPartition[];
  readonly checks: readonly Check[];
  /** committed: offsets written; dry-run: all checks passed, nothing written; refused: a check failed. */
  readonly outcome: 'committed' | 'dry-run' | 'refused';
}

interface Resolved {
  readonly flow: FlowConfig;
  readonly policy: ReplicationPolicy;
}

/** The flow `from->to` of the file, with its replication policy. Config mistakes are KMIRROR_CONFIG_INVALID. */
export async function resolveFlow(file: string, from: string, to: string): Promise<Resolved> {
  const config = await loadMirrorConfig(file);
  const { policies, issues } = await loadFlowPolicies(config);
  if (issues.length > 0) {
    throw new KmirrorError(ErrorCodes.CONFIG_INVALID, `${file} has ${issues.length} error(s)`, { details: issues.map((i) => formatIssue(i, file)) });
  }
  for (const alias of [from, to]) {
    if (!config.clusters.some((c) => c.alias === alias)) {
      throw new KmirrorError(ErrorCodes.CONFIG_INVALID,
        `${file} defines no cluster '${alias}' (clusters: ${config.clusters.map((c) => c.alias).join(', ')})`);
    }
  }
  const flow = config.flows.find((f) => f.source === from && f.target === to);
  if (!flow) throw new KmirrorError(ErrorCodes.CONFIG_INVALID, `${file} has no flow ${from}->${to}: set ${from}->${to}.enabled = true`);
  return { flow, policy: policies.get(flow.name)! };
}

/** Where the group resumes on `to`: the newest checkpoint of each partition. Throws when there is none. */
export async function translateGroup({ flow, policy }: Resolved, options: OffsetsOptions): Promise<TranslatedOffset[]> {
  const client = new MirrorClient(toRdkafkaSettings(flow.clients.targetAdmin).settings, {
    replicationPolicy: policy, requestTimeoutMs: options.timeoutMs ?? 30_000,
    onWarning: (message) => process.stderr.write(`kmirror: warning: ${message}\n`),
  });
  try {
    const offsets = await client.translateOffsets(options.from, options.group, options.timeoutMs ?? 30_000);
    if (offsets.length === 0) {
      throw new KmirrorError(ErrorCodes.KAFKA_REQUEST,
        `${policy.checkpointsTopic(options.from)} on ${options.to} holds no checkpoint for group '${options.group}': ` +
        'is the group selected by groups/groups.exclude, has it committed offsets on replicated topics, and has kmirror run since?');
    }
    return offsets;
  } finally {
    await client.close();
  }
}

export async function failover(resolved: Resolved, options: FailoverOptions): Promise<FailoverReport> {
  const { flow, policy } = resolved;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const translated = await translateGroup(resolved, options);
  const target = new Admin(toRdkafkaSettings(flow.clients.targetAdmin).settings, 'failover target');
  const source = new Admin(toRdkafkaSettings(flow.clients.sourceAdmin).settings, 'failover source');
  try {
    const checks: Check[] = [];
    const partitions = translated.map((t) => ({ ...t, sourceTopic: policy.upstreamTopic(t.topic) ?? t.topic }));

    // 1. Nobody consumes as this group on the target yet (committing under live members is refused by Kafka anyway).
    const [targetGroup] = await target.describeConsumerGroups([options.group], timeoutMs);
    const members = targetGroup?.members ?? 0;
    checks.push({ name: 'group inactive on target', ok: members === 0, hard: true,
      detail: members === 0 ? `${targetGroup?.state ?? 'absent'} on ${options.to}`
        : `${members} member(s) consume as '${options.group}' on ${options.to} (${targetGroup?.state}): stop them first` });
    const previous = await target.listConsumerGroupOffsets(options.group, partitions.map((p) => ({ topic: p.topic, partition: p.partition })), timeoutMs);
    const previousAt = new Map(previous.filter((p) => p.error === null).map((p) => [`${p.topic}:${p.partition}`, p.offset]));

    // 2. Replication has caught up: the flow's positions (on the target) reach the source's end offsets.
    const positions = await target.listConsumerGroupOffsets(flowGroupId(flow), partitions.map((p) => ({ topic: p.topic, partition: p.partition })), timeoutMs);
    const positionAt = new Map(positions.filter((p) => p.error === null).map((p) => [`${p.topic}:${p.partition}`, p.offset]));
    const sourceState = await askSource(source, options.group, partitions, timeoutMs);
    const lags = partitions.map((p) => {
      const end = sourceState?.ends.get(`${p.sourceTopic}:${p.partition}`);
      const position = positionAt.get(`${p.topic}:${p.partition}`) ?? -1;
      return end === undefined || position < 0 ? -1 : Math.max(0, end - position);
    });
    if (!sourceState) {
      checks.push({ name: 'replication caught up', ok: false,
        detail: `${options.from} cannot be reached: catch-up cannot be proven (records written to ${options.from} after the last copy are not on ${options.to})` });
    } else {
      const behind = lags.filter((l) => l !== 0).length;
      checks.push({ name: 'replication caught up', ok: behind === 0,
        detail: behind === 0 ? `every partition of the group's topics is copied to the source's end`
          : `${behind} partition(s) not copied to the end yet (${lags.reduce((s, l) => s + Math.max(0, l), 0)} records behind)` });
      const moved = partitions.filter((p) => {
        const committed = sourceState.committed.get(`${p.sourceTopic}:${p.partition}`);
        return committed !== undefined && committed !== p.upstreamOffset;
      }).length;
      checks.push({ name: 'checkpoint current', ok: moved === 0,
        detail: moved === 0 ? 'the newest checkpoints match the group\'s offsets on the source'
          : `the group moved on ${options.from} after the newest checkpoint on ${moved} partition(s): wait one emit.checkpoints.interval.seconds` });
      // The checkpoint must also be exact: right after replication catches up, the newest
      // checkpoint can predate the offset syncs of the last copied records (it then re-reads).
      checks.push(await exactnessCheck(resolved, partitions, timeoutMs, options.from));
      checks.push({ name: 'group inactive on source', ok: sourceState.members === 0,
        detail: sourceState.members === 0 ? `no member on ${options.from}` : `${sourceState.members} member(s) still consume on ${options.from}: stop them first` });
    }

    const rows: FailoverPartition[] = partitions.map((p, i) => ({
      topic: p.topic, partition: p.partition, sourceTopic: p.sourceTopic,
      checkpointUpstream: p.upstreamOffset, targetOffset: p.offset,
      previousTargetOffset: previousAt.get(`${p.topic}:${p.partition}`) ?? -1,
      sourceCommitted: sourceState?.committed.get(`${p.sourceTopic}:${p.partition}`) ?? -1,
      replicationLag: lags[i]!,
    }));
    const blocking = checks.filter((c) => !c.ok && (c.hard || !options.force));
    let outcome: FailoverReport['outcome'] = blocking.length > 0 ? 'refused' : options.dryRun ? 'dry-run' : 'committed';
    if (outcome === 'committed') {
      const results = await target.alterConsumerGroupOffsets(options.group,
        rows.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.targetOffset })), timeoutMs);
      const failed = results.filter((r) => r.error !== null);
      if (failed.length > 0) {
        checks.push({ name: 'offsets committed', ok: false, hard: true,
          detail: failed.map((f) => `${f.topic}-${f.partition}: ${f.error!.name} (${f.error!.message})`).join('; ') });
        outcome = 'refused';
      }
    }
    return { group: options.group, from: options.from, to: options.to, partitions: rows, checks, outcome };
  } finally {
    target.close();
    source.close();
  }
}

/**
 * Compares each partition's newest checkpoint with the exact translation of its upstream offset
 * from the offset-syncs topic as it is now: a checkpoint older than the newest syncs is stale.
 */
async function exactnessCheck(resolved: Resolved, partitions: readonly { sourceTopic: string; partition: number; upstreamOffset: number; offset: number }[],
  timeoutMs: number, from: string): Promise<Check> {
  const name = 'checkpoint exact';
  const location = offsetSyncsLocation(resolved.flow, resolved.policy);
  const admin = new Admin(location.admin, 'failover offset syncs');
  try {
    const bounds = await partitionBounds(admin, location.topic, timeoutMs);
    const store = new OffsetSyncStore();
    if (bounds && bounds.latest > bounds.earliest) {
      await readPartitionTo(readRecords, location.consumer, location.topic, 0, bounds.earliest, bounds.latest, Date.now() + Math.max(timeoutMs, 30_000),
        (record) => {
          try {
            const sync = OffsetSync.deserialize(record.key, record.value);
            store.add(sync.topicPartition.topic, sync.topicPartition.partition, sync.upstreamOffset, sync.downstreamOffset);
          } catch {
            // a corrupt record: the checkpoint emitter reports those; it only makes this check less sure
          }
        });
    }
    const stale = partitions.flatMap((p) => {
      const exact = store.translate(p.sourceTopic, p.partition, p.upstreamOffset);
      return exact !== undefined && exact.exact && exact.offset !== p.offset ? [`${p.sourceTopic}-${p.partition}: ${p.offset}, exactly ${exact.offset}`] : [];
    });
    return stale.length === 0
      ? { name, ok: true, detail: 'every checkpoint matches the exact translation from the newest offset syncs' }
      : { name, ok: false, detail: `${stale.length} checkpoint(s) predate the newest offset syncs (${stale.slice(0, 3).join('; ')}): ` +
          'wait one emit.checkpoints.interval.seconds for exact ones (committing now re-reads, never skips)' };
  } catch (err) {
    return { name, ok: false, detail: `cannot read ${location.topic} on ${location.cluster === 'source' ? from : resolved.flow.target} to check: ${(err as Error).message}` };
  } finally {
    admin.close();
  }
}

interface SourceState {
  readonly ends: Map<string, number>;
  readonly committed: Map<string, number>;
  readonly members: number;
}

/** End offsets and the group's offsets and members on the source; undefined when it cannot be reached. */
async function askSource(source: NativeAdmin, group: string, partitions: readonly { sourceTopic: string; partition: number }[],
  timeoutMs: number): Promise<SourceState | undefined> {
  try {
    const ends = await source.listOffsets(partitions.map((p) => ({ topic: p.sourceTopic, partition: p.partition, spec: 'latest' as const })), timeoutMs);
    if (ends.some((e) => e.error !== null)) return undefined;
    const committed = await source.listConsumerGroupOffsets(group, partitions.map((p) => ({ topic: p.sourceTopic, partition: p.partition })), timeoutMs);
    const [described] = await source.describeConsumerGroups([group], timeoutMs);
    return {
      ends: new Map(ends.map((e) => [`${e.topic}:${e.partition}`, e.offset])),
      committed: new Map(committed.filter((c) => c.error === null && c.offset >= 0).map((c) => [`${c.topic}:${c.partition}`, c.offset])),
      members: described?.members ?? 0,
    };
  } catch {
    return undefined;
  }
}

// ---- printing ----------------------------------------------------------------------------------

function table(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  return cells.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}

export function formatTranslation(options: OffsetsOptions, offsets: readonly TranslatedOffset[]): string {
  return `Group '${options.group}' replicated from ${options.from} resumes on ${options.to} at:\n` +
    table(['TOPIC', 'PARTITION', 'OFFSET', 'SOURCE OFFSET'], offsets.map((o) => [o.topic, o.partition, o.offset, o.upstreamOffset]));
}

export function formatFailover(report: FailoverReport): string {
  const lines = [`Failover of group '${report.group}' from ${report.from} to ${report.to}`, ''];
  for (const c of report.checks) lines.push(`  [${c.ok ? ' ok ' : 'FAIL'}] ${c.name}: ${c.detail}`);
  lines.push('');
  lines.push(table(['TOPIC', 'PARTITION', 'NEW OFFSET', 'PREVIOUS', 'SOURCE COMMITTED', 'CHECKPOINT AT', 'LAG'],
    report.partitions.map((p) => [p.topic, p.partition, p.targetOffset, fmt(p.previousTargetOffset), fmt(p.sourceCommitted),
      p.checkpointUpstream, fmt(p.replicationLag)])));
  lines.push(report.outcome === 'committed' ? `Committed: consumers of '${report.group}' on ${report.to} resume at NEW OFFSET.`
    : report.outcome === 'dry-run' ? 'Dry run: every check passed; nothing was committed.'
      : 'Refused: nothing was committed (see FAIL above; --force overrides catch-up and source checks only).');
  return lines.join('\n') + '\n';
}

function fmt(n: number): string {
  return n < 0 ? '-' : String(n);
}
