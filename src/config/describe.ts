import type { ReplicationPolicy } from '../policy/index.js';
import { redactProperties } from './redact.js';
import { SETTING_NAMES, SETTINGS } from './settings.js';
import type { ClientProperties, FlowConfig, MirrorConfig } from './mirror-config.js';

/** A JSON-ready view of the resolved configuration with every secret redacted. */
export function redactedView(config: MirrorConfig): unknown {
  return {
    file: config.file,
    clusters: config.clusters.map((c) => ({ alias: c.alias, bootstrapServers: c.bootstrapServers, client: redactProperties(c.client) })),
    flows: config.flows.map((f) => ({
      name: f.name,
      enabled: f.enabled,
      heartbeats: f.heartbeats,
      settings: f.settings,
      clients: Object.fromEntries(Object.entries(f.clients).map(([role, props]) => [role, redactProperties(props as ClientProperties)])),
    })),
    process: processView(config),
    warnings: config.warnings,
  };
}

/** The process-wide settings as shown: the sidecar token only as whether one is set. */
function processView(config: MirrorConfig): Record<string, unknown> {
  const { 'kmirror.sidecar.token': token, ...rest } = config.process;
  return { ...rest, 'kmirror.sidecar.token': token === undefined ? '(none)' : '[redacted]' };
}

/** What `kmirror validate` prints: the resolved flows, secrets redacted. */
export function describeConfig(config: MirrorConfig, policies: ReadonlyMap<string, ReplicationPolicy>): string {
  const enabled = config.flows.filter((f) => f.enabled);
  const heartbeatOnly = config.flows.filter((f) => !f.enabled);
  const out: string[] = [];
  out.push(`${config.file ?? 'configuration'}: ${config.clusters.length} cluster(s), ` +
    `${enabled.length} replication flow(s), ${heartbeatOnly.length} heartbeat-only pair(s)`);
  out.push('', 'clusters:');
  for (const cluster of config.clusters) {
    out.push(`  ${cluster.alias}`);
    for (const [k, v] of Object.entries(redactProperties(cluster.client))) out.push(`    ${k} = ${v}`);
  }
  const p = config.process;
  out.push('', p['kmirror.sidecar.enabled']
    ? `sidecar: http://${p['kmirror.sidecar.host']}:${p['kmirror.sidecar.port'] === 0 ? '<free port>' : p['kmirror.sidecar.port']}` +
      `, token ${p['kmirror.sidecar.token'] === undefined ? 'none (pause/resume refused)' : '[redacted]'}` +
      `, per-partition metric labels ${p['kmirror.metrics.partition.labels'] ? 'on' : 'off (folded to topics)'}`
    : 'sidecar: disabled (kmirror.sidecar.enabled = false)');
  for (const flow of enabled) out.push('', ...describeFlow(flow, policies.get(flow.name)));
  if (heartbeatOnly.length > 0) {
    out.push('', `heartbeats only (MM2 emits heartbeats for every pair unless emit.heartbeats.enabled = false):`);
    out.push(`  ${heartbeatOnly.map((f) => f.name).join(', ')}`);
  }
  return out.join('\n') + '\n';
}

function describeFlow(flow: FlowConfig, policy: ReplicationPolicy | undefined): string[] {
  const s = flow.settings;
  const out = [`flow ${flow.name} (enabled)`];
  out.push(`  topics: ${s.topics.join(', ') || '(none)'}   excluding: ${s['topics.exclude'].join(', ') || '(none)'}`);
  out.push(`  groups: ${s.groups.join(', ') || '(none)'}   excluding: ${s['groups.exclude'].join(', ') || '(none)'}`);
  out.push(`  naming: ${s['replication.policy.class']} (separator '${s['replication.policy.separator']}')`);
  if (policy) {
    const syncsOn = s['offset-syncs.topic.location'] === 'source' ? flow.source : flow.target;
    const syncsFor = s['offset-syncs.topic.location'] === 'source' ? flow.target : flow.source;
    out.push(`  remote topics: ${policy.formatRemoteTopic(flow.source, '<topic>')} on ${flow.target}`);
    out.push(`  internal topics: ${policy.heartbeatsTopic()} and ${policy.checkpointsTopic(flow.source)} on ${flow.target}, ` +
      `${policy.offsetSyncsTopic(syncsFor)} on ${syncsOn}`);
  }
  const changed = SETTING_NAMES.filter((name) => flow.origins[name] !== undefined)
    .filter((name) => !['topics', 'topics.exclude', 'groups', 'groups.exclude'].includes(name));
  if (changed.length > 0) {
    out.push('  settings (set in the file):');
    for (const name of changed) {
      const origin = flow.origins[name]!;
      out.push(`    ${name} = ${format(s[name])}   (${origin.key}, line ${origin.line})`);
    }
  }
  out.push('  every other setting: MM2\'s default (--json lists them all)');
  out.push('  clients:');
  const roles: [string, ClientProperties][] = [
    [`source consumer (${flow.source})`, flow.clients.sourceConsumer],
    [`target producer (${flow.target})`, flow.clients.targetProducer],
    [`source admin (${flow.source})`, flow.clients.sourceAdmin],
    [`target admin (${flow.target})`, flow.clients.targetAdmin],
  ];
  for (const [label, props] of roles) {
    out.push(`    ${label}: ${Object.entries(redactProperties(props)).map(([k, v]) => `${k}=${v}`).join(', ')}`);
  }
  return out;
}

function format(value: unknown): string {
  return Array.isArray(value) ? value.join(', ') : String(value);
}
