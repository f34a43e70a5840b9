import { readFileSync } from 'node:fs';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { METRIC_LIST } from '../../../src/metrics/names.js';

interface Target { readonly expr: string; readonly datasource?: { readonly uid: string } }
interface Panel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly datasource?: { readonly type: string; readonly uid: string };
  readonly targets?: readonly Target[];
}
interface Dashboard {
  readonly uid: string;
  readonly panels: readonly Panel[];
  readonly templating: { readonly list: readonly { readonly name: string; readonly type: string; readonly query: string | { readonly query: string } }[] };
}

const dashboard = JSON.parse(readFileSync(new URL('../../../grafana/dashboards/kmirror.json', import.meta.url), 'utf8')) as Dashboard;
const queryPanels = dashboard.panels.filter((p) => p.type !== 'row');
const variableQueries = dashboard.templating.list.filter((v) => v.type === 'query')
  .map((v) => (typeof v.query === 'string' ? v.query : v.query.query));
const expressions = [...queryPanels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)), ...variableQueries];

/** kmirror_* and prom-client default metric names a PromQL expression mentions. */
function metricNames(expr: string): string[] {
  return [...expr.matchAll(/\b(?:kmirror|process|nodejs)_[a-z0-9_]+/g)].map((m) => m[0]);
}

async function defaultMetricNames(): Promise<Set<string>> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return new Set((await registry.getMetricsAsJSON()).flatMap((m) =>
    m.type.toString() === 'histogram' ? [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`] : [m.name]));
}

describe('grafana/dashboards/kmirror.json', () => {
  it('names only metrics that kmirror exports', async () => {
    const exported = new Set(METRIC_LIST.flatMap((m) =>
      m.type === 'histogram' ? [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`] : [m.name]));
    const defaults = await defaultMetricNames();
    const unknown = expressions.flatMap(metricNames).filter((name) => !exported.has(name) && !defaults.has(name));
    expect(unknown).toEqual([]);
  });

  it('shows every metric of the table in some panel', () => {
    const used = new Set(expressions.flatMap(metricNames).map((n) => n.replace(/_(bucket|sum|count)$/, '')));
    expect(METRIC_LIST.map((m) => m.name).filter((name) => !used.has(name))).toEqual([]);
  });

  it('has the rows of issue 5, each with panels, every panel on the DS_PROMETHEUS data source', () => {
    const rows = dashboard.panels.filter((p) => p.type === 'row').map((p) => p.title);
    expect(rows).toEqual(['Throughput', 'Lag', 'Latency & record age', 'Checkpoints & offset translation', 'Heartbeats',
      'Failover exposure', 'Errors & data loss', 'Resource use']);
    dashboard.panels.forEach((p, i) => {
      if (p.type === 'row') expect(dashboard.panels[i + 1]?.type, `row ${p.title} has panels`).not.toBe('row');
    });
    for (const p of queryPanels) {
      expect(p.datasource?.uid, p.title).toBe('${DS_PROMETHEUS}');
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets ?? []) expect(t.datasource?.uid, p.title).toBe('${DS_PROMETHEUS}');
    }
    expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length);
    expect(dashboard.templating.list.map((v) => v.name)).toEqual(['DS_PROMETHEUS', 'flow', 'topic']);
  });

  it('filters every per-flow query by the flow variable', () => {
    for (const p of queryPanels) {
      for (const t of p.targets ?? []) {
        const perFlow = metricNames(t.expr).map((n) => n.replace(/_(bucket|sum|count)$/, ''))
          .some((n) => METRIC_LIST.find((m) => m.name === n)?.labels.includes('flow'));
        if (perFlow) expect(t.expr, p.title).toContain('flow=~"$flow"');
      }
    }
  });
});
