import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { onTestFinished } from 'vitest';
import { loadFlowPolicies } from '../../src/config/flow-policies.js';
import { parseMirrorConfig } from '../../src/config/mirror-config.js';
import { Engine } from '../../src/engine/engine.js';
import type { FlowStatus, PartitionStatus } from '../../src/engine/flow-runner.js';
import { Admin, readRecords, RecordProducer, type ProducedRecord, type ReadRecord } from '../../src/native/addon.js';
import { packageRoot } from '../../src/paths.js';
import { compareContent, digest, type Verdict } from './content.js';

/** Polls `probe` until it returns a value other than undefined/false; fails with `what` and the last value. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 60_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      last = value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${String(last)})`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Sum of the end offsets of every partition of `topic` (undefined when the topic is missing). */
export async function endOffsets(servers: string, topic: string, partitions: number): Promise<number[]> {
  const admin = new Admin({ 'bootstrap.servers': servers });
  try {
    const offsets = await admin.listOffsets(Array.from({ length: partitions }, (_, partition) => ({ topic, partition, spec: 'latest' as const })), 10_000);
    const failed = offsets.find((o) => o.error);
    if (failed) throw new Error(`${topic}: ${failed.error!.name}`);
    return offsets.sort((a, b) => a.partition - b.partition).map((o) => o.offset);
  } finally {
    admin.close();
  }
}

export async function totalRecords(servers: string, topic: string, partitions: number): Promise<number> {
  return (await endOffsets(servers, topic, partitions)).reduce((a, b) => a + b, 0);
}

/** Every record of every partition, byte for byte. */
export async function readAll(servers: string, topic: string, partitions: number): Promise<ReadRecord[][]> {
  const ends = await endOffsets(servers, topic, partitions);
  return Promise.all(ends.map((end, partition) =>
    end === 0 ? Promise.resolve([]) : readRecords({ 'bootstrap.servers': servers }, topic, partition, 0, end, 30_000)));
}

/** Every record of every partition reduced to its content digest (content.ts), in offset order. */
export async function digestsOf(servers: string, topic: string, partitions: number): Promise<string[][]> {
  return (await readAll(servers, topic, partitions)).map((records) => records.map((r) => digest(r)));
}

/** A copy judged by content: `to` (the remote topic) against `from`, partition by partition (content.ts). */
export async function compareCopy(from: { servers: string; topic: string }, to: { servers: string; topic: string },
  partitions: number): Promise<Verdict> {
  const [source, target] = await Promise.all([digestsOf(from.servers, from.topic, partitions), digestsOf(to.servers, to.topic, partitions)]);
  return compareContent(source, target);
}

export interface TestEngine {
  readonly engine: Engine;
  readonly logs: Record<string, unknown>[];
  status(): FlowStatus[];
  partitions(): PartitionStatus[];
  stop(): Promise<void>;
}

/** A debug-level logger whose lines a test can read, parsed. */
export function capturingLogger(): { log: Logger; logs: Record<string, unknown>[] } {
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: 'debug' }, sink), logs };
}

/** Runs the replication engine in this process on mm2.properties text; stopped when the test ends. */
export async function startEngine(text: string): Promise<TestEngine> {
  const config = parseMirrorConfig(text);
  const { policies, issues } = await loadFlowPolicies(config);
  if (issues.length > 0) throw new Error(issues.map((i) => i.message).join('; '));
  const { log, logs } = capturingLogger();
  const engine = await Engine.start(config, policies, { log, reportIntervalMs: 200 });
  let stopped = false;
  const stop = async () => {
    if (!stopped) {
      stopped = true;
      await engine.stop();
    }
  };
  onTestFinished(stop);
  return {
    engine, logs, stop,
    status: () => engine.status(),
    // Heartbeats topics are replicated whatever the filter says, and whether the shared test
    // clusters have one depends on which tests ran before: leave them out.
    partitions: () => engine.status().flatMap((f) => f.partitions).filter((p) => p.topic !== 'heartbeats' && !p.topic.endsWith('.heartbeats')),
  };
}

/** mm2.properties for the two test clusters, `source->target` enabled, fast refreshes. */
export function mm2Properties(bootstrap: Record<string, string>, extra: Record<string, string | number | boolean> = {}): string {
  const lines = [
    `clusters = ${Object.keys(bootstrap).join(', ')}`,
    ...Object.entries(bootstrap).map(([alias, servers]) => `${alias}.bootstrap.servers = ${servers}`),
    'replication.factor = 1',
    'heartbeats.topic.replication.factor = 1',
    'checkpoints.topic.replication.factor = 1',
    'offset-syncs.topic.replication.factor = 1',
    'refresh.topics.interval.seconds = 1',
    'sync.topic.configs.interval.seconds = 1',
    'emit.heartbeats.enabled = false',
    // Several kmirror processes run at once in some tests: each sidecar on a port of its own.
    'kmirror.sidecar.port = 0',
    ...Object.entries(extra).map(([k, v]) => `${k} = ${v}`),
  ];
  return lines.join('\n') + '\n';
}

export interface KmirrorProcess {
  readonly child: ChildProcess;
  readonly output: string[];
  readonly exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Runs `kmirror run` as a separate process (for kill and scale-out tests); killed when the test ends. */
export function spawnKmirror(text: string): KmirrorProcess {
  const dir = mkdtempSync(join(tmpdir(), 'kmirror-test-'));
  const file = join(dir, 'mm2.properties');
  writeFileSync(file, text);
  const child = spawn(process.execPath, ['--import', 'tsx', join(packageRoot, 'src', 'cli', 'main.ts'), 'run', file],
    { cwd: packageRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  const kill = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  onTestFinished(async () => {
    // A clean stop leaves the flow's consumer group at once; a SIGKILLed member would stay in it
    // until its session times out and hold up the next test's rebalance.
    const timer = setTimeout(() => void kill('SIGKILL'), 30_000);
    await kill('SIGTERM');
    clearTimeout(timer);
  });
  return { child, output, exited, kill };
}

/** Produces with kmirror's byte-exact producer and waits until every record is acknowledged. */
export function produceRecords(servers: string, topic: string, records: readonly ProducedRecord[],
  settings: Record<string, string> = {}): void {
  const producer = new RecordProducer({ 'bootstrap.servers': servers, 'linger.ms': '5', ...settings });
  try {
    producer.produce(topic, records);
    const result = producer.flush(60_000);
    if (result.failed > 0 || result.delivered !== records.length) throw new Error(`produce to ${topic}: ${JSON.stringify(result)}`);
  } finally {
    producer.close();
  }
}

/**
 * Commits offsets for a group with no members, as a consumer that stopped there would have. A
 * fresh cluster's group coordinator may still be loading (NOT_COORDINATOR): waited out.
 */
export async function setGroupOffsets(servers: string, group: string,
  offsets: readonly { topic: string; partition: number; offset: number }[]): Promise<void> {
  const admin = new Admin({ 'bootstrap.servers': servers });
  try {
    await waitFor(`offsets of ${group} committed`, async () => {
      const results = await admin.alterConsumerGroupOffsets(group, offsets, 10_000);
      const failed = results.find((r) => r.error);
      if (failed) throw new Error(`alter ${group}: ${failed.error!.name}`);
      return true;
    }, 60_000, 200);
  } finally {
    admin.close();
  }
}
