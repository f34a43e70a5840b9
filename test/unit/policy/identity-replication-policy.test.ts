import { describe, expect, it } from 'vitest';

import { IdentityReplicationPolicy } from '../../../src/policy/index.js';

describe('IdentityReplicationPolicy (source.cluster.alias = A)', () => {
  const policy = new IdentityReplicationPolicy({ sourceClusterAlias: 'A' });

  it.each([
    ['A', 'orders', 'orders'],
    ['A', 'B.orders', 'B.orders'],
    ['A', 'heartbeats', 'A.heartbeats'],
    ['B', 'A.heartbeats', 'B.A.heartbeats'],
    // MM2 tests "looks like a heartbeat" with endsWith, so any *heartbeats topic is prefixed.
    ['A', 'app-heartbeats', 'A.app-heartbeats'],
  ])('formatRemoteTopic(%s, %s) = %s', (source, topic, remote) => {
    expect(policy.formatRemoteTopic(source, topic)).toBe(remote);
  });

  it.each([
    // topic, topicSource, upstreamTopic, originalTopic
    ['orders', 'A', 'orders', 'orders'],
    ['B.orders', 'A', 'B.orders', 'B.orders'],
    ['heartbeats', null, null, 'heartbeats'],
    ['A.heartbeats', 'A', 'heartbeats', 'heartbeats'],
    ['B.A.heartbeats', 'B', 'A.heartbeats', 'heartbeats'],
    ['app-heartbeats', null, null, 'app-heartbeats'],
  ])('%s: topicSource %s, upstreamTopic %s, originalTopic %s', (topic, source, upstream, original) => {
    expect(policy.topicSource(topic)).toBe(source);
    expect(policy.upstreamTopic(topic)).toBe(upstream);
    expect(policy.originalTopic(topic)).toBe(original);
  });

  it.each([
    ['heartbeats', true],
    ['A.heartbeats', true],
    ['B.A.heartbeats', true],
    ['A.app-heartbeats', false],
    ['orders', false],
  ])('isHeartbeatsTopic(%s) = %s', (topic, expected) => {
    expect(policy.isHeartbeatsTopic(topic)).toBe(expected);
  });

  it('names and detects internal topics as DefaultReplicationPolicy does', () => {
    expect(policy.offsetSyncsTopic('B')).toBe('mm2-offset-syncs.B.internal');
    expect(policy.checkpointsTopic('A')).toBe('A.checkpoints.internal');
    expect(policy.isCheckpointsTopic('A.checkpoints.internal')).toBe(true);
    expect(policy.isMM2InternalTopic('mm2-offset-syncs.B.internal')).toBe(true);
    expect(policy.isInternalTopic('__consumer_offsets')).toBe(true);
    expect(policy.isInternalTopic('orders')).toBe(false);
  });
});

describe('IdentityReplicationPolicy with a custom separator', () => {
  const policy = new IdentityReplicationPolicy({ sourceClusterAlias: 'A', separator: '_' });

  it('prefixes heartbeats with the separator and leaves other topics alone', () => {
    expect(policy.formatRemoteTopic('A', 'heartbeats')).toBe('A_heartbeats');
    expect(policy.formatRemoteTopic('A', 'my_orders')).toBe('my_orders');
    expect(policy.topicSource('my_orders')).toBe('A');
    expect(policy.upstreamTopic('B_A_heartbeats')).toBe('A_heartbeats');
  });

  it('recognises heartbeats only through the configured separator (as MM2)', () => {
    expect(policy.isHeartbeatsTopic('B_A_heartbeats')).toBe(true);
    expect(policy.isHeartbeatsTopic('A.heartbeats')).toBe(false);
  });

  it('names internal topics with the separator unless that is disabled', () => {
    expect(policy.checkpointsTopic('A')).toBe('A_checkpoints_internal');
    const legacy = new IdentityReplicationPolicy({ separator: '_', internalTopicSeparatorEnabled: false });
    expect(legacy.checkpointsTopic('A')).toBe('A.checkpoints.internal');
  });
});

describe('IdentityReplicationPolicy without a source alias (as in MirrorClient)', () => {
  it('has no source for non-heartbeat topics', () => {
    const policy = new IdentityReplicationPolicy();
    expect(policy.topicSource('orders')).toBeNull();
    expect(policy.topicSource('B.heartbeats')).toBe('B');
  });

  it('takes the alias from source.cluster.alias in configure()', () => {
    const policy = new IdentityReplicationPolicy();
    policy.configure({ 'source.cluster.alias': 'west', 'replication.policy.separator': '-' });
    expect(policy.topicSource('orders')).toBe('west');
    expect(policy.formatRemoteTopic('west', 'heartbeats')).toBe('west-heartbeats');
  });
});
