import { describe, expect, it } from 'vitest';
import { planAclSync } from '../../../src/engine/acl-sync.js';
import type { AclBinding } from '../../../src/native/addon.js';

const acl = (over: Partial<AclBinding>): AclBinding => ({
  resourceType: 'TOPIC', name: 'orders', patternType: 'LITERAL', principal: 'User:app', host: '*', operation: 'READ', permission: 'ALLOW', ...over,
});

const plan = (source: AclBinding[], extra: { target?: AclBinding[]; topics?: string[]; groups?: string[] } = {}) => planAclSync({
  source, target: extra.target ?? [], topics: extra.topics ?? ['orders', 'payments'], groups: extra.groups ?? [],
  remoteName: (t) => `A.${t}`,
});

describe("topic ACL sync: MM2's rules", () => {
  it('copies a literal topic ACL of a replicated topic to its remote topic', () => {
    expect(plan([acl({})])).toEqual([acl({ name: 'A.orders' })]);
  });

  it('does not copy ALLOW WRITE (only the replicator writes remote topics)', () => {
    expect(plan([acl({ operation: 'WRITE' })])).toEqual([]);
  });

  it('turns ALLOW ALL into ALLOW READ', () => {
    expect(plan([acl({ operation: 'ALL' })])).toEqual([acl({ name: 'A.orders', operation: 'READ' })]);
  });

  it('copies DENY as it is, WRITE included', () => {
    expect(plan([acl({ permission: 'DENY', operation: 'WRITE' })])).toEqual([acl({ name: 'A.orders', permission: 'DENY', operation: 'WRITE' })]);
  });

  it('leaves out topics the flow does not replicate', () => {
    expect(plan([acl({ name: 'secret' })])).toEqual([]);
  });

  it('never creates what the target has, and never deletes (nothing to delete is ever planned)', () => {
    expect(plan([acl({})], { target: [acl({ name: 'A.orders' }), acl({ name: 'A.other', principal: 'User:x' })] })).toEqual([]);
  });
});

describe('topic ACL sync: beyond MM2', () => {
  it('copies a prefixed topic ACL with the prefix renamed, when a replicated topic has the prefix', () => {
    expect(plan([acl({ name: 'ord', patternType: 'PREFIXED' })])).toEqual([acl({ name: 'A.ord', patternType: 'PREFIXED' })]);
    expect(plan([acl({ name: 'zzz', patternType: 'PREFIXED' })])).toEqual([]);
  });

  it('copies READ on the consumer groups the flow checkpoints (ALL becomes READ), so a failed-over consumer is authorized', () => {
    const groups = ['billing'];
    expect(plan([acl({ resourceType: 'GROUP', name: 'billing' })], { groups })).toEqual([acl({ resourceType: 'GROUP', name: 'billing' })]);
    expect(plan([acl({ resourceType: 'GROUP', name: 'billing', operation: 'ALL' })], { groups })).toEqual([acl({ resourceType: 'GROUP', name: 'billing' })]);
    expect(plan([acl({ resourceType: 'GROUP', name: 'bill', patternType: 'PREFIXED' })], { groups }))
      .toEqual([acl({ resourceType: 'GROUP', name: 'bill', patternType: 'PREFIXED' })]);
    expect(plan([acl({ resourceType: 'GROUP', name: 'other' })], { groups })).toEqual([]);
    expect(plan([acl({ resourceType: 'GROUP', name: 'billing', operation: 'DELETE' })], { groups })).toEqual([]);
  });

  it('leaves cluster and transactional-id ACLs alone', () => {
    expect(plan([acl({ resourceType: 'CLUSTER', name: 'kafka-cluster', operation: 'ALTER' }), acl({ resourceType: 'TRANSACTIONAL_ID', name: 'x' })])).toEqual([]);
  });
});
