/**
 * `replication.policy.class`: MM2's two built-in policies by (qualified) class name, or a user's
 * JS/TS module standing in for a Java class. The module's default export (or its export named
 * `ReplicationPolicy`) is a class, constructed with no arguments then given `configure(properties)`
 * when it has one (Java's Configurable), or a ready policy object (shared by every load of that
 * module, as modules are cached). MM2's defaults fill in the optional methods it leaves out.
 */

import type { Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { ErrorCodes, KmirrorError } from '../errors.js';
import { DefaultReplicationPolicy, HEARTBEATS_TOPIC_NAME_CONFIG } from './default-replication-policy.js';
import { IdentityReplicationPolicy } from './identity-replication-policy.js';
import {
  OPTIONAL_POLICY_METHODS,
  REQUIRED_POLICY_METHODS,
  withPolicyDefaults,
  type PartialReplicationPolicy,
  type ReplicationPolicy,
} from './replication-policy.js';

export interface ReplicationPolicySettings {
  /** `replication.policy.class`: a built-in class name, or a module path (relative to baseDir), or a `file:` URL. */
  className: string;
  /** `replication.policy.separator`, for the built-ins. */
  separator: string;
  /** `replication.policy.internal.topic.separator.enabled`, for the built-ins. */
  internalTopicSeparatorEnabled: boolean;
  /** The flow's source alias (`source.cluster.alias`), for IdentityReplicationPolicy. */
  sourceClusterAlias: string;
  /** The folder of mm2.properties; relative module paths resolve from here. */
  baseDir: string;
  /** The flow's effective properties, handed to a custom policy's configure() as MM2 does. */
  properties: Readonly<Record<string, string>>;
}

const MIRROR_PACKAGE = 'org.apache.kafka.connect.mirror.';
const TYPESCRIPT_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.tsx']);
const SCRIPT_EXTENSIONS = new Set(['.js', '.mjs', '.cjs', ...TYPESCRIPT_EXTENSIONS]);

/** Throws KmirrorError(POLICY_INVALID) naming the module when a custom policy cannot be used. */
export async function loadReplicationPolicy(settings: ReplicationPolicySettings): Promise<ReplicationPolicy> {
  const builtIn = builtInPolicy(settings);
  if (builtIn !== null) return builtIn;

  const modulePath = resolveModulePath(settings.className, settings.baseDir);
  await assertModuleFileExists(settings.className, modulePath);
  const namespace = await importModule(modulePath);
  const policy = instantiate(policyExport(namespace, modulePath), modulePath);
  assertPolicyShape(policy, modulePath);
  if (typeof policy.configure === 'function') {
    try {
      // Awaited so a configure() that reads files or secrets may be async.
      await policy.configure(Object.freeze({ ...settings.properties }));
    } catch (error) {
      throw invalid(modulePath, `its configure(properties) failed: ${messageOf(error)}`, error);
    }
  }
  return withPolicyDefaults(policy);
}

function builtInPolicy(settings: ReplicationPolicySettings): ReplicationPolicy | null {
  const simpleName = settings.className.startsWith(MIRROR_PACKAGE)
    ? settings.className.slice(MIRROR_PACKAGE.length)
    : settings.className;
  const options = {
    separator: settings.separator,
    internalTopicSeparatorEnabled: settings.internalTopicSeparatorEnabled,
    heartbeatsTopic: settings.properties[HEARTBEATS_TOPIC_NAME_CONFIG],
  };
  switch (simpleName) {
    case 'DefaultReplicationPolicy':
      return new DefaultReplicationPolicy(options);
    case 'IdentityReplicationPolicy':
      return new IdentityReplicationPolicy({ ...options, sourceClusterAlias: settings.sourceClusterAlias });
    default:
      return null;
  }
}

function resolveModulePath(className: string, baseDir: string): string {
  if (!className.startsWith('file:')) return resolve(baseDir, className);
  try {
    return fileURLToPath(className);
  } catch (error) {
    throw invalid(className, `it is not a valid file: URL (${messageOf(error)})`, error);
  }
}

async function assertModuleFileExists(className: string, modulePath: string): Promise<void> {
  let stats: Stats | null = null;
  try {
    stats = await stat(modulePath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw invalid(modulePath, `it cannot be read: ${messageOf(error)}`, error);
    }
  }
  if (stats?.isFile()) return;
  const looksLikeJavaClass =
    /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)+$/.test(className) && !SCRIPT_EXTENSIONS.has(extname(className));
  const hint = looksLikeJavaClass
    ? ` "${className}" looks like a Java class name: kmirror cannot run Java policies; port it to a JS or TS module` +
      ' exporting a class with formatRemoteTopic, topicSource and upstreamTopic, and set replication.policy.class to its path.'
    : ' Set replication.policy.class to a JS or TS module path (relative to the mm2.properties folder) or to a built-in policy.';
  throw invalid(modulePath, stats === null ? `it does not exist.${hint}` : `it is not a file.${hint}`);
}

async function importModule(modulePath: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(modulePath).href;
  try {
    if (!TYPESCRIPT_EXTENSIONS.has(extname(modulePath))) return (await import(url)) as Record<string, unknown>;
    const tsImport = await loadTsImport(modulePath);
    return (await tsImport(url, import.meta.url)) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof KmirrorError) throw error;
    throw invalid(modulePath, `it failed to load: ${messageOf(error)}`, error);
  }
}

/** tsx is loaded only when a TypeScript policy is asked for; compiled JS policies do not need it. */
async function loadTsImport(modulePath: string): Promise<(specifier: string, parentURL: string) => Promise<unknown>> {
  try {
    return (await import('tsx/esm/api')).tsImport;
  } catch (error) {
    throw invalid(
      modulePath,
      'loading a TypeScript policy needs the tsx package, which is not installed; install tsx or compile the policy to JavaScript.',
      error,
    );
  }
}

function policyExport(namespace: Record<string, unknown>, modulePath: string): unknown {
  let exported = namespace.default ?? namespace.ReplicationPolicy;
  // A CommonJS module compiled from `export default` arrives as `{ default: { default: X } }`.
  if (isObject(exported) && !('formatRemoteTopic' in exported) && 'default' in exported) exported = exported.default;
  if (exported === undefined || exported === null) {
    throw invalid(modulePath, 'it has neither a default export nor an export named ReplicationPolicy.');
  }
  return exported;
}

function instantiate(exported: unknown, modulePath: string): Record<string, unknown> {
  if (typeof exported === 'function') {
    let instance: unknown;
    try {
      instance = new (exported as new () => unknown)();
    } catch (error) {
      throw invalid(modulePath, `its exported class could not be constructed with no arguments: ${messageOf(error)}`, error);
    }
    if (isObject(instance)) return instance;
  } else if (isObject(exported)) {
    return exported;
  }
  throw invalid(modulePath, `its export is a ${typeof exported}, not a policy class or object.`);
}

function assertPolicyShape(
  policy: Record<string, unknown>,
  modulePath: string,
): asserts policy is PartialReplicationPolicy & { configure?: (properties: Readonly<Record<string, string>>) => unknown } {
  const missing = REQUIRED_POLICY_METHODS.filter((name) => typeof policy[name] !== 'function');
  const notMethods = [...OPTIONAL_POLICY_METHODS, 'configure'].filter(
    (name) => policy[name] !== undefined && typeof policy[name] !== 'function',
  );
  const problems = [
    ...(missing.length > 0 ? [`missing ${missing.map((name) => `${name}()`).join(', ')}`] : []),
    ...(notMethods.length > 0 ? [`not functions: ${notMethods.join(', ')}`] : []),
  ];
  if (problems.length > 0) {
    throw invalid(modulePath, `it does not implement ReplicationPolicy: ${problems.join('; ')}.`);
  }
}

function invalid(modulePath: string, reason: string, cause?: unknown): KmirrorError {
  return new KmirrorError(
    ErrorCodes.POLICY_INVALID,
    `replication.policy.class: cannot use module ${modulePath}: ${reason}`,
    cause === undefined ? {} : { cause },
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
