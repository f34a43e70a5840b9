/**
 * The benchmark's own Kafka clients (node-rdkafka through src/kafka/rdkafka.ts): topic creation,
 * the bulk preload, end-offset polling, the fixed-rate producer and the latency consumer. (The
 * content verification of the copy is lib/verify.ts.)
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setImmediate as yieldToLoop, setTimeout as delay } from 'node:timers/promises';
import {
  AdminClient, CODES, Producer, type LibrdKafkaError, type ProducerGlobalConfig,
} from '../../src/kafka/rdkafka.js';
import type { ConsumerJob, ConsumerResult } from './latency-consumer.js';
import type { Compression } from './mm2-properties.js';
import { Payload } from './payload.js';

const QUEUE_FULL = CODES.ERRORS.ERR__QUEUE_FULL;

function connect<T extends { connect: (opts: { timeout: number }, cb: (err: LibrdKafkaError | null) => void) => unknown }>(
  client: T): Promise<T> {
  return new Promise((resolve, reject) =>
    client.connect({ timeout: 30_000 }, (err) => (err ? reject(new Error(err.message)) : resolve(client))));
}

function disconnect(client: { disconnect: (cb: () => void) => unknown }): Promise<void> {
  return new Promise((resolve) => client.disconnect(() => resolve()));
}

export async function createTopic(bootstrap: string, topic: string, partitions: number): Promise<void> {
  const admin = AdminClient.create({ 'bootstrap.servers': bootstrap, 'client.id': 'bench-admin' });
  try {
    await new Promise<void>((resolve, reject) =>
      admin.createTopic({ topic, num_partitions: partitions, replication_factor: 1 }, 30_000,
        (err) => (err ? reject(new Error(`createTopic ${topic}: ${err.message}`)) : resolve())));
  } finally {
    admin.disconnect();
  }
}

/** Polls a cluster's end offsets (high watermarks) with one long-lived client. */
export class OffsetWatcher {
  private constructor(private readonly client: InstanceType<typeof Producer>) {}

  static async open(bootstrap: string): Promise<OffsetWatcher> {
    const client = new Producer({
      'bootstrap.servers': bootstrap, 'client.id': 'bench-offsets', log_level: 0,
      'topic.metadata.refresh.interval.ms': 1_000,
    });
    return new OffsetWatcher(await connect(client));
  }

  /** End offset of each partition, or undefined while the topic (or a partition) does not exist. */
  async endOffsets(topic: string, partitions: number, timeoutMs = 2_000): Promise<number[] | undefined> {
    const results = await Promise.all(Array.from({ length: partitions }, (_, partition) =>
      new Promise<number | undefined>((resolve) =>
        this.client.queryWatermarkOffsets(topic, partition, timeoutMs,
          (err, offsets) => resolve(err ? undefined : offsets.highOffset)))));
    return results.some((r) => r === undefined) ? undefined : (results as number[]);
  }

  async total(topic: string, partitions: number): Promise<number> {
    const ends = await this.endOffsets(topic, partitions);
    return ends ? ends.reduce((a, b) => a + b, 0) : 0;
  }

  close(): Promise<void> {
    return disconnect(this.client);
  }
}

function codec(compression: Compression): string {
  return compression;
}

export interface PreloadResult {
  readonly records: number;
  readonly seconds: number;
  readonly recordsPerSecond: number;
}

/**
 * Writes `records` records to `topic` as fast as one librdkafka producer goes: no per-record
 * callback or promise, delivery counted from dr_cb reports, the local queue bounded by
 * librdkafka (a QUEUE_FULL pause), partitions round-robin so each gets exactly 1/P of the data.
 */
export async function preload(bootstrap: string, topic: string, partitions: number, records: number,
  payload: Payload, compression: Compression, progress: (line: string) => void): Promise<PreloadResult> {
  const config: ProducerGlobalConfig = {
    'bootstrap.servers': bootstrap,
    'client.id': 'bench-preload',
    'linger.ms': 20,
    'batch.size': 1_000_000,
    'batch.num.messages': 100_000,
    'queue.buffering.max.messages': 400_000,
    'queue.buffering.max.kbytes': 1_048_576,
    'compression.codec': codec(compression) as ProducerGlobalConfig['compression.codec'],
    'dr_cb': true,
    log_level: 3,
  };
  const producer = await connect(new Producer(config));
  let delivered = 0;
  let failed = 0;
  let firstError: string | undefined;
  producer.on('delivery-report', (err) => {
    if (err) {
      failed++;
      firstError ??= err.message;
    } else {
      delivered++;
    }
  });
  producer.setPollInterval(25);
  const started = performance.now();
  let lastProgress = started;
  try {
    let i = 0;
    while (i < records) {
      const chunkEnd = Math.min(records, i + 5_000);
      while (i < chunkEnd) {
        try {
          producer.produce(topic, i % partitions, payload.value(i), payload.key(i), null, null,
            payload.headers(i, 'preload'));
          i++;
        } catch (err) {
          if ((err as { code?: number }).code !== QUEUE_FULL) throw err;
          producer.poll();
          await delay(2);
        }
      }
      if (failed > 0) throw new Error(`preload: ${failed} records failed (${firstError})`);
      const now = performance.now();
      if (now - lastProgress > 5_000) {
        lastProgress = now;
        progress(`preload: ${i.toLocaleString('en')} / ${records.toLocaleString('en')} queued, ` +
          `${delivered.toLocaleString('en')} delivered`);
      }
      await yieldToLoop();
    }
    await new Promise<void>((resolve, reject) =>
      producer.flush(300_000, (err) => (err ? reject(new Error(`preload flush: ${err.message}`)) : resolve())));
    while (delivered + failed < records) await delay(10);
    if (failed > 0) throw new Error(`preload: ${failed} records failed (${firstError})`);
  } finally {
    producer.setPollInterval(0);
    await disconnect(producer);
  }
  const seconds = (performance.now() - started) / 1000;
  return { records, seconds, recordsPerSecond: records / seconds };
}

export interface LatencyOptions {
  readonly sourceBootstrap: string;
  readonly targetBootstrap: string;
  readonly sourceTopic: string;
  readonly targetTopic: string;
  readonly partitions: number;
  /** Where to start reading the target topic (its end offsets before the load starts). */
  readonly targetStartOffsets: readonly number[];
  /**
   * The partitions the consumer reads. A sample keeps the harness's consumer from competing with
   * the replicator for the two cores (records are round-robin, so every partition sees the same
   * load); all partitions when absent.
   */
  readonly sampledPartitions?: readonly number[];
  readonly recordsPerSecond: number;
  /** Measured load, after `warmupSeconds` of the same load that is not in the statistics. */
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly payload: Payload;
  readonly compression: Compression;
  /** How long to wait after the last record was produced for the rest to arrive. */
  readonly drainTimeoutMs: number;
  /** Polls the target's end offsets once a second, to tell a replicator that lags from a consumer that does. */
  readonly targetWatch?: OffsetWatcher;
  readonly log: (line: string) => void;
}

export interface LatencyResult {
  readonly targetRecordsPerSecond: number;
  /** Records produced / seconds actually spent producing. */
  readonly achievedRecordsPerSecond: number;
  /** Producing time, warm-up included. */
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly produced: number;
  readonly received: number;
  /** Records in the latency statistics (those after the warm-up). */
  readonly measured: number;
  readonly duplicates: number;
  readonly ms: ConsumerResult['ms'];
  /** Event-loop delay of the producing (harness) and the consuming process: the measurement error. */
  readonly eventLoopDelayMs: { readonly producer: ConsumerResult['eventLoopDelayMs'];
    readonly consumer: ConsumerResult['eventLoopDelayMs'] };
  /** Per second of the load (by CreateTime): [second, records, mean latency ms, max latency ms]. */
  readonly perSecond: ConsumerResult['perSecond'];
  /**
   * About once a second, counting the sampled partitions only: [seconds, produced, new records on
   * the target, received by the consumer]. Tells a lagging replicator from a lagging consumer.
   */
  readonly progress: readonly (readonly [number, number, number, number])[];
  readonly sampledPartitions: readonly number[];
}

type ConsumerMessage = ConsumerResult | { type: 'ready' } | { type: 'progress'; received: number }
  | { type: 'error'; message: string };

/**
 * Produces `recordsPerSecond` to the source for `warmupSeconds` + `seconds` (in 10 ms steps,
 * CreateTime = the produce() call; the warm-up records are not in the statistics) while a consumer in a child process (lib/latency-consumer.ts) reads the target
 * topic from `targetStartOffsets`; latency = the time that consumer hands the record to
 * JavaScript − its CreateTime, in ms.
 */
export async function measureLatency(options: LatencyOptions): Promise<LatencyResult> {
  const { payload, partitions } = options;
  const sampled = [...(options.sampledPartitions ?? Array.from({ length: partitions }, (_, p) => p))];
  const inSample = new Set(sampled);
  /** How many of the first n records (round-robin) went to the sampled partitions. */
  const sampledOf = (n: number): number =>
    sampled.reduce((sum, p) => sum + (n > p ? Math.floor((n - 1 - p) / partitions) + 1 : 0), 0);
  const loadSeconds = options.warmupSeconds + options.seconds;
  const total = Math.round(options.recordsPerSecond * loadSeconds);
  const child = fork(fileURLToPath(new URL('./latency-consumer.ts', import.meta.url)), {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let received = 0;
  let result: ConsumerResult | undefined;
  let childError: Error | undefined;
  let readyResolve: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    readyResolve = resolve;
  });
  const finished = new Promise<void>((resolve) => {
    child.on('message', (message: ConsumerMessage) => {
      if (message.type === 'ready') readyResolve();
      else if (message.type === 'progress') received = message.received;
      else if (message.type === 'result') {
        result = message;
        received = message.received;
      } else if (message.type === 'error') childError = new Error(`latency consumer: ${message.message}`);
    });
    child.once('exit', (code) => {
      if (!result && !childError) childError = new Error(`latency consumer exited with ${code}`);
      readyResolve();
      resolve();
    });
  });
  const job: ConsumerJob = {
    bootstrap: options.targetBootstrap, topic: options.targetTopic, partitions: sampled,
    startOffsets: options.targetStartOffsets, total, seconds: loadSeconds,
    warmupRecords: Math.round(options.recordsPerSecond * options.warmupSeconds),
  };
  child.send(job);

  let producer: InstanceType<typeof Producer> | undefined;
  let poller: NodeJS.Timeout | undefined;
  try {
    producer = await connect(new Producer({
      'bootstrap.servers': options.sourceBootstrap,
      'client.id': 'bench-latency-producer',
      'linger.ms': 5,
      'queue.buffering.max.messages': 1_000_000,
      'compression.codec': codec(options.compression) as ProducerGlobalConfig['compression.codec'],
      'dr_cb': true,
      log_level: 3,
    }));
    let failed = 0;
    producer.on('delivery-report', (err) => {
      if (err) failed++;
    });
    producer.setPollInterval(50);
    await ready;
    if (childError) throw childError;

    const loopDelay = monitorEventLoopDelay({ resolution: 5 });
    loopDelay.enable();
    let produced = 0;
    child.send({ type: 'start', wallMs: Date.now() });
    const started = performance.now();
    const endAt = started + loadSeconds * 1000;
    const progress: [number, number, number, number][] = [];
    const targetStart = options.targetStartOffsets.reduce((a, b, p) => a + (inSample.has(p) ? b : 0), 0);
    let polling = false;
    poller = setInterval(() => {
      if (!options.targetWatch || polling) return;
      polling = true;
      const at = (performance.now() - started) / 1000;
      const producedThen = sampledOf(produced);
      const receivedThen = received;
      void options.targetWatch.endOffsets(options.targetTopic, partitions).then((ends) => {
        const onTarget = (ends ?? []).reduce((a, b, p) => a + (inSample.has(p) ? b : 0), 0);
        progress.push([Math.round(at * 10) / 10, producedThen, onTarget - targetStart, receivedThen]);
      }).finally(() => {
        polling = false;
      });
    }, 1_000);

    for (;;) {
      const now = performance.now();
      const due = Math.min(total, Math.floor(((now - started) / 1000) * options.recordsPerSecond));
      while (produced < due) {
        try {
          producer.produce(options.sourceTopic, produced % partitions, payload.value(produced),
            payload.key(produced, 'lat'), Date.now(), null, payload.headers(produced, 'latency'));
          produced++;
        } catch (err) {
          if ((err as { code?: number }).code !== QUEUE_FULL) throw err;
          break;
        }
      }
      if (produced >= total || now >= endAt) break;
      await delay(10);
    }
    const produceSeconds = (performance.now() - started) / 1000;
    const p = producer;
    await new Promise<void>((resolve, reject) =>
      p.flush(60_000, (err) => (err ? reject(new Error(`latency producer flush: ${err.message}`)) : resolve())));
    const expected = sampledOf(produced);
    child.send({ type: 'drain', expected, timeoutMs: options.drainTimeoutMs });
    await finished;
    clearInterval(poller);
    loopDelay.disable();
    if (childError) throw childError;
    const r = result!;
    if (r.received < expected) {
      options.log(`latency: only ${r.received} of the ${expected} records of the sampled partitions arrived ` +
        `within ${options.drainTimeoutMs} ms of the end`);
    }
    if (failed > 0) options.log(`latency: ${failed} records failed to produce`);
    return {
      targetRecordsPerSecond: options.recordsPerSecond,
      achievedRecordsPerSecond: produced / produceSeconds,
      seconds: produceSeconds,
      warmupSeconds: options.warmupSeconds,
      produced,
      received: r.received,
      measured: r.measured,
      duplicates: r.duplicates,
      ms: r.ms,
      eventLoopDelayMs: { producer: { p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 },
        consumer: r.eventLoopDelayMs },
      perSecond: r.perSecond,
      progress,
      sampledPartitions: sampled,
    };
  } finally {
    if (poller) clearInterval(poller);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    if (producer) {
      producer.setPollInterval(0);
      await disconnect(producer);
    }
  }
}
