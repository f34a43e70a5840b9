import type { MirrorConfig } from '../config/mirror-config.js';
import { isSecretKey } from '../config/redact.js';

/**
 * The secret values of a configuration (client passwords, keys, JAAS configs and the passwords
 * inside them, the sidecar token): what the sidecar must never send, whatever text carries them.
 * A JAAS config is listed whole and by its quoted password, since an error message would quote
 * the password, not the whole login module line.
 */
export function configSecrets(config: MirrorConfig): string[] {
  const secrets = new Set<string>();
  const take = (properties: Readonly<Record<string, string>>) => {
    for (const [key, value] of Object.entries(properties)) {
      if (!isSecretKey(key) || value.trim() === '') continue;
      secrets.add(value);
      for (const match of value.matchAll(/password\s*=\s*"((?:[^"\\]|\\.)*)"/gi)) if (match[1]) secrets.add(match[1]);
    }
  };
  for (const cluster of config.clusters) take(cluster.client);
  for (const flow of config.flows) for (const properties of Object.values(flow.clients)) take(properties);
  const token = config.process['kmirror.sidecar.token'];
  if (token !== undefined) secrets.add(token);
  return [...secrets];
}
