import { afterEach, describe, expect, it } from 'vitest';
import type { CheckpointFlowStatus } from '../../../src/engine/view.js';
import { createMetrics, type KmirrorMetrics } from '../../../src/metrics/collector.js';
import { METRIC_LIST, METRICS } from '../../../src/metrics/names.js';
import { parseExposition, type Exposition } from './exposition.js';
import { buckets, clients, FakeView, flow, partition } from './fake-view.js';

const NOW = Date.now();
const opened: KmirrorMetrics[] = [];
afterEach(() => {
  for (const m of opened.splice(0)) m.close();
});

function metricsOf(view: FakeView, partitionLabels = true): { scrape(): Promise<Exposition>; metrics: KmirrorMetrics } {
  const metrics = createMetrics(view, { partitionLabels, now: () => NOW });
  opened.push(metrics);
  return { metrics, scrape: async () => parseExposition(await metrics.text()) };
}

function checkpointFlow(partial: Partial<CheckpointFlowStatus> = {}): CheckpointFlowStatus {
  return {
    flow: 'source->target', lastEmitMs: NOW - 1000, emitted: 12, lastLatencyMs: 40,
    groups: [{
      flow: 'source->target', source: 'source', target: 'target', group: 'orders-app',
      sync: { state: 'SYNCED' },
      partitions: [
        { topic: 'orders', partition: 0, remoteTopic: 'source.orders', upstreamOffset: 120, downstreamOffset: 120, metadata: '',
          lastEmitted: { upstreamOffset: 100, downstreamOffset: 100, atMs: NOW - 5000 }, reread: 20, skipped: 0, unreplicated: 3 },
        { topic: 'orders', partition: 1, remoteTopic: 'source.orders', upstreamOffset: 50, downstreamOffset: 50, metadata: '',
          lastEmitted: { upstreamOffset: 48, downstreamOffset: 48, atMs: NOW - 2000 }, reread: 2, skipped: 1, unreplicated: 0 },
      ],
    }],
    ...partial,
  };
}

/** A view where every metric of the table has something to show. */
function busyView(): FakeView {
  const view = new FakeView();
  view.flows = [flow({
    topics: [
      { source: 'orders', remote: 'source.orders', partitions: 2, state: 'REPLICATING', failedAttempts: 0 },
      { source: 'heartbeats', remote: 'source.heartbeats', partitions: 1, state: 'REPLICATING', failedAttempts: 0 },
    ],
    partitions: [
      partition({ topic: 'orders', partition: 0, records: 100, bytes: 1000, position: 100, highWatermark: 105, lastTimestamp: NOW - 3000,
        latencySumMs: 2000, latencyBuckets: buckets({ 5: 50, 50: 40, Infinity: 10 }), ageBuckets: buckets({ 5: 90, 1000: 10 }) }),
      partition({ topic: 'orders', partition: 1, records: 10, bytes: 70, position: 10, highWatermark: 10, lastTimestamp: NOW - 60_000,
        latencySumMs: 30, latencyBuckets: buckets({ 5: 10 }), ageBuckets: buckets({ 10: 10 }) }),
      partition({ topic: 'heartbeats', partition: 0, records: 5, bytes: 50, position: 5, highWatermark: 5, lastTimestamp: NOW - 1000,
        latencyBuckets: buckets({ 5: 5 }), ageBuckets: buckets({ 5: 5 }) }),
    ],
    shards: [{ index: 0, generation: 1, running: true, utilisation: 0.5, clients: clients({
      consumerQueuedBytes: 4096, consumerRxBytes: 10_000, producerQueuedMessages: 7, producerQueuedBytes: 2048, producerTxBytes: 9000,
      consumerRttMs: 2, producerRttMs: 3, producerTxErrors: 1, producerTxRetries: 2,
    }) }],
  })];
  view.checkpointFlows = [checkpointFlow()];
  view.heartbeatStatus = [{ flow: 'source->target', upstream: 'source', target: 'target', lastEmittedMs: NOW - 500, lastReplicatedMs: NOW - 1500 }];
  return view;
}

describe('createMetrics', () => {
  it('exports every metric of the table with its help, type and labels, and the process metrics', async () => {
    const exposition = await metricsOf(busyView()).scrape();
    for (const def of METRIC_LIST) {
      expect(exposition.help.get(def.name), def.name).toBe(def.help);
      expect(exposition.type.get(def.name), def.name).toBe(def.type);
      const sampleName = def.type === 'histogram' ? `${def.name}_bucket` : def.name;
      const samples = exposition.find(sampleName);
      expect(samples.length, `${def.name} has samples`).toBeGreaterThan(0);
      const expected = def.type === 'histogram' ? [...def.labels, 'le'] : [...def.labels];
      for (const s of samples) expect(Object.keys(s.labels).sort(), def.name).toEqual(expected.sort());
    }
    expect(exposition.find('process_cpu_seconds_total')).toHaveLength(1);
    expect(exposition.find('nodejs_heap_size_used_bytes')).toHaveLength(1);
  });

  it('keeps MM2 meanings: records and value bytes acknowledged, latency and age in seconds', async () => {
    const e = await metricsOf(busyView()).scrape();
    const p0 = { flow: 'source->target', source: 'source', target: 'target', topic: 'source.orders', partition: '0' };
    expect(e.value('kmirror_records_total', p0)).toBe(100);
    expect(e.value('kmirror_bytes_total', p0)).toBe(1000);
    expect(e.value('kmirror_replication_latency_seconds_count', p0)).toBe(100);
    expect(e.value('kmirror_replication_latency_seconds_sum', p0)).toBe(2);
    expect(e.value('kmirror_replication_latency_seconds_bucket', { ...p0, le: '0.005' })).toBe(50);
    expect(e.value('kmirror_record_age_seconds_bucket', { ...p0, le: '1' })).toBe(100);
    expect(e.value('kmirror_checkpoint_latency_seconds')).toBe(0.04);
    expect(e.value('kmirror_checkpoints_emitted_total')).toBe(12);
    expect(e.value('kmirror_broker_rtt_seconds', { client: 'producer' })).toBe(0.003);
    expect(e.value('kmirror_consumer_received_bytes_total')).toBe(10_000);
    expect(e.value('kmirror_shard_utilisation_ratio', { shard: '0' })).toBe(0.5);
  });

  it('computes record lag and time lag per partition', async () => {
    const view = busyView();
    view.flows[0]!.partitions[1]!.highWatermark = -1; // not fetched yet: lag unknown
    const e = await metricsOf(view).scrape();
    expect(e.value('kmirror_record_lag', { topic: 'source.orders', partition: '0' })).toBe(5);
    // Behind: now minus the newest record replicated (3 s ago).
    expect(e.value('kmirror_time_lag_seconds', { topic: 'source.orders', partition: '0' })).toBeCloseTo(3, 0);
    // Caught up: 0, however old the last record.
    expect(e.value('kmirror_time_lag_seconds', { topic: 'source.heartbeats' })).toBe(0);
    expect(e.find('kmirror_record_lag', { topic: 'source.orders', partition: '1' })).toEqual([]);
    expect(e.find('kmirror_time_lag_seconds', { topic: 'source.orders', partition: '1' })).toEqual([]);
  });

  it('reports failover exposure, the translation gap and checkpoint age per group partition', async () => {
    const e = await metricsOf(busyView()).scrape();
    const g0 = { group: 'orders-app', topic: 'source.orders', partition: '0' };
    expect(e.value('kmirror_failover_reread_records', g0)).toBe(20);
    expect(e.value('kmirror_failover_skipped_records', g0)).toBe(0);
    expect(e.value('kmirror_failover_unreplicated_records', g0)).toBe(3);
    expect(e.value('kmirror_checkpoint_gap_records', g0)).toBe(20);
    expect(e.value('kmirror_checkpoint_age_seconds', g0)).toBeCloseTo(5, 0);
    expect(e.value('kmirror_group_sync_state', { group: 'orders-app', state: 'SYNCED' })).toBe(1);
    expect(e.value('kmirror_group_sync_state', { group: 'orders-app', state: 'ACTIVE_ON_TARGET' })).toBe(0);
  });

  it('reports heartbeat ages, and none for heartbeats never seen', async () => {
    const view = busyView();
    let e = await metricsOf(view).scrape();
    expect(e.value('kmirror_heartbeat_age_seconds', { upstream: 'source' })).toBeCloseTo(1.5, 0);
    expect(e.value('kmirror_heartbeat_emit_age_seconds')).toBeCloseTo(0.5, 0);
    view.heartbeatStatus = [{ flow: 'source->target', upstream: 'source', target: 'target', lastEmittedMs: -1, lastReplicatedMs: -1 }];
    e = await metricsOf(view).scrape();
    expect(e.find('kmirror_heartbeat_age_seconds')).toEqual([]);
    expect(e.find('kmirror_heartbeat_emit_age_seconds')).toEqual([]);
  });

  it('exports failure and data-loss series with value 0 in a healthy run', async () => {
    const view = new FakeView();
    view.flows = [flow({
      topics: [{ source: 'orders', remote: 'source.orders', partitions: 1, state: 'REPLICATING', failedAttempts: 0 }],
      partitions: [partition({ topic: 'orders', partition: 0 })],
      shards: [{ index: 0, generation: 1, running: true, utilisation: 0 }], // no librdkafka statistics yet
    })];
    const e = await metricsOf(view).scrape();
    expect(e.value('kmirror_lost_records_total')).toBe(0);
    expect(e.value('kmirror_partitions', { status: 'FAILED' })).toBe(0);
    expect(e.value('kmirror_partitions', { status: 'RUNNING' })).toBe(1);
    expect(e.value('kmirror_topic_state', { state: 'CREATE_FAILED' })).toBe(0);
    expect(e.value('kmirror_topic_refresh_failing')).toBe(0);
    expect(e.value('kmirror_checkpoint_failing')).toBe(0);
    expect(e.value('kmirror_checkpoints_emitted_total')).toBe(0);
    expect(e.value('kmirror_producer_request_errors_total')).toBe(0);
    expect(e.value('kmirror_producer_request_retries_total')).toBe(0);
    expect(e.value('kmirror_ready')).toBe(1);
    expect(e.find('kmirror_producer_queued_bytes')).toEqual([]); // unknown until the first statistics
  });

  it('never lets a counter go backwards when a shard restarts or a partition moves between shards', async () => {
    const view = busyView();
    const { scrape } = metricsOf(view);
    const p0 = { topic: 'source.orders', partition: '0' };
    const scrapes = [await scrape()];
    expect(scrapes[0]!.value('kmirror_records_total', p0)).toBe(100);

    // The shard restarts: its figures start again from zero, and it has copied 30 records since.
    const f = view.flows[0]!;
    view.flows = [{ ...f,
      partitions: f.partitions.map((p) => ({ ...p, records: p.records > 0 ? 30 : 0, bytes: p.bytes > 0 ? 300 : 0, latencySumMs: 60,
        latencyBuckets: buckets({ 5: 30 }), ageBuckets: buckets({ 5: 30 }) })),
      shards: [{ index: 0, generation: 1, running: true, utilisation: 0.1, clients: clients({ consumerRxBytes: 500, producerTxBytes: 400, producerTxErrors: 0, producerTxRetries: 1 }) }],
    }];
    view.checkpointFlows = [checkpointFlow({ emitted: 2 })];
    scrapes.push(await scrape());
    expect(scrapes[1]!.value('kmirror_records_total', p0)).toBe(130);
    expect(scrapes[1]!.value('kmirror_bytes_total', p0)).toBe(1300);
    expect(scrapes[1]!.value('kmirror_replication_latency_seconds_count', p0)).toBe(130);
    expect(scrapes[1]!.value('kmirror_replication_latency_seconds_sum', p0)).toBeCloseTo(2.06);
    expect(scrapes[1]!.value('kmirror_consumer_received_bytes_total')).toBe(10_500);
    expect(scrapes[1]!.value('kmirror_producer_request_errors_total')).toBe(1);
    expect(scrapes[1]!.value('kmirror_producer_request_retries_total')).toBe(3);
    expect(scrapes[1]!.value('kmirror_checkpoints_emitted_total')).toBe(14);

    // It goes on counting from there.
    view.flows = [{ ...view.flows[0]!, partitions: view.flows[0]!.partitions.map((p) => p.partition === 0 && p.topic === 'orders'
      ? { ...p, records: 50, latencyBuckets: buckets({ 5: 50 }) } : p) }];
    scrapes.push(await scrape());
    expect(scrapes[2]!.value('kmirror_records_total', p0)).toBe(150);

    // The partition moves to shard 1, which counts it from zero; shard 0 no longer shows it.
    view.flows = [{ ...view.flows[0]!,
      partitions: view.flows[0]!.partitions.map((p) => p.partition === 0 && p.topic === 'orders'
        ? { ...p, shard: 1, records: 5, latencyBuckets: buckets({ 5: 5 }) } : p),
      shards: [...view.flows[0]!.shards, { index: 1, generation: 1, running: true, utilisation: 0 }] }];
    scrapes.push(await scrape());
    expect(scrapes[3]!.value('kmirror_records_total', p0)).toBe(155);

    // The shard restarts again and, before the next scrape, copies more than it had shown before:
    // no figure went down, but its generation tells the restart apart.
    view.flows = [{ ...view.flows[0]!,
      partitions: view.flows[0]!.partitions.map((p) => p.partition === 0 && p.topic === 'orders'
        ? { ...p, shardGeneration: 2, records: 400, latencyBuckets: buckets({ 5: 400 }) } : p) }];
    scrapes.push(await scrape());
    expect(scrapes[4]!.value('kmirror_records_total', p0)).toBe(555);

    // No counter series (histogram buckets and counts included) ever decreased.
    for (let i = 1; i < scrapes.length; i++) {
      for (const before of scrapes[i - 1]!.samples) {
        const monotonic = scrapes[i - 1]!.type.get(before.name) === 'counter' || /_(bucket|count|sum)$/.test(before.name);
        if (!monotonic || before.name.startsWith('process_') || before.name.startsWith('nodejs_')) continue;
        const after = scrapes[i]!.value(before.name, before.labels);
        expect(after, `${before.name} ${JSON.stringify(before.labels)} in scrape ${i}`).toBeGreaterThanOrEqual(before.value);
      }
    }
  });

  it('folds the partition label away: sums counts and histograms, takes the largest time', async () => {
    const view = busyView();
    view.flows[0]!.partitions[1]!.status = 'FAILED';
    const e = await metricsOf(view, false).scrape();
    const kmirrorSamples = e.samples.filter((s) => s.name.startsWith('kmirror_'));
    expect(kmirrorSamples.filter((s) => 'partition' in s.labels)).toEqual([]);
    const orders = { topic: 'source.orders' };
    expect(e.value('kmirror_records_total', orders)).toBe(110);
    expect(e.value('kmirror_bytes_total', orders)).toBe(1070);
    expect(e.value('kmirror_record_lag', orders)).toBe(5);
    expect(e.value('kmirror_time_lag_seconds', orders)).toBeCloseTo(3, 0);
    expect(e.value('kmirror_partitions', { ...orders, status: 'RUNNING' })).toBe(1);
    expect(e.value('kmirror_partitions', { ...orders, status: 'FAILED' })).toBe(1);
    expect(e.value('kmirror_partitions', { ...orders, status: 'WAITING' })).toBe(0);
    expect(e.value('kmirror_replication_latency_seconds_count', orders)).toBe(110);
    expect(e.value('kmirror_replication_latency_seconds_sum', orders)).toBeCloseTo(2.03);
    expect(e.value('kmirror_replication_latency_seconds_bucket', { ...orders, le: '0.005' })).toBe(60);
    expect(e.value('kmirror_failover_reread_records', { group: 'orders-app' })).toBe(22);
    expect(e.value('kmirror_failover_skipped_records', { group: 'orders-app' })).toBe(1);
    expect(e.value('kmirror_checkpoint_gap_records', { group: 'orders-app' })).toBe(22);
    expect(e.value('kmirror_checkpoint_age_seconds', { group: 'orders-app' })).toBeCloseTo(5, 0);
    // The definitions say how each per-partition metric folds.
    for (const def of METRIC_LIST) expect(def.labels.includes('partition'), def.name).toBe(def.fold !== undefined);
  });

  it('writes histograms in the text format: cumulative buckets in increasing le, +Inf equal to _count', async () => {
    const view = busyView();
    // A shard with fewer or more slots than expected: missing ones count 0, extra ones fall in +Inf.
    view.flows[0]!.partitions.push(partition({ topic: 'orders', partition: 2, records: 4, latencyBuckets: [1, 1], ageBuckets: [...buckets(), 2, 2] }));
    const { metrics } = metricsOf(view);
    const text = await metrics.text();
    const e = parseExposition(text);
    for (const name of [METRICS.replicationLatency.name, METRICS.recordAge.name]) {
      const bySeries = new Map<string, { le: string; value: number }[]>();
      for (const s of e.find(`${name}_bucket`)) {
        const { le, ...rest } = s.labels;
        const key = JSON.stringify(rest);
        bySeries.set(key, [...(bySeries.get(key) ?? []), { le: le!, value: s.value }]);
      }
      expect(bySeries.size).toBe(4);
      for (const [key, series] of bySeries) {
        const les = series.map((b) => (b.le === '+Inf' ? Infinity : Number(b.le)));
        expect(les.at(-1)).toBe(Infinity);
        for (let i = 1; i < series.length; i++) {
          expect(les[i]!).toBeGreaterThan(les[i - 1]!);
          expect(series[i]!.value).toBeGreaterThanOrEqual(series[i - 1]!.value);
        }
        expect(e.value(`${name}_count`, JSON.parse(key) as Record<string, string>)).toBe(series.at(-1)!.value);
      }
    }
    expect(e.value('kmirror_replication_latency_seconds_count', { partition: '2', topic: 'source.orders' })).toBe(2);
    expect(e.value('kmirror_record_age_seconds_count', { partition: '2', topic: 'source.orders' })).toBe(4);
    expect(e.value('kmirror_record_age_seconds_bucket', { partition: '2', topic: 'source.orders', le: '60' })).toBe(0);
    // One family per metric: its lines are contiguous, after its HELP and TYPE.
    const lines = text.split('\n');
    const start = lines.indexOf(`# TYPE ${METRICS.replicationLatency.name} histogram`);
    const family = lines.slice(start + 1).filter((l) => l.startsWith(METRICS.replicationLatency.name));
    expect(lines.slice(start + 1, start + 1 + family.length)).toEqual(family);
    expect(metrics.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
  });

  it('reads one snapshot of the view per scrape', async () => {
    const view = busyView();
    const { metrics } = metricsOf(view);
    await metrics.text();
    expect(view.calls).toEqual({ status: 1, checkpoints: 1, heartbeats: 1, readiness: 1 });
    await metrics.text();
    expect(view.calls).toEqual({ status: 2, checkpoints: 2, heartbeats: 2, readiness: 2 });
  });

  it('shows failing components', async () => {
    const view = busyView();
    view.isReady = false;
    view.flows = [{ ...view.flows[0]!, lastRefreshError: 'broker down', shards: [{ index: 0, generation: 1, running: false, utilisation: 0 }],
      topics: [{ source: 'orders', remote: 'source.orders', partitions: 2, state: 'CREATE_FAILED', reason: 'policy', failedAttempts: 2 }] }];
    view.checkpointFlows = [checkpointFlow({ lastError: 'timed out' })];
    view.flows[0]!.partitions[0]!.lostRecords = 17;
    const e = await metricsOf(view).scrape();
    expect(e.value('kmirror_ready')).toBe(0);
    expect(e.value('kmirror_topic_refresh_failing')).toBe(1);
    expect(e.value('kmirror_checkpoint_failing')).toBe(1);
    expect(e.value('kmirror_shard_running')).toBe(0);
    expect(e.value('kmirror_topic_state', { state: 'CREATE_FAILED' })).toBe(1);
    expect(e.value('kmirror_topic_state', { state: 'REPLICATING' })).toBe(0);
    expect(e.value('kmirror_lost_records_total', { topic: 'source.orders', partition: '0' })).toBe(17);
  });
});
