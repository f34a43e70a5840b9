import { describe, expect, it } from 'vitest';

import { ErrorCodes } from '../../../src/errors.js';
import {
  DefaultReplicationPolicy,
  MAX_UPSTREAM_HOPS,
  withPolicyDefaults,
  type PartialReplicationPolicy,
} from '../../../src/policy/index.js';

/** `<source>/<topic>`, written with only the three methods MM2 leaves abstract. */
const slashPolicy: PartialReplicationPolicy = {
  formatRemoteTopic: (source, topic) => `${source}/${topic}`,
  topicSource: (topic) => (topic.includes('/') ? topic.slice(0, topic.indexOf('/')) : null),
  upstreamTopic: (topic) => (topic.includes('/') ? topic.slice(topic.indexOf('/') + 1) : null),
};

describe('withPolicyDefaults', () => {
  const policy = withPolicyDefaults(slashPolicy);

  it("gives a three-method policy MM2's interface defaults", () => {
    expect(policy.formatRemoteTopic('A', 'x')).toBe('A/x');
    expect(policy.originalTopic('C/B/A/x')).toBe('x');
    expect(policy.heartbeatsTopic()).toBe('heartbeats');
    expect(policy.offsetSyncsTopic('B')).toBe('mm2-offset-syncs.B.internal');
    expect(policy.checkpointsTopic('A')).toBe('A.checkpoints.internal');
  });

  it.each([
    // topic, isHeartbeatsTopic, isCheckpointsTopic, isMM2InternalTopic, isInternalTopic
    ['heartbeats', true, false, false, false],
    ['B/A/heartbeats', true, false, false, false],
    ['A.checkpoints.internal', false, true, true, true],
    ['mm2-offset-syncs.B.internal', false, false, true, true],
    ['connect-status-internal', false, false, false, true],
    ['__consumer_offsets', false, false, false, true],
    ['.hidden', false, false, false, true],
    ['orders', false, false, false, false],
  ])('%s: heartbeats %s, checkpoints %s, MM2 internal %s, internal %s', (topic, heartbeats, checkpoints, mm2, internal) => {
    expect(policy.isHeartbeatsTopic(topic)).toBe(heartbeats);
    expect(policy.isCheckpointsTopic(topic)).toBe(checkpoints);
    expect(policy.isMM2InternalTopic(topic)).toBe(mm2);
    expect(policy.isInternalTopic(topic)).toBe(internal);
  });

  it('routes the defaults through the overrides, as Java default methods do', () => {
    const policy = withPolicyDefaults({
      ...slashPolicy,
      heartbeatsTopic: () => 'beats',
      isMM2InternalTopic: (topic) => topic.startsWith('mm2/'),
    });
    expect(policy.isHeartbeatsTopic('A/beats')).toBe(true);
    expect(policy.isHeartbeatsTopic('A/heartbeats')).toBe(false);
    expect(policy.isInternalTopic('mm2/anything')).toBe(true);
  });

  it('calls class methods with the instance as `this`, #private fields included', () => {
    class PrefixPolicy {
      readonly #prefix = 'from-';
      formatRemoteTopic(source: string, topic: string): string {
        return `${this.#prefix}${source}-${topic}`;
      }
      topicSource(): string | null {
        return null;
      }
      upstreamTopic(): string | null {
        return null;
      }
      heartbeatsTopic(): string {
        return `${this.#prefix}heartbeats`;
      }
    }
    const policy = withPolicyDefaults(new PrefixPolicy());
    expect(policy.formatRemoteTopic('A', 'x')).toBe('from-A-x');
    expect(policy.isHeartbeatsTopic('from-heartbeats')).toBe(true);
  });

  it('reads undefined from a JS policy as null', () => {
    const careless = {
      ...slashPolicy,
      topicSource: () => undefined,
      upstreamTopic: () => undefined,
    } as unknown as PartialReplicationPolicy;
    const policy = withPolicyDefaults(careless);
    expect(policy.topicSource('A/x')).toBeNull();
    expect(policy.upstreamTopic('A/x')).toBeNull();
    expect(policy.originalTopic('A/x')).toBe('A/x');
  });

  it('returns a built-in policy unchanged', () => {
    const builtIn = new DefaultReplicationPolicy();
    expect(withPolicyDefaults(builtIn)).toBe(builtIn);
  });

  it('fails with POLICY_INVALID, not a hang, when upstreamTopic never ends', () => {
    const policy = withPolicyDefaults({
      formatRemoteTopic: (source, topic) => `${source}.${topic}`,
      topicSource: () => 'A',
      upstreamTopic: (topic) => (topic === 'x' ? 'y' : 'x'),
    });
    expect(() => policy.originalTopic('x')).toThrow(
      expect.objectContaining({ code: ErrorCodes.POLICY_INVALID, message: expect.stringContaining(`${MAX_UPSTREAM_HOPS} hops`) }),
    );
  });
});
