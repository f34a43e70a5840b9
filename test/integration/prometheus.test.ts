/**
 * A real Prometheus (Debian's `prometheus` binary) scrapes a running `kmirror run` every second,
 * and every query of the Grafana dashboard must return data: the dashboard, the metric names and
 * the exposition format are checked end to end, as an operator's Grafana would use them.
 */
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { RecordProducer } from '../../src/native/addon.js';
import { packageRoot } from '../../src/paths.js';
import { bootstrap, createTopic, uniqueTopic } from '../support/kafka.js';
import { mm2Properties, setGroupOffsets, spawnKmirror, waitFor } from '../support/kmirror.js';

function findOnPath(program: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const file = join(dir, program);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

const prometheusBinary = findOnPath('prometheus');
// In CI, .ci/run installs the Debian package, so a missing binary there is a failure, not a skip.
const skip = prometheusBinary === undefined && !process.env.CI;
if (skip) console.warn('prometheus.test.ts skipped: no `prometheus` on PATH (apt-get install prometheus; .ci/run installs it)');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

interface DashboardQuery {
  readonly panel: string;
  readonly expr: string;
}

function dashboardQueries(): DashboardQuery[] {
  const dashboard = JSON.parse(readFileSync(join(packageRoot, 'grafana', 'dashboards', 'kmirror.json'), 'utf8')) as {
    panels: { type: string; title: string; targets?: { expr: string }[] }[];
  };
  return dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));
}

/** A dashboard query as Grafana would send it with every flow and topic selected and a 1 s scrape interval. */
function substitute(expr: string): string {
  return expr.replaceAll('$__rate_interval', '10s').replaceAll('$flow', '.*').replaceAll('$topic', '.*');
}

interface VectorSample {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

/** Starts Prometheus on its own config and data folder in a temp folder; stopped when the test ends. */
async function startPrometheus(binary: string, scrapeTarget: string): Promise<{ query(expr: string): Promise<VectorSample[]>; url: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'kmirror-prometheus-'));
  const port = await freePort();
  const config = join(dir, 'prometheus.yml');
  writeFileSync(config, [
    'global:',
    '  scrape_interval: 1s',
    '  evaluation_interval: 1s',
    'scrape_configs:',
    '  - job_name: kmirror',
    '    scrape_timeout: 1s',
    '    static_configs:',
    `      - targets: ['${scrapeTarget}']`,
    '',
  ].join('\n'));
  const output: string[] = [];
  const child = spawn(binary, [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr.on('data', (d: Buffer) => output.push(d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  onTestFinished(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`Prometheus ready on ${url} (output: ${output.join('').slice(-2000)})`, async () => {
    if (child.exitCode !== null) throw new Error(`prometheus exited ${child.exitCode}: ${output.join('').slice(-2000)}`);
    return (await fetch(`${url}/-/ready`)).ok;
  }, 60_000, 200);
  return {
    url,
    async query(expr) {
      const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = await response.json() as { status: string; error?: string; data?: { resultType: string; result: VectorSample[] } };
      if (body.status !== 'success') throw new Error(`${expr}: ${body.error ?? response.status}`);
      if (body.data?.resultType !== 'vector') throw new Error(`${expr}: a ${body.data?.resultType}, not a vector`);
      return body.data.result;
    },
  };
}

describe.skipIf(skip)('Prometheus scraping kmirror', () => {
  it('returns data for every query of the Grafana dashboard', async () => {
    const started = Date.now();
    const source = bootstrap('source');
    const target = bootstrap('target');
    const topic = uniqueTopic('metrics');
    await createTopic(source, topic, 2);
    // A consumer group that has read part of the topic on the source: something to checkpoint and to be exposed on failover.
    const group = uniqueTopic('metrics-app');
    const producer = new RecordProducer({ 'bootstrap.servers': source, 'linger.ms': '5' });
    try {
      producer.produce(topic, Array.from({ length: 200 }, (_, i) => ({ partition: i % 2, value: Buffer.from(`record ${i}`) })));
      expect(producer.flush(30_000)).toMatchObject({ delivered: 200, failed: 0 });
    } finally {
      producer.close();
    }
    await setGroupOffsets(source, group, [{ topic, partition: 0, offset: 40 }, { topic, partition: 1, offset: 60 }]);

    const sidecarPort = await freePort();
    const kmirror = spawnKmirror(mm2Properties({ source, target }, {
      'source->target.enabled': true,
      'source->target.topics': topic,
      'emit.heartbeats.enabled': true,
      'emit.checkpoints.interval.seconds': 1,
      'refresh.groups.interval.seconds': 1,
      'sync.group.offsets.enabled': true,
      'sync.group.offsets.interval.seconds': 1,
      'kmirror.sidecar.port': sidecarPort,
    }));
    const kmirrorOutput = () => kmirror.output.join('').slice(-3000);
    await waitFor('kmirror serving /metrics', async () => {
      if (kmirror.child.exitCode !== null) throw new Error(`kmirror exited ${kmirror.child.exitCode}: ${kmirrorOutput()}`);
      const response = await fetch(`http://127.0.0.1:${sidecarPort}/metrics`);
      return response.ok && (await response.text()).includes('kmirror_records_total{');
    }, 90_000, 250);

    // promtool (same Debian package) lints kmirror's families: names, units, suffixes, format.
    const promtool = findOnPath('promtool');
    if (promtool !== undefined) {
      const exposition = await (await fetch(`http://127.0.0.1:${sidecarPort}/metrics`)).text();
      const ours = exposition.split('\n').filter((line) => /^(# (HELP|TYPE) )?kmirror_/.test(line)).join('\n') + '\n';
      const lint = spawnSync(promtool, ['check', 'metrics'], { input: ours, encoding: 'utf8' });
      expect(`${lint.stdout}${lint.stderr}`).toBe('');
      expect(lint.status).toBe(0);
    }

    // Records keep arriving while the queries run, so rates and latency quantiles have samples.
    let producing = true;
    const feeder = new RecordProducer({ 'bootstrap.servers': source, 'linger.ms': '5' });
    const feeding = (async () => {
      const deadline = Date.now() + 180_000;
      for (let batch = 0; producing && Date.now() < deadline; batch++) {
        feeder.produce(topic, Array.from({ length: 20 }, (_, i) => ({ partition: i % 2, value: Buffer.from(`live ${batch}/${i}`) })));
        feeder.flush(1000);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    })();
    onTestFinished(async () => {
      producing = false;
      await feeding;
      feeder.close();
    });

    const prometheus = await startPrometheus(prometheusBinary!, `127.0.0.1:${sidecarPort}`);
    await waitFor(`Prometheus scraping kmirror (kmirror: ${kmirrorOutput()})`, async () =>
      (await prometheus.query('up{job="kmirror"} == 1')).length === 1, 60_000, 500);

    const queries = dashboardQueries();
    expect(queries.length).toBeGreaterThan(30);
    const pending = new Map(queries.map((q) => [q.expr, q]));
    const lastSeen = new Map<string, string>();
    try {
      await waitFor('every dashboard query to return data', async () => {
        for (const [expr] of pending) {
          const result = await prometheus.query(substitute(expr));
          lastSeen.set(expr, JSON.stringify(result).slice(0, 300));
          // Data: at least one series with a number (NaN is what a quantile of no observations gives).
          if (result.some((s) => !Number.isNaN(Number(s.value[1])))) pending.delete(expr);
        }
        return pending.size === 0;
      }, 120_000, 1000);
    } catch (err) {
      const missing = [...pending.values()].map((q) => `  [${q.panel}] ${q.expr} → ${lastSeen.get(q.expr) ?? 'not queried'}`);
      throw new Error(`${missing.length} dashboard queries returned no data:\n${missing.join('\n')}\nkmirror: ${kmirrorOutput()}`, { cause: err });
    }

    // A few figures that must also be right, not just present.
    const remote = `source.${topic}`;
    await waitFor('the initial records counted as replicated', async () => {
      const [records] = await prometheus.query(`sum(kmirror_records_total{topic="${remote}"})`);
      return records !== undefined && Number(records.value[1]) >= 200;
    }, 60_000, 500);
    const [lost] = await prometheus.query(`sum(kmirror_lost_records_total{topic="${remote}"})`);
    expect(Number(lost?.value[1])).toBe(0);
    const running = await prometheus.query(`kmirror_partitions{topic="${remote}", status="RUNNING"} == 1`);
    expect(running.map((s) => s.metric.partition).sort()).toEqual(['0', '1']);
    const unreplicated = await prometheus.query(`kmirror_failover_unreplicated_records{group="${group}"}`);
    expect(unreplicated.map((s) => s.metric.partition).sort()).toEqual(['0', '1']);
    console.log(`prometheus.test.ts: ${queries.length} dashboard queries returned data; ${Math.round((Date.now() - started) / 1000)} s`);
  }, 300_000);
});
