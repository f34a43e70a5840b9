import type { ReplicationPolicy } from '../policy/index.js';
import { isSecretKey, REDACTED, redactProperties } from './redact.js';
import { SETTING_NAMES, SETTINGS, type Settings } from './settings.js';
import type { ClientProperties, FlowClients, FlowConfig, MirrorConfig } from './mirror-config.js';

/** A JSON-ready view of the resolved configuration with every secret redacted (config-provider values included). */
export function redactedView(config: MirrorConfig): unknown {
  return {
    file: config.file,
    clusters: config.clusters.map((c) => ({
      alias: c.alias,
      bootstrapServers: c.clientOrigins?.['bootstrap.servers']?.resolved ? REDACTED : c.bootstrapServers,
      client: redactProperties(c.client, c.clientOrigins),
    })),
    flows: config.flows.map((f) => ({
      name: f.name,
      enabled: f.enabled,
      heartbeats: f.heartbeats,
      settings: settingsView(f),
      clients: Object.fromEntries(Object.entries(f.clients).map(([role, props]) =>
        [role, redactProperties(props as ClientProperties, f.clientOrigins?.[role as keyof FlowClients])])),
    })),
    process: processView(config),
    warnings: config.warnings,
  };
}

/** A flow's settings as shown: those a config provider gave are redacted. */
function settingsView(flow: FlowConfig): Record<string, unknown> {
  return Object.fromEntries(Object.entries(flow.settings).map(([name, value]) =>
    [name, flow.origins[name as keyof Settings]?.resolved ? REDACTED : value]));
}

/**
 * The process-wide settings as shown: the sidecar token only as whether one is set; every setting
 * whose name says secret (the TLS key password…) and every provider-given value redacted.
 */
function processView(config: MirrorConfig): Record<string, unknown> {
  const { 'kmirror.sidecar.token': token, ...rest } = config.process;
  const resolved = new Set(config.resolvedKeys ?? []);
  return {
    ...Object.fromEntries(Object.entries(rest).map(([name, value]) =>
      [name, resolved.has(name) || (isSecretKey(name) && value !== undefined && value !== '') ? REDACTED : value])),
    'kmirror.sidecar.token': token === undefined ? '(none)' : '[redacted]',
  };
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
    for (const [k, v] of Object.entries(redactProperties(cluster.client, cluster.clientOrigins))) out.push(`    ${k} = ${v}`);
  }
  const p = processView(config);
  out.push('', p['kmirror.sidecar.enabled']
    ? `sidecar: ${p['kmirror.sidecar.tls.cert'] ? 'https' : 'http'}://${p['kmirror.sidecar.host']}:${p['kmirror.sidecar.port'] === 0 ? '<free port>' : p['kmirror.sidecar.port']}` +
      `, token ${p['kmirror.sidecar.token'] === '(none)' ? 'none (pause/resume refused)' : '[redacted]'}` +
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
  const s = settingsView(flow) as Settings;
  const out = [`flow ${flow.name} (enabled)`];
  out.push(`  topics: ${format(s.topics) || '(none)'}   excluding: ${format(s['topics.exclude']) || '(none)'}`);
  out.push(`  groups: ${format(s.groups) || '(none)'}   excluding: ${format(s['groups.exclude']) || '(none)'}`);
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
  const roles: [string, keyof FlowClients][] = [
    [`source consumer (${flow.source})`, 'sourceConsumer'],
    [`target producer (${flow.target})`, 'targetProducer'],
    [`source admin (${flow.source})`, 'sourceAdmin'],
    [`target admin (${flow.target})`, 'targetAdmin'],
  ];
  for (const [label, role] of roles) {
    const shown = redactProperties(flow.clients[role], flow.clientOrigins?.[role]);
    out.push(`    ${label}: ${Object.entries(shown).map(([k, v]) => `${k}=${v}`).join(', ')}`);
  }
  return out;
}

function format(value: unknown): string {
  return Array.isArray(value) ? value.join(', ') : String(value);
}
