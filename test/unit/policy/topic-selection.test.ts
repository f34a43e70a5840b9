import { describe, expect, it } from 'vitest';

import { ErrorCodes } from '../../../src/errors.js';
import {
  DefaultReplicationPolicy,
  IdentityReplicationPolicy,
  TopicFilter,
  isCycle,
  shouldReplicateTopic,
} from '../../../src/policy/index.js';

describe('isCycle (flow A->B, DefaultReplicationPolicy)', () => {
  const policy = new DefaultReplicationPolicy();

  it.each([
    ['orders', false],
    ['C.orders', false],
    ['D.C.orders', false],
    ['B.orders', true],
    ['C.B.orders', true],
    ['D.C.B.orders', true],
    ['B.heartbeats', true],
    ['C.heartbeats', false],
    ['heartbeats', false],
    // A's own name at the head is not a cycle for A->B (MM2 leaves it to the B->A flow).
    ['A.orders', false],
  ])('isCycle(%s) = %s', (topic, expected) => {
    expect(isCycle(policy, 'B', topic)).toBe(expected);
  });

  it('walks the chain with the configured separator', () => {
    const underscore = new DefaultReplicationPolicy({ separator: '_' });
    expect(isCycle(underscore, 'B', 'C_B_orders')).toBe(true);
    expect(isCycle(underscore, 'B', 'C.B.orders')).toBe(false);
  });

  it('fails with POLICY_INVALID when a custom policy never ends the chain', () => {
    const looping = { topicSource: () => 'C', upstreamTopic: (topic: string) => `${topic}'` };
    expect(() => isCycle(looping, 'B', 'x')).toThrow(expect.objectContaining({ code: ErrorCodes.POLICY_INVALID }));
  });
});

describe('isCycle with IdentityReplicationPolicy', () => {
  // On cluster A, `orders` may be A's own topic or one B->A already copied in; the name cannot
  // tell, so A->B would copy B's data back to B. MM2 has the same blind spot.
  const policy = new IdentityReplicationPolicy({ sourceClusterAlias: 'A' });

  it.each(['orders', 'B.orders', 'C.B.orders'])('cannot detect a cycle for %s', (topic) => {
    expect(isCycle(policy, 'B', topic)).toBe(false);
  });

  it('still detects cycles of heartbeats, which keep prefixed names', () => {
    expect(isCycle(policy, 'B', 'B.heartbeats')).toBe(true);
    expect(isCycle(policy, 'B', 'C.B.heartbeats')).toBe(true);
    expect(isCycle(policy, 'B', 'C.heartbeats')).toBe(false);
  });
});

describe('shouldReplicateTopic, active-active A<->B with DefaultReplicationPolicy', () => {
  const policy = new DefaultReplicationPolicy();
  const onA = [
    'orders',
    'B.orders',
    'C.orders',
    'C.B.orders',
    'heartbeats',
    'B.heartbeats',
    'C.heartbeats',
    'mm2-offset-syncs.B.internal',
    'B.checkpoints.internal',
    '__consumer_offsets',
    'orders.replica',
  ];

  it('A->B replicates A-local and third-cluster topics, never what came from B, nor internal topics', () => {
    const selection = { policy, filter: new TopicFilter(), targetAlias: 'B' };
    expect(onA.filter((topic) => shouldReplicateTopic(selection, topic))).toEqual([
      'orders',
      'C.orders',
      'heartbeats',
      'C.heartbeats',
    ]);
  });

  it('heartbeats topics bypass the topic filter, topics.exclude included', () => {
    const selection = { policy, filter: new TopicFilter({ include: ['orders'], exclude: ['.*heartbeats'] }), targetAlias: 'B' };
    expect(onA.filter((topic) => shouldReplicateTopic(selection, topic))).toEqual(['orders', 'heartbeats', 'C.heartbeats']);
  });

  it('heartbeats.replication.enabled = false leaves heartbeats to the filter', () => {
    const base = { policy, targetAlias: 'B', heartbeatsReplicationEnabled: false };
    const onlyOrders = { ...base, filter: new TopicFilter({ include: ['orders'] }) };
    expect(onA.filter((topic) => shouldReplicateTopic(onlyOrders, topic))).toEqual(['orders']);
    const everything = { ...base, filter: new TopicFilter() };
    expect(shouldReplicateTopic(everything, 'heartbeats')).toBe(true);
  });

  it('never replicates an internal heartbeats topic, even though heartbeats bypass the filter', () => {
    const internalBeats = new DefaultReplicationPolicy({ heartbeatsTopic: '__heartbeats' });
    const selection = { policy: internalBeats, filter: new TopicFilter(), targetAlias: 'B' };
    expect(internalBeats.isHeartbeatsTopic('__heartbeats')).toBe(true);
    expect(shouldReplicateTopic(selection, '__heartbeats')).toBe(false);
  });

  it('B->A is the mirror image', () => {
    const selection = { policy, filter: new TopicFilter(), targetAlias: 'A' };
    expect(['orders', 'A.orders', 'C.orders', 'C.A.orders'].filter((t) => shouldReplicateTopic(selection, t))).toEqual([
      'orders',
      'C.orders',
    ]);
  });
});
