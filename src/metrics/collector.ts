/**
 * kmirror's Prometheus metrics (prom-client), computed at scrape time from EngineView snapshots:
 * nothing is counted per record here. The shards count records, bytes and latency buckets in
 * C++; a scrape reads their cumulative figures and turns them into the series of names.ts.
 *
 * Invariants:
 * - One snapshot per scrape: every metric of one `registry.metrics()` call is computed from the
 *   same `view.status()`/`checkpoints()`/`heartbeats()` (see `scrape()` below).
 * - Counters never go backwards. A shard's figures are cumulative since *that shard* started, and
 *   a restarted shard starts again from zero; so totals are kept here per origin (flow, shard,
 *   partition) and grow only by the positive difference to the figures last seen. A figure lower
 *   than last time means the origin restarted, and all of it is new. (A restarted shard that is
 *   already past every previous figure of a partition at the next scrape is not recognised: the
 *   counter then falls short by the old figures, but still never goes backwards.)
 * - Counter series, once seen, stay exported (at their total) while the process lives, so a
 *   partition that moves to another process keeps a continuous series here.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { collectDefaultMetrics, Counter, Gauge, Registry, type Metric } from 'prom-client';
import { LATENCY_BUCKETS_MS, type EngineView, type FlowStatus } from '../engine/view.js';
import {
  GROUP_SYNC_STATES, METRICS, PARTITION_STATUSES, TOPIC_STATES,
  type Fold, type MetricDefinition, type MetricKey,
} from './names.js';

export interface MetricsOptions {
  /** false: drop the `partition` label (sum counts, max times per topic), for clusters with thousands of partitions. */
  readonly partitionLabels: boolean;
  /** The clock ages and time lags are measured with (epoch ms); default Date.now. */
  readonly now?: () => number;
}

export interface KmirrorMetrics {
  readonly registry: Registry;
  /** Content-Type of `text()` (Prometheus text format 0.0.4). */
  readonly contentType: string;
  /** The exposition of every metric: what `GET /metrics` answers. */
  text(): Promise<string>;
  /** Stops the event loop delay monitor. */
  close(): void;
}

type Labels = Readonly<Record<string, string>>;

interface Series {
  readonly labels: Labels;
  value: number;
}

interface HistogramSeries {
  readonly labels: Labels;
  /** Per bucket of LATENCY_BUCKETS_MS plus a last +Inf bucket; not cumulative. */
  readonly buckets: number[];
  /** Sum of the observations in seconds; undefined when the shards do not report one. */
  sum: number | undefined;
}

/** Number of buckets the shards count in: one per bound plus +Inf. */
const BUCKETS = LATENCY_BUCKETS_MS.length + 1;
const BOUNDS_SECONDS = LATENCY_BUCKETS_MS.map((ms) => ms / 1000);

const combine: Record<Fold, (a: number, b: number) => number> = { sum: (a, b) => a + b, max: Math.max };

/** The series of one metric from one scrape; drops the partition label when folding. */
class Family {
  private readonly byKey = new Map<string, Series>();

  constructor(private readonly def: MetricDefinition, private readonly fold: boolean) {}

  add(labels: Labels, value: number): void {
    const { partition: _dropped, ...folded } = labels;
    const exported = this.fold ? folded : labels;
    const key = Object.values(exported).join('\u0000');
    const existing = this.byKey.get(key);
    if (existing) existing.value = combine[this.def.fold ?? 'max'](existing.value, value);
    else this.byKey.set(key, { labels: exported, value });
  }

  series(): Iterable<Series> {
    return this.byKey.values();
  }
}

class HistogramFamily {
  private readonly byKey = new Map<string, HistogramSeries>();

  constructor(private readonly fold: boolean) {}

  add(labels: Labels, buckets: readonly number[], sum: number | undefined): void {
    const { partition: _dropped, ...folded } = labels;
    const exported = this.fold ? folded : labels;
    const key = Object.values(exported).join('\u0000');
    const existing = this.byKey.get(key);
    if (!existing) {
      this.byKey.set(key, { labels: exported, buckets: buckets.slice(), sum });
      return;
    }
    for (let i = 0; i < BUCKETS; i++) existing.buckets[i] = (existing.buckets[i] ?? 0) + (buckets[i] ?? 0);
    existing.sum = existing.sum === undefined || sum === undefined ? undefined : existing.sum + sum;
  }

  series(): Iterable<HistogramSeries> {
    return this.byKey.values();
  }
}

/**
 * Cumulative figures from origins that may restart from zero, made monotonic: `advance` adds to
 * `total` what each figure grew since the last call for the same origin.
 */
class MonotonicTotals {
  private readonly last = new Map<string, readonly number[]>();

  advance(origin: string, current: readonly number[], total: number[]): void {
    const last = this.last.get(origin);
    this.last.set(origin, current);
    const restarted = last === undefined || current.some((v, i) => v < (last[i] ?? 0));
    for (let i = 0; i < current.length; i++) {
      const grew = restarted ? current[i]! : current[i]! - last[i]!;
      total[i] = (total[i] ?? 0) + grew;
    }
  }
}

/** The shards' bucket counts in exactly BUCKETS slots (anything past the last bound is +Inf). */
function normaliseBuckets(counts: readonly number[]): number[] {
  const out = new Array<number>(BUCKETS).fill(0);
  counts.forEach((n, i) => {
    out[Math.min(i, BUCKETS - 1)]! += n;
  });
  return out;
}

// Layout of a partition's cumulative figures (one origin = one shard's view of one partition).
const P_RECORDS = 0;
const P_BYTES = 1;
const P_LATENCY_SUM_MS = 2;
const P_LATENCY = 3;
const P_AGE = P_LATENCY + BUCKETS;
const P_AGE_SUM_MS = P_AGE + BUCKETS;
const P_SIZE = P_AGE_SUM_MS + 1;

// Layout of a shard's cumulative librdkafka figures.
const S_RX = 0;
const S_TX = 1;
const S_ERRORS = 2;
const S_RETRIES = 3;
const S_SYNCS_WRITTEN = 4;
const S_SYNCS_DROPPED = 5;
const S_SYNCS_FAILED = 6;

interface PartitionTotals {
  readonly labels: Labels;
  readonly figures: number[];
  readonly lost: number[];
}

/** The per-partition gauges of one scrape, one entry per partition even when two shards report it during a rebalance. */
interface PartitionNow {
  readonly labels: Labels;
  lag: number | undefined;
  timeLagSeconds: number | undefined;
  status: string;
}

const seconds = (ms: number) => Math.max(0, ms) / 1000;

export function createMetrics(view: EngineView, options: MetricsOptions): KmirrorMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();

  const origins = new MonotonicTotals();
  const partitionTotals = new Map<string, PartitionTotals>();
  const shardTotals = new Map<string, { labels: Labels; figures: number[] }>();
  const checkpointTotals = new Map<string, { labels: Labels; emitted: number[] }>();
  const fold = !options.partitionLabels;

  /** Reads the view once and computes every kmirror series. */
  function take(): Map<MetricKey, Family | HistogramFamily> {
    const now = (options.now ?? Date.now)();
    const families = new Map<MetricKey, Family | HistogramFamily>();
    for (const [key, def] of Object.entries(METRICS) as [MetricKey, MetricDefinition][]) {
      families.set(key, def.type === 'histogram' ? new HistogramFamily(fold) : new Family(def, fold));
    }
    const family = (key: MetricKey) => families.get(key) as Family;
    const histogram = (key: MetricKey) => families.get(key) as HistogramFamily;

    const flows = view.status();
    const current = new Map<string, PartitionNow>();
    for (const flow of flows) {
      const flowLabels = { flow: flow.flow, source: flow.source, target: flow.target };
      for (const p of flow.partitions) {
        const id = `${flow.flow}\u0000${p.topic}\u0000${p.partition}`;
        const labels = { ...flowLabels, topic: p.remoteTopic, partition: String(p.partition) };
        let totals = partitionTotals.get(id);
        if (!totals) {
          totals = { labels, figures: new Array<number>(P_SIZE).fill(0), lost: [0] };
          partitionTotals.set(id, totals);
        }
        const figures = [p.records, p.bytes, p.latencySumMs, ...normaliseBuckets(p.latencyBuckets), ...normaliseBuckets(p.ageBuckets), p.ageSumMs];
        origins.advance(`p\u0000${id}\u0000${p.shard}\u0000${p.shardGeneration}`, figures, totals.figures);
        origins.advance(`l\u0000${id}`, [p.lostRecords], totals.lost);

        if (p.status === 'REVOKED') continue;
        const lag = p.highWatermark >= 0 && p.position >= 0 ? Math.max(0, p.highWatermark - p.position) : undefined;
        const timeLagSeconds = lag === 0 ? 0 : lag !== undefined && p.lastTimestamp >= 0 ? seconds(now - p.lastTimestamp) : undefined;
        const seen = current.get(id);
        if (!seen) current.set(id, { labels, lag, timeLagSeconds, status: p.status });
        else {
          // Two shards report the partition while it moves between them: keep the larger lag.
          if (lag !== undefined) seen.lag = Math.max(seen.lag ?? 0, lag);
          if (timeLagSeconds !== undefined) seen.timeLagSeconds = Math.max(seen.timeLagSeconds ?? 0, timeLagSeconds);
        }
      }

      for (const topic of flow.topics) {
        for (const state of TOPIC_STATES) family('topicState').add({ ...flowLabels, topic: topic.remote, state }, topic.state === state ? 1 : 0);
      }
      family('topicRefreshFailing').add(flowLabels, flow.lastRefreshError !== undefined ? 1 : 0);

      for (const shard of flow.shards) {
        const labels = { ...flowLabels, shard: String(shard.index) };
        const id = `${flow.flow}\u0000${shard.index}`;
        let totals = shardTotals.get(id);
        if (!totals) {
          totals = { labels, figures: [0, 0, 0, 0, 0, 0, 0] };
          shardTotals.set(id, totals);
        }
        family('shardRunning').add(labels, shard.running ? 1 : 0);
        family('shardUtilisation').add(labels, shard.utilisation);
        const syncs = shard.offsetSyncs ?? { written: 0, dropped: 0, failed: 0 };
        const syncFigures = [syncs.written, syncs.dropped, syncs.failed];
        const syncTotals = [totals.figures[S_SYNCS_WRITTEN]!, totals.figures[S_SYNCS_DROPPED]!, totals.figures[S_SYNCS_FAILED]!];
        origins.advance(`o\u0000${id}\u0000${shard.generation}`, syncFigures, syncTotals);
        totals.figures.splice(S_SYNCS_WRITTEN, 3, ...syncTotals);
        const c = shard.clients;
        if (!c) continue;
        origins.advance(`s\u0000${id}\u0000${shard.generation}`, [c.consumerRxBytes, c.producerTxBytes, c.producerTxErrors, c.producerTxRetries], totals.figures);
        family('consumerQueuedBytes').add(labels, c.consumerQueuedBytes);
        family('producerQueuedMessages').add(labels, c.producerQueuedMessages);
        family('producerQueuedBytes').add(labels, c.producerQueuedBytes);
        family('brokerRtt').add({ ...labels, client: 'consumer' }, seconds(c.consumerRttMs));
        family('brokerRtt').add({ ...labels, client: 'producer' }, seconds(c.producerRttMs));
      }
    }

    for (const { labels, figures, lost } of partitionTotals.values()) {
      family('records').add(labels, figures[P_RECORDS]!);
      family('bytes').add(labels, figures[P_BYTES]!);
      family('lostRecords').add(labels, lost[0]!);
      histogram('replicationLatency').add(labels, figures.slice(P_LATENCY, P_LATENCY + BUCKETS), seconds(figures[P_LATENCY_SUM_MS]!));
      // The shards report no sum of record ages: the histogram has buckets and a count only.
      histogram('recordAge').add(labels, figures.slice(P_AGE, P_AGE + BUCKETS), seconds(figures[P_AGE_SUM_MS]!));
    }
    for (const p of current.values()) {
      if (p.lag !== undefined) family('recordLag').add(p.labels, p.lag);
      if (p.timeLagSeconds !== undefined) family('timeLag').add(p.labels, p.timeLagSeconds);
      for (const status of PARTITION_STATUSES) family('partitions').add({ ...p.labels, status }, p.status === status ? 1 : 0);
    }
    for (const { labels, figures } of shardTotals.values()) {
      family('consumerReceivedBytes').add(labels, figures[S_RX]!);
      family('producerSentBytes').add(labels, figures[S_TX]!);
      family('producerRequestErrors').add(labels, figures[S_ERRORS]!);
      family('producerRequestRetries').add(labels, figures[S_RETRIES]!);
      family('offsetSyncs').add({ ...labels, result: 'written' }, figures[S_SYNCS_WRITTEN]!);
      family('offsetSyncs').add({ ...labels, result: 'dropped' }, figures[S_SYNCS_DROPPED]!);
      family('offsetSyncs').add({ ...labels, result: 'failed' }, figures[S_SYNCS_FAILED]!);
    }

    collectCheckpoints(flows, now, family);

    const sourceOf = new Map(flows.map((f) => [f.flow, f.source]));
    for (const h of view.heartbeats()) {
      const labels = { flow: h.flow, source: sourceOf.get(h.flow) ?? h.upstream, target: h.target };
      if (h.lastReplicatedMs >= 0) family('heartbeatAge').add({ ...labels, upstream: h.upstream }, seconds(now - h.lastReplicatedMs));
      if (h.lastEmittedMs >= 0) family('heartbeatEmitAge').add(labels, seconds(now - h.lastEmittedMs));
    }

    family('ready').add({}, view.readiness().ready ? 1 : 0);
    const sampled = loopDelay.count > 0;
    family('eventLoopDelayP99').add({}, sampled ? loopDelay.percentile(99) / 1e9 : 0);
    family('eventLoopDelayMax').add({}, sampled ? loopDelay.max / 1e9 : 0);
    loopDelay.reset();
    return families;
  }

  function collectCheckpoints(flows: readonly FlowStatus[], now: number, family: (key: MetricKey) => Family): void {
    // Every flow has its checkpoint counter and failure flag from the start, emitting or not.
    const flowLabels = new Map(flows.map((f) => [f.flow, { flow: f.flow, source: f.source, target: f.target }]));
    for (const [flow, labels] of flowLabels) if (!checkpointTotals.has(flow)) checkpointTotals.set(flow, { labels, emitted: [0] });
    const failing = new Set<string>();
    for (const cp of view.checkpoints()) {
      let totals = checkpointTotals.get(cp.flow);
      if (!totals) {
        const labels = flowLabels.get(cp.flow) ?? { flow: cp.flow, source: cp.groups[0]?.source ?? '', target: cp.groups[0]?.target ?? '' };
        totals = { labels, emitted: [0] };
        checkpointTotals.set(cp.flow, totals);
      }
      origins.advance(`c\u0000${cp.flow}`, [cp.emitted], totals.emitted);
      if (cp.lastError !== undefined) failing.add(cp.flow);
      if (cp.lastEmitMs >= 0) family('checkpointLatency').add(totals.labels, seconds(cp.lastLatencyMs));
      for (const g of cp.groups) {
        const groupLabels = { flow: g.flow, source: g.source, target: g.target, group: g.group };
        for (const state of GROUP_SYNC_STATES) family('groupSyncState').add({ ...groupLabels, state }, g.sync.state === state ? 1 : 0);
        for (const p of g.partitions) {
          const labels = { ...groupLabels, topic: p.remoteTopic, partition: String(p.partition) };
          family('failoverReread').add(labels, p.reread);
          family('failoverSkipped').add(labels, p.skipped);
          family('failoverUnreplicated').add(labels, p.unreplicated);
          if (p.lastEmitted) {
            family('checkpointAge').add(labels, seconds(now - p.lastEmitted.atMs));
            family('checkpointGap').add(labels, Math.max(0, p.upstreamOffset - p.lastEmitted.upstreamOffset));
          }
        }
      }
    }
    for (const [flow, { labels, emitted }] of checkpointTotals) {
      family('checkpointsEmitted').add(labels, emitted[0]!);
      family('checkpointFailing').add(labels, failing.has(flow) ? 1 : 0);
    }
  }

  // One snapshot per scrape: registry.metrics() calls every metric's get() synchronously, one
  // after the other, before any microtask runs; so a snapshot dropped in a microtask is shared
  // by exactly the metrics of one scrape.
  let snapshot: Map<MetricKey, Family | HistogramFamily> | undefined;
  const scrape = (): Map<MetricKey, Family | HistogramFamily> => {
    if (!snapshot) {
      snapshot = take();
      queueMicrotask(() => {
        snapshot = undefined;
      });
    }
    return snapshot;
  };

  for (const [key, def] of Object.entries(METRICS) as [MetricKey, MetricDefinition][]) {
    const config = { name: def.name, help: def.help, labelNames: def.labels, registers: [registry] };
    const series = () => (scrape().get(key) as Family).series();
    switch (def.type) {
      case 'gauge':
        new Gauge({
          ...config,
          collect() {
            this.reset();
            for (const s of series()) this.set(s.labels, s.value);
          },
        });
        break;
      case 'counter':
        new Counter({
          ...config,
          collect() {
            this.reset();
            for (const s of series()) this.inc(s.labels, s.value);
          },
        });
        break;
      case 'histogram':
        // prom-client's Histogram only counts its own observations: this one is registered as is.
        registry.registerMetric(new BucketHistogram(def.name, def.help, () => (scrape().get(key) as HistogramFamily).series()) as unknown as Metric);
        break;
    }
  }

  return {
    registry,
    contentType: registry.contentType,
    text: () => registry.metrics(),
    close: () => loopDelay.disable(),
  };
}

/**
 * A histogram read from bucket counts kept elsewhere (the shards count per LATENCY_BUCKETS_MS).
 * It has what prom-client's Registry asks of a metric (name, get(), reset()) and yields, per
 * label set, the text format's histogram: cumulative `_bucket{le}` in increasing `le` ending
 * with `+Inf`, then `_sum` (when known) and `_count` (equal to the `+Inf` bucket).
 */
class BucketHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';

  constructor(readonly name: string, readonly help: string, private readonly read: () => Iterable<HistogramSeries>) {}

  async get(): Promise<{ name: string; help: string; type: string; aggregator: string;
    values: { metricName: string; labels: Record<string, string>; value: number }[] }> {
    const values: { metricName: string; labels: Record<string, string>; value: number }[] = [];
    for (const s of this.read()) {
      let cumulative = 0;
      for (let i = 0; i < BUCKETS; i++) {
        cumulative += s.buckets[i] ?? 0;
        const le = i < BOUNDS_SECONDS.length ? String(BOUNDS_SECONDS[i]) : '+Inf';
        values.push({ metricName: `${this.name}_bucket`, labels: { ...s.labels, le }, value: cumulative });
      }
      if (s.sum !== undefined) values.push({ metricName: `${this.name}_sum`, labels: { ...s.labels }, value: s.sum });
      values.push({ metricName: `${this.name}_count`, labels: { ...s.labels }, value: cumulative });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {}
}
