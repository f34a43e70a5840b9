import { z } from 'zod';
import { compilePatternList } from '../policy/pattern-list.js';

/**
 * The one table of MirrorMaker 2 settings kmirror understands: name (MM2's own), value schema,
 * default (MM2's, as text, parsed by the same schema as user values) and documentation.
 * Every setting may be written at top level or per flow (`A->B.<name>`); per flow wins.
 * kmirror's own process-wide settings (PROCESS_SETTINGS, `kmirror.*`) are top level only.
 * docs/configuration.md is generated from this table (`kmirror config reference`).
 */

// ---- value kinds: each parses the raw properties text -------------------------------------------

const text = z.string().trim();

const bool = text.toLowerCase().pipe(z.enum(['true', 'false'], { error: 'must be true or false' }))
  .transform((v) => v === 'true');

function int(min: number, max = Number.MAX_SAFE_INTEGER) {
  return text.regex(/^[+-]?\d+$/, { error: 'must be a whole number' }).transform(Number)
    .pipe(z.number().min(min, { error: `must be at least ${min}` }).max(max, { error: `must be at most ${max}` }));
}

/** Kafka's LIST type: comma separated, whitespace around items ignored, empty items dropped. */
const list = z.string().transform((v) => v.split(',').map((item) => item.trim()).filter((item) => item !== ''));

/**
 * A list of Java regular expressions, each compiled here so a bad one is reported at start-up
 * with its key and line. Patterns are matched whole (Java's Matcher.matches()).
 */
const regexList = list.superRefine((patterns, ctx) => {
  for (const pattern of patterns) {
    const problem = regexProblem(pattern);
    if (problem) ctx.addIssue({ code: 'custom', message: `'${pattern}' is not a valid regular expression (${problem})` });
  }
});

/** Why `pattern` cannot be applied as MM2 would (compiled exactly as the filters compile it), or undefined. */
export function regexProblem(pattern: string): string | undefined {
  try {
    compilePatternList([pattern], 'pattern');
    return undefined;
  } catch (err) {
    const cause = (err as Error).cause;
    const reason = cause instanceof Error ? cause.message : (err as Error).message;
    // V8 says "Invalid regular expression: /<source>/<flags>: <reason>"; keep the reason.
    return reason.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
  }
}

/** A replication factor: a positive int16, or -1 for the broker's default. */
const replicationFactor = int(-1, 32767).refine((v) => v !== 0, { error: 'must be -1 (broker default) or at least 1' });

// ---- the table ------------------------------------------------------------------------------------

interface Setting<S extends z.ZodType<unknown, string>> {
  readonly schema: S;
  readonly default: string;
  readonly doc: string;
  /** true when MM2 accepts the setting but kmirror does not act on it yet. */
  readonly notYetUsed?: boolean;
}

function setting<S extends z.ZodType<unknown, string>>(schema: S, dflt: string, doc: string, notYetUsed = false): Setting<S> {
  return { schema, default: dflt, doc, notYetUsed };
}

export const SETTINGS = {
  // what to replicate
  topics: setting(regexList, '.*', 'Topics to replicate: regular expressions, comma separated, matched against the whole name.'),
  'topics.exclude': setting(regexList, '.*[\\-\\.]internal, .*\\.replica, __.*', 'Topics never to replicate, even when `topics` matches.'),
  groups: setting(regexList, '.*', 'Consumer groups whose offsets are checkpointed and synced.'),
  'groups.exclude': setting(regexList, 'console-consumer-.*, connect-.*, __.*', 'Consumer groups never to checkpoint.'),
  'config.properties.exclude': setting(regexList,
    'follower\\.replication\\.throttled\\.replicas, leader\\.replication\\.throttled\\.replicas, message\\.timestamp\\.difference\\.max\\.ms, message\\.timestamp\\.type, unclean\\.leader\\.election\\.enable, min\\.insync\\.replicas',
    'Topic configs never copied to remote topics.'),

  // naming
  'replication.policy.class': setting(text.min(1, { error: 'must not be empty' }), 'org.apache.kafka.connect.mirror.DefaultReplicationPolicy',
    'Remote topic naming: DefaultReplicationPolicy, IdentityReplicationPolicy, or the path of a JS/TS module exporting a policy.'),
  'replication.policy.separator': setting(z.string().min(1, { error: 'must not be empty' }), '.', 'Separator between the source alias and the topic name in remote topic names.'),
  'replication.policy.internal.topic.separator.enabled': setting(bool, 'true', 'Use the separator in internal topic names (checkpoints, offset syncs) too.'),
  'default.replication.policy.heartbeats.topic.name': setting(text.min(1, { error: 'must not be empty' }), 'heartbeats',
    'Name of the heartbeats topic for the built-in policies.'),

  // topics
  'replication.factor': setting(replicationFactor, '2', 'Replication factor of the remote topics kmirror creates.'),
  'refresh.topics.enabled': setting(bool, 'true', 'Look for new source topics and partitions periodically.'),
  'refresh.topics.interval.seconds': setting(int(1), '600', 'How often to look for new source topics and partitions.'),
  'sync.topic.configs.enabled': setting(bool, 'true', 'Copy topic configs to remote topics periodically.'),
  'sync.topic.configs.interval.seconds': setting(int(1), '600', 'How often to sync topic configs.'),
  'sync.topic.acls.enabled': setting(bool, 'true',
    'Copy topic ACLs to the target periodically (MM2\'s rules; and prefixed topic ACLs and READ on checkpointed groups).'),
  'sync.topic.acls.interval.seconds': setting(int(1), '600', 'How often to sync topic ACLs.'),

  // offsets
  'offset-syncs.topic.location': setting(text.toLowerCase().pipe(z.enum(['source', 'target'], { error: 'must be source or target' })),
    'source', 'Cluster that holds the offset-syncs topic.'),
  'offset-syncs.topic.replication.factor': setting(replicationFactor, '3', 'Replication factor of the offset-syncs topic.'),
  'emit.offset-syncs.enabled': setting(bool, 'true', 'Write offset syncs (needed for checkpoints).'),
  'offset.lag.max': setting(int(0), '100', 'How far the downstream offset may move before MM2 writes an offset sync.'),
  'emit.checkpoints.enabled': setting(bool, 'true', 'Write consumer group checkpoints to the target.'),
  'emit.checkpoints.interval.seconds': setting(int(1), '60', 'How often to write checkpoints.'),
  'checkpoints.topic.replication.factor': setting(replicationFactor, '3', 'Replication factor of the checkpoints topic.'),
  'sync.group.offsets.enabled': setting(bool, 'false', 'Commit translated offsets to target groups that are empty or absent there.'),
  'sync.group.offsets.interval.seconds': setting(int(1), '60', 'How often to sync group offsets.'),
  'refresh.groups.enabled': setting(bool, 'true', 'Look for new consumer groups periodically.'),
  'refresh.groups.interval.seconds': setting(int(1), '600', 'How often to look for new consumer groups.'),

  // heartbeats
  'emit.heartbeats.enabled': setting(bool, 'true', 'Write heartbeats to the target; also keeps a heartbeat-only flow for disabled pairs, as MM2.'),
  'emit.heartbeats.interval.seconds': setting(int(1), '1', 'How often to write heartbeats.'),
  'heartbeats.topic.replication.factor': setting(replicationFactor, '3', 'Replication factor of the heartbeats topic.'),
  'heartbeats.replication.enabled': setting(bool, 'true', 'Replicate heartbeats topics whatever the topic filter says (KIP-1089).'),

  // parallelism and clients
  'tasks.max': setting(int(1, 1024), '1', 'Worker threads per flow in one kmirror process (MM2: tasks).'),
  'admin.timeout.ms': setting(int(1), '60000', 'Timeout of admin requests.'),
  'offset.flush.interval.ms': setting(int(10), '250',
    'How often replication positions are stored on the target: the most a crash re-copies. kmirror\'s default; Connect (MM2) uses 60000.'),
  'consumer.poll.timeout.ms': setting(int(1), '1000', 'How long a fetch waits for records.', true),

  // kmirror's own, per flow
  'kmirror.source.group.id': setting(text, '',
    'Consumer group the flow\'s processes join on the source to share its partitions, and whose offsets on the target are the flow\'s ' +
    'replication positions. Empty means kmirror.<source>-><target>. Give unrelated deployments with the same aliases different groups.'),
  'kmirror.unassigned.timeout.seconds': setting(int(0), '300',
    'A flow of this process with no partition assigned for this long stops being ready (/health/ready); 0 never.'),
} as const;

export type SettingName = keyof typeof SETTINGS;

/** The parsed value of every setting, by MM2 name: `settings['offset.lag.max']` is a number. */
export type Settings = { readonly [K in SettingName]: z.output<(typeof SETTINGS)[K]['schema']> };

export const SETTING_NAMES = Object.keys(SETTINGS) as SettingName[];

/**
 * A bearer token (RFC 6750 b64token: letters, digits and `-._~+/`, then `=` padding) long enough
 * not to be guessed; empty means none. Its value is a secret: the key matches redact.ts.
 */
const bearerToken = z.string().trim().transform((v) => (v === '' ? undefined : v)).pipe(z.union([
  z.undefined(),
  z.string().min(16, { error: 'must be at least 16 characters (or empty for no token)' })
    .regex(/^[A-Za-z0-9\-._~+\/]+=*$/, { error: 'may hold only letters, digits and - . _ ~ + / (then = padding), as a bearer token' }),
]));

/** A host name or IP address to listen on. */
const host = text.min(1, { error: 'must not be empty' })
  .regex(/^[A-Za-z0-9.:\-[\]%]+$/, { error: 'must be a host name or an IP address' })
  .transform((v) => v.replace(/^\[(.*)\]$/, '$1'));

/** A file path; empty means none. */
const optionalPath = text.transform((v) => (v === '' ? undefined : v));

/** A password; empty means none. A secret: the key matches redact.ts. */
const optionalSecret = z.string().transform((v) => (v.trim() === '' ? undefined : v));

/**
 * kmirror's own settings (not MM2's) that belong to the whole process, not to a flow: written at
 * top level only (`kmirror.sidecar.port = 8787`), parsed once into `MirrorConfig.process`.
 */
export const PROCESS_SETTINGS = {
  'kmirror.sidecar.enabled': setting(bool, 'true', 'Serve health, status, metrics and offset translation over HTTP (the sidecar).'),
  'kmirror.sidecar.host': setting(host, '127.0.0.1',
    'Address the sidecar listens on. Loopback by default; anything else should come with kmirror.sidecar.token, and a token off loopback needs HTTPS (kmirror.sidecar.tls.cert and .key).'),
  'kmirror.sidecar.port': setting(int(0, 65535), '8787', 'Port of the sidecar; 0 picks a free port (logged at start).'),
  'kmirror.sidecar.token': setting(bearerToken, '',
    'Bearer token every sidecar route but /health/live requires when set; routes that change state (pause, resume) are refused without one. A secret: never printed.'),
  'kmirror.sidecar.tls.cert': setting(optionalPath, '',
    'PEM file of the certificate (then any intermediates) the sidecar serves HTTPS with, together with kmirror.sidecar.tls.key; empty: plain HTTP. Relative to the working directory.'),
  'kmirror.sidecar.tls.key': setting(optionalPath, '',
    'PEM file of the private key of kmirror.sidecar.tls.cert (PKCS#8, PKCS#1 or SEC1; encrypted needs kmirror.sidecar.tls.key.password).'),
  'kmirror.sidecar.tls.key.password': setting(optionalSecret, '',
    'Password of an encrypted kmirror.sidecar.tls.key. A secret: never printed.'),
  'kmirror.sidecar.tls.ca': setting(optionalPath, '',
    'PEM file of CA certificates: when set, the sidecar requires a client certificate signed by one of them on every connection (probes included).'),
  'kmirror.shutdown.timeout.ms': setting(int(1000), '30000',
    'SIGTERM/SIGINT: the most a stop takes. Shards store the positions of what the target acknowledged by then; a second signal exits at once.'),
  'kmirror.metrics.partition.labels': setting(bool, 'true',
    'Label per-partition metrics with the partition; false folds them to topic level (clusters with thousands of partitions).'),
} as const;

export type ProcessSettingName = keyof typeof PROCESS_SETTINGS;

/** The parsed value of every process-wide setting: `process['kmirror.sidecar.port']` is a number. */
export type ProcessSettings = { readonly [K in ProcessSettingName]: z.output<(typeof PROCESS_SETTINGS)[K]['schema']> };

export const PROCESS_SETTING_NAMES = Object.keys(PROCESS_SETTINGS) as ProcessSettingName[];

/** Settings only an entire file may carry, not a flow. */
export const FILE_SETTINGS = {
  clusters: setting(list, '', 'Cluster aliases, comma separated; each needs `<alias>.bootstrap.servers`.'),
} as const;

/** Settings only a flow (`A->B.<name>`) may carry. */
export const FLOW_SETTINGS = {
  enabled: setting(bool, 'false', 'Replicate topics and checkpoints from A to B.'),
} as const;

/**
 * Keys MM2 (or the Connect worker under it) accepts that kmirror has no use for: accepted
 * silently so an MM2 file validates without noise.
 */
export const MM2_KEYS_WITHOUT_EFFECT: ReadonlySet<string> = new Set([
  'source.cluster.alias', 'target.cluster.alias', 'topic.filter.class', 'group.filter.class',
  'config.property.filter.class', 'forwarding.admin.class', 'use.incremental.alter.configs',
  'add.source.alias.to.metrics', 'dedicated.mode.enable.internal.rest', 'metric.reporters',
  'offset.flush.timeout.ms', 'key.converter', 'value.converter',
  'header.converter', 'config.storage.replication.factor', 'offset.storage.replication.factor',
  'status.storage.replication.factor', 'config.storage.topic', 'offset.storage.topic',
  'status.storage.topic', 'offset.storage.partitions', 'status.storage.partitions',
  'exactly.once.source.support', 'exactly.once.support', 'transaction.boundary',
  'connector.class', 'name', 'errors.tolerance', 'errors.log.enable',
]);

/**
 * Client settings MM2 takes from a cluster's own block (`<alias>.<name>`) and hands to every
 * client of that cluster (MirrorClientConfig's CLIENT_CONFIG_DEF: common, SSL and SASL settings).
 */
const CLIENT_SETTING_NAMES: ReadonlySet<string> = new Set([
  'bootstrap.servers', 'client.dns.lookup', 'client.id', 'client.rack', 'connections.max.idle.ms',
  'metadata.max.age.ms', 'metadata.recovery.strategy', 'metadata.recovery.rebootstrap.trigger.ms',
  'receive.buffer.bytes', 'send.buffer.bytes', 'reconnect.backoff.ms', 'reconnect.backoff.max.ms',
  'retries', 'retry.backoff.ms', 'retry.backoff.max.ms', 'request.timeout.ms',
  'socket.connection.setup.timeout.ms', 'socket.connection.setup.timeout.max.ms',
  'security.protocol', 'security.providers', 'metrics.num.samples', 'metrics.recording.level',
  'metrics.sample.window.ms', 'default.api.timeout.ms', 'enable.metrics.push',
]);

export function isClientSetting(name: string): boolean {
  return CLIENT_SETTING_NAMES.has(name) || name.startsWith('ssl.') || name.startsWith('sasl.');
}

export const CLIENT_SETTINGS_FOR_SUGGESTIONS: readonly string[] = [...CLIENT_SETTING_NAMES];

/** The client roles whose settings can be overridden with a `<role>.` prefix. */
export const CLIENT_ROLES = ['consumer', 'producer', 'admin'] as const;
export type ClientRole = (typeof CLIENT_ROLES)[number];
