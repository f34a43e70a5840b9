/**
 * `kmirror validate`'s last check: every client `run` would create, with the librdkafka settings it
 * would be given (the shard's defaults and forced settings included), put through librdkafka
 * itself (the native addon's checkClientSettings), so a file librdkafka would refuse at `run` is
 * refused by `validate`, naming the key and line the refused setting comes from.
 */
import type { ClientOrigins, ConfigIssue, FlowClients, FlowConfig, MirrorConfig } from '../config/mirror-config.js';
import { isSecretKey, REDACTED } from '../config/redact.js';
import { shardOptions } from '../engine/shard-settings.js';
import type { RdkafkaSettings } from '../native/addon.js';
import { translateClientSettings } from './client-config.js';

export type ClientType = 'producer' | 'consumer';

/** librdkafka's verdict on one client configuration: null when it takes it, else its error. */
export type LibrdkafkaCheck = (settings: RdkafkaSettings, type: ClientType) => string | null;

interface ClientToCheck {
  /** Named in messages: `source->target source consumer`. */
  readonly label: string;
  readonly role: keyof FlowClients;
  readonly type: ClientType;
  readonly settings: RdkafkaSettings;
}

/** The clients `run` creates for a flow, each with the settings it gives librdkafka. */
function flowClients(flow: FlowConfig): ClientToCheck[] {
  const plain = (role: keyof FlowClients) => ({ ...translateClientSettings(flow.clients[role]).settings });
  const out: ClientToCheck[] = [];
  const add = (what: string, role: keyof FlowClients, type: ClientType, settings: RdkafkaSettings) =>
    out.push({ label: `${flow.name} ${what}`, role, type, settings });
  // Heartbeats and checkpoints: the target admin and an internal producer (kafka/internal-producer.ts).
  add('target admin', 'targetAdmin', 'producer', plain('targetAdmin'));
  add('heartbeat and checkpoint producer', 'targetProducer', 'producer', { ...plain('targetProducer'), 'enable.idempotence': 'true', 'linger.ms': '5' });
  if (!flow.enabled) return out;
  const shard = shardOptions(flow, 0, []);
  add('source consumer', 'sourceConsumer', 'consumer', shard.consumer);
  add('target producer', 'targetProducer', 'producer', shard.producer);
  add('positions consumer', 'targetConsumer', 'consumer', shard.positions);
  add('source admin', 'sourceAdmin', 'producer', plain('sourceAdmin'));
  const syncsOnSource = flow.settings['offset-syncs.topic.location'] === 'source';
  add('offset-syncs producer', syncsOnSource ? 'sourceProducer' : 'targetProducer', 'producer',
    plain(syncsOnSource ? 'sourceProducer' : 'targetProducer'));
  add('offset-syncs consumer', syncsOnSource ? 'sourceConsumer' : 'targetConsumer', 'consumer',
    plain(syncsOnSource ? 'sourceConsumer' : 'targetConsumer'));
  return out;
}

/**
 * The librdkafka setting an error is about: the first setting name in it that was written in the
 * file, else the first one the client was given.
 */
function settingNamed(message: string, settings: RdkafkaSettings, written: (name: string) => boolean): string | undefined {
  const names = [...message.matchAll(/[A-Za-z][\w-]*(?:\.[\w-]+)+/g)].map((m) => m[0]).filter((n) => settings[n] !== undefined);
  return names.find(written) ?? names[0];
}

/** Every client of every flow through librdkafka: an error issue per refusal, naming key and line. */
export function checkClientsWithLibrdkafka(config: MirrorConfig, check: LibrdkafkaCheck): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const seen = new Set<string>();
  for (const flow of config.flows) {
    for (const client of flowClients(flow)) {
      const refusal = check(client.settings, client.type);
      if (refusal === null) continue;
      const translation = translateClientSettings(flow.clients[client.role]);
      const origins: ClientOrigins = flow.clientOrigins?.[client.role] ?? {};
      // Nothing secret in what is printed: librdkafka names values now and then.
      let message = refusal.replace(/^client: /, '');
      const secrets = Object.entries(client.settings)
        .filter(([name]) => isSecretKey(name) || origins[translation.sources[name] ?? name]?.resolved)
        .map(([, value]) => value).filter((v) => v.length >= 3).sort((a, b) => b.length - a.length);
      for (const secret of secrets) message = message.split(secret).join(REDACTED);
      const name = settingNamed(message, client.settings, (n) => origins[translation.sources[n] ?? n] !== undefined);
      const origin = name === undefined ? undefined : origins[translation.sources[name] ?? name];
      const text = `librdkafka refuses the ${client.label} configuration: ${message}`;
      const id = `${origin?.key}|${origin?.line}|${message}`;
      if (seen.has(id)) continue;
      seen.add(id);
      issues.push({ severity: 'error', message: text, ...(origin ? { key: origin.key, line: origin.line } : name !== undefined && { key: name }) });
    }
  }
  return issues;
}
