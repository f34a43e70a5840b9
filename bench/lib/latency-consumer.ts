/**
 * The latency phase's consumer, in a process of its own (forked by clients.ts#measureLatency) so
 * that neither the producer's ticks nor the harness's offset polling share its event loop or its
 * libuv thread pool (node-rdkafka's consume() and queryWatermarkOffsets() both block pool
 * threads). Protocol over IPC:
 *
 *   parent → child  { type: 'start', wallMs }           the load starts now (wall clock)
 *   parent → child  { type: 'drain', expected, timeoutMs } production is over; wait for `expected`
 *   child → parent  { type: 'ready' } | { type: 'progress', received } | { type: 'result', ... } | { type: 'error', message }
 */
import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { KafkaConsumer, type Message } from '../../src/kafka/rdkafka.js';

export interface ConsumerJob {
  readonly bootstrap: string;
  readonly topic: string;
  /** The partitions to read (a sample: records are spread round-robin, so any partition is representative). */
  readonly partitions: readonly number[];
  /** Start offset per partition number. */
  readonly startOffsets: readonly number[];
  /** Records the producer will write at most (sequence numbers 0 … total-1). */
  readonly total: number;
  /** Records below this sequence number are the warm-up: received, but not in the statistics. */
  readonly warmupRecords: number;
  /** Length of the whole load, warm-up included. */
  readonly seconds: number;
}

export interface ConsumerResult {
  readonly type: 'result';
  readonly received: number;
  /** Records in the statistics (received after the warm-up). */
  readonly measured: number;
  readonly duplicates: number;
  readonly ms: { readonly p50: number; readonly p90: number; readonly p99: number; readonly p999: number;
    readonly max: number; readonly mean: number; readonly min: number };
  readonly eventLoopDelayMs: { readonly p99: number; readonly max: number };
  readonly perSecond: readonly (readonly [number, number, number, number])[];
}

type ParentMessage = { type: 'start'; wallMs: number } | { type: 'drain'; expected: number; timeoutMs: number };

async function run(job: ConsumerJob): Promise<ConsumerResult> {
  const consumer = new KafkaConsumer({
    'bootstrap.servers': job.bootstrap,
    'group.id': `bench-latency-${randomBytes(4).toString('hex')}`,
    'client.id': 'bench-latency-consumer',
    'enable.auto.commit': false,
    'fetch.wait.max.ms': 100,
    'fetch.min.bytes': 1,
    log_level: 3,
  }, { 'auto.offset.reset': 'earliest' });
  await new Promise<void>((resolve, reject) =>
    consumer.connect({ timeout: 30_000 }, (err) => (err ? reject(new Error(err.message)) : resolve())));
  // A short per-message wait: consume(n) returns as soon as the local queue runs dry, so the
  // receive time of a record is off by at most ~5 ms plus the time to take `n` from the queue.
  consumer.setDefaultConsumeTimeout(5);
  consumer.assign(job.partitions.map((partition) =>
    ({ topic: job.topic, partition, offset: job.startOffsets[partition] ?? 0 })));

  const seen = new Uint8Array(job.total);
  const histogram = new Uint32Array(600_001); // one bucket per ms up to 10 min
  const buckets = Math.ceil(job.seconds) + 1;
  const perSecondCount = new Float64Array(buckets);
  const perSecondSum = new Float64Array(buckets);
  const perSecondMax = new Float64Array(buckets);
  let startWall = Infinity;
  let received = 0;
  let measured = 0;
  let duplicates = 0;
  let sum = 0;
  let min = Infinity;
  let max = 0;
  let drain: { expected: number; until: number } | undefined;

  process.on('message', (message: ParentMessage) => {
    if (message.type === 'start') startWall = message.wallMs;
    else if (message.type === 'drain') drain = { expected: message.expected, until: Date.now() + message.timeoutMs };
  });
  const progress = setInterval(() => process.send?.({ type: 'progress', received }), 500);
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });

  try {
    // Let the consumer reach the partition leaders and start fetching before the load begins.
    const warmUntil = Date.now() + 1_500;
    let ready = false;
    for (;;) {
      if (!ready && Date.now() >= warmUntil) {
        ready = true;
        loopDelay.enable();
        process.send?.({ type: 'ready' });
      }
      if (drain && (received >= drain.expected || Date.now() > drain.until)) break;
      const messages = await new Promise<Message[]>((resolve, reject) =>
        consumer.consume(128, (err, batch) => (err ? reject(new Error(err.message)) : resolve(batch))));
      const now = Date.now();
      for (const m of messages) {
        const key = m.key?.toString('latin1') ?? '';
        if (!key.startsWith('lat-')) continue;
        const seq = Number(key.slice(4));
        if (!(seq >= 0 && seq < job.total)) continue;
        if (seen[seq]) {
          duplicates++;
          continue;
        }
        seen[seq] = 1;
        received++;
        const createTime = m.timestamp ?? now;
        const latency = Math.max(0, now - createTime);
        const bucket = Math.min(buckets - 1, Math.max(0, Math.floor((createTime - startWall) / 1000)));
        perSecondCount[bucket]!++;
        perSecondSum[bucket]! += latency;
        if (latency > perSecondMax[bucket]!) perSecondMax[bucket] = latency;
        if (seq < job.warmupRecords) continue;
        measured++;
        histogram[Math.min(latency, histogram.length - 1)]!++;
        sum += latency;
        if (latency < min) min = latency;
        if (latency > max) max = latency;
      }
      if (messages.length === 0 && !ready) await delay(5);
    }
  } finally {
    clearInterval(progress);
    loopDelay.disable();
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }

  const quantile = (q: number): number => {
    const rank = Math.max(1, Math.ceil(q * measured));
    let count = 0;
    for (let ms = 0; ms < histogram.length; ms++) {
      count += histogram[ms]!;
      if (count >= rank) return ms;
    }
    return max;
  };
  return {
    type: 'result',
    received,
    measured,
    duplicates,
    ms: {
      p50: quantile(0.5), p90: quantile(0.9), p99: quantile(0.99), p999: quantile(0.999),
      max, min: measured > 0 ? min : 0, mean: measured > 0 ? Math.round((sum / measured) * 10) / 10 : 0,
    },
    eventLoopDelayMs: { p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 },
    perSecond: Array.from({ length: buckets }, (_, i) => [i, perSecondCount[i]!,
      perSecondCount[i]! > 0 ? Math.round(perSecondSum[i]! / perSecondCount[i]!) : 0, perSecondMax[i]!] as const),
  };
}

if (process.send) {
  process.once('message', (job: ConsumerJob) => {
    run(job).then(
      (result) => process.send!(result, () => process.exit(0)),
      (err: Error) => process.send!({ type: 'error', message: err.stack ?? err.message }, () => process.exit(1)),
    );
  });
}
