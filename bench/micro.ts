/**
 * npm run bench:micro — micro-benchmarks (benchmark.js) of what JavaScript adds to the copy loop.
 *
 * The per-record path is C++ (Shard.pump); a shard worker's JavaScript runs once per batch (the
 * pump call and a yield to its event loop) and once per report (stats and events). These cases
 * measure those fixed costs against a real local broker, so they can be compared with the
 * records a batch carries: at 2,000 records per batch, 1 µs per batch is 0.5 ns per record.
 */
import Benchmark from 'benchmark';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { startLocalClusters } from '../src/local-kafka/cluster.js';
import { Admin, Shard } from '../src/native/addon.js';
import { LATENCY_BUCKETS_MS } from '../src/engine/view.js';

const clusters = await startLocalClusters({ clusters: ['source', 'target'], heapMb: 512 });
const source = clusters.get('source').bootstrapServers;
const target = clusters.get('target').bootstrapServers;
const PARTITIONS = 64;
for (const [servers, name] of [[source, 'micro'], [target, 'source.micro']] as const) {
  const admin = new Admin({ 'bootstrap.servers': servers });
  await admin.createTopics([{ name, partitions: PARTITIONS, replicationFactor: 1 }]);
  admin.close();
}
const shard = new Shard({
  name: 'micro',
  consumer: { 'bootstrap.servers': source, 'group.id': 'kmirror.micro', 'partition.assignment.strategy': 'cooperative-sticky' },
  producer: { 'bootstrap.servers': target, 'enable.idempotence': 'true' },
  positions: { 'bootstrap.servers': target, 'group.id': 'kmirror.micro' },
  startAtEnd: false,
  commitIntervalMs: 250,
  latencyBucketsMs: LATENCY_BUCKETS_MS,
  topics: [{ source: 'micro', remote: 'source.micro' }],
});
const deadline = Date.now() + 60_000;
while (shard.stats().length < PARTITIONS && Date.now() < deadline) shard.pump(2000, 100);
console.log(`shard owns ${shard.stats().length} partitions; measuring…\n`);

const suite = new Benchmark.Suite('copy loop, JavaScript side');
suite
  .add('pump(2000, 0) with nothing fetched (fixed cost of one batch call)', () => {
    shard.pump(2000, 0);
  })
  .add('yield to the worker event loop between batches', {
    defer: true,
    fn: (deferred: { resolve(): void }) => {
      void yieldToEventLoop().then(() => deferred.resolve());
    },
  })
  .add(`stats() of ${PARTITIONS} partitions (once per report)`, () => {
    shard.stats();
  })
  .add('drainEvents() (once per report)', () => {
    shard.drainEvents();
  })
  .on('cycle', (event: { target: Benchmark }) => {
    const bench = event.target;
    const perOpUs = 1e6 / bench.hz;
    console.log(`${String(bench)}  → ${perOpUs.toFixed(2)} µs per call`);
  });
await new Promise<void>((resolve) => {
  suite.on('complete', () => resolve());
  suite.run({ async: true });
});
shard.close();
await clusters.stop();
