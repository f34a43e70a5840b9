/**
 * The metrics table of docs/metrics.md, generated from names.ts. `npx tsx src/metrics/docs.ts`
 * rewrites it; a unit test fails when the two disagree.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageRoot } from '../paths.js';
import { METRIC_LIST } from './names.js';

export const METRICS_DOC = join(packageRoot, 'docs', 'metrics.md');
export const TABLE_START = '<!-- metrics table: generated from src/metrics/names.ts by `npx tsx src/metrics/docs.ts` -->';
export const TABLE_END = '<!-- end of metrics table -->';

const cell = (text: string) => text.replace(/\|/g, '\\|');

/** One row per metric: name, type, labels, meaning, partition folding, MM2 equivalent. */
export function renderMetricsTable(): string {
  const rows = METRIC_LIST.map((m) => [
    `\`${m.name}\``,
    m.type,
    m.labels.length > 0 ? m.labels.join(', ') : '—',
    cell(m.help),
    m.fold ?? '—',
    m.mm2 !== undefined ? cell(m.mm2) : 'none (MM2 lacks it)',
  ]);
  return [
    '| name | type | labels | meaning | partition folded by | MM2 equivalent |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

/** The doc with its table section replaced by the table of names.ts. */
export function withCurrentTable(doc: string): string {
  const start = doc.indexOf(TABLE_START);
  const end = doc.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`${METRICS_DOC} lacks the table markers`);
  return `${doc.slice(0, start + TABLE_START.length)}\n${renderMetricsTable()}\n${doc.slice(end)}`;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(METRICS_DOC, withCurrentTable(readFileSync(METRICS_DOC, 'utf8')));
}
