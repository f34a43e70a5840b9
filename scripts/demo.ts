/**
 * npm run demo [-- --records N] [--keep]
 *
 * Starts two local Apache Kafka clusters, `primary` and `dr`, loads sample topics on primary,
 * and replicates them with the reference's active-passive DR shape (primary->dr), showing
 * progress until dr has caught up, with the sidecar up (health, status, metrics, offset
 * translation over HTTP). A consumer group `orders-app` stopped half-way through `orders` on
 * primary shows exact offset translation: where it resumes on dr. With --keep it goes on
 * replicating until Ctrl-C.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MultiBar, Presets } from 'cli-progress';
import { Command } from 'commander';
import { loadFlowPolicies } from '../src/config/flow-policies.js';
import { loadMirrorConfig } from '../src/config/mirror-config.js';
import { Engine } from '../src/engine/engine.js';
import { startLocalClusters } from '../src/local-kafka/cluster.js';
import { createLogger } from '../src/log.js';
import { Admin, RecordProducer } from '../src/native/addon.js';
import { workDir } from '../src/paths.js';
import { LifecycleView } from '../src/sidecar/lifecycle-view.js';
import { startProcessSidecar } from '../src/sidecar/process-sidecar.js';

const program = new Command('npm run demo --')
  .option('--records <n>', 'records to load across the sample topics', (v) => Number(v), 300_000)
  .option('--keep', 'keep replicating (and the clusters up) until Ctrl-C')
  .parse();
const options = program.opts<{ records: number; keep?: boolean }>();

const SAMPLE_TOPICS: { name: string; partitions: number; share: number; configs: Record<string, string> }[] = [
  { name: 'orders', partitions: 6, share: 0.5, configs: { 'retention.ms': String(7 * 24 * 3600 * 1000) } },
  { name: 'payments', partitions: 3, share: 0.3, configs: { 'cleanup.policy': 'compact' } },
  { name: 'clicks', partitions: 4, share: 0.2, configs: {} },
];

const say = (line: string) => console.log(`[demo] ${line}`);

say('starting local Kafka clusters primary and dr (first run downloads Apache Kafka from Maven Central)…');
const clusters = await startLocalClusters({ clusters: ['primary', 'dr'], log: say });
const primary = clusters.get('primary').bootstrapServers;
const dr = clusters.get('dr').bootstrapServers;

const admin = new Admin({ 'bootstrap.servers': primary });
await admin.createTopics(SAMPLE_TOPICS.map((t) => ({ name: t.name, partitions: t.partitions, replicationFactor: 1, configs: t.configs })));
admin.close();
say(`loading ${options.records.toLocaleString()} records (1 KiB values, keys, binary headers) into ${SAMPLE_TOPICS.map((t) => t.name).join(', ')}…`);
const producer = new RecordProducer({ 'bootstrap.servers': primary, 'linger.ms': '20', 'compression.type': 'lz4' });
const value = Buffer.alloc(1024, 'kmirror demo ');
for (const topic of SAMPLE_TOPICS) {
  const count = Math.round(options.records * topic.share);
  for (let start = 0; start < count; start += 5_000) {
    producer.produce(topic.name, Array.from({ length: Math.min(5_000, count - start) }, (_, i) => ({
      key: Buffer.from(`${topic.name}-${(start + i) % 1000}`),
      value,
      headers: [['trace-id', Buffer.from([0xca, 0xfe, (start + i) & 0xff])], ['origin', Buffer.from('primary')]] as const,
    })));
  }
}
const loaded = producer.flush(120_000);
producer.close();
say(`loaded ${loaded.delivered.toLocaleString()} records`);

// An application that read half of `orders` on primary, then stopped.
const GROUP = 'orders-app';
const orders = SAMPLE_TOPICS[0]!;
const groupAdmin = new Admin({ 'bootstrap.servers': primary });
const ends = await groupAdmin.listOffsets(Array.from({ length: orders.partitions }, (_, partition) => ({ topic: orders.name, partition, spec: 'latest' as const })));
const stoppedAt = ends.map((e) => ({ topic: orders.name, partition: e.partition, offset: Math.floor(e.offset / 2) }));
for (let attempt = 0; ; attempt++) { // a fresh cluster's group coordinator may still be loading
  const results = await groupAdmin.alterConsumerGroupOffsets(GROUP, stoppedAt);
  if (results.every((r) => r.error === null) || attempt === 50) break;
  await new Promise((resolve) => setTimeout(resolve, 200));
}
groupAdmin.close();
say(`consumer group ${GROUP} stopped on primary at ${stoppedAt.map((o) => `${o.topic}-${o.partition}@${o.offset}`).join(', ')}`);

// The reference's active-passive DR configuration, pointed at the local clusters.
const dir = join(workDir, 'demo');
mkdirSync(dir, { recursive: true });
const file = join(dir, 'mm2.properties');
writeFileSync(file, `# kmirror demo: the MirrorMaker 2 reference's active-passive DR shape
clusters = primary, dr
primary.bootstrap.servers = ${primary}
dr.bootstrap.servers = ${dr}

primary->dr.enabled = true
primary->dr.topics = .*
primary->dr.topics.exclude = .*\\.internal, __.*
primary->dr.groups = .*

sync.group.offsets.enabled = true
emit.checkpoints.enabled = true

# one broker per local cluster
replication.factor = 1
checkpoints.topic.replication.factor = 1
heartbeats.topic.replication.factor = 1
offset-syncs.topic.replication.factor = 1
emit.heartbeats.enabled = false
tasks.max = 2
refresh.topics.interval.seconds = 10
emit.checkpoints.interval.seconds = 2
refresh.groups.interval.seconds = 2
sync.group.offsets.interval.seconds = 2

# the sidecar: 8787 unless busy (0 picks a free port)
kmirror.sidecar.port = ${process.env.KMIRROR_DEMO_PORT ?? 0}
`);
say(`replicating with ${file}`);

const log = createLogger({ level: process.env.KMIRROR_LOG_LEVEL ?? 'warn' });
const config = await loadMirrorConfig(file);
const { policies } = await loadFlowPolicies(config);
const started = Date.now();
const view = new LifecycleView();
const sidecar = await startProcessSidecar(config, view, log);
const engine = await Engine.start(config, policies, { log });
view.attach(engine);
const url = sidecar?.sidecar.url ?? '';
say(`sidecar on ${url}: curl ${url}/status · ${url}/metrics · ${url}/v1/groups/${GROUP}/offsets`);

const bars = new MultiBar({
  format: ' {topic} |{bar}| {value}/{total} records', hideCursor: true, clearOnComplete: false,
  noTTYOutput: true, notTTYSchedule: 1000, // progress lines in CI logs too
}, Presets.shades_classic);
const totals = new Map(SAMPLE_TOPICS.map((t) => [t.name, Math.round(options.records * t.share)]));
const progress = new Map(SAMPLE_TOPICS.map((t) => [t.name, bars.create(totals.get(t.name)!, 0, { topic: `primary.${t.name}`.padEnd(18) })]));
// Positions per partition, never going back: while a partition moves between the two shards
// (a rebalance) neither may show it for a moment.
const positions = new Map<string, number>();
const copied = () => {
  for (const p of engine.status().flatMap((f) => f.partitions)) {
    const key = `${p.topic}\0${p.partition}`;
    positions.set(key, Math.max(positions.get(key) ?? 0, p.position));
  }
  const byTopic = new Map<string, number>();
  for (const [key, position] of positions) {
    const topic = key.split('\0')[0]!;
    byTopic.set(topic, (byTopic.get(topic) ?? 0) + position);
  }
  return byTopic;
};
await new Promise<void>((resolve) => {
  const timer = setInterval(() => {
    const now = copied();
    for (const [topic, bar] of progress) bar.update(Math.min(now.get(topic) ?? 0, totals.get(topic)!));
    if ([...totals].every(([topic, total]) => (now.get(topic) ?? 0) >= total)) {
      clearInterval(timer);
      resolve();
    }
  }, 200);
});
bars.stop();
const seconds = (Date.now() - started) / 1000;
say(`dr caught up: ${loaded.delivered.toLocaleString()} records in ${seconds.toFixed(1)} s (${Math.round(loaded.delivered / seconds).toLocaleString()} records/s, including start-up)`);
for (const topic of engine.status()[0]!.topics) say(`  ${topic.source} → ${topic.remote} on dr: ${topic.state}, ${topic.partitions} partitions`);

const translated = await new Promise<ReturnType<typeof engine.translate>>((resolve) => {
  const timer = setInterval(() => {
    const t = engine.translate(GROUP);
    if ((t[0]?.partitions.length ?? 0) === orders.partitions) {
      clearInterval(timer);
      resolve(t);
    }
  }, 200);
});
say(`${GROUP} resumes on dr at (exact: the next record it has not read):`);
for (const p of translated[0]!.partitions) say(`  ${p.topic}-${p.partition}: offset ${p.offset} (primary ${p.upstreamTopic}-${p.partition}@${p.upstreamOffset})`);
say(`the same over HTTP: curl ${url}/v1/groups/${GROUP}/offsets   · failover runbook: npx kmirror failover ${file} --group ${GROUP} --from primary --to dr --dry-run`);

if (options.keep) {
  say(`still replicating; primary at ${primary}, dr at ${dr}. Ctrl-C to stop.`);
  await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
}
view.stopping();
await engine.stop();
await sidecar?.close();
await clusters.stop();
say('stopped');
