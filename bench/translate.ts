/**
 * Offset translation over HTTP while replication runs: the sidecar's `GET /v1/groups/:group/offsets`
 * under load, JSON and protobuf.
 *
 *   npm run bench:translate -- [--seconds 20] [--connections 10] [--groups 8] [--rate 5000] [--no-token]
 *
 * 1. Two fresh local KRaft clusters, `source` and `target` (src/local-kafka); topic `bench`
 *    (8 partitions) gets a preload (1 KiB values, as bench/e2e.ts).
 * 2. Consumer groups `bench-app-<i>` get committed offsets on the source (inside the preload).
 * 3. The real Engine runs in this process on a generated mm2.properties (checkpoints every second),
 *    with the sidecar as `kmirror run` starts it (LifecycleView, metrics, token) on a free port.
 * 4. A producer in a child process writes --rate records/s to `bench` for the rest of the run, so
 *    the engine replicates all along.
 * 5. Waits until the engine translates every partition of every group (view.translate), then
 *    checks one answer of each format by hand.
 * 6. For each format: a warm-up, then autocannon (in a child process, so the load generator does
 *    not share this event loop) for --seconds with --connections, cycling over the groups.
 *    Latency is taken per response with microsecond resolution (autocannon's own histogram counts
 *    whole milliseconds); requests/s is autocannon's. Meanwhile: the engine's copy rate, this
 *    process's CPU and event-loop delay, and CPU used by processes outside the benchmark.
 * 7. Results: a table, and bench/results/translate-<date>.json. The issue's target is
 *    ≥ 20,000 requests/s with p99 < 5 ms.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Instance, Options as AutocannonOptions, Request as AutocannonRequest, Result as AutocannonResult } from 'autocannon';
import { Command, InvalidArgumentError, Option } from 'commander';
import { pino } from 'pino';
import { loadFlowPolicies } from '../src/config/flow-policies.js';
import { parseMirrorConfig } from '../src/config/mirror-config.js';
import { Engine } from '../src/engine/engine.js';
import { CODES, Producer, type LibrdKafkaError } from '../src/kafka/rdkafka.js';
import { startLocalClusters, type LocalClusters } from '../src/local-kafka/cluster.js';
import { createMetrics } from '../src/metrics/collector.js';
import { Admin } from '../src/native/addon.js';
import { packageRoot, workDir } from '../src/paths.js';
import { configSecrets } from '../src/sidecar/config-secrets.js';
import { LifecycleView } from '../src/sidecar/lifecycle-view.js';
import { startSidecar, type Sidecar } from '../src/sidecar/server.js';
import { createTopic, preload } from './lib/clients.js';
import { machineInfo } from './lib/machine.js';
import { mm2Properties } from './lib/mm2-properties.js';
import { Payload } from './lib/payload.js';
import { foreignActivity, snapshotMachine, type ForeignActivity } from './lib/proc.js';

const TOPIC = 'bench';
const TARGET = { requestsPerSecond: 20_000, p99Ms: 5 } as const;
type Format = 'json' | 'protobuf';
const ACCEPT: Record<Format, string> = { json: 'application/json', protobuf: 'application/x-protobuf' };

// ---- the child processes: a load generator and a producer, driven over IPC ----------------------

interface LoadJob {
  readonly kind: 'load';
  readonly url: string;
  readonly paths: readonly string[];
  readonly headers: Readonly<Record<string, string>>;
  readonly connections: number;
  readonly seconds: number;
}

interface LoadResult {
  readonly kind: 'load-result';
  readonly autocannon: Pick<AutocannonResult, 'duration' | 'errors' | 'timeouts' | 'non2xx' | '2xx' | 'mismatches'> & {
    readonly requests: { readonly average: number; readonly total: number; readonly sent: number; readonly min: number; readonly max: number };
    readonly latencyMs: { readonly p50: number; readonly p99: number; readonly max: number };
    readonly bytesPerSecond: number;
  };
  /** Per response, microsecond resolution: [p50, p90, p99, p99.9, max] in ms. */
  readonly latencyMs: { readonly p50: number; readonly p90: number; readonly p99: number; readonly p999: number; readonly max: number;
    readonly mean: number; readonly count: number };
  readonly cpuSeconds: number;
}

interface ProduceJob {
  readonly kind: 'produce';
  readonly bootstrap: string;
  readonly topic: string;
  readonly partitions: number;
  readonly recordsPerSecond: number;
  readonly valueBytes: number;
}

type ChildMessage = LoadResult | { kind: 'produced'; produced: number; failed: number } | { kind: 'error'; message: string };

async function runLoad(job: LoadJob): Promise<LoadResult> {
  const { default: autocannon } = await import('autocannon');
  const cpu0 = process.cpuUsage();
  const latency = createHistogram();
  const requests: AutocannonRequest[] = job.paths.map((path) => ({ method: 'GET', path }));
  const options: AutocannonOptions = {
    url: job.url, connections: job.connections, duration: job.seconds, headers: { ...job.headers }, requests,
  };
  const result = await new Promise<AutocannonResult>((resolve, reject) => {
    const instance: Instance = autocannon(options, (err, r) => (err ? reject(err) : resolve(r)));
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTimeMs: number) => {
      if (statusCode === 200) latency.record(Math.max(1, Math.round(responseTimeMs * 1000)));
    });
  });
  const cpu = process.cpuUsage(cpu0);
  const ms = (us: number) => Math.round(us) / 1000;
  return {
    kind: 'load-result',
    autocannon: {
      duration: result.duration, errors: result.errors, timeouts: result.timeouts, non2xx: result.non2xx, '2xx': result['2xx'],
      mismatches: result.mismatches,
      requests: { average: result.requests.average, total: result.requests.total, sent: result.requests.sent,
        min: result.requests.min, max: result.requests.max },
      latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
      bytesPerSecond: result.throughput.average,
    },
    latencyMs: {
      p50: ms(latency.percentile(50)), p90: ms(latency.percentile(90)), p99: ms(latency.percentile(99)),
      p999: ms(latency.percentile(99.9)), max: ms(latency.max), mean: ms(latency.mean), count: latency.count,
    },
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
}

/** Produces job.recordsPerSecond (10 ms steps) until told to stop; reports what it produced. */
async function runProducer(job: ProduceJob): Promise<void> {
  const payload = new Payload(job.valueBytes);
  const producer = new Producer({
    'bootstrap.servers': job.bootstrap, 'client.id': 'bench-translate-load', 'linger.ms': 5,
    'queue.buffering.max.messages': 1_000_000, dr_cb: true, log_level: 3,
  });
  await new Promise<void>((resolve, reject) =>
    producer.connect({ timeout: 30_000 }, (err: LibrdKafkaError | null) => (err ? reject(new Error(err.message)) : resolve())));
  let failed = 0;
  producer.on('delivery-report', (err) => {
    if (err) failed++;
  });
  producer.setPollInterval(50);
  let stop = false;
  process.on('message', (m: { kind?: string }) => {
    if (m.kind === 'stop') stop = true;
  });
  process.send!({ kind: 'produced', produced: 0, failed: 0 } satisfies ChildMessage);
  const started = performance.now();
  let produced = 0;
  while (!stop) {
    const due = Math.floor(((performance.now() - started) / 1000) * job.recordsPerSecond);
    while (produced < due) {
      try {
        producer.produce(job.topic, produced % job.partitions, payload.value(produced), payload.key(produced, 'lat'), Date.now(),
          null, payload.headers(produced, 'latency'));
        produced++;
      } catch (err) {
        if ((err as { code?: number }).code !== CODES.ERRORS.ERR__QUEUE_FULL) throw err;
        break;
      }
    }
    await delay(10);
  }
  await new Promise<void>((resolve) => producer.flush(30_000, () => resolve()));
  producer.setPollInterval(0);
  await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
  process.send!({ kind: 'produced', produced, failed } satisfies ChildMessage);
}

function forkChild(): ChildProcess {
  return fork(fileURLToPath(import.meta.url), ['--child'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

function nextMessage(child: ChildProcess, kind: ChildMessage['kind']): Promise<ChildMessage> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: ChildMessage) => {
      if (m.kind === kind || m.kind === 'error') {
        child.off('message', onMessage);
        child.off('exit', onExit);
        if (m.kind === 'error') reject(new Error(m.message));
        else resolve(m);
      }
    };
    const onExit = (code: number | null) => reject(new Error(`child process exited (${code}) before answering`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

async function loadOnce(job: LoadJob): Promise<LoadResult> {
  const child = forkChild();
  try {
    child.send(job);
    return (await nextMessage(child, 'load-result')) as LoadResult;
  } finally {
    child.kill();
  }
}

// ---- the benchmark ---------------------------------------------------------------------------------

interface Options {
  seconds: number;
  warmupSeconds: number;
  connections: number;
  groups: number;
  partitions: number;
  tasks: number;
  preload: number;
  rate: number;
  valueBytes: number;
  formats: Format[];
  token: boolean;
  translationTimeoutSeconds: number;
}

function integer(min: number) {
  return (value: string): number => {
    const n = Number(value.replace(/_/g, '').replace(/k$/i, '000'));
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`a whole number ≥ ${min}`);
    return n;
  };
}

function parseFormats(value: string): Format[] {
  const list = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const f of list) if (f !== 'json' && f !== 'protobuf') throw new InvalidArgumentError('json and/or protobuf');
  return list as Format[];
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

function log(line: string): void {
  process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

interface FormatResult {
  readonly format: Format;
  readonly requestsPerSecond: number;
  readonly latencyMs: LoadResult['latencyMs'];
  readonly autocannon: LoadResult['autocannon'];
  readonly targetMet: boolean;
  /** What the engine did meanwhile: records copied per second (all partitions), and this process's cores. */
  readonly replication: { readonly recordsPerSecond: number; readonly produced: number };
  readonly kmirrorProcess: { readonly cores: number; readonly eventLoopDelayMs: { readonly p50: number; readonly p99: number; readonly max: number } };
  readonly loadGeneratorCores: number;
  readonly interference: ForeignActivity;
}

/** Sum of the engine's positions: records copied so far (all partitions this process copies). */
function copied(view: LifecycleView): number {
  return view.status().flatMap((f) => f.partitions).reduce((sum, p) => sum + Math.max(0, p.position), 0);
}

async function waitForTranslations(view: LifecycleView, groups: readonly string[], partitions: number, timeoutSeconds: number): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let lastReport = 0;
  for (;;) {
    const translated = groups.map((g) => view.translate(g, 'source', 'target').reduce((n, t) => n + t.partitions.length, 0));
    const complete = translated.filter((n) => n >= partitions).length;
    if (complete === groups.length) return;
    if (Date.now() > deadline) {
      throw new Error(`after ${timeoutSeconds} s the engine translates ${complete} of ${groups.length} groups completely ` +
        `(partitions translated per group: ${translated.join(', ')} of ${partitions}). view.translate() answers from the ` +
        'checkpoint emitter (FlowRunner.translate): it needs offset syncs for the partitions and a checkpoint round ' +
        '(emit.checkpoints.interval.seconds = 1 here); see the engine log. --translation-timeout-seconds waits longer.');
    }
    if (Date.now() - lastReport > 10_000) {
      lastReport = Date.now();
      log(`waiting for translations: ${complete} of ${groups.length} groups complete (${copied(view).toLocaleString('en')} records copied)`);
    }
    await delay(250);
  }
}

/** One answer of each kind, checked by hand before the load: the benchmark measures correct answers. */
async function checkAnswers(url: string, headers: Record<string, string>, group: string, view: LifecycleView): Promise<void> {
  const json = await fetch(`${url}/v1/groups/${group}/offsets?source=source&target=target`, { headers: { ...headers, accept: ACCEPT.json } });
  if (json.status !== 200) throw new Error(`GET offsets of ${group}: ${json.status} ${await json.text()}`);
  const body = (await json.json()) as { translations: { partitions: unknown[] }[] };
  const expected = view.translate(group, 'source', 'target')[0]!.partitions.length;
  if (body.translations[0]?.partitions.length !== expected) throw new Error(`GET offsets of ${group}: unexpected answer ${JSON.stringify(body)}`);
  const proto = await fetch(`${url}/v1/groups/${group}/offsets?source=source&target=target`, { headers: { ...headers, accept: ACCEPT.protobuf } });
  if (proto.status !== 200 || proto.headers.get('content-type') !== 'application/x-protobuf') {
    throw new Error(`GET offsets of ${group} as protobuf: ${proto.status} ${proto.headers.get('content-type')}`);
  }
}

async function main(options: Options, command: string): Promise<void> {
  const startedAt = new Date();
  const stamp = startedAt.toISOString().slice(0, 16).replace(/:/g, '-');
  const runDir = join(workDir, 'bench', `translate-${startedAt.toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(runDir, { recursive: true });
  const machine = machineInfo();
  log(`machine: ${machine.nproc} cores (${machine.cpuModel}), ${machine.memTotalGiB} GiB, node ${machine.node}`);

  let clusters: LocalClusters | undefined;
  let engine: Engine | undefined;
  let sidecar: Sidecar | undefined;
  let producerChild: ChildProcess | undefined;
  let closeMetrics: (() => void) | undefined;
  try {
    clusters = await startLocalClusters({ clusters: ['source', 'target'], log });
    const source = clusters.get('source').bootstrapServers;
    const target = clusters.get('target').bootstrapServers;
    await createTopic(source, TOPIC, options.partitions);
    const payload = new Payload(options.valueBytes);
    const loaded = await preload(source, TOPIC, options.partitions, options.preload, payload, 'none', log);
    log(`preload: ${loaded.records.toLocaleString('en')} records in ${round(loaded.seconds)} s`);

    // Consumer groups with committed offsets inside the preload, a different spot each.
    const groups = Array.from({ length: options.groups }, (_, i) => `bench-app-${i}`);
    const perPartition = Math.floor(options.preload / options.partitions);
    const admin = new Admin({ 'bootstrap.servers': source });
    try {
      for (const [i, group] of groups.entries()) {
        const offset = Math.floor((perPartition * (i + 1)) / (groups.length + 1));
        const results = await admin.alterConsumerGroupOffsets(group,
          Array.from({ length: options.partitions }, (_, partition) => ({ topic: TOPIC, partition, offset })), 30_000);
        const failed = results.find((r) => r.error);
        if (failed) throw new Error(`committing offsets of ${group}: ${failed.error!.name}: ${failed.error!.message}`);
      }
    } finally {
      admin.close();
    }
    log(`${groups.length} consumer groups committed on the source`);

    const token = options.token ? randomBytes(24).toString('base64url') : undefined;
    const file = join(runDir, 'mm2.properties');
    writeFileSync(file, [
      mm2Properties({ sourceBootstrap: source, targetBootstrap: target, topic: TOPIC, tasks: options.tasks, compression: 'none' }),
      '# checkpoints (and so translations) every second; groups looked for often',
      'emit.checkpoints.interval.seconds = 1',
      'refresh.groups.interval.seconds = 5',
      '# the sidecar on a free port',
      'kmirror.sidecar.port = 0',
      ...(token !== undefined ? [`kmirror.sidecar.token = ${token}`] : []),
      '',
    ].join('\n'));
    const config = parseMirrorConfig(readFileSync(file, 'utf8'), { file });
    const { policies, issues } = await loadFlowPolicies(config);
    if (issues.length > 0) throw new Error(issues.map((i) => i.message).join('; '));

    // As `kmirror run` does: sidecar first (LifecycleView), then the engine.
    const logFile = join(runDir, 'kmirror.log');
    const kmirrorLog = pino({ level: 'info' }, pino.destination({ dest: logFile, sync: false }));
    const view = new LifecycleView();
    const metrics = createMetrics(view, { partitionLabels: config.process['kmirror.metrics.partition.labels'] });
    closeMetrics = () => metrics.close();
    sidecar = await startSidecar({
      view, metrics, log: kmirrorLog, host: config.process['kmirror.sidecar.host'], port: config.process['kmirror.sidecar.port'],
      ...(token !== undefined && { token }), secrets: configSecrets(config),
    });
    log(`sidecar on ${sidecar.url}${token !== undefined ? ' (bearer token)' : ''}; kmirror log: ${relative(packageRoot, logFile)}`);
    engine = await Engine.start(config, policies, { log: kmirrorLog });
    view.attach(engine);

    producerChild = forkChild();
    const producerStarted = nextMessage(producerChild, 'produced');
    producerChild.send({ kind: 'produce', bootstrap: source, topic: TOPIC, partitions: options.partitions,
      recordsPerSecond: options.rate, valueBytes: options.valueBytes } satisfies ProduceJob);
    await producerStarted;
    log(`producing ${options.rate.toLocaleString('en')} records/s to ${TOPIC} while the benchmark runs`);

    await waitForTranslations(view, groups, options.partitions, options.translationTimeoutSeconds);
    log(`every group translated (${copied(view).toLocaleString('en')} records copied so far)`);
    const headers: Record<string, string> = token !== undefined ? { authorization: `Bearer ${token}` } : {};
    for (const group of groups) await checkAnswers(sidecar.url, headers, group, view);

    const paths = groups.map((g) => `/v1/groups/${g}/offsets?source=source&target=target`);
    const results: FormatResult[] = [];
    for (const format of options.formats) {
      const job: LoadJob = { kind: 'load', url: sidecar.url, paths, headers: { ...headers, accept: ACCEPT[format] },
        connections: options.connections, seconds: options.seconds };
      if (options.warmupSeconds > 0) await loadOnce({ ...job, seconds: options.warmupSeconds });
      const loop = monitorEventLoopDelay({ resolution: 1 });
      loop.enable();
      const cpu0 = process.cpuUsage();
      const copied0 = copied(view);
      const machine0 = snapshotMachine();
      const t0 = performance.now();
      const load = await loadOnce(job);
      const wall = (performance.now() - t0) / 1000;
      const interference = foreignActivity(machine0, snapshotMachine());
      const cpu = process.cpuUsage(cpu0);
      loop.disable();
      const requestsPerSecond = Math.round(load.autocannon.requests.total / load.autocannon.duration);
      const result: FormatResult = {
        format,
        requestsPerSecond,
        latencyMs: load.latencyMs,
        autocannon: load.autocannon,
        targetMet: requestsPerSecond >= TARGET.requestsPerSecond && load.latencyMs.p99 < TARGET.p99Ms &&
          load.autocannon.non2xx === 0 && load.autocannon.errors === 0,
        replication: { recordsPerSecond: Math.round((copied(view) - copied0) / wall), produced: options.rate },
        kmirrorProcess: {
          cores: round((cpu.user + cpu.system) / 1e6 / wall, 2),
          eventLoopDelayMs: { p50: round(loop.percentile(50) / 1e6, 2), p99: round(loop.percentile(99) / 1e6, 2), max: round(loop.max / 1e6, 2) },
        },
        loadGeneratorCores: round(load.cpuSeconds / wall, 2),
        interference,
      };
      results.push(result);
      log(`${format}: ${requestsPerSecond.toLocaleString('en')} requests/s, p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, ` +
        `max ${result.latencyMs.max} ms, non-2xx ${load.autocannon.non2xx}, errors ${load.autocannon.errors}; ` +
        `replication ${result.replication.recordsPerSecond.toLocaleString('en')} records/s; kmirror ${result.kmirrorProcess.cores} cores, ` +
        `load generator ${result.loadGeneratorCores} cores; foreign ${interference.cores} cores`);
    }

    producerChild.send({ kind: 'stop' });
    const produced = (await nextMessage(producerChild, 'produced')) as { produced: number; failed: number };

    printTable(results);
    const resultsDir = join(packageRoot, 'bench', 'results');
    mkdirSync(resultsDir, { recursive: true });
    const out = join(resultsDir, `translate-${stamp}.json`);
    writeFileSync(out, JSON.stringify({
      benchmark: 'offset translation over HTTP while replication runs (bench/translate.ts)',
      startedAt: startedAt.toISOString(),
      command,
      target: TARGET,
      options,
      machine,
      setup: {
        preload: loaded, groups: groups.length, partitions: options.partitions, tasks: options.tasks,
        produced, token: token !== undefined, files: { dir: relative(packageRoot, runDir), clusters: relative(packageRoot, clusters.runDir) },
      },
      results,
    }, null, 2) + '\n');
    log(`results: ${relative(packageRoot, out)}`);
  } finally {
    if (producerChild && producerChild.exitCode === null) producerChild.kill();
    await engine?.stop().catch((err: unknown) => log(`engine stop: ${(err as Error).message}`));
    await sidecar?.close();
    closeMetrics?.();
    await clusters?.stop();
  }
}

function printTable(results: readonly FormatResult[]): void {
  const rows = [
    ['format', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'non-2xx', 'replicated rec/s', 'kmirror cores', 'foreign cores', 'target'],
    ...results.map((r) => [r.format, r.requestsPerSecond.toLocaleString('en'), r.latencyMs.p50, r.latencyMs.p90, r.latencyMs.p99,
      r.latencyMs.p999, r.latencyMs.max, r.autocannon.non2xx, r.replication.recordsPerSecond.toLocaleString('en'), r.kmirrorProcess.cores,
      r.interference.cores, r.targetMet ? 'met' : 'missed'].map(String)),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const row of rows) process.stdout.write(row.map((cell, i) => cell.padStart(widths[i]!)).join('  ') + '\n');
  process.stdout.write(`target: ≥ ${TARGET.requestsPerSecond.toLocaleString('en')} requests/s with p99 < ${TARGET.p99Ms} ms\n`);
}

// ---- entry ------------------------------------------------------------------------------------------

if (process.argv.includes('--child')) {
  process.once('message', (job: LoadJob | ProduceJob) => {
    const work = job.kind === 'load' ? runLoad(job).then((r) => process.send!(r)) : runProducer(job);
    work.then(() => process.exit(0), (err: unknown) => {
      process.send!({ kind: 'error', message: (err as Error).message } satisfies ChildMessage, () => process.exit(1));
    });
  });
} else {
  const program = new Command('npm run bench:translate --')
    .description('offset translation over HTTP (the sidecar) while replication runs')
    .addOption(new Option('--seconds <n>', 'measured seconds per format').argParser(integer(1)).default(20))
    .addOption(new Option('--warmup-seconds <n>', 'load before each measurement, not counted').argParser(integer(0)).default(3))
    .addOption(new Option('--connections <n>', 'HTTP connections').argParser(integer(1)).default(10))
    .addOption(new Option('--groups <n>', 'consumer groups to translate (requests cycle over them)').argParser(integer(1)).default(8))
    .addOption(new Option('--partitions <n>', 'partitions of the source topic').argParser(integer(1)).default(8))
    .addOption(new Option('--tasks <n>', 'tasks.max').argParser(integer(1)).default(2))
    .addOption(new Option('--preload <n>', 'records in the topic before the engine starts').argParser(integer(1)).default(200_000))
    .addOption(new Option('--rate <n>', 'records/s produced to the source during the benchmark').argParser(integer(0)).default(5_000))
    .addOption(new Option('--value-bytes <n>', 'value size').argParser(integer(1)).default(1024))
    .addOption(new Option('--formats <list>', 'json, protobuf').argParser(parseFormats).default(['json', 'protobuf'] as Format[]))
    .addOption(new Option('--no-token', 'no kmirror.sidecar.token (no bearer check per request)'))
    .addOption(new Option('--translation-timeout-seconds <n>', 'how long to wait for the engine to translate every group')
      .argParser(integer(1)).default(180))
    .parse();
  const command = `npm run bench:translate -- ${process.argv.slice(2).join(' ')}`.trim();
  try {
    await main(program.opts<Options>(), command);
  } catch (err) {
    log(`failed: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}
