import type { ClientOrigins, ClientProperties, MirrorConfig } from '../config/mirror-config.js';
import { isSecretKey } from '../config/redact.js';
import { translateClientSettings } from '../kafka/client-config.js';
import { parseJaasConfig } from '../kafka/jaas.js';

/** JAAS options that hold credentials. */
const SECRET_OPTION = /password|secret|token|credential/i;

/**
 * The secret values of a configuration: what the sidecar must never send, whatever text carries
 * them. Client passwords and keys (as written, and as librdkafka is given them: a key read from a
 * key store, a password taken out of a JAAS config), whole JAAS configs and their credential
 * options, every value a config provider put in, and the sidecar token.
 */
export function configSecrets(config: MirrorConfig): string[] {
  const secrets = new Set<string>();
  const add = (value: string | undefined) => {
    if (value !== undefined && value.trim() !== '') secrets.add(value);
  };
  const take = (properties: ClientProperties, origins: ClientOrigins | undefined) => {
    for (const [key, value] of Object.entries(properties)) {
      if (origins?.[key]?.resolved) add(value);
      if (!isSecretKey(key)) continue;
      add(value);
      if (key.endsWith('sasl.jaas.config')) {
        try {
          for (const module of parseJaasConfig(value)) {
            for (const [name, option] of module.options) if (SECRET_OPTION.test(name)) add(option);
          }
        } catch {
          // Not a JAAS config librdkafka would be given: the whole value is listed above.
        }
      }
    }
    let translated: Readonly<Record<string, string>> = {};
    try {
      translated = translateClientSettings(properties).settings;
    } catch {
      // A store that cannot be read gives librdkafka nothing to hide.
    }
    for (const [key, value] of Object.entries(translated)) if (isSecretKey(key)) add(value);
  };
  for (const cluster of config.clusters) take(cluster.client, cluster.clientOrigins);
  for (const flow of config.flows) {
    for (const [role, properties] of Object.entries(flow.clients)) take(properties, flow.clientOrigins?.[role as keyof typeof flow.clients]);
  }
  const resolved = new Set(config.resolvedKeys ?? []);
  for (const flow of config.flows) {
    for (const origin of Object.values(flow.origins)) {
      if (origin?.resolved) add(flow.properties[origin.key.replace(`${flow.name}.`, '')] ?? undefined);
    }
  }
  for (const [name, value] of Object.entries(config.process)) if (resolved.has(name) && value !== undefined) add(String(value));
  const token = config.process['kmirror.sidecar.token'];
  if (token !== undefined) secrets.add(token);
  return [...secrets];
}
