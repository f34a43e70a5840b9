import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { loadFlowPolicies } from '../../src/config/flow-policies.js';
import { parseMirrorConfig } from '../../src/config/mirror-config.js';
import { Engine } from '../../src/engine/engine.js';
import { startLocalClusters, type LocalClusters, type LocalKafkaCluster } from '../../src/local-kafka/cluster.js';
import { toJavaProperties, type AclBinding, type AclEntry, type SecuredCluster } from '../../src/local-kafka/security.js';
import { Checkpoint } from '../../src/mirror-client/checkpoint.js';
import { Admin, readRecords } from '../../src/native/addon.js';
import { packageRoot } from '../../src/paths.js';
import { describeVerdict, type Verdict } from '../support/content.js';
import { capturingLogger, compareCopy, endOffsets, produceRecords, setGroupOffsets, waitFor } from '../support/kmirror.js';


/**
 * kmirror on secured clusters (issue 9, items 4, 5 and 7): two KRaft clusters, `east` and `west`,
 * with SASL_SSL, the StandardAuthorizer and no ACL for anyone but the super user. kmirror connects
 * over SCRAM-SHA-512 on both sides as principals that hold exactly the ACLs of the README's
 * "Least privilege" table (leastPrivilegeAcls below is that table), and:
 *  - replicates completely: records (judged by content), topic configs and partition increases,
 *    checkpoints, group offsets, heartbeats both ways, a restart; and no broker refuses it anything
 *    (the brokers' authorizer log is read);
 *  - syncs topic and group ACLs as MM2 does and beyond (prefixed, checkpointed groups), never
 *    deleting on the target;
 *  - names what a missing permission or a wrong password does to it;
 *  - runs the reference's cluster/security example (test/fixtures/mm2/cluster-security.properties).
 * The test harness itself reads and writes through the brokers' PLAINTEXT listener (the
 * `bootstrapServers` of a local cluster, its super user): only kmirror goes through security.
 */

/**
 * A test of behaviour the issue asks for that kmirror does not have yet (each is a reported
 * product bug): it passes while the bug is there and fails once it is fixed, so its `knownBug`
 * becomes `it`. KMIRROR_KNOWN_BUGS=show runs them as plain tests, to see how they fail.
 */
const knownBug = process.env.KMIRROR_KNOWN_BUGS === 'show' ? it : it.fails;

const SOURCE_PRINCIPAL = 'kmirror-east';
const TARGET_PRINCIPAL = 'kmirror-west';
const ACL_USERS = ['app', 'app-writer', 'ops', 'intruder', 'analytics', 'local'];
const REFERENCE_USER = { name: 'mm2-user', password: 'secret' }; // as the reference example writes it

let clusters: LocalClusters | undefined;
let east: LocalKafkaCluster;
let west: LocalKafkaCluster;
let E: SecuredCluster;
let W: SecuredCluster;

beforeAll(async () => {
  clusters = await startLocalClusters({
    clusters: ['east', 'west'],
    heapMb: 512,
    security: { users: [SOURCE_PRINCIPAL, TARGET_PRINCIPAL, ...ACL_USERS, REFERENCE_USER], kerberos: false },
    log: (line) => console.log(`[secured-replication] ${line}`),
  });
  east = clusters.get('east');
  west = clusters.get('west');
  E = east.security!;
  W = west.security!;
});

afterAll(async () => {
  await flow?.stop();
  await clusters?.stop();
});

// ---------------------------------------------------------------------------------------------
// The README's least-privilege table, as ACLs.

interface LeastPrivilegeInput {
  /** Cluster aliases of the flow `source->target`. */
  readonly source: string;
  readonly target: string;
  readonly sourcePrincipal: string;
  readonly targetPrincipal: string;
  /** The replicated source topics: names, or one prefix (`{ prefix }`). */
  readonly topics: readonly string[] | { readonly prefix: string };
  /** The consumer groups checkpointed: names or a prefix. */
  readonly groups: readonly string[] | { readonly prefix: string };
  /** sync.group.offsets.enabled (default false, as MM2). */
  readonly syncGroupOffsets: boolean;
  /** sync.topic.acls.enabled (MM2's default true). */
  readonly aclSync: boolean;
}

/** What kmirror needs on each cluster, per the README's "Least privilege" table (DefaultReplicationPolicy). */
function leastPrivilegeAcls(p: LeastPrivilegeInput): { source: AclBinding[]; target: AclBinding[] } {
  const resources = (names: readonly string[] | { readonly prefix: string }) => ('prefix' in names
    ? [{ name: names.prefix, patternType: 'prefixed' as const }]
    : names.map((name) => ({ name, patternType: 'literal' as const })));
  const group = `kmirror.${p.source}->${p.target}`;
  const s = p.sourcePrincipal;
  const t = p.targetPrincipal;
  const source: AclBinding[] = [
    // Replicated topics: fetch (READ implies DESCRIBE: metadata, topic IDs, offsets); their configs are copied.
    ...resources(p.topics).map((r) => ({ principal: s, resource: 'topic' as const, ...r, operations: ['Read', 'DescribeConfigs'] as const })),
    // The source's heartbeats topic is replicated too; the target->source pair emits heartbeats into it.
    { principal: s, resource: 'topic', name: 'heartbeats', operations: ['Read', 'DescribeConfigs', 'Create', 'Write'] },
    // The flow's consumer group: the shards join it.
    { principal: s, resource: 'group', name: group, operations: ['Read'] },
    // Offset syncs, on the source (offset-syncs.topic.location = source): created, written by the shards, read for checkpoints.
    { principal: s, resource: 'topic', name: `mm2-offset-syncs.${p.target}.internal`, operations: ['Create', 'Write', 'Read'] },
    // Checkpointed groups: listed and their committed offsets read.
    ...resources(p.groups).map((r) => ({ principal: s, resource: 'group' as const, ...r, operations: ['Describe'] as const })),
    ...(p.aclSync ? [{ principal: s, resource: 'cluster' as const, operations: ['Describe'] as const }] : []),
  ];
  const remote = resources('prefix' in p.topics ? { prefix: `${p.source}.${p.topics.prefix}` } : p.topics.map((n) => `${p.source}.${n}`));
  const target: AclBinding[] = [
    // Remote topics (the heartbeats topic's among them): created, written, READ for the positions'
    // offset commits, configs synced (ALTER_CONFIGS implies DESCRIBE_CONFIGS), partitions added (ALTER).
    ...[...remote, { name: `${p.source}.heartbeats`, patternType: 'literal' as const }].map((r) => ({
      principal: t, resource: 'topic' as const, ...r, operations: ['Create', 'Write', 'Read', 'AlterConfigs', 'Alter'] as const,
    })),
    // The positions: the flow's group id, committed offsets on the target.
    { principal: t, resource: 'group', name: group, operations: ['Read'] },
    // Checkpoints: created, written, read back at start.
    { principal: t, resource: 'topic', name: `${p.source}.checkpoints.internal`, operations: ['Create', 'Write', 'Read'] },
    // Heartbeats of this pair.
    { principal: t, resource: 'topic', name: 'heartbeats', operations: ['Create', 'Write'] },
    // sync.group.offsets: the checkpointed groups' offsets committed on the target.
    ...(p.syncGroupOffsets ? resources(p.groups).map((r) => ({ principal: t, resource: 'group' as const, ...r, operations: ['Read'] as const })) : []),
    // ACL sync: CreateAcls (ALTER implies DESCRIBE, for DescribeAcls).
    ...(p.aclSync ? [{ principal: t, resource: 'cluster' as const, operations: ['Alter'] as const }] : []),
  ];
  return { source, target };
}

// ---------------------------------------------------------------------------------------------
// Helpers.

const uid = () => randomBytes(3).toString('hex');

/** The authorizer's refusals for `principals` in a broker's log since `from` (a byte offset). */
function refusals(cluster: LocalKafkaCluster, from: number, principals: readonly string[]): string[] {
  return readFileSync(cluster.logFile, 'utf8').slice(from).split('\n')
    .filter((line) => line.includes('is Denied operation') && principals.some((p) => line.includes(`Principal = User:${p} `)))
    .map((line) => line.replace(/^.*Principal = /, '').replace(/ from host = \S+/, '').replace(/ with resourceRefCount.*$/, ''));
}

/**
 * Known, harmless, and reported: kmirror's record readers (the offset-syncs and checkpoints
 * readers) set group.id kmirror-record-reader and never use a group, but librdkafka looks up the
 * group's coordinator, which the broker refuses (and logs) without DESCRIBE on that group.
 */
const RECORD_READER_LOOKUP = /is Denied operation = DESCRIBE on resource = Group:LITERAL:kmirror-record-reader for request = FindCoordinator$/;

const logOffset = (cluster: LocalKafkaCluster) => statSync(cluster.logFile).size;

interface RunningFlow {
  readonly engine: Engine;
  readonly logs: Record<string, unknown>[];
  stop(): Promise<void>;
}

/** The engine on mm2.properties text, in this process (debug logs kept); stop() is idempotent. */
async function runEngine(text: string): Promise<RunningFlow> {
  const config = parseMirrorConfig(text);
  expect(config.warnings.map((w) => w.message)).toEqual([]);
  const { policies, issues } = await loadFlowPolicies(config);
  if (issues.length > 0) throw new Error(issues.map((i) => i.message).join('; '));
  const { log, logs } = capturingLogger();
  const engine = await Engine.start(config, policies, { log, reportIntervalMs: 200 });
  let stopped: Promise<void> | undefined;
  return { engine, logs, stop: () => (stopped ??= engine.stop(15_000)) };
}

/** mm2.properties for `source->target` over SCRAM-SHA-512 as the given users, fast intervals. */
function securedProperties(options: {
  source: string; target: string; sourceUser: string; targetUser: string; topics: string; groups: string;
  sourcePassword?: string; extra?: Record<string, string | number | boolean>;
}): string {
  const { source, target } = options;
  return [
    `clusters = ${source}, ${target}`,
    toJavaProperties(E.client('SCRAM-SHA-512', options.sourceUser,
      { store: 'PKCS12', ...(options.sourcePassword !== undefined && { password: options.sourcePassword }) }).java, `${source}.`).trim(),
    toJavaProperties(W.client('SCRAM-SHA-512', options.targetUser, { store: 'JKS' }).java, `${target}.`).trim(),
    `${source}->${target}.enabled = true`,
    `${source}->${target}.topics = ${options.topics}`,
    `${source}->${target}.groups = ${options.groups}`,
    'replication.factor = 1',
    'heartbeats.topic.replication.factor = 1',
    'checkpoints.topic.replication.factor = 1',
    'offset-syncs.topic.replication.factor = 1',
    'refresh.topics.interval.seconds = 1',
    'refresh.groups.interval.seconds = 1',
    'sync.topic.configs.interval.seconds = 1',
    'sync.topic.acls.interval.seconds = 1',
    'emit.checkpoints.interval.seconds = 1',
    'emit.heartbeats.interval.seconds = 1',
    'sync.group.offsets.interval.seconds = 1',
    'kmirror.sidecar.enabled = false',
    ...Object.entries(options.extra ?? {}).map(([k, v]) => `${k} = ${v}`),
  ].join('\n') + '\n';
}

/** Records with keys, headers and distinct values, spread over `partitions`. */
function records(tag: string, count: number, partitions: number, from = 0) {
  return Array.from({ length: count }, (_, j) => {
    const i = from + j;
    return {
      partition: i % partitions,
      key: i % 7 === 0 ? null : Buffer.from(`${tag}-key-${i}`),
      value: Buffer.from(`${tag} #${i} ${'v'.repeat(i % 50)}`),
      headers: [['origin', Buffer.from(tag)], ['n', Buffer.from(String(i))]] as [string, Buffer][],
    };
  });
}

/** The remote topic holds every source record, in order, nothing foreign (duplicates allowed, counted). */
function expectComplete(verdict: Verdict, what: string): void {
  const summary = `${what}: ${describeVerdict(verdict)}`;
  expect({ lost: verdict.lost, outOfOrder: verdict.outOfOrder, foreign: verdict.foreign }, summary)
    .toEqual({ lost: 0, outOfOrder: 0, foreign: 0 });
  expect(verdict.target, summary).toBe(verdict.source + verdict.duplicates);
  expect(verdict.source, summary).toBeGreaterThan(0);
}

/** Waits until the remote topic has as many records as the source, then judges it by content. */
async function copied(topic: string, remote: string, partitions: number): Promise<Verdict> {
  const sourceEnds = await endOffsets(east.bootstrapServers, topic, partitions);
  await waitFor(`${remote} to hold the ${sourceEnds.reduce((a, b) => a + b, 0)} records of ${topic}`, async () => {
    const ends = await endOffsets(west.bootstrapServers, remote, partitions).catch(() => undefined);
    return ends !== undefined && ends.every((e, i) => e >= sourceEnds[i]!);
  }, 60_000, 250);
  return compareCopy({ servers: east.bootstrapServers, topic }, { servers: west.bootstrapServers, topic: remote }, partitions);
}

async function createSourceTopic(name: string, partitions: number, configs: Record<string, string> = {}): Promise<void> {
  const admin = new Admin({ 'bootstrap.servers': east.bootstrapServers });
  try {
    const [result] = await admin.createTopics([{ name, partitions, replicationFactor: 1, configs }], 15_000);
    expect(result!.error).toBeNull();
  } finally {
    admin.close();
  }
}

async function remoteConfig(name: string, key: string): Promise<string | null | undefined> {
  const admin = new Admin({ 'bootstrap.servers': west.bootstrapServers });
  try {
    const [resource] = await admin.describeTopicConfigs([name], 10_000);
    return resource?.error ? undefined : resource?.entries.find((e) => e.name === key)?.value;
  } finally {
    admin.close();
  }
}

/** ACLs of the given principals, as `PERMISSION OPERATION TYPE:PATTERN:name principal`, sorted. */
async function aclsOf(cluster: SecuredCluster, principals: readonly string[]): Promise<string[]> {
  const all: AclEntry[] = await cluster.listAcls();
  return all.filter((a) => principals.includes(a.principal.replace(/^User:/, '')))
    .map((a) => `${a.permission} ${a.operation} ${a.resourceType}:${a.patternType}:${a.name} ${a.principal}`).sort();
}

function sidecarUrl(output: readonly string[]): string | undefined {
  return /sidecar listening on (http:\/\/[^"\s]+)/.exec(output.join(''))?.[1];
}

// ---------------------------------------------------------------------------------------------

/** The least-privilege flow east->west, shared by the tests below (started by the first). */
let flow: RunningFlow | undefined;
const FLOW = 'east->west';
const ORDERS = 'orders';
const PAYMENTS = 'payments';
const lpInput: LeastPrivilegeInput = {
  source: 'east', target: 'west', sourcePrincipal: SOURCE_PRINCIPAL, targetPrincipal: TARGET_PRINCIPAL,
  topics: [ORDERS, PAYMENTS], groups: ['app'], syncGroupOffsets: true, aclSync: true,
};
const lpProperties = () => securedProperties({
  source: 'east', target: 'west', sourceUser: SOURCE_PRINCIPAL, targetUser: TARGET_PRINCIPAL,
  topics: `${ORDERS}, ${PAYMENTS}`, groups: 'app',
  extra: { 'sync.group.offsets.enabled': true, 'sync.topic.acls.enabled': true },
});

describe('least privilege (README table), over SASL_SSL SCRAM-SHA-512 on both sides', () => {
  it('replicates completely holding only the table\'s ACLs: records, configs, partitions, checkpoints, group offsets, heartbeats, a restart; no broker refuses it anything', async () => {
    const eastLog = logOffset(east);
    const westLog = logOffset(west);
    await createSourceTopic(ORDERS, 3, { 'retention.ms': '86400000' });
    await createSourceTopic(PAYMENTS, 1, { 'max.message.bytes': '2000000' });
    produceRecords(east.bootstrapServers, ORDERS, records(ORDERS, 90, 3));
    produceRecords(east.bootstrapServers, PAYMENTS, records(PAYMENTS, 40, 1));
    // A consumer group on the source that kmirror checkpoints.
    await setGroupOffsets(east.bootstrapServers, 'app', [{ topic: ORDERS, partition: 0, offset: 11 }, { topic: ORDERS, partition: 1, offset: 17 }]);

    const acls = leastPrivilegeAcls(lpInput);
    await E.addAcls(acls.source);
    await W.addAcls(acls.target);
    flow = await runEngine(lpProperties());

    expectComplete(await copied(ORDERS, 'east.orders', 3), 'orders');
    expectComplete(await copied(PAYMENTS, 'east.payments', 1), 'payments');
    // Topic configs came with the topics (DESCRIBE_CONFIGS on the source).
    expect(await remoteConfig('east.orders', 'retention.ms')).toBe('86400000');
    expect(await remoteConfig('east.payments', 'max.message.bytes')).toBe('2000000');

    // Checkpoints for `app`, translated exactly (the copy is 1:1), written to east.checkpoints.internal on west…
    await waitFor('checkpoints of app', () => {
      const group = flow!.engine.checkpoints().find((c) => c.flow === FLOW)?.groups.find((g) => g.group === 'app');
      const at = (p: number) => group?.partitions.find((x) => x.topic === ORDERS && x.partition === p)?.downstreamOffset;
      return at(0) === 11 && at(1) === 17;
    }, 60_000, 200);
    const [checkpointsEnd] = await waitFor('east.checkpoints.internal written', async () => {
      const ends = await endOffsets(west.bootstrapServers, 'east.checkpoints.internal', 1).catch(() => [0]);
      return ends[0]! > 0 ? ends : undefined;
    }, 30_000, 200);
    const written = (await readRecords({ 'bootstrap.servers': west.bootstrapServers }, 'east.checkpoints.internal', 0, 0, checkpointsEnd!, 15_000))
      .filter((r) => r.value !== null).map((r) => Checkpoint.deserialize(r.key!, r.value!));
    expect(written.filter((c) => c.consumerGroupId === 'app').map((c) => `${c.topicPartition.topic}-${c.topicPartition.partition}@${c.downstreamOffset}`))
      .toEqual(expect.arrayContaining(['east.orders-0@11', 'east.orders-1@17']));
    // …and committed to `app` on west (sync.group.offsets).
    const westAdmin = new Admin({ 'bootstrap.servers': west.bootstrapServers });
    onTestFinished(() => westAdmin.close());
    await waitFor('app\'s offsets on west', async () => {
      const offsets = await westAdmin.listConsumerGroupOffsets('app', [{ topic: 'east.orders', partition: 0 }, { topic: 'east.orders', partition: 1 }], 10_000);
      return offsets.map((o) => o.offset).join() === '11,17';
    }, 60_000, 250);
    // Heartbeats: emitted to west, and east's own (from the west->east pair) replicated.
    await waitFor('heartbeats emitted and replicated', () => {
      const h = flow!.engine.heartbeats().find((x) => x.flow === FLOW);
      return h !== undefined && h.lastEmittedMs > 0 && h.lastReplicatedMs > 0;
    }, 60_000, 200);

    // A config change and a partition increase on the source follow (ALTER_CONFIGS and ALTER on west).
    const eastAdmin = new Admin({ 'bootstrap.servers': east.bootstrapServers });
    onTestFinished(() => eastAdmin.close());
    expect((await eastAdmin.incrementalAlterTopicConfigs([{ name: ORDERS, ops: [{ name: 'retention.ms', op: 'SET', value: '3600000' }] }], 10_000))[0]!.error).toBeNull();
    expect((await eastAdmin.createPartitions([{ name: PAYMENTS, totalCount: 2 }], 10_000))[0]!.error).toBeNull();
    await waitFor('the config change on east.orders', async () => (await remoteConfig('east.orders', 'retention.ms')) === '3600000', 30_000, 250);
    await waitFor('east.payments to have 2 partitions', async () =>
      (await endOffsets(west.bootstrapServers, 'east.payments', 2).catch(() => undefined)) !== undefined, 30_000, 250);
    produceRecords(east.bootstrapServers, PAYMENTS, records(PAYMENTS, 20, 2, 40));
    expectComplete(await copied(PAYMENTS, 'east.payments', 2), 'payments after the partition increase');

    // A restart: positions read back from west, checkpoints seeded from their topic.
    await flow.stop();
    produceRecords(east.bootstrapServers, ORDERS, records(ORDERS, 30, 3, 90));
    flow = await runEngine(lpProperties());
    const verdict = await copied(ORDERS, 'east.orders', 3);
    expectComplete(verdict, 'orders after a restart');
    expect(verdict.duplicates, 'a clean stop stored every position').toBe(0);
    await waitFor('the flow ready after the restart', () => flow!.engine.readiness().ready, 30_000, 200);

    // Nothing was refused: not by the source, not by the target.
    const refused = [...refusals(east, eastLog, [SOURCE_PRINCIPAL]), ...refusals(west, westLog, [TARGET_PRINCIPAL])];
    expect(refused.filter((r) => !RECORD_READER_LOOKUP.test(r))).toEqual([]);
    expect(flow.engine.status()[0]!.aclSyncError).toBeUndefined();
  });

  it('syncs topic ACLs with MM2\'s rules (WRITE not copied, ALL → READ, DENY copied), prefixed ACLs and the checkpointed group\'s READ, and never deletes on the target', async () => {
    expect(flow, 'the least-privilege flow runs').toBeDefined();
    await W.addAcls([{ principal: 'local', resource: 'topic', name: 'east.orders', operations: ['Read'] }]);
    await E.addAcls([
      { principal: 'app', resource: 'topic', name: ORDERS, operations: ['Read'] },
      { principal: 'app-writer', resource: 'topic', name: ORDERS, operations: ['Write'] },
      { principal: 'ops', resource: 'topic', name: PAYMENTS, operations: ['All'] },
      { principal: 'intruder', resource: 'topic', name: ORDERS, operations: ['Read'], permission: 'deny' },
      { principal: 'analytics', resource: 'topic', name: 'ord', patternType: 'prefixed', operations: ['Read'] },
      { principal: 'analytics', resource: 'topic', name: PAYMENTS, operations: ['Describe'] },
      // Not replicated, not checkpointed: not copied.
      { principal: 'ops', resource: 'topic', name: 'unreplicated', operations: ['Read'] },
      { principal: 'analytics', resource: 'topic', name: 'zzz', patternType: 'prefixed', operations: ['Read'] },
      { principal: 'app', resource: 'group', name: 'app', operations: ['Read'] },
      { principal: 'app', resource: 'group', name: 'not-checkpointed', operations: ['Read'] },
    ]);
    const expected = [
      'ALLOW DESCRIBE TOPIC:LITERAL:east.payments User:analytics',
      'ALLOW READ GROUP:LITERAL:app User:app',
      'ALLOW READ TOPIC:LITERAL:east.orders User:app',
      'ALLOW READ TOPIC:LITERAL:east.orders User:local',
      'ALLOW READ TOPIC:LITERAL:east.payments User:ops',
      'ALLOW READ TOPIC:PREFIXED:east.ord User:analytics',
      'DENY READ TOPIC:LITERAL:east.orders User:intruder',
    ];
    let last: string[] = [];
    await waitFor('the ACLs synced to west', async () => {
      last = await aclsOf(W, ACL_USERS);
      return last.length >= expected.length;
    }, 30_000, 500).catch((err: Error) => { throw new Error(`${err.message}; west has ${JSON.stringify(last)}`); });
    expect(last).toEqual(expected);

    // A source ACL removed: its copy stays. A later sync round (it copies a new one) deletes nothing.
    await E.removeAcls([{ principal: 'app', resource: 'topic', name: ORDERS, operations: ['Read'] }]);
    await E.addAcls([{ principal: 'ops', resource: 'topic', name: ORDERS, operations: ['Describe'] }]);
    await waitFor('the later ACL synced', async () => (await aclsOf(W, ['ops'])).includes('ALLOW DESCRIBE TOPIC:LITERAL:east.orders User:ops'), 30_000, 500);
    expect(await aclsOf(W, ACL_USERS)).toEqual([...expected, 'ALLOW DESCRIBE TOPIC:LITERAL:east.orders User:ops'].sort());
    const created = flow!.logs.filter((l) => l.msg === 'created ACL on west');
    expect(created.length).toBeGreaterThanOrEqual(expected.length);
    expect(flow!.engine.status()[0]!.aclSyncError).toBeUndefined();
  });

  // PRODUCT BUG (reported): librdkafka reads DescribeAcls' top-level error code and drops it
  // (rdkafka_admin.c, rd_kafka_DescribeAclsResponse_parse), so Admin.describeAcls answers [] when
  // the source refuses CLUSTER DESCRIBE (CLUSTER_AUTHORIZATION_FAILED) — and also when the source
  // has no authorizer (SECURITY_DISABLED), so the "skipped: no authorizer" line never comes
  // either. ACL sync then copies nothing and says nothing. Make it `it` once fixed.
  knownBug('ACL sync when the source refuses to describe its ACLs (no CLUSTER DESCRIBE): the flow names the refusal', async () => {
    expect(flow, 'the least-privilege flow runs').toBeDefined();
    await E.removeAcls([{ principal: SOURCE_PRINCIPAL, resource: 'cluster', operations: ['Describe'] }]);
    onTestFinished(() => E.addAcls([{ principal: SOURCE_PRINCIPAL, resource: 'cluster', operations: ['Describe'] }]));
    await waitFor('aclSyncError naming the refusal', () =>
      /CLUSTER_AUTHORIZATION_FAILED|[Cc]luster authorization failed/.test(flow!.engine.status()[0]!.aclSyncError ?? ''), 8_000, 200);
  });

  // PRODUCT BUG (reported): TopicSync skips a topic whose configs the source refuses to describe
  // (`if (resource.error) continue`): remote topics are created without the source's configs, and
  // config changes are not followed, with nothing logged or shown. Make it `it` once fixed.
  knownBug('a source that refuses DESCRIBE_CONFIGS on a topic: the refusal is said (log or topic state), configs are not dropped silently', async () => {
    expect(flow, 'the least-privilege flow runs').toBeDefined();
    await E.removeAcls([{ principal: SOURCE_PRINCIPAL, resource: 'topic', name: PAYMENTS, operations: ['DescribeConfigs'] }]);
    onTestFinished(() => E.addAcls([{ principal: SOURCE_PRINCIPAL, resource: 'topic', name: PAYMENTS, operations: ['DescribeConfigs'] }]));
    const admin = new Admin({ 'bootstrap.servers': east.bootstrapServers });
    onTestFinished(() => admin.close());
    expect((await admin.incrementalAlterTopicConfigs([{ name: PAYMENTS, ops: [{ name: 'retention.ms', op: 'SET', value: '5400000' }] }], 10_000))[0]!.error).toBeNull();
    const from = flow!.logs.length;
    await waitFor('the refusal said', () => {
      const topic = flow!.engine.status()[0]!.topics.find((t) => t.source === PAYMENTS);
      return /TOPIC_AUTHORIZATION_FAILED|authoriz/i.test(topic?.reason ?? '') ||
        flow!.logs.slice(from).some((l) => (l.level as number) >= 40 && JSON.stringify(l).includes(PAYMENTS) && /authoriz/i.test(JSON.stringify(l)));
    }, 8_000, 200);
  });

  it('a source that stops granting READ on a topic (DESCRIBE still granted): its partitions WAIT naming TOPIC_AUTHORIZATION_FAILED, the topic and the principal; nothing is copied meanwhile; copying goes on when READ is back', async () => {
    expect(flow, 'the least-privilege flow runs').toBeDefined();
    // DESCRIBE on its own (not in the table: READ implies it), so the topic stays visible without READ.
    await E.addAcls([{ principal: SOURCE_PRINCIPAL, resource: 'topic', name: ORDERS, operations: ['Describe'] }]);
    await E.removeAcls([{ principal: SOURCE_PRINCIPAL, resource: 'topic', name: ORDERS, operations: ['Read'] }]);
    const waiting = () => flow!.engine.status()[0]!.partitions.filter((p) => p.topic === ORDERS);
    const reason = /^TOPIC_AUTHORIZATION_FAILED: the source refuses to let User:kmirror-east READ topic orders \(.*Topic authorization failed\)/;
    await waitFor('orders partitions WAITING on TOPIC_AUTHORIZATION_FAILED', () => {
      const parts = waiting();
      return parts.length === 3 && parts.every((p) => p.status === 'WAITING' && reason.test(p.failure));
    }, 30_000, 100);
    // The refusal is in force (the partitions' fetches meet it): records written now are not copied.
    const before = await endOffsets(west.bootstrapServers, 'east.orders', 3);
    produceRecords(east.bootstrapServers, ORDERS, records(ORDERS, 12, 3, 120));
    // Not ready, saying why (the partitions are tried again every 5 s: a moment RUNNING is waited out).
    await waitFor('readiness naming the refusal', () => {
      const ready = flow!.engine.readiness();
      return !ready.ready && /east->west: 3 partition\(s\) WAITING \(TOPIC_AUTHORIZATION_FAILED: the source refuses to let User:kmirror-east READ topic orders/
        .test(ready.reasons.join('\n'));
    }, 10_000, 100);
    // Over the next seconds: never "deleted", the topic still replicating (not SOURCE_ERROR), no record copied.
    const states = new Map<string, number>();
    for (const deadline = Date.now() + 6_000; Date.now() < deadline;) {
      const status = flow!.engine.status()[0]!;
      const topic = status.topics.find((t) => t.source === ORDERS)!;
      const key = `${topic.state}/${[...new Set(status.partitions.filter((p) => p.topic === ORDERS).map((p) => p.status))].join('+')}`;
      states.set(key, (states.get(key) ?? 0) + 1);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect([...states.keys()].filter((k) => !k.startsWith('REPLICATING/')), JSON.stringify([...states])).toEqual([]);
    const samples = [...states.values()].reduce((a, b) => a + b, 0);
    expect(states.get('REPLICATING/WAITING') ?? 0, `the partitions stay WAITING (${JSON.stringify([...states])})`).toBeGreaterThanOrEqual(samples * 0.75);
    expect(await endOffsets(west.bootstrapServers, 'east.orders', 3)).toEqual(before);

    await E.addAcls([{ principal: SOURCE_PRINCIPAL, resource: 'topic', name: ORDERS, operations: ['Read'] }]);
    await E.removeAcls([{ principal: SOURCE_PRINCIPAL, resource: 'topic', name: ORDERS, operations: ['Describe'] }]);
    expectComplete(await copied(ORDERS, 'east.orders', 3), 'orders once READ is back');
    await waitFor('orders RUNNING again', () => waiting().every((p) => p.status === 'RUNNING'), 30_000, 200);
  });

  // PRODUCT BUG (reported): with the least-privilege ACLs READ is the only ACL that lets the principal
  // see the topic (READ implies DESCRIBE). Without it the broker leaves the topic out of the
  // all-topics metadata, and kmirror calls it SOURCE_DELETED ("the source topic was deleted;
  // replication stopped") instead of a state naming the refusal. Make it `it` once fixed.
  knownBug('a source that stops granting the topic\'s only ACL (READ): not SOURCE_DELETED, a state naming TOPIC_AUTHORIZATION_FAILED and the topic', async () => {
    expect(flow, 'the least-privilege flow runs').toBeDefined();
    await E.removeAcls([{ principal: SOURCE_PRINCIPAL, resource: 'topic', name: PAYMENTS, operations: ['Read'] }]);
    onTestFinished(() => E.addAcls([{ principal: SOURCE_PRINCIPAL, resource: 'topic', name: PAYMENTS, operations: ['Read'] }]));
    const seen = new Set<string>();
    const named = () => {
      const status = flow!.engine.status()[0]!;
      const topic = status.topics.find((t) => t.source === PAYMENTS)!;
      const parts = status.partitions.filter((p) => p.topic === PAYMENTS);
      seen.add(`${topic.state}: ${topic.reason ?? ''}`);
      return [topic.reason ?? '', ...parts.map((p) => p.failure)].some((r) => /TOPIC_AUTHORIZATION_FAILED/.test(r) && r.includes(PAYMENTS));
    };
    await waitFor('payments in a state naming the refusal', named, 20_000, 200)
      .catch((err: Error) => { throw new Error(`${err.message}; payments was ${JSON.stringify([...seen])}`); });
    // …and so it stays, over several topic refreshes (every second here).
    let stillNamed = true;
    for (const deadline = Date.now() + 5_000; Date.now() < deadline;) {
      stillNamed = named();
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect([...seen].filter((x) => x.startsWith('SOURCE_DELETED'))).toEqual([]);
    expect(stillNamed, JSON.stringify([...seen])).toBe(true);
  });

  // PRODUCT BUG (reported): a wrong source password keeps `kmirror run` in "kmirror is starting"
  // for about 3 minutes: Engine.start waits on the topic refresh, the offset-syncs topic creation
  // and the group check, each until admin.timeout.ms (60 s) passes; the refresh error says "Local:
  // Broker transport failure", not the authentication failure. (admin.timeout.ms cannot even be
  // lowered: `admin.timeout.ms` is also read as the admin client override `timeout.ms`, which
  // librdkafka refuses.) The issue asks for a not-ready reason within 30 s. Make it `it` once fixed.
  knownBug('a wrong password: `kmirror run` is not ready within 30 s, naming the cluster and the SASL refusal; the password appears nowhere', async () => {
    await flow?.stop();
    flow = undefined;
    const wrong = `wrong-${uid()}-password`;
    const dir = mkdtempSync(join(tmpdir(), 'kmirror-secured-'));
    const file = join(dir, 'mm2.properties');
    writeFileSync(file, securedProperties({
      source: 'east', target: 'west', sourceUser: SOURCE_PRINCIPAL, targetUser: TARGET_PRINCIPAL, sourcePassword: wrong,
      topics: ORDERS, groups: 'app', extra: { 'kmirror.sidecar.enabled': true, 'kmirror.sidecar.port': 0, 'emit.heartbeats.enabled': false },
    }).replace('kmirror.sidecar.enabled = false\n', ''));
    const child = spawn(process.execPath, ['--import', 'tsx', join(packageRoot, 'src', 'cli', 'main.ts'), 'run', file],
      { cwd: packageRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    child.stdout.on('data', (d: Buffer) => output.push(d.toString()));
    child.stderr.on('data', (d: Buffer) => output.push(d.toString()));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    onTestFinished(async () => {
      child.kill('SIGKILL');
      await exited;
    });
    const started = Date.now();
    const url = await waitFor('the sidecar URL', () => sidecarUrl(output), 20_000, 100);
    let last = '';
    await waitFor('/health/ready naming the authentication failure', async () => {
      last = await (await fetch(`${url}/health/ready`)).text();
      return /cannot authenticate to east: .*SCRAM-SHA-512/.test(last);
    }, Math.max(1, 30_000 - (Date.now() - started)), 250).catch((err: Error) => { throw new Error(`${err.message}; /health/ready said ${last}`); });
    expect(last).toMatch(/east->west: shard 0 cannot authenticate to east: .*SASL authentication error: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512/);
    expect(last + output.join('')).not.toContain(wrong);
  });
});

describe('the reference\'s cluster and security example against the secured clusters', () => {
  it('cluster-security.properties runs as written, with only bootstrap servers, the truststore and replication factors substituted, for a user with the least-privilege ACLs', async () => {
    const fixture = readFileSync(join(packageRoot, 'test', 'fixtures', 'mm2', 'cluster-security.properties'), 'utf8');
    const eastClient = E.client('SCRAM-SHA-512', REFERENCE_USER.name, { store: 'PKCS12' });
    const westClient = W.client('SCRAM-SHA-512', REFERENCE_USER.name, { store: 'PEM' });
    // The example's own credentials (mm2-user / secret) are the user's: only where the clusters are
    // and how their certificates are trusted differ, and single brokers take replication factor 1.
    const truststore = (prefix: string, java: Readonly<Record<string, string>>) => toJavaProperties(
      Object.fromEntries(Object.entries(java).filter(([k]) => k.startsWith('ssl.truststore.'))), prefix).trim();
    let text = fixture
      .replace(/^source\.bootstrap\.servers = .*$/m, `source.bootstrap.servers = ${eastClient.bootstrapServers}\n${truststore('source.', eastClient.java)}`)
      .replace(/^target\.bootstrap\.servers = .*$/m, `target.bootstrap.servers = ${westClient.bootstrapServers}\n${truststore('target.', westClient.java)}`)
      .replace(/^((?:checkpoints\.topic\.|heartbeats\.topic\.|offset-syncs\.topic\.)?replication\.factor) = 3$/gm, '$1 = 1');
    text += 'kmirror.sidecar.enabled = false\n';
    expect(text).toContain('password="secret";');
    expect(text).not.toMatch(/= 3$/m);
    const prefix = `ref${uid()}-`;
    const acls = leastPrivilegeAcls({
      source: 'source', target: 'target', sourcePrincipal: REFERENCE_USER.name, targetPrincipal: REFERENCE_USER.name,
      topics: { prefix }, groups: { prefix }, syncGroupOffsets: true, aclSync: false,
    });
    await E.addAcls(acls.source);
    await W.addAcls(acls.target);
    await createSourceTopic(`${prefix}orders`, 3, { 'retention.ms': '7200000' });
    await createSourceTopic(`${prefix}events`, 2);
    produceRecords(east.bootstrapServers, `${prefix}orders`, records('ref-orders', 60, 3));
    produceRecords(east.bootstrapServers, `${prefix}events`, records('ref-events', 30, 2));
    const eastLog = logOffset(east);
    const westLog = logOffset(west);

    const reference = await runEngine(text);
    onTestFinished(() => reference.stop());
    expectComplete(await copied(`${prefix}orders`, `source.${prefix}orders`, 3), 'orders');
    expectComplete(await copied(`${prefix}events`, `source.${prefix}events`, 2), 'events');
    expect(await remoteConfig(`source.${prefix}orders`, 'retention.ms')).toBe('7200000');
    await waitFor('heartbeats emitted and replicated', () => {
      const h = reference.engine.heartbeats().find((x) => x.flow === 'source->target');
      return h !== undefined && h.lastEmittedMs > 0 && h.lastReplicatedMs > 0;
    }, 60_000, 200);
    await waitFor('the flow ready', () => reference.engine.readiness().ready, 30_000, 200);
    // Every topic the example selects (`.*`) and the user may see is replicated; others are invisible to it.
    expect(reference.engine.status()[0]!.topics.map((t) => `${t.source}:${t.state}`).sort())
      .toEqual([`heartbeats:REPLICATING`, `${prefix}events:REPLICATING`, `${prefix}orders:REPLICATING`]);
    expect(reference.engine.status()[0]!.shards).toHaveLength(10); // tasks.max = 10
    const refused = [...refusals(east, eastLog, [REFERENCE_USER.name]), ...refusals(west, westLog, [REFERENCE_USER.name])];
    expect(refused.filter((r) => !RECORD_READER_LOOKUP.test(r))).toEqual([]);
  });
});
