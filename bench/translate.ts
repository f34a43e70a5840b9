/**
 * Offset translation over HTTP while replication runs: the sidecar's `GET /v1/groups/:group/offsets`
 * under load, JSON and protobuf.
 *
 *   npm run build && npm run bench:translate -- [--seconds 20] [--connections 10] [--groups 8] [--rate 5000] [--no-token]
 *
 * 1. Two fresh local KRaft clusters, `source` and `target` (src/local-kafka); topic `bench`
 *    (8 partitions) gets a preload (1 KiB values, as bench/e2e.ts).
 * 2. Consumer groups `bench-app-<i>` get committed offsets on the source (inside the preload).
 * 3. `kmirror run` (its own process, as deployed: `node dist/cli/main.js`, or through tsx with
 *    --kmirror-entry src) on a generated mm2.properties: checkpoints every second, the sidecar on
 *    a free port with a bearer token; its URL is read from the log line it writes.
 * 4. A producer in a child process writes --rate records/s to `bench` from then on, so kmirror
 *    replicates all along.
 * 5. Waits until the sidecar translates every partition of every group (the engine's
 *    EngineView.translate), then checks one answer of each format.
 * 6. For each format: a warm-up, a quiet machine (other processes under --max-foreign-cores), then
 *    the load generator for --seconds with --connections, cycling over the groups: wrk (default
 *    when installed: `apt-get install wrk`; written in C, it leaves more of the 2 cores to kmirror;
 *    latency histogram in µs from its Lua `done` hook) or autocannon (in a child process; latency
 *    per response with microsecond resolution, as its own histogram counts whole milliseconds).
 *    Meanwhile: kmirror's copy rate (from /status), its CPU (/proc), and CPU used by processes
 *    outside the benchmark.
 * 7. The ceiling (--no-ceiling skips it): the same load against plain node:http answering the
 *    same bytes, in its own process, while kmirror still replicates: what this machine allows.
 * 8. Results: a table, and bench/results/translate-<date>.json. The target is
 *    ≥ 20,000 requests/s with p99 < 5 ms.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createHistogram } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Instance, Options as AutocannonOptions, Request as AutocannonRequest, Result as AutocannonResult } from 'autocannon';
import { Command, InvalidArgumentError, Option } from 'commander';
import { CODES, Producer, type LibrdKafkaError } from '../src/kafka/rdkafka.js';
import { startLocalClusters, type LocalClusters } from '../src/local-kafka/cluster.js';
import { Admin } from '../src/native/addon.js';
import { packageRoot, workDir } from '../src/paths.js';
import { createTopic, preload } from './lib/clients.js';
import { machineInfo } from './lib/machine.js';
import { mm2Properties } from './lib/mm2-properties.js';
import { Payload } from './lib/payload.js';
import { foreignActivity, snapshotMachine, TreeMonitor, waitForQuiet, type ForeignActivity } from './lib/proc.js';
import { createReplicator, type KmirrorEntry, type ReplicatorProcess } from './lib/replicators.js';

const TOPIC = 'bench';
const TARGET = { requestsPerSecond: 20_000, p99Ms: 5 } as const;
type Format = 'json' | 'protobuf';
const ACCEPT: Record<Format, string> = { json: 'application/json', protobuf: 'application/x-protobuf' };

// ---- the child processes: a load generator and a producer, driven over IPC ----------------------

type Generator = 'wrk' | 'autocannon';

interface LoadJob {
  readonly kind: 'load';
  /** wrk (C, epoll: little CPU of its own, so more of the 2 cores is left to kmirror) or autocannon (Node). */
  readonly generator: Generator;
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

/**
 * wrk with a Lua script cycling over the paths, reporting its latency histogram (µs) and counts
 * as JSON at the end; its CPU is sampled from /proc while it runs.
 */
async function wrkOnce(job: LoadJob): Promise<LoadResult> {
  const dir = join(workDir, 'bench-translate');
  mkdirSync(dir, { recursive: true });
  const script = join(dir, `wrk-${process.pid}.lua`);
  const lua = (text: string) => JSON.stringify(text); // a JSON string is a valid Lua string literal here (ASCII paths and headers)
  writeFileSync(script, [
    `local paths = { ${job.paths.map(lua).join(', ')} }`,
    ...Object.entries(job.headers).map(([k, v]) => `wrk.headers[${lua(k)}] = ${lua(v)}`),
    'local i = 0',
    'request = function() i = (i % #paths) + 1; return wrk.format("GET", paths[i]) end',
    'done = function(summary, latency, requests)',
    '  io.write(string.format(\'\\nRESULT {"requests":%d,"durationUs":%d,"non2xx":%d,"errors":%d,"timeouts":%d,' +
      '"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d,"mean":%f}\\n\',',
    '    summary.requests, summary.duration, summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write,',
    '    summary.errors.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),',
    '    latency.max, latency.mean))',
    'end',
  ].join('\n'));
  const child = spawn('wrk', ['-t1', `-c${job.connections}`, `-d${job.seconds}s`, '-s', script, job.url], { stdio: ['ignore', 'pipe', 'pipe'] });
  const monitor = new TreeMonitor(child.pid!);
  const sampler = setInterval(() => monitor.sample(), 250);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearInterval(sampler);
  const json = /RESULT (\{.*\})/.exec(out)?.[1];
  if (code !== 0 || json === undefined) throw new Error(`wrk failed (${code}): ${out.slice(-500)}`);
  const r = JSON.parse(json) as { requests: number; durationUs: number; non2xx: number; errors: number; timeouts: number;
    p50: number; p90: number; p99: number; p999: number; max: number; mean: number };
  const ms = (us: number) => Math.round(us) / 1000;
  const duration = r.durationUs / 1e6;
  return {
    kind: 'load-result',
    autocannon: {
      duration, errors: r.errors, timeouts: r.timeouts, non2xx: r.non2xx, '2xx': r.requests - r.non2xx, mismatches: 0,
      requests: { average: r.requests / duration, total: r.requests, sent: r.requests, min: 0, max: 0 },
      latencyMs: { p50: ms(r.p50), p99: ms(r.p99), max: ms(r.max) },
      bytesPerSecond: 0,
    },
    latencyMs: { p50: ms(r.p50), p90: ms(r.p90), p99: ms(r.p99), p999: ms(r.p999), max: ms(r.max), mean: ms(r.mean), count: r.requests },
    cpuSeconds: monitor.sample().cpuSeconds,
  };
}

async function loadOnce(job: LoadJob): Promise<LoadResult> {
  if (job.generator === 'wrk') return wrkOnce(job);
  const child = forkChild();
  try {
    child.send(job);
    return (await nextMessage(child, 'load-result')) as LoadResult;
  } finally {
    child.kill();
  }
}

/**
 * The machine's ceiling under the same conditions: plain node:http (no fastify, no routing, no
 * validation, no token) answering the very bytes of a real translation, in a process of its own,
 * hit by the same load while kmirror replicates. What the sidecar gets is read against it.
 */
const CEILING_SERVER = `
const http = require('node:http');
const body = Buffer.from(process.argv[1], 'base64');
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;

async function startCeilingServer(body: Buffer): Promise<{ url: string; stop(): void }> {
  const child = spawn(process.execPath, ['-e', CEILING_SERVER, body.toString('base64')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    child.once('exit', (code) => reject(new Error(`ceiling server exited (${code})`)));
  });
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill() };
}

// ---- the benchmark ---------------------------------------------------------------------------------

interface Options {
  generator: Generator;
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
  kmirrorEntry: KmirrorEntry;
  ceiling: boolean;
  quietWaitSeconds: number;
  maxForeignCores: number;
  retryDisturbed: number;
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

function hasWrk(): boolean {
  return (process.env.PATH ?? '').split(':').some((dir) => dir !== '' && existsSync(join(dir, 'wrk')));
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
  /** What the engine did meanwhile: records copied per second (from /status positions). */
  readonly replication: { readonly recordsPerSecond: number; readonly producedPerSecond: number };
  /** CPU of the kmirror process (engine, shards and sidecar) and of the load generator, in cores. */
  readonly kmirrorCores: number;
  readonly loadGeneratorCores: number;
  /** CPU used by processes outside the benchmark while it measured; above --max-foreign-cores the figures are disturbed. */
  readonly interference: ForeignActivity;
  readonly disturbed: boolean;
  /** Earlier attempts other processes disturbed (measured again). */
  readonly disturbedAttempts: number;
}

type Ceiling = Omit<FormatResult, 'format' | 'targetMet' | 'kmirrorCores'> & { readonly server: string };


/** Warm-up, a quiet machine, then the load; measured again (up to --retry-disturbed times) when other processes disturbed it. */
async function measureLoad(job: LoadJob, client: SidecarClient, monitor: TreeMonitor, options: Options) {
  for (let attempt = 0; ; attempt++) {
    if (options.warmupSeconds > 0) await loadOnce({ ...job, seconds: options.warmupSeconds });
    await waitForQuiet(options, log);
    const copied0 = await client.copied();
    const cpu0 = monitor.sample().cpuSeconds;
    const machine0 = snapshotMachine();
    const t0 = performance.now();
    const load = await loadOnce(job);
    const wall = (performance.now() - t0) / 1000;
    const interference = foreignActivity(machine0, snapshotMachine());
    const disturbed = interference.cores > options.maxForeignCores;
    if (disturbed && attempt < options.retryDisturbed) {
      log(`other processes used ${interference.cores} cores during the measurement (${interference.top.map((t) => t.command.slice(0, 80)).join('; ')}); measuring again`);
      continue;
    }
    return {
      load,
      requestsPerSecond: Math.round(load.autocannon.requests.total / load.autocannon.duration),
      copiedPerSecond: Math.round(((await client.copied()) - copied0) / wall),
      kmirrorCores: round((monitor.sample().cpuSeconds - cpu0) / wall, 2),
      loadGeneratorCores: round(load.cpuSeconds / wall, 2),
      interference,
      disturbed,
      disturbedAttempts: attempt,
    };
  }
}

/** The kmirror process's sidecar, as a client sees it. */
class SidecarClient {
  constructor(readonly url: string, private readonly headers: Readonly<Record<string, string>>) {}

  async get(path: string, accept = ACCEPT.json): Promise<Response> {
    return fetch(`${this.url}${path}`, { headers: { ...this.headers, accept } });
  }

  /** Records copied so far: the sum of the positions in /status. */
  async copied(): Promise<number> {
    const status = (await (await this.get('/status')).json()) as { flows: { partitions: { position: number | null }[] }[] };
    return status.flows.flatMap((f) => f.partitions).reduce((sum, p) => sum + (p.position ?? 0), 0);
  }

  /** Partitions of `group` translated to the target (0 while the group is unknown). */
  async translated(group: string): Promise<number> {
    const res = await this.get(offsetsPath(group));
    if (res.status === 404) return 0;
    if (res.status !== 200) throw new Error(`GET ${offsetsPath(group)}: ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { translations: { partitions: unknown[] }[] };
    return body.translations.reduce((n, t) => n + t.partitions.length, 0);
  }
}

const offsetsPath = (group: string) => `/v1/groups/${encodeURIComponent(group)}/offsets?source=source&target=target`;

/** The sidecar's URL, from the line `kmirror run` logs once it listens. */
async function sidecarUrl(proc: ReplicatorProcess, timeoutMs = 120_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = existsSync(proc.logFile) ? readFileSync(proc.logFile, 'utf8') : '';
    const url = /"url":"(http:\/\/[^"]+)"[^\n]*sidecar listening/.exec(text)?.[1];
    if (url) return url;
    if (!proc.running()) throw new Error(`kmirror exited before its sidecar listened:\n${(await proc.tail(20)).join('\n')}`);
    if (Date.now() > deadline) throw new Error(`kmirror did not log 'sidecar listening' within ${timeoutMs / 1000} s (log: ${proc.logFile})`);
    await delay(100);
  }
}

async function waitForTranslations(client: SidecarClient, proc: ReplicatorProcess, groups: readonly string[], partitions: number,
  timeoutSeconds: number): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let lastReport = Date.now();
  for (;;) {
    const translated = await Promise.all(groups.map((g) => client.translated(g)));
    const complete = translated.filter((n) => n >= partitions).length;
    if (complete === groups.length) return;
    if (!proc.running()) throw new Error(`kmirror exited:\n${(await proc.tail(20)).join('\n')}`);
    if (Date.now() > deadline) {
      throw new Error(`after ${timeoutSeconds} s kmirror translates ${complete} of ${groups.length} groups completely ` +
        `(partitions translated per group: ${translated.join(', ')} of ${partitions}). The sidecar answers from the engine's ` +
        'checkpoint emitter (EngineView.translate → FlowRunner.translate): it needs offset syncs for every partition and a ' +
        `checkpoint round (emit.checkpoints.interval.seconds = 1 here); see ${proc.logFile}. ` +
        '--translation-timeout-seconds waits longer.');
    }
    if (Date.now() - lastReport > 10_000) {
      lastReport = Date.now();
      log(`waiting for translations: ${complete} of ${groups.length} groups complete ` +
        `(${(await client.copied()).toLocaleString('en')} records copied)`);
    }
    await delay(250);
  }
}

/** One answer of each format, checked by hand before the load: the benchmark measures correct answers. */
async function checkAnswers(client: SidecarClient, group: string, partitions: number): Promise<void> {
  const json = await client.get(offsetsPath(group));
  const body = (await json.json()) as { group?: string; translations?: { source: string; target: string; partitions: unknown[] }[] };
  const [t] = body.translations ?? [];
  if (json.status !== 200 || body.group !== group || t?.source !== 'source' || t.target !== 'target' || t.partitions.length !== partitions) {
    throw new Error(`GET ${offsetsPath(group)}: unexpected answer ${json.status} ${JSON.stringify(body)}`);
  }
  const proto = await client.get(offsetsPath(group), ACCEPT.protobuf);
  const bytes = Buffer.from(await proto.arrayBuffer());
  if (proto.status !== 200 || proto.headers.get('content-type') !== ACCEPT.protobuf || !bytes.includes(Buffer.from(group))) {
    throw new Error(`GET ${offsetsPath(group)} as protobuf: ${proto.status} ${proto.headers.get('content-type')}`);
  }
}

/** Warns when dist/ is older than src/: the figures would be those of an older build. */
function staleBuild(): string | undefined {
  const main = join(packageRoot, 'dist', 'cli', 'main.js');
  if (!existsSync(main)) return undefined;
  const built = statSync(main).mtimeMs;
  const newest = (dir: string): number => readdirSync(dir, { withFileTypes: true }).reduce((max, e) =>
    Math.max(max, e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs), 0);
  return newest(join(packageRoot, 'src')) > built ? 'dist/ is older than src/: run `npm run build` for figures of the current code' : undefined;
}

async function main(options: Options, command: string): Promise<void> {
  const startedAt = new Date();
  const stamp = startedAt.toISOString().slice(0, 16).replace(/:/g, '-');
  const runDir = join(workDir, 'bench', `translate-${startedAt.toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(runDir, { recursive: true });
  const machine = machineInfo();
  log(`machine: ${machine.nproc} cores (${machine.cpuModel}), ${machine.memTotalGiB} GiB, node ${machine.node}`);
  const replicator = createReplicator('kmirror', { mm2HeapMb: 0, kmirrorEntry: options.kmirrorEntry });
  const kmirror = await replicator.describe(); // fails early when dist/ is missing
  if (options.kmirrorEntry === 'dist') {
    const stale = staleBuild();
    if (stale) log(`warning: ${stale}`);
  }

  let clusters: LocalClusters | undefined;
  let proc: ReplicatorProcess | undefined;
  let producerChild: ChildProcess | undefined;
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
        const offsets = Array.from({ length: options.partitions }, (_, partition) => ({ topic: TOPIC, partition, offset }));
        // A fresh cluster creates __consumer_offsets on the first group request: its coordinator needs a moment.
        const deadline = Date.now() + 60_000;
        for (;;) {
          const failed = (await admin.alterConsumerGroupOffsets(group, offsets, 30_000)).find((r) => r.error);
          if (!failed) break;
          if (!/COORDINATOR/.test(failed.error!.name) || Date.now() > deadline) {
            throw new Error(`committing offsets of ${group}: ${failed.error!.name}: ${failed.error!.message}`);
          }
          await delay(250);
        }
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
      '# the sidecar on a free port (logged)',
      'kmirror.sidecar.port = 0',
      ...(token !== undefined ? [`kmirror.sidecar.token = ${token}`] : []),
      '',
    ].join('\n'));

    proc = await replicator.start(file, runDir);
    const monitor = new TreeMonitor(proc.pid);
    const url = await sidecarUrl(proc);
    const headers: Record<string, string> = token !== undefined ? { authorization: `Bearer ${token}` } : {};
    const client = new SidecarClient(url, headers);
    log(`kmirror (${kmirror.command as string}) serves ${url}${token !== undefined ? ' (bearer token)' : ''}; log: ${relative(packageRoot, proc.logFile)}`);

    producerChild = forkChild();
    const producerStarted = nextMessage(producerChild, 'produced');
    producerChild.send({ kind: 'produce', bootstrap: source, topic: TOPIC, partitions: options.partitions,
      recordsPerSecond: options.rate, valueBytes: options.valueBytes } satisfies ProduceJob);
    await producerStarted;
    log(`producing ${options.rate.toLocaleString('en')} records/s to ${TOPIC} from now on`);

    await waitForTranslations(client, proc, groups, options.partitions, options.translationTimeoutSeconds);
    log(`every group translated (${(await client.copied()).toLocaleString('en')} records copied so far)`);
    for (const group of groups) await checkAnswers(client, group, options.partitions);

    const results: FormatResult[] = [];
    const measure = (job: LoadJob) => measureLoad(job, client, monitor, options);
    for (const format of options.formats) {
      const m = await measure({ kind: 'load', generator: options.generator, url, paths: groups.map(offsetsPath), headers: { ...headers, accept: ACCEPT[format] },
        connections: options.connections, seconds: options.seconds });
      const result: FormatResult = {
        format,
        requestsPerSecond: m.requestsPerSecond,
        latencyMs: m.load.latencyMs,
        autocannon: m.load.autocannon,
        targetMet: m.requestsPerSecond >= TARGET.requestsPerSecond && m.load.latencyMs.p99 < TARGET.p99Ms &&
          m.load.autocannon.non2xx === 0 && m.load.autocannon.errors === 0,
        replication: { recordsPerSecond: m.copiedPerSecond, producedPerSecond: options.rate },
        kmirrorCores: m.kmirrorCores,
        loadGeneratorCores: m.loadGeneratorCores,
        interference: m.interference,
        disturbed: m.disturbed,
        disturbedAttempts: m.disturbedAttempts,
      };
      results.push(result);
      log(`${format}: ${m.requestsPerSecond.toLocaleString('en')} requests/s, p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, ` +
        `max ${result.latencyMs.max} ms, non-2xx ${m.load.autocannon.non2xx}, errors ${m.load.autocannon.errors}; ` +
        `replication ${m.copiedPerSecond.toLocaleString('en')} records/s; kmirror ${m.kmirrorCores} cores, ` +
        `load generator ${m.loadGeneratorCores} cores; other processes ${m.interference.cores} cores`);
    }

    let ceiling: Ceiling | undefined;
    if (options.ceiling) {
      const body = Buffer.from(await (await client.get(offsetsPath(groups[0]!))).arrayBuffer());
      const server = await startCeilingServer(body);
      try {
        const m = await measure({ kind: 'load', generator: options.generator, url: server.url, paths: groups.map(offsetsPath), headers: { ...headers, accept: ACCEPT.json },
          connections: options.connections, seconds: options.seconds });
        ceiling = {
          server: `node:http answering the same ${body.length} bytes (no fastify, no routing, no validation, no token)`,
          requestsPerSecond: m.requestsPerSecond,
          latencyMs: m.load.latencyMs,
          autocannon: m.load.autocannon,
          replication: { recordsPerSecond: m.copiedPerSecond, producedPerSecond: options.rate },
          loadGeneratorCores: m.loadGeneratorCores,
          interference: m.interference,
          disturbed: m.disturbed,
          disturbedAttempts: m.disturbedAttempts,
        };
        log(`ceiling (${ceiling.server}): ${ceiling.requestsPerSecond.toLocaleString('en')} requests/s, p50 ${ceiling.latencyMs.p50} ms, ` +
          `p99 ${ceiling.latencyMs.p99} ms; replication ${ceiling.replication.recordsPerSecond.toLocaleString('en')} records/s`);
      } finally {
        server.stop();
      }
    }

    producerChild.send({ kind: 'stop' });
    const produced = (await nextMessage(producerChild, 'produced')) as { produced: number; failed: number };
    const stop = await proc.stop();

    printTable(results, ceiling);
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
      kmirror,
      setup: {
        preload: loaded, groups: groups.length, partitions: options.partitions, tasks: options.tasks,
        produced, token: token !== undefined, stop,
        files: { dir: relative(packageRoot, runDir), clusters: relative(packageRoot, clusters.runDir) },
      },
      results,
      ceiling,
    }, null, 2) + '\n');
    log(`results: ${relative(packageRoot, out)}`);
  } finally {
    if (producerChild && producerChild.exitCode === null) producerChild.kill();
    if (proc?.running()) await proc.stop();
    await clusters?.stop();
  }
}

function printTable(results: readonly FormatResult[], ceiling?: Ceiling): void {
  const row = (name: string, r: Omit<FormatResult, 'format' | 'targetMet' | 'kmirrorCores'>, cores: string, target: string) => [name, r.requestsPerSecond.toLocaleString('en'),
    r.latencyMs.p50, r.latencyMs.p90, r.latencyMs.p99, r.latencyMs.p999, r.latencyMs.max, r.autocannon.non2xx,
    r.replication.recordsPerSecond.toLocaleString('en'), cores, r.interference.cores, target].map(String);
  const rows = [
    ['format', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'non-2xx', 'replicated rec/s', 'kmirror cores', 'foreign cores', 'target'],
    ...results.map((r) => row(r.format + (r.disturbed ? ' (!)' : ''), r, String(r.kmirrorCores), r.targetMet ? 'met' : 'missed')),
    ...(ceiling ? [row('ceiling' + (ceiling.disturbed ? ' (!)' : ''), ceiling, '-', '-')] : []),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) process.stdout.write(r.map((cell, i) => cell.padStart(widths[i]!)).join('  ') + '\n');
  process.stdout.write(`target: ≥ ${TARGET.requestsPerSecond.toLocaleString('en')} requests/s with p99 < ${TARGET.p99Ms} ms` +
    (ceiling ? '; ceiling: plain node:http answering the same bytes under the same load' : '') + '\n' +
    (results.some((r) => r.disturbed) || ceiling?.disturbed ? '(!) other processes used more than --max-foreign-cores meanwhile: disturbed\n' : ''));
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
    .addOption(new Option('--generator <name>', 'load generator: wrk (Debian package wrk; little CPU of its own) or autocannon')
      .choices(['wrk', 'autocannon']).default(hasWrk() ? 'wrk' : 'autocannon'))
    .addOption(new Option('--connections <n>', 'HTTP connections').argParser(integer(1)).default(10))
    .addOption(new Option('--groups <n>', 'consumer groups to translate (requests cycle over them)').argParser(integer(1)).default(8))
    .addOption(new Option('--partitions <n>', 'partitions of the source topic').argParser(integer(1)).default(8))
    .addOption(new Option('--tasks <n>', 'tasks.max').argParser(integer(1)).default(2))
    .addOption(new Option('--preload <n>', 'records in the topic before the engine starts').argParser(integer(1)).default(200_000))
    .addOption(new Option('--rate <n>', 'records/s produced to the source during the benchmark').argParser(integer(0)).default(5_000))
    .addOption(new Option('--value-bytes <n>', 'value size').argParser(integer(1)).default(1024))
    .addOption(new Option('--formats <list>', 'json, protobuf').argParser(parseFormats).default(['json', 'protobuf'] as Format[]))
    .addOption(new Option('--no-token', 'no kmirror.sidecar.token (no bearer check per request)'))
    .addOption(new Option('--quiet-wait-seconds <n>', 'before each measurement, wait up to this long for other processes to go quiet')
      .argParser(integer(0)).default(120))
    .addOption(new Option('--max-foreign-cores <n>', 'CPU other processes may use during a measurement').argParser(Number).default(0.15))
    .addOption(new Option('--retry-disturbed <n>', 'measure again this many times when other processes disturbed it').argParser(integer(0)).default(2))
    .addOption(new Option('--no-ceiling', 'skip the ceiling run (plain node:http answering the same bytes under the same load)'))
    .addOption(new Option('--kmirror-entry <entry>', 'dist: node dist/cli/main.js (npm run build first); src: through tsx')
      .choices(['dist', 'src']).default('dist'))
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
