import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { METRICS_DOC, renderMetricsTable, withCurrentTable } from '../../../src/metrics/docs.js';
import { METRIC_LIST } from '../../../src/metrics/names.js';

describe('docs/metrics.md', () => {
  const doc = readFileSync(METRICS_DOC, 'utf8');

  it('has the metrics table of src/metrics/names.ts (rewrite it with `npx tsx src/metrics/docs.ts`)', () => {
    expect(doc).toBe(withCurrentTable(doc));
    for (const def of METRIC_LIST) expect(renderMetricsTable()).toContain(`| \`${def.name}\` | ${def.type} |`);
  });

  it('says for each dashboard row which question it answers', () => {
    const dashboard = JSON.parse(readFileSync(new URL('../../../grafana/dashboards/kmirror.json', import.meta.url), 'utf8')) as
      { panels: { type: string; title: string }[] };
    const rows = dashboard.panels.filter((p) => p.type === 'row').map((p) => p.title);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(doc, row).toMatch(new RegExp(`^\\| ${row.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\| [^|]+\\? \\|`, 'm'));
  });
});
