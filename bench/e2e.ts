/**
 * End-to-end replication benchmark: Apache MirrorMaker 2 and kmirror on the same data.
 *
 *   npm run bench -- [--only mm2] [--records 2M] [--compression none,lz4,zstd] [--latency-seconds 30]
 *                    [--security sasl-ssl]
 *
 * For every replicator × target compression, one after the other:
 *   1. two fresh single-node KRaft clusters, `source` and `target` (src/local-kafka);
 *   2. preload: `bench` (8 partitions) gets N records (16 B key, 1 KiB value, two headers);
 *   3. the replicator starts on a generated mm2.properties; the end offsets of `source.bench` on
 *      the target are polled every 250 ms until they add up to N; its process tree's CPU time and
 *      peak RSS are read from /proc meanwhile;
 *   4. content verification: once the target is still, every record of the target is compared
 *      with the source by digest, per partition, in order (lib/verify.ts): lost, duplicated,
 *      out-of-order counts. Lost or out-of-order records fail the variant and the run. The clock
 *      stops at the first poll at which every source record was on the target (the end-offset sum
 *      is only the trigger: duplicates would reach it early);
 *   5. latency: records produced at half the measured steady rate for a warm-up plus
 *      --latency-seconds while a consumer (own process) reads the target (latency = consume time
 *      − source CreateTime);
 *   6. the replicator is stopped (SIGTERM);
 *   7. harness floor: the same load through one topic with no replicator; the clusters stop.
 * With `--security sasl-ssl` the brokers also have secured listeners (src/local-kafka/security.ts,
 * no authorizer) and the replicator connects to both over SASL_SSL with SCRAM-SHA-512 (PKCS12
 * truststore); the harness (preload, polling, verification, latency) stays on PLAINTEXT, so the
 * difference between the two modes is what TLS and SASL cost the replicator and the brokers.
 * Each variant waits for a quiet machine first and is run again if other processes disturbed it.
 * Then a table is printed and the figures written to bench/results/. See bench/README.md.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Command, InvalidArgumentError, Option } from 'commander';
import { startLocalClusters, type LocalClusters, type LocalKafkaCluster } from '../src/local-kafka/cluster.js';
import { packageRoot, workDir } from '../src/paths.js';
import { readRecords } from '../src/native/addon.js';
import { createTopic, measureLatency, OffsetWatcher, preload, type LatencyResult,
  type PreloadResult } from './lib/clients.js';
import { machineInfo } from './lib/machine.js';
import { COMPRESSIONS, mm2Properties, type Compression } from './lib/mm2-properties.js';
import { Payload } from './lib/payload.js';
import { foreignActivity, snapshotMachine, TreeMonitor, waitForQuiet, type ForeignActivity } from './lib/proc.js';
import { createReplicator, type KmirrorEntry, type Replicator, type ReplicatorProcess,
  type StopResult } from './lib/replicators.js';
import { describeCheck, exitStatus, verifyContent, type ContentCheck } from './lib/verify.js';

const SOURCE_TOPIC = 'bench';
const CALIBRATION_TOPIC = 'bench-calibration';
const TARGET_TOPIC = 'source.bench';
const MiB = 1024 * 1024;
/** After the end offsets reach N: the target counts as still once they have not moved for this long. */
const STILL_SECONDS = 2;
/** At most this long. */
const STILL_MAX_SECONDS = 60;
/**
 * Records missing while the replicator still runs: verified again (at most VERIFY_ROUNDS times in
 * all) if the target grows, once it has been still for MISSING_STILL_SECONDS (at most
 * MISSING_MAX_SECONDS of waiting).
 */
const VERIFY_ROUNDS = 3;
const MISSING_STILL_SECONDS = 30;
const MISSING_MAX_SECONDS = 180;

/** How the replicator connects to both clusters. */
type SecurityMode = 'none' | 'sasl-ssl';
const SECURITY_MODES: readonly SecurityMode[] = ['none', 'sasl-ssl'];
/** The SASL user of `--security sasl-ssl`. */
const BENCH_USER = 'bench';

interface Options {
  records: number;
  security: SecurityMode;
  replicators: string[];
  compression: Compression[];
  tasks: number;
  partitions: number;
  valueBytes: number;
  sourceCompression: Compression;
  latencySeconds: number;
  latencyWarmupSeconds: number;
  latencyRate?: number;
  calibrateSeconds: number;
  latencyPartitions?: number[];
  mm2HeapMb: number;
  brokerHeapMb: number;
  kmirrorEntry: KmirrorEntry;
  timeoutSeconds: number;
  pollMs: number;
  settleSeconds: number;
  quietWaitSeconds: number;
  retryDisturbed: number;
  maxForeignCores: number;
  latest: boolean;
}

function parseCount(value: string): number {
  const match = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(value.trim().replace(/_/g, ''));
  const n = match ? Number(match[1]) * ({ k: 1e3, m: 1e6 }[match[2]!.toLowerCase() as 'k' | 'm'] ?? 1) : NaN;
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('a positive whole number (e.g. 200000, 200k, 2M)');
  return n;
}

function parseInteger(min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`a whole number ≥ ${min}`);
    return n;
  };
}

function parseCompressions(value: string): Compression[] {
  const list = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const c of list) {
    if (!COMPRESSIONS.includes(c as Compression)) throw new InvalidArgumentError(`one of ${COMPRESSIONS.join(', ')}`);
  }
  return list as Compression[];
}

function parseReplicators(value: string): string[] {
  const list = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const r of list) if (r !== 'mm2' && r !== 'kmirror') throw new InvalidArgumentError('mm2 and/or kmirror');
  return list;
}

export function recordsLabel(n: number): string {
  if (n % 1e6 === 0) return `${n / 1e6}M`;
  if (n % 1e3 === 0) return `${n / 1e3}k`;
  return String(n);
}

// ---------------------------------------------------------------------------------------------

interface Sample {
  /** Seconds since the replicator was started. */
  readonly t: number;
  /** Sum of the target topic's end offsets. */
  readonly records: number;
  /** The target topic's end offset per partition. */
  readonly ends: readonly number[];
  /** Replicator CPU seconds so far. */
  readonly cpu: number;
}

interface ThroughputResult {
  /**
   * From spawning the replicator until every source record was on the target (includes its
   * start-up): the first poll at which every partition's end offset covered the last first copy
   * of a source record, as the content verification found it ('content'). When records were lost
   * there is no such poll, and the figures run to the end-offset trigger instead ('end offsets').
   */
  readonly wallSeconds: number;
  readonly completedBy: 'content' | 'end offsets';
  /** When the target's end offsets first added up to N (the trigger; earlier than wall only with duplicates). */
  readonly endOffsetsSeconds: number;
  readonly recordsPerSecond: number;
  /** Key + value bytes per second, MiB (2^20 bytes). */
  readonly mibPerSecond: number;
  /** When the first record was seen on the target (an upper bound: the poll interval). */
  readonly firstRecordSeconds: number | null;
  /**
   * Rate between 10 % and 90 % of the records: the replicator's sustained speed (from the
   * end-offset sums, so it counts duplicates too if there were any).
   */
  readonly steadyRecordsPerSecond: number | null;
  readonly steadyMibPerSecond: number | null;
  /** Records on the target when it was verified; more than N means duplicates (see content). */
  readonly targetRecords: number;
}

interface VariantResult {
  readonly replicator: string;
  readonly compression: Compression;
  /** How the replicator connected (absent in files from before --security: none). */
  readonly security?: SecurityMode;
  /** When this variant started, and by which command (a latest-*.json file may merge several runs). */
  readonly startedAt?: string;
  readonly command?: string;
  /** Earlier attempts that other processes disturbed (their figures are in the run file only). */
  readonly disturbedAttempts?: number;
  readonly ok: boolean;
  readonly error?: string;
  readonly errorDetails?: readonly string[];
  readonly preload?: PreloadResult;
  readonly throughput?: ThroughputResult;
  readonly cpu?: {
    /** Replicator process tree, utime+stime (children included), start → caught up. */
    readonly replicatorSeconds: number;
    readonly secondsPerMillionRecords: number;
    /** Between 10 % and 90 % of the records (start-up excluded). */
    readonly steadySecondsPerMillionRecords: number | null;
    /** Average cores the replicator used, start → caught up. */
    readonly averageCores: number;
    readonly brokerSeconds: { readonly source: number; readonly target: number };
    /** This harness (offset polling, /proc sampling), same interval. */
    readonly harnessSeconds: number;
  };
  readonly memory?: {
    /** Sum of VmHWM over the replicator's processes when it had caught up. */
    readonly peakRssMiBBacklog: number;
    /** The same at the end of the run (after the latency phase). */
    readonly peakRssMiBRun: number;
    readonly processes: number;
  };
  readonly disk?: { readonly sourceMiB: number; readonly targetMiB: number };
  /**
   * The whole target topic compared with the source by content after the backlog (before the
   * latency phase): lost, duplicates, outOfOrder, foreign in total and per partition.
   */
  readonly content?: ContentCheck;
  readonly latency?: LatencyResult & { readonly replicatorCores: number };
  /**
   * The same load with no replicator: produced to and consumed from one topic of the source
   * cluster after the replicator stopped. The harness's own produce → consume latency.
   */
  readonly harnessFloor?: LatencyResult;
  readonly stop?: StopResult;
  /**
   * CPU used by processes outside the benchmark (another test run, a build) while it measured.
   * Above --max-foreign-cores the figures are marked as disturbed.
   */
  readonly interference?: { readonly backlog?: ForeignActivity; readonly latency?: ForeignActivity;
    readonly disturbed: boolean };
  readonly files?: { readonly dir: string; readonly mm2Properties: string; readonly log: string;
    readonly clusters: string };
  readonly replicatorCommand?: readonly string[];
  /** [seconds, records on target, replicator CPU seconds] every poll. */
  readonly series?: readonly (readonly [number, number, number])[];
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

function commandLine(): string {
  return `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim();
}

function log(line: string): void {
  const time = new Date().toISOString().slice(11, 19);
  process.stdout.write(`[${time}] ${line}\n`);
}

/** Where a poll series crossed `level` records, interpolated between the two samples around it. */
function crossing(series: readonly Sample[], level: number): Sample | undefined {
  const i = series.findIndex((s) => s.records >= level);
  if (i < 0) return undefined;
  const b = series[i]!;
  const a = series[i - 1];
  if (!a || b.records === a.records) return b;
  const f = (level - a.records) / (b.records - a.records);
  return { t: a.t + f * (b.t - a.t), records: level, ends: b.ends, cpu: a.cpu + f * (b.cpu - a.cpu) };
}

async function topicLogBytes(cluster: LocalKafkaCluster, topic: string): Promise<number> {
  const dataDir = join(cluster.dir, 'data');
  let bytes = 0;
  for (const entry of await readdir(dataDir)) {
    if (!entry.startsWith(`${topic}-`) || !/^\d+$/.test(entry.slice(topic.length + 1))) continue;
    for (const file of await readdir(join(dataDir, entry))) {
      if (file.endsWith('.log')) bytes += (await stat(join(dataDir, entry, file))).size;
    }
  }
  return bytes;
}

function brokerMonitor(cluster: LocalKafkaCluster): TreeMonitor {
  const pidFile = join(cluster.dir, 'pid');
  return new TreeMonitor(existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : 0);
}

function warnForeign(tag: string, phase: string, activity: ForeignActivity): void {
  log(`${tag}: WARNING: other processes used ${activity.cores} cores during ${phase}; the figures are disturbed ` +
    `(${activity.top.map((t) => `${t.seconds} s ${t.command}`).join('; ')})`);
}


/**
 * startLocalClusters, tried up to three times: its random cluster id is base64url and starts with
 * '-' one time in 64, which kafka-storage's argument parser takes for an option ("argument
 * --cluster-id/-t: expected one argument").
 */
async function startClusters(options: Options, tag: string): Promise<LocalClusters> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startLocalClusters({
        heapMb: options.brokerHeapMb, log: (l) => log(`${tag}: ${l}`),
        ...(options.security === 'sasl-ssl' && {
          // Transport security only: no authorizer, no Kerberos.
          clusters: [{ name: 'source', security: { authorizer: false } }, { name: 'target', security: { authorizer: false } }],
          security: { users: [BENCH_USER], kerberos: false },
        }),
      });
    } catch (err) {
      if (attempt >= 3) throw err;
      log(`${tag}: the clusters did not start (${(err as Error).message}); trying again`);
    }
  }
}

/**
 * The partitions the latency consumer reads: --latency-partitions, else the first and the last,
 * which land in different tasks whether partitions are dealt round-robin (MM2) or in ranges.
 */
function latencySample(options: Options): number[] {
  if (options.latencyPartitions) return options.latencyPartitions.filter((p) => p < options.partitions);
  return [...new Set([0, options.partitions - 1])];
}

/** What is running now, so Ctrl-C can stop it. */
const running: { process?: ReplicatorProcess; clusters?: LocalClusters } = {};

async function runVariant(replicator: Replicator, compression: Compression, options: Options, payload: Payload,
  benchDir: string, attempt = 1): Promise<VariantResult> {
  const tag = `${replicator.name}/${compression}${options.security === 'none' ? '' : `/${options.security}`}`;
  const N = options.records;
  const partial: { -readonly [K in keyof VariantResult]?: VariantResult[K] } = {
    security: options.security, startedAt: new Date().toISOString(), command: commandLine(),
  };
  let proc: ReplicatorProcess | undefined;
  let clusters: LocalClusters | undefined;
  let targetWatch: OffsetWatcher | undefined;
  try {
    await waitForQuiet(options, (line) => log(`${tag}: ${line}`));
    log(`${tag}: starting fresh source and target clusters`);
    clusters = await startClusters(options, tag);
    running.clusters = clusters;
    const source = clusters.get('source');
    const target = clusters.get('target');

    await createTopic(source.bootstrapServers, SOURCE_TOPIC, options.partitions);
    log(`${tag}: preloading ${N.toLocaleString('en')} records into '${SOURCE_TOPIC}'`);
    partial.preload = await preload(source.bootstrapServers, SOURCE_TOPIC, options.partitions, N, payload,
      options.sourceCompression, (l) => log(`${tag}: ${l}`));
    const sourceWatch = await OffsetWatcher.open(source.bootstrapServers);
    const sourceEnds = await sourceWatch.endOffsets(SOURCE_TOPIC, options.partitions);
    await sourceWatch.close();
    if (!sourceEnds) throw new Error(`cannot read the end offsets of '${SOURCE_TOPIC}' on the source`);
    const sourceTotal = sourceEnds.reduce((a, b) => a + b, 0);
    if (sourceTotal !== N) throw new Error(`the source end offsets add up to ${sourceTotal}, not ${N}`);
    log(`${tag}: preloaded in ${round(partial.preload.seconds)} s ` +
      `(${Math.round(partial.preload.recordsPerSecond).toLocaleString('en')} rec/s); source end offsets sum to ${N}`);
    // Write the preload's dirty pages out now, so the kernel does not do it during the measurement.
    await promisify(execFile)('sync');
    await delay(options.settleSeconds * 1000);

    const dir = join(benchDir, `${replicator.name}-${compression}${options.security === 'none' ? '' : `-${options.security}`}` +
      `${attempt > 1 ? `-attempt${attempt}` : ''}`);
    await mkdir(dir, { recursive: true });
    const propertiesFile = join(dir, 'mm2.properties');
    const secured = options.security === 'sasl-ssl'
      ? { source: source.security!.client('SCRAM-SHA-512', BENCH_USER, { store: 'PKCS12' }).java,
          target: target.security!.client('SCRAM-SHA-512', BENCH_USER, { store: 'PKCS12' }).java }
      : undefined;
    await writeFile(propertiesFile, mm2Properties({
      sourceBootstrap: source.bootstrapServers, targetBootstrap: target.bootstrapServers,
      topic: SOURCE_TOPIC, tasks: options.tasks, compression, ...(secured && { clusters: secured }),
    }), { mode: secured ? 0o600 : 0o644 });

    targetWatch = await OffsetWatcher.open(target.bootstrapServers);
    const brokers = { source: brokerMonitor(source), target: brokerMonitor(target) };
    const brokerCpu0 = { source: brokers.source.sample().cpuSeconds, target: brokers.target.sample().cpuSeconds };
    const harness0 = process.cpuUsage();

    log(`${tag}: starting ${replicator.name} (${propertiesFile})`);
    const machine0 = snapshotMachine();
    const t0 = performance.now();
    proc = await replicator.start(propertiesFile, dir);
    running.process = proc;
    partial.files = { dir, mm2Properties: propertiesFile, log: proc.logFile, clusters: clusters.runDir };
    partial.replicatorCommand = proc.command;
    const monitor = new TreeMonitor(proc.pid);
    const series: Sample[] = [];
    const poll = async (): Promise<Sample> => {
      // No answer (the topic not created yet, or a slow query): as the previous poll, else zero.
      const ends = (await targetWatch!.endOffsets(TARGET_TOPIC, options.partitions)) ??
        series.at(-1)?.ends ?? Array.from({ length: options.partitions }, () => 0);
      const sample = { t: (performance.now() - t0) / 1000, records: ends.reduce((a, b) => a + b, 0), ends,
        cpu: monitor.sample().cpuSeconds };
      series.push(sample);
      return sample;
    };
    let lastProgress = 0;
    for (;;) {
      const { t, records } = await poll();
      if (records >= N) break;
      if (!proc.running()) {
        const exit = await proc.exited;
        throw Object.assign(new Error(`${replicator.name} exited (code ${exit.code}, signal ${exit.signal}) after ` +
          `${round(t)} s with ${records} of ${N} records on the target`), { details: await proc.tail(30) });
      }
      if (t > options.timeoutSeconds) {
        throw Object.assign(new Error(`timed out after ${options.timeoutSeconds} s with ${records} of ${N} records ` +
          `on the target`), { details: await proc.tail(30) });
      }
      if (t - lastProgress >= 10) {
        lastProgress = t;
        log(`${tag}: ${round(t)} s: ${records.toLocaleString('en')} / ${N.toLocaleString('en')} on the target`);
      }
      await delay(options.pollMs);
    }
    // The end offsets add up to N: the trigger. Whether every record is there, and when it was,
    // is for the content verification to say (duplicates reach the sum before the last record).
    const trigger = series.at(-1)!;
    const backlogForeign = foreignActivity(machine0, snapshotMachine());
    partial.interference = { backlog: backlogForeign, disturbed: backlogForeign.cores > options.maxForeignCores };
    if (partial.interference.disturbed) warnForeign(tag, 'the backlog phase', backlogForeign);
    const rss = monitor.sample();
    const harnessCpu = process.cpuUsage(harness0);
    const brokerCpu = {
      source: round(brokers.source.sample().cpuSeconds - brokerCpu0.source, 2),
      target: round(brokers.target.sample().cpuSeconds - brokerCpu0.target, 2),
    };
    log(`${tag}: the target's end offsets add up to ${trigger.records.toLocaleString('en')} after ${round(trigger.t)} s`);

    /**
     * Polls on (the series goes on) until the target's end offsets have not moved for
     * `stillSeconds`, at most `maxSeconds`; whether they moved at all meanwhile.
     */
    const waitStill = async (maxSeconds: number, stillSeconds: number): Promise<boolean> => {
      const start = series.at(-1)!;
      let last = start;
      let lastChange = performance.now();
      const until = performance.now() + maxSeconds * 1000;
      while (performance.now() < until && performance.now() - lastChange < stillSeconds * 1000) {
        await delay(options.pollMs);
        const sample = await poll();
        if (sample.ends.some((e, p) => e !== last.ends[p])) lastChange = performance.now();
        last = sample;
      }
      return last.ends.some((e, p) => e !== start.ends[p]);
    };
    await waitStill(STILL_MAX_SECONDS, STILL_SECONDS);

    partial.disk = {
      sourceMiB: round((await topicLogBytes(source, SOURCE_TOPIC)) / MiB),
      targetMiB: round((await topicLogBytes(target, TARGET_TOPIC)) / MiB),
    };
    let content: ContentCheck;
    for (let attempt = 1; ; attempt++) {
      const targetEnds = series.at(-1)!.ends;
      log(`${tag}: verifying the whole target by content (${(N + targetEnds.reduce((a, b) => a + b, 0))
        .toLocaleString('en')} records to read)`);
      content = await verifyContent({
        read: readRecords,
        source: { settings: { 'bootstrap.servers': source.bootstrapServers }, topic: SOURCE_TOPIC, endOffsets: sourceEnds },
        target: { settings: { 'bootstrap.servers': target.bootstrapServers }, topic: TARGET_TOPIC, endOffsets: targetEnds },
        deadline: Date.now() + options.timeoutSeconds * 1000,
        log: (l) => log(`${tag}: ${l}`),
      });
      log(`${tag}: content (${content.seconds} s): ${describeCheck(content)}`);
      if (content.verdict.lost === 0 || attempt >= VERIFY_ROUNDS || !proc.running()) break;
      // Records missing while the replicator runs: if the target still grows, they may be on their way.
      log(`${tag}: records are missing; waiting for the target to grow (verified again once it is still ` +
        `for ${MISSING_STILL_SECONDS} s)`);
      if (!(await waitStill(MISSING_MAX_SECONDS, MISSING_STILL_SECONDS))) break;
    }
    partial.content = content;

    const completeOffsets = content.completeOffsets;
    const complete = completeOffsets.every((o) => o !== null)
      ? series.find((s) => s.ends.every((e, p) => e >= completeOffsets[p]!)) : undefined;
    const done = complete ?? trigger;
    const first = series.find((s) => s.records > 0);
    const p10 = crossing(series, 0.1 * N);
    const p90 = crossing(series, 0.9 * N);
    const steady = p10 && p90 && p90.t > p10.t ? 0.8 * N / (p90.t - p10.t) : null;
    partial.series = series.map((s) => [round(s.t, 2), s.records, round(s.cpu, 2)] as const);
    partial.throughput = {
      wallSeconds: round(done.t, 2),
      completedBy: complete ? 'content' : 'end offsets',
      endOffsetsSeconds: round(trigger.t, 2),
      recordsPerSecond: Math.round(N / done.t),
      mibPerSecond: round((N * payload.recordBytes) / MiB / done.t, 2),
      firstRecordSeconds: first ? round(first.t, 2) : null,
      steadyRecordsPerSecond: steady === null ? null : Math.round(steady),
      steadyMibPerSecond: steady === null ? null : round((steady * payload.recordBytes) / MiB, 2),
      targetRecords: content.verdict.target,
    };
    partial.cpu = {
      replicatorSeconds: round(done.cpu, 2),
      secondsPerMillionRecords: round((done.cpu / N) * 1e6, 2),
      steadySecondsPerMillionRecords: p10 && p90 ? round(((p90.cpu - p10.cpu) / (0.8 * N)) * 1e6, 2) : null,
      averageCores: round(done.cpu / done.t, 2),
      brokerSeconds: brokerCpu,
      harnessSeconds: round((harnessCpu.user + harnessCpu.system) / 1e6, 2),
    };
    partial.memory = { peakRssMiBBacklog: Math.round(rss.peakRssMiB), peakRssMiBRun: Math.round(rss.peakRssMiB),
      processes: rss.processes };
    log(`${tag}: ` + (complete ? `every source record on the target after ${round(done.t)} s`
      : `records lost: the clock stops at the end-offset trigger, ${round(done.t)} s`) +
      ` (${partial.throughput.recordsPerSecond.toLocaleString('en')} rec/s overall, ` +
      `${steady === null ? '?' : Math.round(steady).toLocaleString('en')} rec/s steady); ` +
      `CPU ${partial.cpu.replicatorSeconds} s, peak RSS ${partial.memory.peakRssMiBBacklog} MiB`);

    if (options.latencySeconds > 0) {
      const rate = options.latencyRate ?? Math.round((steady ?? N / done.t) / 2 / 100) * 100;
      const startOffsets = await targetWatch.endOffsets(TARGET_TOPIC, options.partitions);
      if (!startOffsets) throw new Error('could not read the target end offsets before the latency phase');
      log(`${tag}: latency: producing ${rate.toLocaleString('en')} rec/s for ${options.latencySeconds} s`);
      const cpuBefore = monitor.sample();
      const machine1 = snapshotMachine();
      const latency = await measureLatency({
        sourceBootstrap: source.bootstrapServers, targetBootstrap: target.bootstrapServers,
        sourceTopic: SOURCE_TOPIC, targetTopic: TARGET_TOPIC, partitions: options.partitions,
        targetStartOffsets: startOffsets, sampledPartitions: latencySample(options),
        recordsPerSecond: rate, seconds: options.latencySeconds,
        warmupSeconds: options.latencyWarmupSeconds, payload, compression: options.sourceCompression,
        drainTimeoutMs: 60_000, targetWatch, log: (l) => log(`${tag}: ${l}`),
      });
      const cpuAfter = monitor.sample();
      const latencyForeign = foreignActivity(machine1, snapshotMachine());
      partial.interference = { ...partial.interference, latency: latencyForeign,
        disturbed: partial.interference.disturbed || latencyForeign.cores > options.maxForeignCores };
      if (latencyForeign.cores > options.maxForeignCores) warnForeign(tag, 'the latency phase', latencyForeign);
      partial.latency = { ...latency,
        replicatorCores: round((cpuAfter.cpuSeconds - cpuBefore.cpuSeconds) / (cpuAfter.t - cpuBefore.t), 2) };
      log(`${tag}: latency at ${Math.round(latency.achievedRecordsPerSecond).toLocaleString('en')} rec/s: ` +
        `p50 ${latency.ms.p50} ms, p99 ${latency.ms.p99} ms, max ${latency.ms.max} ms ` +
        `(${latency.received} records received from partitions ${latency.sampledPartitions.join(',')} of ${latency.produced} produced; ` +
        `replicator used ${partial.latency.replicatorCores} cores)`);
      if (!proc.running()) throw new Error(`${replicator.name} exited during the latency phase`);
    }

    const end = monitor.sample();
    partial.memory = { ...partial.memory, peakRssMiBRun: Math.round(end.peakRssMiB) };
    log(`${tag}: stopping ${replicator.name}`);
    partial.stop = await proc.stop();
    running.process = undefined;
    log(`${tag}: ${replicator.name} stopped in ${round(partial.stop.seconds)} s ` +
      `(exit code ${partial.stop.code}${partial.stop.killed ? ', killed after the grace period' : ''})`);

    if (partial.latency && options.calibrateSeconds > 0) {
      const rate = partial.latency.targetRecordsPerSecond;
      log(`${tag}: harness floor: ${rate.toLocaleString('en')} rec/s through one topic on the source cluster, ` +
        `no replicator, ${options.calibrateSeconds} s`);
      await createTopic(source.bootstrapServers, CALIBRATION_TOPIC, options.partitions);
      const sourceWatch2 = await OffsetWatcher.open(source.bootstrapServers);
      try {
        partial.harnessFloor = await measureLatency({
          sourceBootstrap: source.bootstrapServers, targetBootstrap: source.bootstrapServers,
          sourceTopic: CALIBRATION_TOPIC, targetTopic: CALIBRATION_TOPIC, partitions: options.partitions,
          targetStartOffsets: Array.from({ length: options.partitions }, () => 0),
          sampledPartitions: latencySample(options), recordsPerSecond: rate,
          seconds: options.calibrateSeconds, warmupSeconds: options.latencyWarmupSeconds, payload,
          compression: options.sourceCompression, drainTimeoutMs: 30_000, targetWatch: sourceWatch2,
          log: (l) => log(`${tag}: ${l}`),
        });
      } finally {
        await sourceWatch2.close();
      }
      const f = partial.harnessFloor.ms;
      log(`${tag}: harness floor: p50 ${f.p50} ms, p99 ${f.p99} ms, max ${f.max} ms`);
    }
    if (content.failures.length > 0) {
      const error = `content verification failed: ${content.failures.join('; ')}`;
      log(`${tag}: FAILED: ${error}`);
      return { replicator: replicator.name, compression, ok: false, error, ...partial };
    }
    return { replicator: replicator.name, compression, ok: true, ...partial };
  } catch (err) {
    const details = (err as { details?: string[] }).details ?? (proc ? await proc.tail(30) : []);
    log(`${tag}: FAILED: ${(err as Error).message}`);
    for (const line of details) log(`${tag}:   ${line}`);
    return { replicator: replicator.name, compression, ok: false, error: (err as Error).message,
      errorDetails: details, ...partial };
  } finally {
    if (proc?.running()) await proc.stop(30_000);
    running.process = undefined;
    await targetWatch?.close();
    if (clusters) {
      log(`${tag}: stopping the clusters`);
      await clusters.stop();
    }
    running.clusters = undefined;
  }
}

// ---------------------------------------------------------------------------------------------

function table(results: readonly VariantResult[]): string {
  const header = ['replicator', 'compr.', 'lost/dup/ooo', 'wall s', 'rec/s', 'MiB/s', 'steady rec/s', 'steady MiB/s', '1st rec s',
    'CPU s/M rec', 'steady CPU s/M', 'peak RSS MiB', 'target MiB', 'lat. rate', 'p50 ms', 'p99 ms', 'max ms', 'floor p50/p99'];
  const rows = results.map((r) => {
    const v = r.content?.verdict;
    const verdict = v ? `${v.lost}/${v.duplicates}/${v.outOfOrder}${v.foreign ? ` +${v.foreign} foreign` : ''}` : '–';
    if (!r.throughput || !r.cpu || !r.memory) {
      return [`${r.replicator}${r.security && r.security !== 'none' ? ` ${r.security.toUpperCase()}` : ''}`, r.compression, verdict, `FAILED: ${r.error ?? ''}`.slice(0, 60), ...Array(header.length - 4).fill('')];
    }
    const t = r.throughput;
    const name = `${r.replicator}${r.security && r.security !== 'none' ? ` ${r.security.toUpperCase()}` : ''}` +
      `${r.interference?.disturbed ? ' (!)' : ''}${r.ok ? '' : ' FAILED'}`;
    const fmt = (n: number | null | undefined) => (n === null || n === undefined ? '–' : n.toLocaleString('en'));
    return [
      name, r.compression, verdict, fmt(t.wallSeconds), fmt(t.recordsPerSecond), fmt(t.mibPerSecond),
      fmt(t.steadyRecordsPerSecond), fmt(t.steadyMibPerSecond), fmt(t.firstRecordSeconds),
      fmt(r.cpu.secondsPerMillionRecords), fmt(r.cpu.steadySecondsPerMillionRecords),
      fmt(r.memory.peakRssMiBRun), fmt(r.disk?.targetMiB),
      fmt(r.latency ? Math.round(r.latency.achievedRecordsPerSecond) : null),
      fmt(r.latency?.ms.p50), fmt(r.latency?.ms.p99), fmt(r.latency?.ms.max),
      r.harnessFloor ? `${r.harnessFloor.ms.p50}/${r.harnessFloor.ms.p99}` : '–',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => String(row[i]).length)));
  const line = (cells: readonly unknown[]) =>
    `| ${cells.map((c, i) => (i < 2 ? String(c).padEnd(widths[i]!) : String(c).padStart(widths[i]!))).join(' | ')} |`;
  return [line(header), `|${widths.map((w, i) => (i < 2 ? ':' + '-'.repeat(w + 1) : '-'.repeat(w + 1) + ':')).join('|')}|`,
    ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const program = new Command('npm run bench --')
    .description('End-to-end replication benchmark of MirrorMaker 2 and kmirror on local Kafka clusters')
    .addOption(new Option('--records <n>', 'records to preload and replicate (e.g. 200k, 2M, 10M)')
      .argParser(parseCount).default(2_000_000, '2M'))
    .addOption(new Option('--security <mode>', 'how the replicator connects to both clusters: none (PLAINTEXT) or sasl-ssl ' +
      '(SASL_SSL, SCRAM-SHA-512; the brokers get secured listeners, no authorizer)').choices(SECURITY_MODES).default('none'))
    .addOption(new Option('--replicators <list>', 'comma-separated: mm2, kmirror').argParser(parseReplicators)
      .default(['mm2', 'kmirror'], 'mm2,kmirror'))
    .addOption(new Option('--only <name>', 'run one replicator (same as --replicators <name>)')
      .argParser(parseReplicators).conflicts('replicators'))
    .addOption(new Option('--compression <list>', 'target producer compression.type per variant')
      .argParser(parseCompressions).default(['none', 'lz4', 'zstd'], 'none,lz4,zstd'))
    .addOption(new Option('--tasks <n>', 'tasks.max').argParser(parseInteger(1)).default(2))
    .addOption(new Option('--partitions <n>', 'partitions of the source topic').argParser(parseInteger(1)).default(8))
    .addOption(new Option('--value-bytes <n>', 'value size').argParser(parseInteger(1)).default(1024))
    .addOption(new Option('--source-compression <codec>', 'compression of the preloaded (source) records')
      .choices(COMPRESSIONS).default('none'))
    .addOption(new Option('--latency-seconds <s>', 'steady-load latency phase length; 0 skips it')
      .argParser(parseInteger(0)).default(30))
    .addOption(new Option('--latency-warmup-seconds <s>', 'load before the latency phase that is not measured')
      .argParser(parseInteger(0)).default(5))
    .addOption(new Option('--latency-rate <n>', 'records/s of the latency phase (default: half the steady rate)')
      .argParser(parseCount))
    .addOption(new Option('--latency-partitions <list>', 'partitions the latency consumer reads, e.g. 0,7 or all (default: the first and the last)')
      .argParser((v: string) => (v === 'all' ? Array.from({ length: 1024 }, (_, i) => i)
        : v.split(',').map((x) => parseInteger(0)(x.trim())))))
    .addOption(new Option('--calibrate-seconds <s>', 'harness-only latency at the same rate after the replicator stopped; 0 skips it')
      .argParser(parseInteger(0)).default(15))
    .addOption(new Option('--mm2-heap-mb <n>', 'MirrorMaker 2 -Xmx').argParser(parseInteger(128)).default(1024))
    .addOption(new Option('--broker-heap-mb <n>', 'each broker\'s -Xmx').argParser(parseInteger(256)).default(2048))
    .addOption(new Option('--kmirror-entry <entry>', 'dist: node dist/cli/main.js (npm run build first); src: node --import tsx src/cli/main.ts')
      .choices(['dist', 'src']).default(existsSync(join(packageRoot, 'dist', 'cli', 'main.js')) ? 'dist' : 'src'))
    .addOption(new Option('--timeout-seconds <s>', 'give up on a variant after this long').argParser(parseInteger(10))
      .default(1800))
    .addOption(new Option('--poll-ms <ms>', 'target end-offset poll interval').argParser(parseInteger(10)).default(250))
    .addOption(new Option('--settle-seconds <s>', 'pause between preload and replicator start').argParser(parseInteger(0))
      .default(3))
    .addOption(new Option('--quiet-wait-seconds <s>', 'before each variant, wait up to this long for other processes to go quiet')
      .argParser(parseInteger(0)).default(1200))
    .addOption(new Option('--max-foreign-cores <n>', 'CPU of other processes (cores) above which figures count as disturbed')
      .argParser(parseFloat).default(0.15))
    .addOption(new Option('--retry-disturbed <n>', 'run a variant again (up to n times) when other processes disturbed it')
      .argParser(parseInteger(0)).default(2))
    .addOption(new Option('--no-latest', 'do not overwrite bench/results/latest-<replicator>-<records>.json'))
    .showHelpAfterError();
  program.parse();
  const raw = program.opts<Omit<Options, 'replicators'> & { replicators: string[]; only?: string[] }>();
  const options: Options = { ...raw, replicators: raw.only ?? raw.replicators };

  const payload = new Payload(options.valueBytes);
  const replicators = options.replicators.map((name) => createReplicator(name, options));
  const startedAt = new Date();
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const benchDir = join(workDir, 'bench', stamp);
  await mkdir(benchDir, { recursive: true });
  const machine = machineInfo();
  log(`machine: ${machine.nproc} CPUs (${machine.cpuModel}), ${machine.memTotalGiB} GiB, ${machine.java}, ` +
    `node ${machine.node}, librdkafka ${machine.librdkafka}`);
  log(`run: ${options.replicators.join(', ')} × ${options.compression.join(', ')}` +
    `${options.security === 'none' ? '' : ` over ${options.security.toUpperCase()} (SCRAM-SHA-512)`}; ` +
    `${options.records.toLocaleString('en')} records of ${payload.recordBytes} B (key+value); files in ${benchDir}`);

  const stop = async (signal: string) => {
    log(`${signal}: stopping`);
    await running.process?.stop(10_000).catch(() => undefined);
    await running.clusters?.stop().catch(() => undefined);
    process.exit(130);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));

  const results: VariantResult[] = [];
  /** Disturbed attempts that were run again: kept in the run file, not in the table. */
  const allAttempts: VariantResult[] = [];
  const described: Record<string, Record<string, unknown>> = {};
  for (const replicator of replicators) {
    try {
      described[replicator.name] = await replicator.describe();
    } catch (err) {
      described[replicator.name] = { error: (err as Error).message };
      log(`${replicator.name}: cannot run: ${(err as Error).message}`);
      for (const compression of options.compression) {
        results.push({ replicator: replicator.name, compression, ok: false, error: (err as Error).message });
      }
      continue;
    }
    for (const compression of options.compression) {
      let result = await runVariant(replicator, compression, options, payload, benchDir);
      for (let retry = 1; retry <= options.retryDisturbed && result.interference?.disturbed; retry++) {
        log(`${replicator.name}/${compression}: disturbed by other processes; running it again (${retry}/${options.retryDisturbed})`);
        allAttempts.push(result);
        result = { ...(await runVariant(replicator, compression, options, payload, benchDir, retry + 1)),
          disturbedAttempts: retry };
      }
      results.push(result);
    }
  }
  const finishedAt = new Date();

  const report = {
    harness: 'bench/e2e.ts',
    command: commandLine(),
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationSeconds: Math.round((finishedAt.getTime() - startedAt.getTime()) / 1000),
    machine,
    options,
    workload: {
      sourceTopic: SOURCE_TOPIC, targetTopic: TARGET_TOPIC, partitions: options.partitions,
      keyBytes: Payload.KEY_BYTES, valueBytes: options.valueBytes, headers: 2,
      sourceCompression: options.sourceCompression,
      bytesCounted: 'key + value bytes; MiB = 2^20 bytes',
    },
    replicators: described,
    results,
    disturbedAttempts: allAttempts,
  };
  const resultsDir = join(packageRoot, 'bench', 'results');
  await mkdir(join(resultsDir, 'runs'), { recursive: true });
  const securityLabel = options.security === 'none' ? '' : `-${options.security}`;
  const runFile = join(resultsDir, 'runs', `${stamp}-${options.replicators.join('-')}${securityLabel}-${recordsLabel(options.records)}.json`);
  await writeFile(runFile, JSON.stringify(report, null, 2) + '\n');
  const written = [runFile];
  if (options.latest) {
    for (const replicator of options.replicators) {
      const own = results.filter((r) => r.replicator === replicator);
      if (!own.some((r) => r.ok)) continue;
      const file = join(resultsDir, `latest-${replicator}${securityLabel}-${recordsLabel(options.records)}.json`);
      // Variants this run did not measure keep their figures from the file (each has its startedAt).
      let kept: VariantResult[] = [];
      try {
        const previous = JSON.parse(readFileSync(file, 'utf8')) as { results?: VariantResult[] };
        kept = (previous.results ?? []).filter((r) => !own.some((o) => o.compression === r.compression));
      } catch {
        // no previous file
      }
      const merged = [...kept, ...own].sort((a, b) =>
        COMPRESSIONS.indexOf(a.compression) - COMPRESSIONS.indexOf(b.compression));
      const { disturbedAttempts: _dropped, ...summary } = report;
      await writeFile(file, JSON.stringify({ ...summary, replicators: { [replicator]: described[replicator] },
        results: merged }, null, 2) + '\n');
      written.push(file);
    }
  }

  process.stdout.write('\n' + table(results) + '\n\n');
  for (const r of results) {
    if (r.content) process.stdout.write(`${r.replicator}/${r.compression}: content: ${describeCheck(r.content)}\n`);
    if (!r.ok) process.stdout.write(`${r.replicator}/${r.compression}: FAILED: ${r.error ?? 'unknown error'}\n`);
  }
  process.stdout.write('\n');
  process.stdout.write(
    `"lost/dup/ooo": lost, duplicated and out-of-order records, the whole target compared with the source by ` +
    `content, per partition, in order ("+n foreign": target records that match no source record); lost, ` +
    `out-of-order or foreign records fail the variant and the run, duplicates do not. ` +
    `MiB/s counts key + value bytes (${payload.recordBytes} B per record). "wall" runs from the replicator's start ` +
    `(start-up included) until every one of the ${options.records.toLocaleString('en')} source records was on the ` +
    `target (by content; duplicates do not count); "steady" is 10 %→90 % of the records. CPU = utime+stime of the replicator's process tree; peak RSS = sum of VmHWM. ` +
    `Latency = consume time − CreateTime at the rate shown (half the steady rate unless --latency-rate), after a ` +
    `${options.latencyWarmupSeconds} s warm-up; "floor" = the same load through one topic with no replicator ` +
    `(the harness's own latency).` +
    (results.some((r) => r.interference?.disturbed) ? ' (!) = other processes used more than ' +
      `${options.maxForeignCores} cores while this variant was measured; rerun it.` : '') + '\n');
  process.stdout.write(`Total time ${report.durationSeconds} s. Results: ${written.map((f) => relative(packageRoot, f)).join(', ')}\n`);
  process.exitCode = exitStatus(results);
}

await main();
