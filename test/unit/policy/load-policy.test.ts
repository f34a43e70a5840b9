import { execFile } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

import { describe, expect, it } from 'vitest';

import { ErrorCodes, isKmirrorError, type KmirrorError } from '../../../src/errors.js';
import {
  DefaultReplicationPolicy,
  IdentityReplicationPolicy,
  isCycle,
  loadReplicationPolicy,
  type ReplicationPolicySettings,
} from '../../../src/policy/index.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const fixtures = join(repoRoot, 'test/fixtures/policies');

function settings(overrides: Partial<ReplicationPolicySettings>): ReplicationPolicySettings {
  return {
    className: 'org.apache.kafka.connect.mirror.DefaultReplicationPolicy',
    separator: '.',
    internalTopicSeparatorEnabled: true,
    sourceClusterAlias: 'A',
    baseDir: fixtures,
    properties: {},
    ...overrides,
  };
}

async function loadError(overrides: Partial<ReplicationPolicySettings>): Promise<KmirrorError> {
  const error: unknown = await loadReplicationPolicy(settings(overrides)).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!isKmirrorError(error, ErrorCodes.POLICY_INVALID)) throw new Error(`expected POLICY_INVALID, got ${String(error)}`);
  return error;
}

describe('loadReplicationPolicy: built-in policies', () => {
  it.each([
    ['org.apache.kafka.connect.mirror.DefaultReplicationPolicy', DefaultReplicationPolicy, 'A_orders'],
    ['DefaultReplicationPolicy', DefaultReplicationPolicy, 'A_orders'],
    ['org.apache.kafka.connect.mirror.IdentityReplicationPolicy', IdentityReplicationPolicy, 'orders'],
    ['IdentityReplicationPolicy', IdentityReplicationPolicy, 'orders'],
  ])('%s', async (className, type, remoteName) => {
    const policy = await loadReplicationPolicy(settings({ className, separator: '_', internalTopicSeparatorEnabled: false }));
    expect(policy).toBeInstanceOf(type);
    expect(policy.formatRemoteTopic('A', 'orders')).toBe(remoteName);
    expect(policy.formatRemoteTopic('A', 'heartbeats')).toBe('A_heartbeats');
    expect(policy.checkpointsTopic('A')).toBe('A.checkpoints.internal');
  });

  it('gives IdentityReplicationPolicy the flow source alias', async () => {
    const policy = await loadReplicationPolicy(settings({ className: 'IdentityReplicationPolicy', sourceClusterAlias: 'east' }));
    expect(policy.topicSource('orders')).toBe('east');
  });

  it('honours default.replication.policy.heartbeats.topic.name', async () => {
    const properties = { 'default.replication.policy.heartbeats.topic.name': 'mm2-heartbeats' };
    const policy = await loadReplicationPolicy(settings({ properties }));
    expect(policy.heartbeatsTopic()).toBe('mm2-heartbeats');
  });
});

describe('loadReplicationPolicy: custom policy modules', () => {
  it('loads the JS port of the reference CustomReplicationPolicy, with MM2 defaults for the rest', async () => {
    const policy = await loadReplicationPolicy(settings({ className: 'custom-replication-policy.js' }));
    expect(policy.formatRemoteTopic('A', 'orders')).toBe('replicated-A-orders');
    expect(policy.topicSource('replicated-A-orders')).toBe('A');
    expect(policy.upstreamTopic('replicated-A-orders')).toBe('orders');
    expect(policy.topicSource('orders')).toBeNull();
    expect(policy.originalTopic('replicated-B-replicated-A-orders')).toBe('orders');
    expect(policy.heartbeatsTopic()).toBe('heartbeats');
    expect(policy.isHeartbeatsTopic('replicated-B-replicated-A-heartbeats')).toBe(true);
    expect(policy.offsetSyncsTopic('B')).toBe('mm2-offset-syncs.B.internal');
    // Its own isInternalTopic replaces MM2's: `-internal` is no longer internal.
    expect(policy.isInternalTopic('connect-offsets-internal')).toBe(false);
    expect(policy.isInternalTopic('__consumer_offsets')).toBe(true);
    expect(isCycle(policy, 'B', 'replicated-C-replicated-B-orders')).toBe(true);
    expect(isCycle(policy, 'B', 'replicated-C-orders')).toBe(false);
  });

  it('loads a TypeScript module and calls configure(properties) after construction', async () => {
    const properties = { 'typed.policy.prefix': 'mirror-' };
    const policy = await loadReplicationPolicy(settings({ className: 'typed-replication-policy.ts', properties }));
    expect(policy.formatRemoteTopic('A', 'orders')).toBe('mirror-A::orders');
    expect(policy.upstreamTopic('mirror-B::mirror-A::orders')).toBe('mirror-A::orders');
    expect(policy.originalTopic('mirror-B::mirror-A::orders')).toBe('orders');
    expect(policy.isHeartbeatsTopic('mirror-A::mm2-heartbeats')).toBe(true);
  });

  it('loads a plain object, reading its undefined as null', async () => {
    const policy = await loadReplicationPolicy(settings({ className: 'plain-object-policy.js' }));
    expect(policy.formatRemoteTopic('A', 'orders')).toBe('A_orders');
    expect(policy.topicSource('orders')).toBeNull();
    expect(policy.originalTopic('B_A_orders')).toBe('orders');
    expect(isCycle(policy, 'B', 'C_B_orders')).toBe(true);
  });

  it('falls back to the export named ReplicationPolicy', async () => {
    const policy = await loadReplicationPolicy(settings({ className: 'named-export-policy.mjs' }));
    expect(policy.formatRemoteTopic('A', 'x')).toBe('A.x');
  });

  it.each([
    ['an absolute path', join(fixtures, 'plain-object-policy.js'), repoRoot],
    ['a file: URL', pathToFileURL(join(fixtures, 'plain-object-policy.js')).href, repoRoot],
    ['a path relative to baseDir', './fixtures/policies/plain-object-policy.js', join(repoRoot, 'test')],
  ])('accepts %s', async (_, className, baseDir) => {
    const policy = await loadReplicationPolicy(settings({ className, baseDir }));
    expect(policy.formatRemoteTopic('A', 'x')).toBe('A_x');
  });
});

describe('loadReplicationPolicy: unusable modules fail with POLICY_INVALID', () => {
  it('names the path and the missing methods of an incomplete policy', async () => {
    const error = await loadError({ className: 'broken-policy.js' });
    expect(error.message).toContain(join(fixtures, 'broken-policy.js'));
    expect(error.message).toContain('missing topicSource(), upstreamTopic()');
    expect(error.message).toContain('not functions: heartbeatsTopic');
    expect(error.message).not.toContain('formatRemoteTopic');
  });

  it('names a path that does not exist', async () => {
    const error = await loadError({ className: 'policies/nope.js', baseDir: '/etc/kmirror' });
    expect(error.message).toContain('/etc/kmirror/policies/nope.js');
    expect(error.message).toContain('does not exist');
  });

  it('explains that a Java class name cannot be loaded', async () => {
    const error = await loadError({ className: 'com.example.CustomReplicationPolicy' });
    expect(error.message).toContain(join(fixtures, 'com.example.CustomReplicationPolicy'));
    expect(error.message).toContain('looks like a Java class name');
  });

  it('rejects a directory', async () => {
    const error = await loadError({ className: '.' });
    expect(error.message).toContain(`${fixtures}: it is not a file`);
  });

  it('reports a module that throws while loading, keeping the cause', async () => {
    const error = await loadError({ className: 'throwing-policy.js' });
    expect(error.message).toContain(join(fixtures, 'throwing-policy.js'));
    expect(error.message).toContain('failed to load: policy module exploded on load');
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('reports a failing configure()', async () => {
    const error = await loadError({ className: 'configure-fails-policy.js', properties: { a: '1' } });
    expect(error.message).toContain('configure(properties) failed: missing required property custom.policy.key (got 1 properties)');
  });
});

describe('loadReplicationPolicy outside vitest', () => {
  it('loads a TypeScript policy under plain Node', async () => {
    // vitest transpiles TypeScript itself; this proves the tsx path works where it does not.
    const script = `
      import { tsImport } from 'tsx/esm/api';
      const { loadReplicationPolicy } = await tsImport(${JSON.stringify(pathToFileURL(join(repoRoot, 'src/policy/load-policy.ts')).href)}, import.meta.url);
      const policy = await loadReplicationPolicy({
        className: 'typed-replication-policy.ts', separator: '.', internalTopicSeparatorEnabled: true,
        sourceClusterAlias: 'A', baseDir: ${JSON.stringify(fixtures)}, properties: { 'typed.policy.prefix': 'p-' },
      });
      process.stdout.write(policy.formatRemoteTopic('A', 'orders') + ' ' + policy.originalTopic('p-B::p-A::x'));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '--eval', script], { cwd: repoRoot });
    expect(stdout).toBe('p-A::orders x');
  });
});
