/**
 * What the fault-injection suite (test/faults/) shares: kmirror as a separate process reached
 * through its sidecar (readiness, /status, /metrics, the resume route), Kafka's own tools from the
 * pinned jars (client quotas), backlogs with unique records, and the copy judged by content.
 *
 * Every figure a case measures goes through `figures()`: one `FAULT-FIGURES {json}` line on
 * stdout per case, which RELIABILITY.md is made from.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { flowGroupId } from '../../src/engine/shard-settings.js';
import { ensureKafkaDistribution } from '../../src/local-kafka/distribution.js';
import { Admin, RecordProducer, type ProducedRecord } from '../../src/native/addon.js';
import { workDir } from '../../src/paths.js';
import type { StatusReport } from '../../src/sidecar/status-report.js';
import { describeVerdict, type Verdict } from '../support/content.js';
import { compareCopy, endOffsets, spawnKmirror, waitFor, type KmirrorProcess } from '../support/kmirror.js';

const run = promisify(execFile);

export const FLOW = 'source->target';
/** kmirror.shutdown.timeout.ms of every process the suite starts. */
export const SHUTDOWN_TIMEOUT_MS = 10_000;
/** A stop "within the timeout" as seen from outside: signal delivery and process exit on top. */
export const SHUTDOWN_SLACK_MS = 1_500;
export const SIDECAR_TOKEN = 'faults-suite-token';

export const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

/** One parsed JSON log line of a kmirror process. */
export type LogLine = Record<string, unknown> & { level: number; msg: string; time: number };

export interface Kmirror {
  readonly proc: KmirrorProcess;
  /** Where the process's whole output is written when it exits. */
  readonly logFile: string;
  /** The sidecar's base URL, from the process's "sidecar listening on" line. */
  readonly url: string;
  readonly startedAt: number;
  logs(): LogLine[];
  /** GET `path` on the sidecar (the token sent); the HTTP status and parsed body. */
  get<T = unknown>(path: string): Promise<{ code: number; body: T }>;
  post<T = unknown>(path: string): Promise<{ code: number; body: T }>;
  status(): Promise<StatusReport>;
  ready(): Promise<{ code: number; body: { ready: boolean; reasons: string[] } }>;
  metrics(): Promise<string>;
  /** The flow's partitions of `topic` in /status. */
  partitions(topic: string): Promise<StatusReport['flows'][number]['partitions']>;
}

function parseLines(output: readonly string[]): LogLine[] {
  const lines: LogLine[] = [];
  for (const line of output.join('').split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      lines.push(JSON.parse(line) as LogLine);
    } catch {
      // the last line, still being written: the next call sees it whole
    }
  }
  return lines;
}

/**
 * Starts `kmirror run` as its own process and waits for its sidecar URL (logged at start; the
 * port is 0) and for the flow to have partitions assigned.
 */
export async function startKmirror(config: string, label = 'kmirror'): Promise<Kmirror> {
  const startedAt = Date.now();
  const proc = spawnKmirror(config);
  // Every process's whole output is kept (.kmirror/faults/), the evidence behind a failed case.
  const logFile = join(workDir, 'faults', `${label.replace(/[^\w.-]+/g, '-')}-${proc.child.pid}.log`);
  proc.child.once('exit', () => {
    mkdirSync(dirname(logFile), { recursive: true });
    writeFileSync(logFile, proc.output.join(''));
  });
  const describe = () => `kmirror output:\n${proc.output.join('').slice(-3000)}`;
  const logs = () => parseLines(proc.output);
  // The process ending before it is up fails at once (waitFor would retry a thrown probe until its deadline).
  const exitedEarly = proc.exited.then((code) => {
    throw new Error(`kmirror exited with ${String(code)} before it was up: ${describe()}`);
  });
  exitedEarly.catch(() => {});
  const upTo = <T>(what: string, probe: () => T | undefined | false): Promise<T> => Promise.race([
    waitFor(what, probe, 60_000, 50).catch((err: Error) => {
      throw new Error(`${err.message}\n${describe()}`);
    }),
    exitedEarly,
  ]);
  const url = await upTo('the sidecar URL in the log', () => {
    const line = logs().find((l) => l.msg.startsWith('sidecar listening on'));
    return line ? String(line.url) : undefined;
  });
  const request = async <T>(method: 'GET' | 'POST', path: string) => {
    const response = await fetch(`${url}${path}`, {
      method, headers: { authorization: `Bearer ${SIDECAR_TOKEN}` }, signal: AbortSignal.timeout(5_000),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // text (metrics)
    }
    return { code: response.status, body: body as T };
  };
  const k: Kmirror = {
    proc, logFile, url, startedAt, logs,
    get: (path) => request('GET', path),
    post: (path) => request('POST', path),
    status: async () => (await request<StatusReport>('GET', '/status')).body,
    ready: () => request('GET', '/health/ready'),
    metrics: async () => String((await request('GET', '/metrics')).body),
    partitions: async (topic) => (await k.status()).flows.find((f) => f.flow === FLOW)?.partitions.filter((p) => p.topic === topic) ?? [],
  };
  await upTo('partitions assigned', () => logs().some((l) => l.msg.startsWith('partitions assigned') && Number(l.partitions) > 0));
  return k;
}

/**
 * Sends SIGTERM and measures how long the process takes to exit. Asserts the stop ends within
 * kmirror.shutdown.timeout.ms (plus the slack of signal and exit) with exit code 0.
 */
export async function terminate(k: Kmirror, state: string): Promise<{ ms: number; code: number | null }> {
  const started = Date.now();
  k.proc.child.kill('SIGTERM');
  // How long a stop that overran is waited for before SIGKILL (FAULTS_HANG_MS: to measure how long it really takes).
  const hangMs = Number(process.env.FAULTS_HANG_MS ?? SHUTDOWN_TIMEOUT_MS * 2);
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([k.proc.exited, new Promise<'hung'>((resolve) => {
    timer = setTimeout(() => resolve('hung'), hangMs);
  })]);
  clearTimeout(timer);
  const ms = Date.now() - started;
  const tail = k.logs().slice(-12).map((l) => `${l.level} ${l.msg}`).join('\n');
  console.log(`[faults] SIGTERM (${state}): exit ${String(code)} after ${ms} ms`);
  if (code === 'hung') {
    console.log(`[faults] SIGTERM (${state}): still running after ${hangMs} ms; its threads: ${await threadStacks(k.proc.child.pid!)}\nlast log lines:\n${tail}`);
    k.proc.child.kill('SIGKILL');
    await k.proc.exited;
  }
  // Soft: a slow stop is reported with the rest of the case (its content still judged).
  expect.soft(code, `SIGTERM (${state}): exit code; last log lines:\n${tail}`).toBe(0);
  expect.soft(ms, `SIGTERM (${state}): took ${ms} ms, kmirror.shutdown.timeout.ms = ${SHUTDOWN_TIMEOUT_MS}`)
    .toBeLessThanOrEqual(SHUTDOWN_TIMEOUT_MS + SHUTDOWN_SLACK_MS);
  return { ms, code: code === 'hung' ? null : code };
}

/**
 * Evidence from a process that does not end: its threads (name, state, kernel wait) and, when gdb
 * is installed, every thread's stack, written to .kmirror/faults/; returns a summary and the file.
 */
async function threadStacks(pid: number): Promise<string> {
  const threads: string[] = [];
  try {
    for (const tid of await readdir(`/proc/${pid}/task`)) {
      const read = (name: string) => readFile(`/proc/${pid}/task/${tid}/${name}`, 'utf8').then((t) => t.trim(), () => '?');
      const [comm, wchan, stat] = await Promise.all([read('comm'), read('wchan'), read('stat')]);
      threads.push(`${tid} ${comm} ${stat.split(') ')[1]?.split(' ')[0] ?? '?'} ${wchan}`);
    }
  } catch (err) {
    return `cannot read /proc/${pid}: ${(err as Error).message}`;
  }
  const dir = join(workDir, 'faults');
  await mkdir(dir, { recursive: true });
  const file = join(dir, `stacks-${pid}-${Date.now()}.txt`);
  let stacks = '';
  try {
    stacks = (await run('gdb', ['-p', String(pid), '-batch', '-ex', 'thread apply all bt 30'], { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 })).stdout;
  } catch (err) {
    stacks = `gdb: ${(err as Error).message}`;
  }
  await writeFile(file, `${threads.join('\n')}\n\n${stacks}`);
  return `${threads.join('; ')} (stacks in ${file})`;
}

/** Whether a readiness reason names `alias` as the cluster at fault (not just inside the flow's name). */
export function namesCluster(reason: string, alias: string): boolean {
  return new RegExp(`\\b${alias}\\b`).test(reason.replaceAll(FLOW, ''));
}

/**
 * Polls /health/ready until it answers 503 with a reason naming `alias`; the time from `since`
 * and the reasons. Undefined when it did not within `timeoutMs`.
 */
export async function notReadyNaming(k: Kmirror, alias: string, since: number, timeoutMs: number):
  Promise<{ ms: number; reasons: string[] } | undefined> {
  return waitFor(`/health/ready 503 naming ${alias}`, async () => {
    const { code, body } = await k.ready();
    return code === 503 && body.reasons.some((r) => namesCluster(r, alias)) ? { ms: Date.now() - since, reasons: body.reasons } : undefined;
  }, timeoutMs, 100).catch(() => undefined);
}

/**
 * /status answers and keeps updating during the fault: two answers, each within the request
 * timeout, the second made later (atMs) and showing the same process not ready.
 */
export async function statusKeepsUpdating(k: Kmirror): Promise<{ first: StatusReport; second: StatusReport }> {
  const first = await k.status();
  const second = await waitFor('a later /status', async () => {
    const s = await k.status();
    return s.atMs >= first.atMs + 1_000 ? s : undefined;
  }, 10_000, 250);
  return { first, second };
}

/** A metric's value: the sum over the series of `name` whose labels include `labels`. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  let found: number | undefined;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const brace = line.indexOf('{');
    const labelText = brace >= 0 && line.startsWith(`${name}{`) ? line.slice(brace + 1, line.lastIndexOf('}')) : '';
    const have = new Map([...labelText.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]));
    if (!Object.entries(labels).every(([key, value]) => have.get(key) === value)) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    found = (found ?? 0) + value;
  }
  return found;
}

/** Sum of the flow's acknowledged positions of `topic` in /status (records copied, for one process). */
export async function acknowledged(k: Kmirror, topic: string): Promise<number> {
  return sum((await k.partitions(topic)).map((p) => p.position ?? 0));
}

/** The flow's stored positions (the target group's committed offsets) per remote partition. */
export async function storedPositions(targetServers: string, group: string, remote: string, partitions: number,
  options: { raw?: boolean } = {}): Promise<number[]> {
  const admin = new Admin({ 'bootstrap.servers': targetServers });
  try {
    // Right after a broker restart its group coordinator answers "load in progress" for a while: waited out.
    const offsets = await waitFor(`stored positions of ${group}`, () =>
      admin.listConsumerGroupOffsets(group, Array.from({ length: partitions }, (_, partition) => ({ topic: remote, partition })), 10_000),
    60_000, 250);
    // -1: nothing stored (a restart starts at the beginning); raw keeps it.
    return offsets.sort((a, b) => a.partition - b.partition).map((o) => (options.raw ? o.offset : Math.max(0, o.offset)));
  } finally {
    admin.close();
  }
}

/** The group a case's flow uses (each case its own: a crashed member of one case never holds up the next). */
export function caseGroup(topic: string): string {
  return flowGroupId({ source: 'source', target: 'target', settings: { 'kmirror.source.group.id': `faults-${topic}` } });
}

// ---------------------------------------------------------------------------------------------
// Kafka's own tools

/** Runs a Kafka tool class (kafka.admin.ConfigCommand …) from the pinned distribution. */
export async function kafkaTool(mainClass: string, args: readonly string[]): Promise<string> {
  const dist = await ensureKafkaDistribution();
  try {
    const { stdout, stderr } = await run(dist.java, ['-Xmx192m', '-XX:TieredStopAtLevel=1', '-cp', dist.classpath, mainClass, ...args],
      { maxBuffer: 16 * 1024 * 1024, timeout: 60_000 });
    return stdout + stderr;
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string };
    throw new Error(`${mainClass} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

/** Sets (or with `undefined` removes) the default client quota producer_byte_rate on a cluster, with kafka-configs. */
export async function producerQuota(servers: string, bytesPerSecond: number | undefined): Promise<void> {
  const change = bytesPerSecond === undefined ? ['--delete-config', 'producer_byte_rate'] : ['--add-config', `producer_byte_rate=${bytesPerSecond}`];
  await kafkaTool('kafka.admin.ConfigCommand', ['--bootstrap-server', servers, '--alter', ...change, '--entity-type', 'clients', '--entity-default']);
  const described = await kafkaTool('kafka.admin.ConfigCommand',
    ['--bootstrap-server', servers, '--describe', '--entity-type', 'clients', '--entity-default']);
  const shown = /producer_byte_rate=([\d.]+)/.exec(described)?.[1];
  if (bytesPerSecond === undefined ? shown !== undefined : Number(shown) !== bytesPerSecond) {
    throw new Error(`producer_byte_rate not ${bytesPerSecond ?? 'removed'}: ${described}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Data

export async function createTopic(servers: string, topic: string, partitions: number, configs: Record<string, string> = {}): Promise<void> {
  const admin = new Admin({ 'bootstrap.servers': servers });
  try {
    const [result] = await admin.createTopics([{ name: topic, partitions, replicationFactor: 1, configs }], 30_000);
    if (result?.error) throw new Error(`create ${topic} on ${servers}: ${result.error.name} ${result.error.message}`);
  } finally {
    admin.close();
  }
}

/** Unique records of `size` bytes: `<partition>:<i>:` then padding; partition i % partitions. */
export function backlogRecords(from: number, count: number, partitions: number, size: number, tag = 'r'): ProducedRecord[] {
  return Array.from({ length: count }, (_, j) => {
    const i = from + j;
    const head = `${tag}:${i % partitions}:${i}:`;
    return { partition: i % partitions, key: Buffer.from(`${tag}${i}`), value: Buffer.from(head + 'x'.repeat(Math.max(0, size - head.length))) };
  });
}

/** Produces in order (one flush per call) and checks every record was acknowledged. */
export function produceAll(servers: string, topic: string, records: readonly ProducedRecord[], settings: Record<string, string> = {}): void {
  const producer = new RecordProducer({ 'bootstrap.servers': servers, 'linger.ms': '20', 'enable.idempotence': 'true', ...settings });
  try {
    for (let start = 0; start < records.length; start += 10_000) producer.produce(topic, records.slice(start, start + 10_000));
    const result = producer.flush(120_000);
    if (result.failed > 0 || result.delivered !== records.length) throw new Error(`produce to ${topic}: ${JSON.stringify(result)}`);
  } finally {
    producer.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Judging

export interface Judged {
  verdict: Verdict;
  summary: string;
}

/**
 * The remote topic against the source topic, by content: lost = 0, out of order = 0, foreign = 0,
 * every source partition holding `perPartition` records, and duplicates at most `duplicateBound`
 * (why that bound: `boundWhy`). Prints the verdict.
 */
export async function judge(what: string, source: { servers: string; topic: string }, target: { servers: string; topic: string },
  partitions: number, perPartition: number, duplicateBound: number, boundWhy: string): Promise<Judged> {
  const verdict = await compareCopy(source, target, partitions);
  const summary = describeVerdict(verdict);
  const where = verdict.partitions.map((p, i) => (p.firstLost >= 0 || p.firstDisorder >= 0
    ? ` p${i}: first lost source offset ${p.firstLost}, first disorder at target offset ${p.firstDisorder};` : '')).join('');
  console.log(`[faults] ${what}: ${summary};${where} duplicates bound ${duplicateBound} (${boundWhy})`);
  // Soft: the case goes on to print its figures; any of these still fails it.
  verdict.partitions.forEach((p, i) => {
    expect.soft(p.source, `${what}: partition ${i} source records (${summary})`).toBe(perPartition);
    expect.soft({ lost: p.lost, outOfOrder: p.outOfOrder, foreign: p.foreign }, `${what}: partition ${i}: ${summary}`)
      .toEqual({ lost: 0, outOfOrder: 0, foreign: 0 });
    expect.soft(p.target, `${what}: partition ${i}: target = source + duplicates (${summary})`).toBe(p.source + p.duplicates);
  });
  expect.soft(verdict.duplicates, `${what}: duplicates (${summary}); bound: ${boundWhy}`).toBeLessThanOrEqual(duplicateBound);
  return { verdict, summary };
}

/**
 * What a restart from the stored positions re-copies: the records on the target past each stored
 * position (written by the process before, acknowledged or not). The exact duplicates a restart
 * adds when it copies everything once.
 */
export async function recopyOnRestart(targetServers: string, group: string, remote: string, partitions: number): Promise<{ stored: number[]; ends: number[]; recopy: number }> {
  const [stored, ends] = await Promise.all([storedPositions(targetServers, group, remote, partitions),
    waitFor(`end offsets of ${remote}`, () => endOffsets(targetServers, remote, partitions), 60_000, 250)]);
  return { stored, ends, recopy: sum(ends.map((end, p) => Math.max(0, end - stored[p]!))) };
}

/** One case's figures, printed as one machine-readable line (RELIABILITY.md is made from these). */
export function figures(fault: string, values: Record<string, unknown>): void {
  console.log(`FAULT-FIGURES ${JSON.stringify({ fault, ...values })}`);
}
