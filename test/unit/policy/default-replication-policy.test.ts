import { describe, expect, it } from 'vitest';

import { DefaultReplicationPolicy } from '../../../src/policy/index.js';

const SEPARATORS = ['.', '_', '__', '-'] as const;

describe.each(SEPARATORS)('DefaultReplicationPolicy with separator "%s"', (S) => {
  const policy = new DefaultReplicationPolicy({ separator: S });

  it.each([
    ['A', 'orders', `A${S}orders`],
    ['B', `A${S}orders`, `B${S}A${S}orders`],
    ['east', 'user.activity', `east${S}user.activity`],
  ])('formatRemoteTopic(%s, %s) = %s', (source, topic, remote) => {
    expect(policy.formatRemoteTopic(source, topic)).toBe(remote);
  });

  it.each([
    // topic, topicSource, upstreamTopic, originalTopic
    ['orders', null, null, 'orders'],
    [`A${S}orders`, 'A', 'orders', 'orders'],
    [`B${S}A${S}x`, 'B', `A${S}x`, 'x'],
    [`C${S}B${S}A${S}x`, 'C', `B${S}A${S}x`, 'x'],
    ['heartbeats', null, null, 'heartbeats'],
    [`B${S}A${S}heartbeats`, 'B', `A${S}heartbeats`, 'heartbeats'],
  ])('%s: topicSource %s, upstreamTopic %s, originalTopic %s', (topic, source, upstream, original) => {
    expect(policy.topicSource(topic)).toBe(source);
    expect(policy.upstreamTopic(topic)).toBe(upstream);
    expect(policy.originalTopic(topic)).toBe(original);
  });

  it('names the internal topics with the separator', () => {
    expect(policy.heartbeatsTopic()).toBe('heartbeats');
    expect(policy.offsetSyncsTopic('B')).toBe(`mm2-offset-syncs${S}B${S}internal`);
    expect(policy.checkpointsTopic('A')).toBe(`A${S}checkpoints${S}internal`);
  });

  it.each([
    // topic, isHeartbeatsTopic, isCheckpointsTopic, isMM2InternalTopic, isInternalTopic
    ['heartbeats', true, false, false, false],
    [`A${S}heartbeats`, true, false, false, false],
    [`B${S}A${S}heartbeats`, true, false, false, false],
    ['heartbeats2', false, false, false, false],
    [`A${S}heartbeats${S}x`, false, false, false, false],
    [`A${S}checkpoints${S}internal`, false, true, true, true],
    [`mm2-offset-syncs${S}B${S}internal`, false, false, true, true],
    ['orders', false, false, false, false],
    [`A${S}orders`, false, false, false, false],
    ['__consumer_offsets', false, false, false, true],
    ['.hidden', false, false, false, true],
    ['mm2-configs.A.internal', false, false, S === '.', true],
    ['connect-offsets-internal', false, false, S === '-', true],
  ])('%s: heartbeats %s, checkpoints %s, MM2 internal %s, internal %s', (topic, heartbeats, checkpoints, mm2, internal) => {
    expect(policy.isHeartbeatsTopic(topic)).toBe(heartbeats);
    expect(policy.isCheckpointsTopic(topic)).toBe(checkpoints);
    expect(policy.isMM2InternalTopic(topic)).toBe(mm2);
    expect(policy.isInternalTopic(topic)).toBe(internal);
  });
});

describe('DefaultReplicationPolicy edge cases (Java String.split semantics)', () => {
  it.each([
    // separator, topic, topicSource, upstreamTopic
    ['.', 'A.', null, null],
    ['.', 'A..', null, null],
    ['.', '.', null, null],
    ['.', '', null, null],
    ['.', '.x', '', 'x'],
    ['.', 'A..x', 'A', '.x'],
    ['__', 'A___x', 'A', '_x'],
    ['__', 'A__', null, null],
    // A separator that also occurs in local names is ambiguous, in MM2 as here.
    ['_', 'my_topic', 'my', 'topic'],
  ])('separator "%s": %s has topicSource %s and upstreamTopic %s', (separator, topic, source, upstream) => {
    const policy = new DefaultReplicationPolicy({ separator });
    expect(policy.topicSource(topic)).toBe(source);
    expect(policy.upstreamTopic(topic)).toBe(upstream);
  });

  it('treats a custom-separator internal topic as internal only under that separator', () => {
    expect(new DefaultReplicationPolicy({ separator: '_' }).isInternalTopic('A_checkpoints_internal')).toBe(true);
    expect(new DefaultReplicationPolicy().isInternalTopic('A_checkpoints_internal')).toBe(false);
  });
});

describe('DefaultReplicationPolicy with replication.policy.internal.topic.separator.enabled = false', () => {
  it.each(SEPARATORS)('separator "%s" names internal topics with "."', (separator) => {
    const policy = new DefaultReplicationPolicy({ separator, internalTopicSeparatorEnabled: false });
    expect(policy.formatRemoteTopic('A', 'orders')).toBe(`A${separator}orders`);
    expect(policy.offsetSyncsTopic('B')).toBe('mm2-offset-syncs.B.internal');
    expect(policy.checkpointsTopic('A')).toBe('A.checkpoints.internal');
    expect(policy.isCheckpointsTopic('A.checkpoints.internal')).toBe(true);
    expect(policy.isMM2InternalTopic('mm2-offset-syncs.B.internal')).toBe(true);
  });

  it('no longer recognises separator-named internal topics as checkpoints', () => {
    const policy = new DefaultReplicationPolicy({ separator: '_', internalTopicSeparatorEnabled: false });
    expect(policy.isCheckpointsTopic('A_checkpoints_internal')).toBe(false);
    expect(policy.isMM2InternalTopic('A_checkpoints_internal')).toBe(false);
  });
});

describe('DefaultReplicationPolicy.configure (Java Configurable)', () => {
  it('reads the separator, the internal-separator switch and the heartbeats topic name', () => {
    const policy = new DefaultReplicationPolicy();
    policy.configure({
      'replication.policy.separator': '_',
      'replication.policy.internal.topic.separator.enabled': 'FALSE',
      'default.replication.policy.heartbeats.topic.name': 'mm2-heartbeats',
    });
    expect(policy.formatRemoteTopic('A', 'x')).toBe('A_x');
    expect(policy.checkpointsTopic('A')).toBe('A.checkpoints.internal');
    expect(policy.heartbeatsTopic()).toBe('mm2-heartbeats');
    expect(policy.isHeartbeatsTopic('B_A_mm2-heartbeats')).toBe(true);
    expect(policy.isHeartbeatsTopic('B_A_heartbeats')).toBe(false);
  });

  it('ignores the internal-separator switch when the separator is not set, as MM2 does', () => {
    const policy = new DefaultReplicationPolicy({ separator: '_' });
    policy.configure({ 'replication.policy.internal.topic.separator.enabled': 'false' });
    expect(policy.checkpointsTopic('A')).toBe('A_checkpoints_internal');
  });
});
