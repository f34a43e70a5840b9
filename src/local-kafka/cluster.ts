import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ErrorCodes, KmirrorError } from '../errors.js';
import { waitForBroker } from '../kafka/probe.js';
import { workDir } from '../paths.js';
import { ensureKafkaDistribution, type KafkaDistribution } from './distribution.js';
import { SecurityContext, type SecuredCluster, type SecurityOptions } from './security.js';
import { freeLoopbackPort, reservePort } from './ports.js';

/**
 * Single-node KRaft Apache Kafka clusters on loopback, for tests, benchmarks and the demo.
 *
 * Each cluster is one JVM in combined mode (broker + controller) with its own folder under
 * .kmirror/local-kafka/<run>/<name>/ holding server.properties, broker.log and the data. Stopping
 * removes the data and keeps the logs, so a failed test can be read afterwards; the newest
 * KEEP_RUNS runs are kept.
 */

export interface LocalClusterSpec {
  readonly name: string;
  /** Client port; a free one when absent. */
  readonly port?: number;
  /** KRaft controller port; a free one when absent. */
  readonly controllerPort?: number;
  /** Extra broker settings (server.properties keys), applied last. */
  readonly brokerConfig?: Readonly<Record<string, string | number | boolean>>;
  /**
   * Secured listeners (SSL with client certificates, SASL_SSL with PLAIN/SCRAM/OAUTHBEARER, and
   * GSSAPI) and, unless `authorizer: false`, the StandardAuthorizer; see security.ts. Default: on
   * when StartOptions.security is given.
   */
  readonly security?: boolean | { readonly authorizer?: boolean };
}

export interface StartOptions {
  /** Clusters to start; default two, `source` and `target`. */
  readonly clusters?: readonly (LocalClusterSpec | string)[];
  readonly log?: (line: string) => void;
  /** How long a broker may take to answer a metadata request. */
  readonly startTimeoutMs?: number;
  readonly heapMb?: number;
  /**
   * The run's CA, Kerberos KDC and users, shared by its secured clusters; given, every cluster is
   * secured unless its spec says `security: false`. LocalClusters.security holds them.
   */
  readonly security?: SecurityOptions;
}

const KEEP_RUNS = 10;
const runsDir = join(workDir, 'local-kafka');

/** Broker settings every local cluster gets: one node, so every replication factor is 1. */
const BASE_BROKER_CONFIG: Readonly<Record<string, string>> = {
  'process.roles': 'broker,controller',
  'node.id': '1',
  'controller.listener.names': 'CONTROLLER',
  'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
  'inter.broker.listener.name': 'PLAINTEXT',
  'num.partitions': '1',
  // kmirror creates every topic it writes to; a broker that invents topics would hide bugs.
  'auto.create.topics.enable': 'false',
  'offsets.topic.replication.factor': '1',
  'offsets.topic.num.partitions': '10',
  'transaction.state.log.replication.factor': '1',
  'transaction.state.log.min.isr': '1',
  'transaction.state.log.num.partitions': '10',
  'share.coordinator.state.topic.replication.factor': '1',
  'share.coordinator.state.topic.min.isr': '1',
  'group.initial.rebalance.delay.ms': '0',
  'log.flush.interval.messages': String(Number.MAX_SAFE_INTEGER),
  // Compacted topics (internal topics, compaction tests) are cleaned within a second, not 15 s.
  'log.cleaner.backoff.ms': '1000',
};

export class LocalKafkaCluster {
  private child!: ChildProcess;
  private exited!: Promise<number | null>;
  private exitCode: number | null | undefined;
  private frozen = false;
  /** The secured listeners, clients and ACLs of a secured cluster; undefined for a PLAINTEXT-only one. */
  security: SecuredCluster | undefined;

  private constructor(
    readonly name: string,
    readonly port: number,
    readonly controllerPort: number,
    readonly dir: string,
    private readonly command: { java: string; args: readonly string[] },
    private readonly startTimeoutMs: number,
  ) {}

  get bootstrapServers(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** The broker's own log (log4j), kept after stop. */
  get logFile(): string {
    return join(this.dir, 'broker.log');
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** The broker JVM's process id while it runs (fault-injection tests signal it). */
  get pid(): number | undefined {
    return this.running ? this.child.pid : undefined;
  }

  /** Whether the broker is frozen (freeze() without thaw() yet). */
  get isFrozen(): boolean {
    return this.frozen;
  }

  /**
   * Freezes the broker with SIGSTOP: its sockets stay open and nothing answers, as in a network
   * partition (a stopped broker refuses connections; a frozen one just goes silent). thaw() or
   * stop()/restart() end it.
   */
  freeze(): void {
    if (!this.running) throw new KmirrorError(ErrorCodes.LOCAL_KAFKA, `local cluster '${this.name}' is not running: nothing to freeze`);
    this.child.kill('SIGSTOP');
    this.frozen = true;
  }

  /** Lets a frozen broker go on (SIGCONT). */
  thaw(): void {
    if (this.running) this.child.kill('SIGCONT');
    this.frozen = false;
  }

  static async start(dist: KafkaDistribution, spec: LocalClusterSpec, runDir: string,
    options: { startTimeoutMs: number; heapMb: number; security?: SecurityContext }): Promise<LocalKafkaCluster> {
    const port = await resolvePort(spec.name, 'port', spec.port);
    const controllerPort = await resolvePort(spec.name, 'controllerPort', spec.controllerPort);
    const dir = join(runDir, spec.name);
    const dataDir = join(dir, 'data');
    await mkdir(dataDir, { recursive: true });

    const config: Record<string, string> = {
      ...BASE_BROKER_CONFIG,
      'controller.quorum.voters': `1@127.0.0.1:${controllerPort}`,
      listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
      'advertised.listeners': `PLAINTEXT://127.0.0.1:${port}`,
      'log.dirs': dataDir,
    };
    const secured = options.security && await options.security.prepareCluster(spec.name, {
      plaintextPort: port, controllerPort, authorizer: typeof spec.security === 'object' ? spec.security.authorizer ?? true : true,
    });
    if (secured) Object.assign(config, secured.brokerConfig());
    for (const [key, value] of Object.entries(spec.brokerConfig ?? {})) config[key] = String(value);
    const serverProperties = join(dir, 'server.properties');
    // A secured broker's settings hold passwords.
    await writeFile(serverProperties,
      Object.entries(config).map(([k, v]) => `${k}=${v}`).join('\n') + '\n', { mode: secured ? 0o600 : 0o644 });
    const log4j = join(dir, 'log4j2.properties');
    await writeFile(log4j, log4jConfig(join(dir, 'broker.log')));

    const jvm = [
      `-Xms${Math.min(256, options.heapMb)}m`, `-Xmx${options.heapMb}m`, '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20', '-Djava.awt.headless=true', `-Dlog4j2.configurationFile=${log4j}`,
      ...(secured?.jvmOptions() ?? []), '-cp', dist.classpath,
    ];
    await formatStorage(dist.java, jvm, serverProperties, randomBytes(16).toString('base64url'), join(dir, 'format.log'), spec.name,
      secured?.formatArgs());
    const cluster = new LocalKafkaCluster(spec.name, port, controllerPort, dir,
      { java: dist.java, args: [...jvm, 'kafka.Kafka', serverProperties] }, options.startTimeoutMs);
    cluster.security = secured;
    try {
      await cluster.launch();
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  /** Starts the broker process on the existing data and waits until it answers. */
  private async launch(): Promise<void> {
    this.exitCode = undefined;
    this.frozen = false;
    this.child = spawn(this.command.java, this.command.args, { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const child = this.child;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitCode = code ?? (signal ? -1 : null);
        resolve(this.exitCode);
      });
    });
    pipeToFile(child, join(this.dir, 'stdout.log'));
    if (child.pid !== undefined) await writeFile(join(this.dir, 'pid'), String(child.pid));
    try {
      await waitForBroker(this.bootstrapServers, {
        timeoutMs: this.startTimeoutMs,
        gaveUp: () => (this.running ? undefined : `the broker process exited with ${this.exitCode}`),
      });
    } catch (err) {
      throw new KmirrorError(ErrorCodes.LOCAL_KAFKA,
        `local Kafka cluster '${this.name}' did not become ready on ${this.bootstrapServers}: ` +
        `${(err as Error).message}. Its log: ${this.logFile}`,
        { cause: err, details: await tail(this.logFile, 15) });
    }
  }

  private async stopProcess(signal: NodeJS.Signals, graceMs: number): Promise<void> {
    if (!this.running) return;
    this.child.kill(signal);
    // A frozen JVM takes no signal but SIGKILL until it goes on.
    if (this.frozen) this.thaw();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Stops the broker (controlled shutdown, SIGKILL after the grace period) and removes its data. */
  async stop(graceMs = 20_000): Promise<void> {
    await this.stopProcess('SIGTERM', graceMs);
    await rm(join(this.dir, 'data'), { recursive: true, force: true });
    await rm(join(this.dir, 'pid'), { force: true });
  }

  /**
   * Restarts the broker on its data, same ports (`hard`: SIGKILL instead of a controlled
   * shutdown). `whileDown` runs between the stop and the start (tests check what clients see then).
   */
  async restart(options: { hard?: boolean; whileDown?: () => Promise<void> } = {}): Promise<void> {
    await this.stopProcess(options.hard ? 'SIGKILL' : 'SIGTERM', 20_000);
    try {
      await options.whileDown?.();
    } finally {
      await this.launch();
    }
  }

}

export class LocalClusters {
  constructor(readonly runDir: string, readonly clusters: readonly LocalKafkaCluster[],
    /** The CA, KDC and users of the secured clusters; undefined when none is secured. */
    readonly security?: SecurityContext) {}

  get(name: string): LocalKafkaCluster {
    const cluster = this.clusters.find((c) => c.name === name);
    if (!cluster) throw new KmirrorError(ErrorCodes.LOCAL_KAFKA, `no local cluster named '${name}'`);
    return cluster;
  }

  /** name → bootstrap servers. */
  get bootstrap(): Record<string, string> {
    return Object.fromEntries(this.clusters.map((c) => [c.name, c.bootstrapServers]));
  }

  /** Stops the clusters, then the KDC, and removes the private keys and keytabs (certificates and logs stay). */
  async stop(): Promise<void> {
    await Promise.all(this.clusters.map((c) => c.stop()));
    await this.security?.destroy();
  }
}

/** Starts the clusters in parallel; on any failure stops those that did start. */
export async function startLocalClusters(options: StartOptions = {}): Promise<LocalClusters> {
  const log = options.log ?? (() => {});
  const specs: LocalClusterSpec[] = (options.clusters ?? ['source', 'target']).map((c) => (typeof c === 'string' ? { name: c } : c));
  const secured = (spec: LocalClusterSpec) => (spec.security === undefined ? options.security !== undefined : spec.security !== false);
  const names = new Set<string>();
  for (const spec of specs) {
    // 'security' is the folder of the run's CA, KDC and users.
    if (!/^[A-Za-z0-9._-]+$/.test(spec.name) || names.has(spec.name) || spec.name === 'security') {
      throw new KmirrorError(ErrorCodes.LOCAL_KAFKA, `invalid or repeated local cluster name '${spec.name}'`);
    }
    names.add(spec.name);
  }
  const dist = await ensureKafkaDistribution({ log });
  await killStaleBrokers(log);
  await pruneRuns();
  const runDir = join(runsDir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}`);
  const security = specs.some(secured)
    ? await SecurityContext.create(join(runDir, 'security'), dist, { log, ...options.security })
    : undefined;
  const settled = await Promise.allSettled(specs.map((spec) => LocalKafkaCluster.start(dist, spec, runDir, {
    startTimeoutMs: options.startTimeoutMs ?? 90_000,
    heapMb: options.heapMb ?? 1024,
    security: secured(spec) ? security : undefined,
  })));
  const started = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failure) {
    await Promise.all(started.map((c) => c.stop()));
    await security?.destroy();
    throw failure.reason;
  }
  for (const c of started) {
    const listeners = c.security ? ` (secured: ${c.security.mechanisms.map((m) => `${m} ${c.security!.bootstrap(m)}`).join(', ')})` : '';
    log(`local Kafka '${c.name}' ready on ${c.bootstrapServers}${listeners} (log: ${c.logFile})`);
  }
  return new LocalClusters(runDir, started, security);
}

/**
 * Formats a KRaft node's storage. The cluster id goes as `--cluster-id=<id>`: a base64url id may
 * start with '-', which the tool would otherwise take for an option.
 */
export async function formatStorage(java: string, jvm: readonly string[], serverProperties: string, clusterId: string,
  logFile: string, cluster: string, extraArgs: readonly string[] = []): Promise<void> {
  await runToCompletion(java, [...jvm, 'kafka.tools.StorageTool', 'format', `--cluster-id=${clusterId}`,
    `--config=${serverProperties}`, ...extraArgs], logFile, cluster);
}

async function resolvePort(cluster: string, what: string, wanted: number | undefined): Promise<number> {
  // A port of our choosing is one this process was never given before (ports.ts).
  if (wanted === undefined) return freeLoopbackPort();
  reservePort(wanted);
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (err) => reject(new KmirrorError(ErrorCodes.LOCAL_KAFKA,
      `local cluster '${cluster}': ${what} ${wanted} on 127.0.0.1 is not free (${(err as Error).message})`,
      { cause: err })));
    server.listen(wanted ?? 0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function log4jConfig(file: string): string {
  return [
    'status = warn',
    'appender.file.type = File',
    'appender.file.name = FILE',
    `appender.file.fileName = ${file}`,
    'appender.file.layout.type = PatternLayout',
    'appender.file.layout.pattern = [%d] %p %m (%c)%n',
    'rootLogger.level = INFO',
    'rootLogger.appenderRef.file.ref = FILE',
    'logger.controller.name = org.apache.kafka.controller',
    'logger.controller.level = WARN',
    '',
  ].join('\n');
}

function pipeToFile(child: ChildProcess, file: string): void {
  const out = createWriteStream(file);
  child.stdout?.pipe(out, { end: false });
  child.stderr?.pipe(out, { end: false });
  child.once('exit', () => setImmediate(() => out.end()));
}

async function runToCompletion(command: string, args: string[], logFile: string, cluster: string): Promise<void> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  pipeToFile(child, logFile);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) {
    throw new KmirrorError(ErrorCodes.LOCAL_KAFKA,
      `formatting the storage of local cluster '${cluster}' failed (exit ${code}); see ${logFile}`);
  }
}

async function tail(file: string, lines: number): Promise<string[]> {
  try {
    return (await readFile(file, 'utf8')).trimEnd().split('\n').slice(-lines);
  } catch {
    return [];
  }
}

/** Kills brokers an earlier run of this checkout left behind (a test process that was killed). */
async function killStaleBrokers(log: (line: string) => void): Promise<void> {
  if (!existsSync(runsDir)) return;
  for (const run of await readdir(runsDir)) {
    const owner = Number(/-(\d+)$/.exec(run)?.[1]);
    if (owner && processAlive(owner)) continue; // a run still in progress elsewhere in this checkout
    const runPath = join(runsDir, run);
    // Each cluster's folder, and the Kerberos KDC's of a secured run.
    for (const name of [...await readdir(runPath).catch(() => [] as string[]), join('security', 'kerberos')]) {
      const pidFile = join(runPath, name, 'pid');
      if (!existsSync(pidFile)) continue;
      const pid = Number(readFileSync(pidFile, 'utf8'));
      let cmdline = '';
      try {
        cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      } catch {
        // not running any more
      }
      if ((cmdline.includes('kafka.Kafka') || cmdline.includes('krb5kdc')) && cmdline.includes(join(runPath, name))) {
        log(`stopping a local ${cmdline.includes('krb5kdc') ? 'Kerberos KDC' : 'broker'} left running by an earlier run (pid ${pid}, ${join(runPath, name)})`);
        process.kill(pid, 'SIGKILL');
      }
      await rm(pidFile, { force: true });
      await rm(join(runPath, name, 'data'), { recursive: true, force: true });
    }
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function pruneRuns(): Promise<void> {
  if (!existsSync(runsDir)) return;
  const runs = await Promise.all((await readdir(runsDir)).map(async (name) => ({
    name, mtime: (await stat(join(runsDir, name))).mtimeMs,
  })));
  runs.sort((a, b) => b.mtime - a.mtime);
  const owned = (name: string) => processAlive(Number(/-(\d+)$/.exec(name)?.[1]));
  for (const old of runs.slice(KEEP_RUNS - 1).filter((r) => !owned(r.name))) await rm(join(runsDir, old.name), { recursive: true, force: true });
}
