/**
 * Kafka's config providers (KIP-297, KIP-421): secrets kept out of mm2.properties and put in
 * when the file is read.
 *
 *   config.providers = file, dir, env
 *   config.providers.file.class = org.apache.kafka.common.config.provider.FileConfigProvider
 *   config.providers.dir.class  = org.apache.kafka.common.config.provider.DirectoryConfigProvider
 *   config.providers.env.class  = org.apache.kafka.common.config.provider.EnvVarConfigProvider
 *   config.providers.file.param.allowed.paths = /etc/kafka/secrets      (optional, KIP-993)
 *   config.providers.env.param.allowlist.pattern = KAFKA_.*            (optional, KIP-887)
 *
 *   source.ssl.truststore.password = ${file:/etc/kafka/secrets/mm2.properties:truststore.password}
 *   source.ssl.keystore.key        = ${dir:/var/run/secrets/kafka:client.key}
 *   source.sasl.jaas.config        = …PlainLoginModule required username="mm2" password="${env:MM2_PASSWORD}";
 *
 * `${provider:[path:]key}` (Kafka's ConfigTransformer pattern) is resolved anywhere in any value,
 * every placeholder of a value, once (a resolved value is not read again for placeholders).
 * Unlike Kafka, which leaves a placeholder it cannot resolve as it is (so a literal
 * `${env:PASSWORD}` would reach the broker as a password), every placeholder that is not resolved
 * is an error naming the key and line. Messages never hold a resolved value: they are secrets.
 */
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, normalize, resolve, sep } from 'node:path';
import { Properties } from 'properties-file/parser';
import type { ConfigIssue } from './mirror-config.js';
import type { PropertyEntry } from './properties.js';

export const PROVIDER_CLASSES = {
  file: 'org.apache.kafka.common.config.provider.FileConfigProvider',
  directory: 'org.apache.kafka.common.config.provider.DirectoryConfigProvider',
  env: 'org.apache.kafka.common.config.provider.EnvVarConfigProvider',
} as const;

type ProviderKind = keyof typeof PROVIDER_CLASSES;

/** The parameters each provider takes (`config.providers.<name>.param.<p>`). */
const PROVIDER_PARAMS: Readonly<Record<ProviderKind, readonly string[]>> = {
  file: ['allowed.paths'],
  directory: ['allowed.paths'],
  env: ['allowlist.pattern'],
};

/** Kafka's ConfigTransformer.DEFAULT_PATTERN: `${provider:[path:]key}`. */
const PLACEHOLDER = /\$\{([^}]*?):(?:([^}]*?):)?([^}]*?)\}/g;

export interface ConfigProvider {
  readonly name: string;
  readonly kind: ProviderKind;
  /** Resolves one placeholder; throws ProviderError (message without the value) when it cannot. */
  get(path: string | undefined, key: string): string;
}

export class ProviderError extends Error {
  override readonly name = 'ProviderError';
}

export interface ConfigProviders {
  readonly providers: ReadonlyMap<string, ConfigProvider>;
  readonly issues: ConfigIssue[];
}

/** True for the keys that configure providers (never resolved themselves). */
export function isProviderKey(key: string): boolean {
  return key === 'config.providers' || key.startsWith('config.providers.');
}

/** The providers `config.providers` lists, each built from its `.class` and `.param.*` keys. */
export function readConfigProviders(entries: ReadonlyMap<string, PropertyEntry>): ConfigProviders {
  const issues: ConfigIssue[] = [];
  const providers = new Map<string, ConfigProvider>();
  const listEntry = entries.get('config.providers');
  const names = (listEntry?.value ?? '').split(',').map((n) => n.trim()).filter((n) => n !== '');
  const error = (message: string, entry: PropertyEntry | undefined, key: string) =>
    issues.push({ severity: 'error', key, message, ...(entry && { line: entry.line }) });
  for (const name of names) {
    const classKey = `config.providers.${name}.class`;
    const classEntry = entries.get(classKey);
    if (!classEntry) {
      error(`config provider '${name}' has no ${classKey}`, listEntry, 'config.providers');
      continue;
    }
    const kind = (Object.keys(PROVIDER_CLASSES) as ProviderKind[]).find((k) => PROVIDER_CLASSES[k] === classEntry.value.trim());
    if (!kind) {
      error(`kmirror runs Kafka's FileConfigProvider, DirectoryConfigProvider and EnvVarConfigProvider, no other class`, classEntry, classKey);
      continue;
    }
    const params = new Map<string, PropertyEntry>();
    const prefix = `config.providers.${name}.param.`;
    for (const entry of entries.values()) {
      if (!entry.key.startsWith(prefix)) continue;
      const param = entry.key.slice(prefix.length);
      if (PROVIDER_PARAMS[kind].includes(param)) params.set(param, entry);
      else issues.push({ severity: 'warning', key: entry.key, line: entry.line, message: `not a parameter of ${PROVIDER_CLASSES[kind]}: it has no effect` });
    }
    const provider = buildProvider(name, kind, params, (message, entry) => error(message, entry, entry.key));
    if (provider) providers.set(name, provider);
  }
  for (const entry of entries.values()) {
    if (!isProviderKey(entry.key) || entry.key === 'config.providers') continue;
    const name = entry.key.slice('config.providers.'.length).split('.')[0]!;
    if (!names.includes(name)) {
      issues.push({ severity: 'warning', key: entry.key, line: entry.line, message: `config provider '${name}' is not listed in config.providers: this has no effect` });
    } else if (!entry.key.startsWith(`config.providers.${name}.param.`) && entry.key !== `config.providers.${name}.class`) {
      issues.push({ severity: 'warning', key: entry.key, line: entry.line, message: 'not a config provider setting (.class or .param.<name>): it has no effect' });
    }
  }
  return { providers, issues };
}

function buildProvider(name: string, kind: ProviderKind, params: ReadonlyMap<string, PropertyEntry>,
  error: (message: string, entry: PropertyEntry) => void): ConfigProvider | undefined {
  if (kind === 'env') {
    const allow = params.get('allowlist.pattern');
    let pattern = /^.*$/s;
    if (allow) {
      try {
        pattern = new RegExp(`^(?:${allow.value})$`, 'u');
      } catch {
        error('is not a valid regular expression', allow);
        return undefined;
      }
    }
    return {
      name, kind,
      get(path, key) {
        if (path !== undefined && path !== '') throw new ProviderError(`EnvVarConfigProvider takes no path: write \${${name}:VARIABLE}`);
        if (!pattern.test(key)) throw new ProviderError(`environment variable '${key}' is not allowed by config.providers.${name}.param.allowlist.pattern`);
        const value = process.env[key];
        if (value === undefined) throw new ProviderError(`environment variable '${key}' is not set`);
        return value;
      },
    };
  }
  const allowedEntry = params.get('allowed.paths');
  let allowed: string[] | undefined;
  if (allowedEntry) {
    allowed = allowedEntry.value.split(',').map((p) => p.trim()).filter((p) => p !== '');
    const relative = allowed.find((p) => !isAbsolute(p));
    if (relative !== undefined) {
      error('must list absolute paths', allowedEntry);
      return undefined;
    }
    allowed = allowed.map((p) => normalize(p));
  }
  const permitted = (path: string): boolean => {
    if (!allowed) return true;
    // Kafka compares normalized absolute paths; symbolic links are followed so a link cannot lead out.
    let real: string;
    try {
      real = realpathSync(resolve(path));
    } catch {
      real = normalize(resolve(path));
    }
    return allowed.some((a) => {
      let root = a;
      try {
        root = realpathSync(a);
      } catch { /* kept as written */ }
      return real === root || real.startsWith(root.endsWith(sep) ? root : root + sep);
    });
  };
  if (kind === 'file') {
    const files = new Map<string, Map<string, string>>();
    return {
      name, kind,
      get(path, key) {
        if (path === undefined || path === '') throw new ProviderError(`FileConfigProvider needs a file: write \${${name}:/path/to/file.properties:${key}}`);
        if (!permitted(path)) throw new ProviderError(`the file is outside config.providers.${name}.param.allowed.paths`);
        let values = files.get(path);
        if (!values) {
          let text: string;
          try {
            text = readFileSync(path, 'utf8');
          } catch (err) {
            throw new ProviderError(`${name}: ${fileProblem(err)}`);
          }
          // java.util.Properties.load, as FileConfigProvider reads it (the value keeps trailing blanks).
          values = new Map(new Properties(text).getProperties().map((p) => [p.key, p.value] as [string, string]));
          files.set(path, values);
        }
        const value = values.get(key);
        if (value === undefined) throw new ProviderError(`the file has no key '${key}'`);
        return value;
      },
    };
  }
  return {
    name, kind,
    get(path, key) {
      if (path === undefined || path === '') throw new ProviderError(`DirectoryConfigProvider needs a directory: write \${${name}:/path/to/dir:${key}}`);
      if (key === '' || key === '.' || key === '..' || key.includes('/') || key.includes(sep)) {
        throw new ProviderError('the key must be the name of a file in the directory');
      }
      const file = join(path, key);
      if (!permitted(file)) throw new ProviderError(`the directory is outside config.providers.${name}.param.allowed.paths`);
      try {
        if (!statSync(file).isFile()) throw new ProviderError(`'${key}' is not a regular file of the directory`);
        // The whole file, as it is (Kafka does not trim it).
        return readFileSync(file, 'utf8');
      } catch (err) {
        if (err instanceof ProviderError) throw err;
        throw new ProviderError(`${name}: ${fileProblem(err)}`);
      }
    },
  };
}

function fileProblem(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'no such file'
    : code === 'EACCES' || code === 'EPERM' ? 'permission denied'
      : code === 'EISDIR' ? 'a directory, not a file'
        : `cannot be read (${code ?? 'error'})`;
}

export interface Resolved {
  readonly value: string;
  /** At least one placeholder was replaced: the value is a secret. */
  readonly resolved: boolean;
  /** The values that were put in, each a secret. */
  readonly parts: readonly string[];
  /** Why placeholders could not be resolved; never holds a value. */
  readonly problems: readonly string[];
}

/** `value` with every `${provider:[path:]key}` replaced by what the provider gives. */
export function resolvePlaceholders(value: string, providers: ReadonlyMap<string, ConfigProvider>): Resolved {
  const problems: string[] = [];
  const parts: string[] = [];
  let resolved = false;
  const out = value.replace(PLACEHOLDER, (whole, provider: string, path: string | undefined, key: string) => {
    const found = providers.get(provider);
    if (!found) {
      problems.push(providers.size === 0
        ? `\${${provider}:…} names a config provider, and config.providers lists none`
        : `\${${provider}:…} names config provider '${provider}', which config.providers does not list`);
      return whole;
    }
    try {
      const part = found.get(path, key);
      resolved = true;
      parts.push(part);
      return part;
    } catch (err) {
      if (!(err instanceof ProviderError)) throw err;
      problems.push(`cannot resolve \${${provider}:…}: ${err.message}`);
      return whole;
    }
  });
  return { value: out, resolved, parts, problems };
}
