import { describe, expect, it } from 'vitest';
import { ErrorCodes, isKmirrorError } from '../../../src/errors.js';
import { checkMirrorConfig, parseMirrorConfig } from '../../../src/config/mirror-config.js';
import { SETTINGS, SETTING_NAMES } from '../../../src/config/settings.js';

const base = `clusters = A, B
A.bootstrap.servers = a:9092
B.bootstrap.servers = b:9092
A->B.enabled = true
`;

const parse = (text: string) => parseMirrorConfig(text);
const flowOf = (text: string, name = 'A->B') => parse(text).flows.find((f) => f.name === name)!;
const issuesOf = (text: string) => checkMirrorConfig(text).issues;

describe('Java properties syntax', () => {
  it('accepts =, : and whitespace separators, # and ! comments, continuations and escapes', () => {
    const f = flowOf([
      'clusters: A, B',
      '# a comment',
      '! another comment',
      'A.bootstrap.servers  a:9092',
      'B.bootstrap.servers=b:9092',
      'A->B.enabled : true',
      'A->B.topics = orders, \\',
      '    events, \\',
      '    \\u0070ayments',
      'A->B.replication.policy.separator = \\u005f',
      'replication.policy.note = tab\\there',
    ].join('\n'));
    expect(f.enabled).toBe(true);
    expect(f.settings.topics).toEqual(['orders', 'events', 'payments']);
    expect(f.settings['replication.policy.separator']).toBe('_');
    expect(f.properties['replication.policy.note']).toBe('tab\there');
    expect(f.clients.sourceConsumer['bootstrap.servers']).toBe('a:9092');
  });

  it('takes the last of a repeated key, with a warning naming every line', () => {
    const { config, issues } = checkMirrorConfig(`${base}tasks.max = 2\ntasks.max = 4\n`);
    expect(config?.flows.find((f) => f.enabled)?.settings['tasks.max']).toBe(4);
    expect(issues).toContainEqual(expect.objectContaining({ severity: 'warning', key: 'tasks.max', line: 6 }));
    expect(issues.find((i) => i.key === 'tasks.max')?.message).toContain('lines 5, 6');
  });
});

describe('defaults', () => {
  // mm2-internals.md §2: the table of keys and MM2 defaults.
  it.each([
    ['topics', ['.*']],
    ['topics.exclude', ['.*[\\-\\.]internal', '.*\\.replica', '__.*']],
    ['groups', ['.*']],
    ['groups.exclude', ['console-consumer-.*', 'connect-.*', '__.*']],
    ['refresh.topics.enabled', true], ['refresh.topics.interval.seconds', 600],
    ['refresh.groups.enabled', true], ['refresh.groups.interval.seconds', 600],
    ['sync.topic.configs.enabled', true], ['sync.topic.configs.interval.seconds', 600],
    ['sync.topic.acls.enabled', true], ['sync.topic.acls.interval.seconds', 600],
    ['config.properties.exclude', [
      'follower\\.replication\\.throttled\\.replicas', 'leader\\.replication\\.throttled\\.replicas',
      'message\\.timestamp\\.difference\\.max\\.ms', 'message\\.timestamp\\.type',
      'unclean\\.leader\\.election\\.enable', 'min\\.insync\\.replicas']],
    ['emit.heartbeats.enabled', true], ['emit.heartbeats.interval.seconds', 1],
    ['emit.checkpoints.enabled', true], ['emit.checkpoints.interval.seconds', 60],
    ['sync.group.offsets.enabled', false], ['sync.group.offsets.interval.seconds', 60],
    ['offset.lag.max', 100],
    ['replication.factor', 2],
    ['replication.policy.class', 'org.apache.kafka.connect.mirror.DefaultReplicationPolicy'],
    ['replication.policy.separator', '.'],
    ['offset-syncs.topic.location', 'source'],
    ['tasks.max', 1],
    ['heartbeats.topic.replication.factor', 3],
    ['checkpoints.topic.replication.factor', 3],
    ['offset-syncs.topic.replication.factor', 3],
  ] as const)('%s defaults to MM2\'s %j', (name, expected) => {
    expect(flowOf(base).settings[name]).toEqual(expected);
  });

  it('every default in the table is valid under its own schema', () => {
    for (const name of SETTING_NAMES) expect(SETTINGS[name].schema.safeParse(SETTINGS[name].default).success, name).toBe(true);
  });
});

describe('flows', () => {
  it('per-flow settings win over top-level ones, for that flow only', () => {
    const config = parse(`${base}B->A.enabled = true\ntopics = a.*\nA->B.topics = b.*\ntasks.max = 3\n`);
    const ab = config.flows.find((f) => f.name === 'A->B')!;
    const ba = config.flows.find((f) => f.name === 'B->A')!;
    expect(ab.settings.topics).toEqual(['b.*']);
    expect(ba.settings.topics).toEqual(['a.*']);
    expect(ab.settings['tasks.max']).toBe(3);
    expect(ab.origins.topics).toEqual({ key: 'A->B.topics', line: 7 });
    expect(ba.origins.topics).toEqual({ key: 'topics', line: 6 });
  });

  it('flows are disabled unless enabled, and still emit heartbeats as MM2 does', () => {
    const config = parse('clusters = A, B\nA.bootstrap.servers = a:1\nB.bootstrap.servers = b:1\nA->B.enabled = true\n');
    expect(config.flows.map((f) => [f.name, f.enabled, f.heartbeats])).toEqual([['A->B', true, true], ['B->A', false, true]]);
  });

  it('a disabled pair with heartbeats off runs nothing', () => {
    const text = `${base}B->A.emit.heartbeats.enabled = false\n`;
    expect(parse(text).flows.map((f) => f.name)).toEqual(['A->B']);
    expect(parse(`${base}emit.heartbeats.enabled = false\n`).flows.map((f) => [f.name, f.heartbeats])).toEqual([['A->B', false]]);
  });

  it('aliases with dots and dashes resolve to the longest matching alias', () => {
    const config = parse('clusters = us, us.east, eu-west\nus.bootstrap.servers = us:1\nus.east.bootstrap.servers = use:1\n' +
      'eu-west.bootstrap.servers = euw:1\nus.east->eu-west.enabled = true\nus->us.east.enabled = true\n');
    expect(config.clusters.map((c) => [c.alias, c.bootstrapServers])).toEqual([['us', 'us:1'], ['us.east', 'use:1'], ['eu-west', 'euw:1']]);
    expect(config.flows.filter((f) => f.enabled).map((f) => f.name)).toEqual(['us->us.east', 'us.east->eu-west']);
  });

  it('hands a flow its MM2-style property view (top level, then the flow\'s own)', () => {
    const f = flowOf(`${base}replication.policy.prefix = x\nA->B.replication.policy.prefix = y\n`);
    expect(f.properties['replication.policy.prefix']).toBe('y');
    expect(f.properties).not.toHaveProperty('enabled');
  });
});

describe('client settings precedence (low → high)', () => {
  const text = [
    'clusters = A, B',
    'security.protocol = PLAINTEXT',                 // every cluster
    'A.bootstrap.servers = a:9092',
    'B.bootstrap.servers = b:9092',
    'A.security.protocol = SSL',                     // cluster A's own block
    'consumer.fetch.min.bytes = 1',                  // every consumer
    'consumer.client.rack = r1',
    'A->B.consumer.fetch.min.bytes = 2',             // consumers of flow A->B
    'A->B.consumer.client.rack = r2',
    'A.consumer.client.rack = r3',                   // consumers of cluster A
    'A.consumer.enable.auto.commit = true',          // MM2 forces false
    'B.consumer.auto.offset.reset = latest',
    'producer.linger.ms = 5',
    'B.producer.linger.ms = 50',
    'admin.request.timeout.ms = 1000',
    'A->B.enabled = true',
  ].join('\n');

  it('cluster settings < consumer.* < A->B.consumer.* < <alias>.consumer.*, auto-commit forced off', () => {
    const { clients } = flowOf(text);
    expect(clients.sourceConsumer).toEqual({
      'auto.offset.reset': 'earliest',
      'bootstrap.servers': 'a:9092',
      'security.protocol': 'SSL',
      'fetch.min.bytes': '2',
      'client.rack': 'r3',
      'enable.auto.commit': 'false',
    });
  });

  it('a top-level connection setting applies where the cluster block does not set it', () => {
    const { clients } = flowOf(text);
    expect(clients.targetAdmin).toEqual({ 'bootstrap.servers': 'b:9092', 'security.protocol': 'PLAINTEXT', 'request.timeout.ms': '1000' });
  });

  it('auto.offset.reset defaults to earliest and can be set', () => {
    const { clients } = flowOf(text);
    expect(clients.targetConsumer['auto.offset.reset']).toBe('latest');
    expect(clients.sourceConsumer['auto.offset.reset']).toBe('earliest');
  });

  it('producer overrides reach the producer of the cluster they name', () => {
    const { clients } = flowOf(text);
    expect(clients.targetProducer['linger.ms']).toBe('50');
    expect(clients.sourceProducer['linger.ms']).toBe('5');
    expect(clients.targetProducer).not.toHaveProperty('fetch.min.bytes');
  });
});

describe('errors name the key and the line, and every error is reported at once', () => {
  const errorsOf = (text: string) => issuesOf(text).filter((i) => i.severity === 'error');

  it.each([
    ['tasks.max = ten', 'tasks.max', 5, 'must be a whole number'],
    ['tasks.max = 0', 'tasks.max', 5, 'must be at least 1'],
    ['emit.checkpoints.enabled = yes', 'emit.checkpoints.enabled', 5, 'must be true or false'],
    ['offset-syncs.topic.location = elsewhere', 'offset-syncs.topic.location', 5, 'must be source or target'],
    ['replication.factor = 0', 'replication.factor', 5, 'must be -1 (broker default) or at least 1'],
    ['A->B.topics = ok, [broken', 'A->B.topics', 5, `'[broken' is not a valid regular expression`],
    ['groups.exclude = (a', 'groups.exclude', 5, `'(a' is not a valid regular expression`],
    ['A->C.enabled = true', 'A->C.enabled', 5, `flow names cluster 'C', which is not in 'clusters' (A, B)`],
    ['X->B.topics = .*', 'X->B.topics', 5, `flow names cluster 'X'`],
    ['A->A.enabled = true', 'A->A.enabled', 5, 'onto itself'],
    ['A->B.enabled = maybe', 'A->B.enabled', 5, 'must be true or false'],
  ])('%s', (line, key, lineNumber, message) => {
    const errors = errorsOf(base + line + '\n');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ key, line: lineNumber });
    expect(errors[0]!.message).toContain(message);
  });

  it('a cluster without bootstrap.servers', () => {
    const errors = errorsOf('clusters = A, B\nA.bootstrap.servers = a:1\nA->B.enabled = true\n');
    expect(errors).toEqual([expect.objectContaining({ key: 'B.bootstrap.servers', line: 1 })]);
    expect(errors[0]!.message).toContain(`cluster 'B' has no bootstrap.servers`);
  });

  it('a file without clusters, and bad aliases', () => {
    expect(errorsOf('topics = .*\n')).toEqual([expect.objectContaining({ key: 'clusters' })]);
    expect(errorsOf('clusters = A, A\nA.bootstrap.servers = a:1\n')[0]!.message).toContain('listed twice');
    expect(errorsOf('clusters = consumer\nconsumer.bootstrap.servers = a:1\n')[0]!.message).toContain(`'consumer' cannot be used`);
    expect(errorsOf('clusters = a b\n')[0]!.message).toContain('may hold only');
  });

  it('reports every error, sorted by line, and parseMirrorConfig throws them all', () => {
    const text = 'clusters = A, B\nA.bootstrap.servers = a:1\ntasks.max = x\nA->C.enabled = true\noffset.lag.max = -1\n';
    expect(errorsOf(text).map((e) => e.line)).toEqual([1, 3, 4, 5]);
    let thrown: unknown;
    try {
      parseMirrorConfig(text, { file: 'mm2.properties' });
    } catch (err) {
      thrown = err;
    }
    expect(isKmirrorError(thrown, ErrorCodes.CONFIG_INVALID)).toBe(true);
    expect((thrown as Error).message).toBe('mm2.properties has 4 errors');
    expect((thrown as { details: string[] }).details).toContain(`error: mm2.properties:3: tasks.max: 'x': must be a whole number`);
  });
});

describe('warnings', () => {
  const warningsOf = (text: string) => issuesOf(text).filter((i) => i.severity === 'warning');

  it.each([
    ['topcs = .*', 'topcs', `did you mean 'topics'?`],
    ['A->B.topics.exclud = x', 'A->B.topics.exclud', `did you mean 'A->B.topics.exclude'?`],
    ['A.bootstrap.server = a:1', 'A.bootstrap.server', `did you mean 'A.bootstrap.servers'?`],
    ['sync.group.offset.enabled = true', 'sync.group.offset.enabled', `did you mean 'sync.group.offsets.enabled'?`],
    ['completely.unrelated.thing = 1', 'completely.unrelated.thing', 'unknown setting, ignored'],
    ['A.topics = .*', 'A.topics', 'is a flow setting, not a cluster one'],
  ])('%s', (line, key, message) => {
    const warnings = warningsOf(base + line + '\n');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ key, line: 5 });
    expect(warnings[0]!.message).toContain(message);
  });

  it('MM2 and Connect keys kmirror does not use are accepted quietly', () => {
    expect(warningsOf(`${base}offset.flush.interval.ms = 10000\nkey.converter = x\nreplication.policy.custom = 1\n`)).toEqual([]);
  });

  it('no enabled flow is a warning, not an error', () => {
    const warnings = warningsOf('clusters = A, B\nA.bootstrap.servers = a:1\nB.bootstrap.servers = b:1\n');
    expect(warnings.map((w) => w.message)).toEqual([expect.stringContaining('no replication flow is enabled')]);
  });
});

describe('the model', () => {
  it('is frozen all the way down', () => {
    const config = parse(base);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.flows[0]!.settings.topics)).toBe(true);
    expect(Object.isFrozen(config.flows[0]!.clients.sourceConsumer)).toBe(true);
    expect(() => {
      (config.flows[0]!.settings as { 'tasks.max': number })['tasks.max'] = 9;
    }).toThrow(TypeError);
  });

  it.each([
    // a value the setting's rules refuse, holding a JAAS line (quotes, spaces)
    ['kmirror.sidecar.token = x password="hunter2-s3cret";', 'hunter2-s3cret', /may hold only letters, digits/],
    // a value too short to be a token: the whole value is the secret
    ['kmirror.sidecar.token = hunter2-s3cret', 'hunter2-s3cret', /must be at least 16 characters/],
  ])('never echoes a secret in an error: %s', (line, secret, message) => {
    const text = `${base}${line}\n`;
    const issues = issuesOf(text);
    // There is an error about the line holding the secret, naming key and line...
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ severity: 'error', key: 'kmirror.sidecar.token', line: 5 });
    expect(issues[0]!.message).toMatch(message);
    expect(issues[0]!.message).toContain('[redacted]');
    // ...and the secret is nowhere in it, nor in what parseMirrorConfig throws.
    expect(JSON.stringify(issues)).not.toContain(secret);
    const thrown = (() => {
      try {
        parse(text);
      } catch (err) {
        return err as Error & { details: string[] };
      }
      throw new Error('parseMirrorConfig accepted a bad token');
    })();
    expect(thrown.details).toEqual([expect.stringMatching(/^error: line:5: kmirror\.sidecar\.token: '\[redacted\]': /)]);
    expect(`${thrown.message}\n${thrown.details.join('\n')}`).not.toContain(secret);
  });
});
