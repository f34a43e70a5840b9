import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { loadFlowPolicies } from '../../src/config/flow-policies.js';
import { parseMirrorConfig } from '../../src/config/mirror-config.js';
import { Engine } from '../../src/engine/engine.js';
import { startLocalClusters, type LocalClusters, type LocalKafkaCluster } from '../../src/local-kafka/cluster.js';
import type { CertificateFiles } from '../../src/local-kafka/pki.js';
import {
  toJavaProperties, type ClientSecurity, type SecuredCluster, type SecurityMechanism, type StoreType,
} from '../../src/local-kafka/security.js';
import { Admin } from '../../src/native/addon.js';
import { packageRoot } from '../../src/paths.js';
import { describeVerdict } from '../support/content.js';
import { compareCopy, endOffsets, produceRecords, setGroupOffsets, waitFor } from '../support/kmirror.js';


/**
 * Every mechanism carries a real replication (issue 9, item 7), and no secret comes out (item 6).
 *
 * Two secured clusters, `source` and `target`. One `kmirror run` process serves six flows, each
 * from one cluster alias to another, and each alias is one way into its physical cluster: a
 * mechanism and a trust (and key) store form. Every mechanism is the source of one flow and the
 * target of another, so each carries the source consumer, the offset-sync producer and reader,
 * the admins, the target producer, the positions consumer and the checkpoint producer of a flow;
 * truststores are JKS, PKCS12, PEM files and PEM in the file across them; mTLS keystores JKS and
 * PEM in the file. A seventh flow writes as a principal the target refuses to let WRITE.
 *
 * The process runs at debug level with librdkafka's `security,broker,conf` debug contexts on every
 * client; its whole output, its /status, /metrics and /health/ready answers and `kmirror validate`
 * (text and JSON) are searched for every secret of the file: passwords, JAAS configs, store and
 * key passwords, private key bodies, the sidecar token and the OAuth token.
 *
 * A wrong password and an expired client certificate (on the target side: a start that waits on
 * the source's admin requests is another test's subject) are named in readiness.
 */

/**
 * A test of behaviour the issue asks for that kmirror does not have yet (each is a reported
 * product bug): it passes while the bug is there and fails once it is fixed, so its `knownBug`
 * becomes `it`. KMIRROR_KNOWN_BUGS=show runs them as plain tests, to see how they fail.
 */
const knownBug = process.env.KMIRROR_KNOWN_BUGS === 'show' ? it : it.fails;

const USER = 'mirror';
const LIMITED = 'limited';
const NO_WRITE = 'nowrite';

let clusters: LocalClusters | undefined;
let source: LocalKafkaCluster;
let target: LocalKafkaCluster;
let S: SecuredCluster;
let T: SecuredCluster;
let expired: CertificateFiles;
const savedKrb5Config = process.env.KRB5_CONFIG;

beforeAll(async () => {
  clusters = await startLocalClusters({
    clusters: ['source', 'target'],
    heapMb: 512,
    security: { users: [USER, LIMITED, NO_WRITE] },
    log: (line) => console.log(`[secured-mechanisms] ${line}`),
  });
  source = clusters.get('source');
  target = clusters.get('target');
  S = source.security!;
  T = target.security!;
  // librdkafka's GSSAPI finds the KDC through the process environment (the in-process engine below).
  Object.assign(process.env, S.client('GSSAPI').env);
  // `mirror` may do anything on both clusters, by ACL (it is no super user).
  for (const cluster of [S, T]) {
    await cluster.addAcls([
      { principal: USER, resource: 'topic', name: '*', operations: ['All'] },
      { principal: USER, resource: 'group', name: '*', operations: ['All'] },
      { principal: USER, resource: 'cluster', operations: ['All'] },
    ]);
  }
  // An expired certificate of the same user (CN=mirror), from the run's CA.
  expired = await S.context.ca.issue(USER, join(S.context.dir, 'expired'), { kind: 'client', expired: true });
});

afterAll(async () => {
  await kmirror?.stop();
  await (await refusedEngine?.catch(() => undefined))?.engine.stop(10_000);
  await clusters?.stop();
  if (savedKrb5Config === undefined) delete process.env.KRB5_CONFIG;
  else process.env.KRB5_CONFIG = savedKrb5Config;
});

// ---------------------------------------------------------------------------------------------

interface Alias {
  readonly alias: string;
  readonly cluster: 'source' | 'target';
  readonly client: ClientSecurity;
  readonly store: StoreType;
}

const alias = (name: string, cluster: 'source' | 'target', mechanism: SecurityMechanism, store: StoreType, user = USER): Alias =>
  ({ alias: name, cluster, store, client: (cluster === 'source' ? S : T).client(mechanism, user, { store }) });

/** The six mechanism flows: each mechanism once as a source and once as a target; stores spread over them. */
function mechanismFlows(): { from: Alias; to: Alias; topic: string }[] {
  const pairs: [Alias, Alias][] = [
    [alias('s-plain', 'source', 'PLAIN', 'JKS'), alias('t-scram256', 'target', 'SCRAM-SHA-256', 'JKS')],
    [alias('s-scram256', 'source', 'SCRAM-SHA-256', 'PKCS12'), alias('t-scram512', 'target', 'SCRAM-SHA-512', 'PKCS12')],
    [alias('s-scram512', 'source', 'SCRAM-SHA-512', 'PEM'), alias('t-mtls', 'target', 'MTLS', 'PEM_CONFIG')],
    [alias('s-mtls', 'source', 'MTLS', 'JKS'), alias('t-oauth', 'target', 'OAUTHBEARER', 'JKS')],
    [alias('s-oauth', 'source', 'OAUTHBEARER', 'PEM_CONFIG'), alias('t-gssapi', 'target', 'GSSAPI', 'PEM')],
    [alias('s-gssapi', 'source', 'GSSAPI', 'PKCS12'), alias('t-plain', 'target', 'PLAIN', 'PEM')],
  ];
  return pairs.map(([from, to]) => ({ from, to, topic: `mech-${from.client.mechanism.toLowerCase()}` }));
}

const LIMITED_FLOW = { from: 's-lim', to: 't-limited', topic: 'mech-limited' };
const NO_WRITE_FLOW = { from: 's-nw', to: 't-nowrite', topic: 'mech-nowrite' };

function clusterLines(a: Alias): string {
  return toJavaProperties(a.client.java, `${a.alias}.`).trim();
}

/** Records with keys, headers and distinct values. */
function records(tag: string, count: number, partitions: number) {
  return Array.from({ length: count }, (_, i) => ({
    partition: i % partitions,
    key: i % 5 === 0 ? null : Buffer.from(`${tag}-${i}`),
    value: Buffer.from(`${tag} record ${i}`),
    headers: [['h', Buffer.from(String(i))]] as [string, Buffer][],
  }));
}

async function createTopic(cluster: LocalKafkaCluster, name: string, partitions: number): Promise<void> {
  const admin = new Admin({ 'bootstrap.servers': cluster.bootstrapServers });
  try {
    const [result] = await admin.createTopics([{ name, partitions, replicationFactor: 1 }], 15_000);
    expect(result!.error).toBeNull();
  } finally {
    admin.close();
  }
}

interface KmirrorRun {
  readonly child: ChildProcess;
  readonly output: string[];
  readonly exited: Promise<number | null>;
  stop(): Promise<number | null>;
}

/** `kmirror <args>` as a child process, with extra environment (GSSAPI's KRB5_CONFIG). */
function spawnCli(args: readonly string[], env: Readonly<Record<string, string>> = {}): KmirrorRun {
  const child = spawn(process.execPath, ['--import', 'tsx', join(packageRoot, 'src', 'cli', 'main.ts'), ...args],
    { cwd: packageRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const output: string[] = [];
  child.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    }
    return exited;
  };
  return { child, output, exited, stop };
}

let kmirror: KmirrorRun | undefined;
let file: string;
let url: string;
const token = `tok-${randomBytes(12).toString('hex')}`;
/** Everything the process and the sidecar said, for the secret search at the end. */
const answers: string[] = [];

async function get(path: string): Promise<{ status: number; text: string }> {
  const response = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const text = await response.text();
  answers.push(`${path} ${response.status}\n${text}`);
  return { status: response.status, text };
}

interface FlowJson {
  flow: string; state: string; problems: string[];
  partitions: { topic: string; partition: number; status: string; reason: string | null }[];
  checkpoints: { emitted: number; groups: { group: string }[] } | null;
  heartbeat: { lastEmittedMs: number | null } | null;
}

describe('every mechanism end to end, in one kmirror process at debug level', () => {
  let flows: ReturnType<typeof mechanismFlows>;
  beforeAll(() => {
    flows = mechanismFlows();
  });

  it('PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, mTLS, OAUTHBEARER and GSSAPI each carry a flow, as source and as target, with JKS, PKCS12 and PEM stores', async () => {
    // `limited` may create the remote topic and commit positions, not WRITE it. WRITE on another
    // topic lets its idempotent producer have a producer id (KIP-679), so the refusal it meets is
    // the remote topic's. `nowrite` may WRITE nothing at all.
    for (const [user, f] of [[LIMITED, LIMITED_FLOW], [NO_WRITE, NO_WRITE_FLOW]] as const) {
      await T.addAcls([
        { principal: user, resource: 'topic', name: `${f.from}.`, patternType: 'prefixed', operations: ['Create', 'Read', 'AlterConfigs', 'Alter'] },
        { principal: user, resource: 'group', name: `kmirror.${f.from}->${f.to}`, operations: ['Read'] },
      ]);
    }
    await T.addAcls([{ principal: LIMITED, resource: 'topic', name: 'heartbeats', operations: ['Write'] }]);
    for (const f of [...flows.map((x) => x.topic), LIMITED_FLOW.topic, NO_WRITE_FLOW.topic]) {
      await createTopic(source, f, 2);
      produceRecords(source.bootstrapServers, f, records(f, 40, 2));
    }
    for (const f of flows) await setGroupOffsets(source.bootstrapServers, `app-${f.from.alias}`, [{ topic: f.topic, partition: 0, offset: 7 }]);

    const aliases = [...flows.flatMap((f) => [f.from, f.to]),
      alias(LIMITED_FLOW.from, 'source', 'SCRAM-SHA-512', 'PKCS12'), alias(LIMITED_FLOW.to, 'target', 'SCRAM-SHA-256', 'PKCS12', LIMITED),
      alias(NO_WRITE_FLOW.from, 'source', 'SCRAM-SHA-512', 'PKCS12'), alias(NO_WRITE_FLOW.to, 'target', 'SCRAM-SHA-512', 'PKCS12', NO_WRITE)];
    const lines = [
      `clusters = ${aliases.map((a) => a.alias).join(', ')}`,
      ...aliases.map(clusterLines),
      ...flows.flatMap((f) => [`${f.from.alias}->${f.to.alias}.enabled = true`, `${f.from.alias}->${f.to.alias}.topics = ${f.topic}`,
        `${f.from.alias}->${f.to.alias}.groups = app-${f.from.alias}`, `${f.from.alias}->${f.to.alias}.emit.heartbeats.enabled = true`]),
      ...[LIMITED_FLOW, NO_WRITE_FLOW].flatMap((f) => [`${f.from}->${f.to}.enabled = true`, `${f.from}->${f.to}.topics = ${f.topic}`,
        `${f.from}->${f.to}.emit.checkpoints.enabled = false`]),
      // Heartbeats only where a flow is (MM2 would emit them for every one of the 14 × 13 pairs).
      'emit.heartbeats.enabled = false',
      'emit.heartbeats.interval.seconds = 1',
      'emit.checkpoints.interval.seconds = 1',
      'refresh.groups.interval.seconds = 1',
      'refresh.topics.interval.seconds = 2',
      'replication.factor = 1',
      'heartbeats.topic.replication.factor = 1',
      'checkpoints.topic.replication.factor = 1',
      'offset-syncs.topic.replication.factor = 1',
      // librdkafka's own debug output, every client.
      'consumer.debug = security,broker,conf',
      'producer.debug = security,broker,conf',
      'admin.debug = security,broker,conf',
      'kmirror.sidecar.port = 0',
      `kmirror.sidecar.token = ${token}`,
    ];
    const dir = mkdtempSync(join(tmpdir(), 'kmirror-mechanisms-'));
    file = join(dir, 'mm2.properties');
    writeFileSync(file, lines.join('\n') + '\n', { mode: 0o600 });
    kmirror = spawnCli(['run', '--log-level', 'debug', file], S.client('GSSAPI').env);
    url = await waitFor('the sidecar URL', () => /sidecar listening on (http:\/\/[^"\s]+)/.exec(kmirror!.output.join(''))?.[1], 30_000, 100);

    for (const f of flows) {
      const remote = `${f.from.alias}.${f.topic}`;
      const sourceEnds = await endOffsets(source.bootstrapServers, f.topic, 2);
      await waitFor(`${remote} complete`, async () => {
        const ends = await endOffsets(target.bootstrapServers, remote, 2).catch(() => undefined);
        return ends !== undefined && ends.every((e, i) => e >= sourceEnds[i]!);
      }, 90_000, 250);
      const verdict = await compareCopy({ servers: source.bootstrapServers, topic: f.topic }, { servers: target.bootstrapServers, topic: remote }, 2);
      const what = `${f.from.client.mechanism} (${f.from.store}) -> ${f.to.client.mechanism} (${f.to.store}): ${describeVerdict(verdict)}`;
      expect({ lost: verdict.lost, outOfOrder: verdict.outOfOrder, foreign: verdict.foreign, source: verdict.source }, what)
        .toEqual({ lost: 0, outOfOrder: 0, foreign: 0, source: 40 });
      expect(verdict.target, what).toBe(verdict.source + verdict.duplicates);
    }

    // Every flow's checkpoints (source admin, offset-sync reader, target producer) and heartbeats (target producer) work too.
    let status: { ready: boolean; reasons: string[]; flows: FlowJson[] } | undefined;
    await waitFor('checkpoints and heartbeats of every mechanism flow', async () => {
      const answer = await get('/status');
      if (answer.status !== 200 && answer.status !== 503) return false;
      status = JSON.parse(answer.text) as typeof status;
      return flows.every((f) => {
        const report = status!.flows.find((x) => x.flow === `${f.from.alias}->${f.to.alias}`);
        return report !== undefined && (report.checkpoints?.emitted ?? 0) > 0 && (report.heartbeat?.lastEmittedMs ?? null) !== null;
      });
    }, 60_000, 500).catch((err: Error) => { throw new Error(`${err.message}; /status: ${JSON.stringify(status?.flows.map((f) => [f.flow, f.state, f.problems, f.checkpoints?.emitted, f.heartbeat]))}`); });
    for (const f of flows) {
      const report = status!.flows.find((x) => x.flow === `${f.from.alias}->${f.to.alias}`)!;
      expect({ flow: report.flow, state: report.state, problems: report.problems }).toEqual({ flow: report.flow, state: 'RUNNING', problems: [] });
      expect(report.partitions.map((p) => p.status)).toEqual(['RUNNING', 'RUNNING']);
    }
  });

  it('a principal the target refuses to let WRITE: the partitions FAILED naming TOPIC_AUTHORIZATION_FAILED, the remote topic and the principal', async () => {
    expect(kmirror, 'the mechanisms process runs').toBeDefined();
    const flow = `${LIMITED_FLOW.from}->${LIMITED_FLOW.to}`;
    const remote = `${LIMITED_FLOW.from}.${LIMITED_FLOW.topic}`;
    let report: FlowJson | undefined;
    await waitFor(`${flow} FAILED`, async () => {
      const answer = await get(`/status/${encodeURIComponent(flow)}`);
      report = JSON.parse(answer.text) as FlowJson;
      return report.partitions.length === 2 && report.partitions.every((p) => p.status === 'FAILED');
    }, 60_000, 500).catch((err: Error) => { throw new Error(`${err.message}; ${JSON.stringify(report)}`); });
    expect(report!.state).toBe('FAILED');
    for (const p of report!.partitions) {
      expect(p.reason).toMatch(new RegExp(`TOPIC_AUTHORIZATION_FAILED on ${remote.replace('.', '\\.')} as User:${LIMITED} \\(Broker: Topic authorization failed\\)`));
    }
    expect(await endOffsets(target.bootstrapServers, remote, 2)).toEqual([0, 0]);
    // FAILED partitions are the flow's state (/status); the mechanism flows stay ready. (A shard's
    // replaced producer reports "no connection" in its first statistics, for a moment: waited out.)
    let others: string[] = [];
    await waitFor('the mechanism flows ready', async () => {
      const ready = JSON.parse((await get('/health/ready')).text) as { ready: boolean; reasons: string[] };
      others = ready.reasons.filter((r) => !r.startsWith(`${flow}:`) && !r.startsWith(`${NO_WRITE_FLOW.from}->`));
      return others.length === 0;
    }, 20_000, 500).catch((err: Error) => { throw new Error(`${err.message}; ${JSON.stringify(others)}`); });
  });

  // PRODUCT BUG (reported): a target principal that may WRITE no topic at all cannot get a
  // producer id for kmirror's idempotent producer (InitProducerId: CLUSTER_AUTHORIZATION_FAILED
  // without IDEMPOTENT_WRITE on the cluster or WRITE on some topic). The shard then replaces its
  // producer about twice a second for ever ("target producer replaced … Cluster authorization
  // failed" at warn level), while /status shows the flow RUNNING with no problem and its partitions
  // RUNNING with no reason: a silent retry. Make it `it` once fixed.
  knownBug('a principal that may WRITE nothing on the target: a state naming CLUSTER_AUTHORIZATION_FAILED and the principal, not RUNNING', async () => {
    expect(kmirror, 'the mechanisms process runs').toBeDefined();
    const flow = `${NO_WRITE_FLOW.from}->${NO_WRITE_FLOW.to}`;
    let report: FlowJson | undefined;
    await waitFor(`${flow} naming the refusal`, async () => {
      report = JSON.parse((await get(`/status/${encodeURIComponent(flow)}`)).text) as FlowJson;
      return report.state !== 'RUNNING' && [...report.problems, ...report.partitions.map((p) => p.reason ?? '')]
        .some((r) => r.includes('CLUSTER_AUTHORIZATION_FAILED') || /Cluster authorization failed/.test(r));
    }, 15_000, 500).catch((err: Error) => { throw new Error(`${err.message}; ${JSON.stringify(report)}`); });
  });

  it('no secret anywhere: not in the debug output (librdkafka\'s included), /status, /metrics, /health/ready, nor `kmirror validate`', async () => {
    expect(kmirror, 'the mechanisms process runs').toBeDefined();
    await get('/metrics');
    await get('/health/ready');
    await get('/status');
    // An unauthenticated request, and one with a wrong token.
    for (const headers of [{}, { authorization: `Bearer ${token}x` }] as Record<string, string>[]) {
      const response = await fetch(`${url}/status?${token}`, { headers });
      answers.push(`unauthenticated ${response.status}\n${await response.text()}`);
    }
    expect(await kmirror!.stop()).toBe(0);
    const runOutput = kmirror!.output.join('');
    // The debug levels were on: kmirror's debug lines and librdkafka's debug contexts are in it.
    expect(runOutput).toMatch(/"level":20/);
    expect(runOutput).toMatch(/SASL|sasl/);
    expect(runOutput).toMatch(/CONF|conf/);

    const validate = spawnCli(['validate', file], S.client('GSSAPI').env);
    const validateJson = spawnCli(['validate', '--json', file], S.client('GSSAPI').env);
    expect(await validate.exited).toBe(0);
    expect(await validateJson.exited).toBe(0);
    const everything = [runOutput, ...answers, validate.output.join(''), validateJson.output.join('')];
    expect(validateJson.output.join('')).toContain('[redacted]');

    const secrets = secretsOf(readFileSync(file, 'utf8'));
    // What is searched for: every kind of secret the file holds.
    const kinds = ['sasl.jaas.config', 'sasl.jaas.config password', 'ssl.truststore.password', 'ssl.keystore.password',
      'ssl.key.password', 'ssl.keystore.key (a line of the key)', 'kmirror.sidecar.token', "mirror's password"];
    for (const kind of kinds) expect(secrets.some((x) => x.name.endsWith(kind)), kind).toBe(true);
    console.log(`[secured-mechanisms] searched ${everything.reduce((n, t) => n + t.length, 0)} characters of output for ${secrets.length} secrets`);
    const found: string[] = [];
    for (const { name, value } of secrets) {
      for (const [i, text] of everything.entries()) {
        const at = text.indexOf(value);
        if (at >= 0) {
          const lineStart = text.lastIndexOf('\n', at) + 1;
          const lineEnd = text.indexOf('\n', at);
          found.push(`${name} in ${['run output', ...answers.map((a) => a.split('\n')[0]), 'validate', 'validate --json'][i]}: ` +
            text.slice(lineStart, lineEnd < 0 ? undefined : Math.min(lineEnd, lineStart + 400)));
        }
      }
    }
    // The unsecured JWT librdkafka makes for OAUTHBEARER: header {"alg":"none"}.
    for (const [i, text] of everything.entries()) {
      const jwt = /eyJhbGciOiJub25lIn0\.[A-Za-z0-9_-]+/.exec(text);
      if (jwt) found.push(`an OAuth token in output ${i}: ${jwt[0].slice(0, 60)}…`);
    }
    expect(found).toEqual([]);
  });
});

/** Every secret of an mm2.properties text: its passwords, JAAS configs, tokens, PEM key bodies, and the users' other key material. */
function secretsOf(text: string): { name: string; value: string }[] {
  const out: { name: string; value: string }[] = [];
  const add = (name: string, value: string | undefined) => {
    if (value && value.length >= 6) out.push({ name, value });
  };
  const unescape = (v: string) => v.replace(/\\n/g, '\n').replace(/\\(.)/g, '$1');
  for (const line of text.split('\n')) {
    const m = /^([^=]+?)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    const key = m[1]!.trim();
    const value = unescape(m[2]!);
    if (/password|token|jaas|keystore\.key|secret/i.test(key)) {
      if (/jaas/.test(key)) {
        add(`${key}`, value);
        for (const pw of value.matchAll(/password="([^"]+)"/g)) add(`${key} password`, pw[1]);
      } else if (/keystore\.key/.test(key)) {
        for (const body of pemBodyLines(value)) add(`${key} (a line of the key)`, body);
      } else {
        add(key, value);
      }
    }
  }
  for (const name of [USER, LIMITED, NO_WRITE]) {
    const user = S.context.user(name);
    add(`${name}'s password`, user.password);
    add(`${name}'s keystore password`, user.certificate.password);
    for (const file of [user.certificate.keyPem, user.certificate.encryptedKeyPem]) {
      for (const body of pemBodyLines(readFileSync(file, 'utf8'))) add(`a line of ${name}'s private key (${file})`, body);
    }
  }
  add('the truststore password', S.context.caFiles.truststorePassword);
  add('the sidecar token', token);
  return out;
}

/** The base64 lines of a PEM text's private key blocks. */
function pemBodyLines(pem: string): string[] {
  const lines: string[] = [];
  for (const block of pem.matchAll(/-----BEGIN [A-Z ]*PRIVATE KEY-----([\s\S]*?)-----END [A-Z ]*PRIVATE KEY-----/g)) {
    lines.push(...block[1]!.split(/\s+/).filter((l) => l.length >= 40));
  }
  return lines;
}

const WRONG_PASSWORD = `wrong-${randomBytes(6).toString('hex')}`;
let refusedEngine: Promise<{ engine: Engine; logs: string[] }> | undefined;
let refusedWarnings: string[] = [];

/**
 * An engine whose two flows reach the target with credentials it refuses: a wrong SCRAM-SHA-256
 * password, and an expired client certificate (mTLS). Its start waits for the target's metadata
 * until admin.timeout.ms (60 s) passes.
 */
async function startRefusedEngine(): Promise<{ engine: Engine; logs: string[] }> {
  const good = alias('s-good', 'source', 'SCRAM-SHA-512', 'PKCS12');
  const good2 = alias('s-good2', 'source', 'PLAIN', 'PEM');
  const badPassword: Alias = { alias: 't-badpw', cluster: 'target', store: 'JKS', client: T.client('SCRAM-SHA-256', USER, { store: 'JKS', password: WRONG_PASSWORD }) };
  const mtls = T.client('MTLS', USER, { store: 'PKCS12' });
  const expiredClient: ClientSecurity = { ...mtls, java: { ...mtls.java,
    'ssl.keystore.location': expired.keystorePkcs12, 'ssl.keystore.password': expired.password, 'ssl.key.password': expired.password } };
  const badCertificate: Alias = { alias: 't-expired', cluster: 'target', store: 'PKCS12', client: expiredClient };
  await createTopic(source, 'mech-refused', 1);
  produceRecords(source.bootstrapServers, 'mech-refused', records('mech-refused', 5, 1));
  const text = [
    `clusters = ${[good, good2, badPassword, badCertificate].map((a) => a.alias).join(', ')}`,
    ...[good, good2, badPassword, badCertificate].map(clusterLines),
    's-good->t-badpw.enabled = true', 's-good->t-badpw.topics = mech-refused',
    's-good2->t-expired.enabled = true', 's-good2->t-expired.topics = mech-refused',
    'emit.heartbeats.enabled = false', 'replication.factor = 1', 'offset-syncs.topic.replication.factor = 1',
    'checkpoints.topic.replication.factor = 1',
  ].join('\n') + '\n';
  const config = parseMirrorConfig(text);
  refusedWarnings = config.warnings.map((w) => `${w.key}: ${w.message}`);
  const { policies } = await loadFlowPolicies(config);
  const logs: string[] = [];
  const sink = new Writable({ write(chunk: Buffer, _e, done) { logs.push(chunk.toString()); done(); } });
  const engine = await Engine.start(config, policies, { log: pino({ level: 'debug' }, sink), reportIntervalMs: 200 });
  return { engine, logs };
}

describe('credentials refused, in readiness', () => {
  let engine: Engine;
  let logs: string[];

  beforeAll(async () => {
    // Not beside the mechanisms process: the engine's admin requests wait on libuv's pool threads
    // (4 in this process), and the start's hold them for a minute.
    refusedEngine = startRefusedEngine();
    ({ engine, logs } = await refusedEngine);
  });

  /** Readiness reasons once one names `flow`'s target as refusing it, with what the engine said meanwhile on failure. */
  async function refusal(flow: string, targetAlias: string): Promise<string> {
    let last: string[] = [];
    await waitFor(`${flow} not ready naming ${targetAlias}`, () => {
      last = [...engine.readiness().reasons];
      return last.some((r) => r.startsWith(`${flow}: shard 0 cannot authenticate to ${targetAlias}: `));
    }, 15_000, 200).catch((err: Error) => { throw new Error(`${err.message}; readiness: ${JSON.stringify(last)}`); });
    return last.filter((r) => r.startsWith(`${flow}:`)).join('\n');
  }

  it('a wrong password (SCRAM-SHA-256) on the target: not ready, naming the cluster and the SASL refusal; the password appears nowhere', async () => {
    expect(await refusal('s-good->t-badpw', 't-badpw'))
      .toMatch(/s-good->t-badpw: shard 0 cannot authenticate to t-badpw: .*SASL authentication error: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256/);
    expect(JSON.stringify([engine.readiness(), engine.status(), logs])).not.toContain(WRONG_PASSWORD);
  });

  // PRODUCT BUG (reported): the broker refuses the expired certificate with a TLS alert that
  // librdkafka reports as a transport error ("Receive failed: error:0A000416:SSL
  // routines::sslv3 alert certificate unknown: SSL alert number 46"), which the shard does not
  // count as an authentication failure (it looks at ERR__AUTHENTICATION, SASL_AUTHENTICATION_FAILED
  // and ERR__SSL only): readiness says "shard 0 has no connection to t-expired", naming neither
  // the certificate nor the alert. (The configuration warning does name the expiry.) Remove
  // `.fails` once fixed.
  it('an expired client certificate: kmirror names the expiry when it reads the keystore', () => {
    expect(refusedWarnings).toEqual([
      expect.stringMatching(/^t-expired\.ssl\.keystore\.location: the client certificate expired on \S+: brokers will refuse it$/),
    ]);
  });

  knownBug('an expired client certificate (mTLS) on the target: not ready, naming the cluster and the refused certificate', async () => {
    expect(await refusal('s-good2->t-expired', 't-expired'))
      .toMatch(/s-good2->t-expired: shard 0 cannot authenticate to t-expired: .*(certificate|SSL alert number (42|45|46))/i);
  });
});
