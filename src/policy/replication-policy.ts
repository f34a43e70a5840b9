/**
 * MM2's `ReplicationPolicy`: how a topic is named on the target, and how a remote topic's name is
 * read back (source alias, upstream name, original name). Every loop-prevention decision rests on it.
 *
 * MM2 leaves three methods abstract (formatRemoteTopic, topicSource, upstreamTopic); the others are
 * Java default methods. `BaseReplicationPolicy` carries those defaults, calling back through `this`
 * as Java's virtual dispatch does, so an override of one method (e.g. heartbeatsTopic) changes the
 * defaults that depend on it (isHeartbeatsTopic). `withPolicyDefaults` gives any object with the
 * three abstract methods the rest.
 */

import { ErrorCodes, KmirrorError } from '../errors.js';

export interface ReplicationPolicy {
  /** The remote topic's name on the target, e.g. `A.orders` for `orders` from cluster `A`. */
  formatRemoteTopic(sourceClusterAlias: string, topic: string): string;
  /** The alias of the cluster a remote topic came from (one hop up); null if not a remote topic. */
  topicSource(topic: string): string | null;
  /** The topic's name on its source cluster (one hop up, may itself be remote); null if not remote. */
  upstreamTopic(topic: string): string | null;
  /** The name at the first hop: follows upstreamTopic until it is null or stops changing. */
  originalTopic(topic: string): string;
  heartbeatsTopic(): string;
  offsetSyncsTopic(clusterAlias: string): string;
  checkpointsTopic(clusterAlias: string): string;
  /** True for the heartbeats topic at any hop (`heartbeats`, `A.heartbeats`, `B.A.heartbeats`). */
  isHeartbeatsTopic(topic: string): boolean;
  isCheckpointsTopic(topic: string): boolean;
  /** True for MM2's own internal topics (offset syncs, checkpoints). */
  isMM2InternalTopic(topic: string): boolean;
  /** Internal topics (Kafka's, Connect's, MM2's) are never replicated. */
  isInternalTopic(topic: string): boolean;
}

/** The methods MM2 leaves abstract; every policy must implement them. */
export const REQUIRED_POLICY_METHODS = ['formatRemoteTopic', 'topicSource', 'upstreamTopic'] as const;

/** The methods with MM2 defaults. */
export const OPTIONAL_POLICY_METHODS = [
  'originalTopic',
  'heartbeatsTopic',
  'offsetSyncsTopic',
  'checkpointsTopic',
  'isHeartbeatsTopic',
  'isCheckpointsTopic',
  'isMM2InternalTopic',
  'isInternalTopic',
] as const satisfies readonly (keyof ReplicationPolicy)[];

type RequiredPolicyMethod = (typeof REQUIRED_POLICY_METHODS)[number];

/** What a custom policy must provide: the abstract methods, and any of the defaults it overrides. */
export type PartialReplicationPolicy = Pick<ReplicationPolicy, RequiredPolicyMethod> &
  Partial<Omit<ReplicationPolicy, RequiredPolicyMethod>>;

/** MM2's `ReplicationPolicy.DEFAULT_HEARTBEATS_TOPIC_NAME`. */
export const DEFAULT_HEARTBEATS_TOPIC = 'heartbeats';

/**
 * Upper bound on the hops walked along an upstreamTopic chain. A well-behaved policy ends a chain
 * within a few hops (topic names are at most 249 characters); a custom policy whose upstreamTopic
 * cycles would otherwise loop forever (MM2 recurses and dies with StackOverflowError).
 */
export const MAX_UPSTREAM_HOPS = 1000;

export function nonTerminatingChainError(topic: string): KmirrorError {
  return new KmirrorError(
    ErrorCodes.POLICY_INVALID,
    `The replication policy's upstreamTopic chain from "${topic}" did not end after ${MAX_UPSTREAM_HOPS} hops; ` +
      'upstreamTopic must eventually return null (not remote) or the topic itself.',
  );
}

export abstract class BaseReplicationPolicy implements ReplicationPolicy {
  abstract formatRemoteTopic(sourceClusterAlias: string, topic: string): string;
  abstract topicSource(topic: string): string | null;
  abstract upstreamTopic(topic: string): string | null;

  /** `upstream === topic` ends the walk: IdentityReplicationPolicy's upstream of `x` is `x`. */
  originalTopic(topic: string): string {
    let current = topic;
    for (let hop = 0; hop < MAX_UPSTREAM_HOPS; hop++) {
      const upstream = this.upstreamTopic(current);
      if (upstream === null || upstream === current) return current;
      current = upstream;
    }
    throw nonTerminatingChainError(topic);
  }

  heartbeatsTopic(): string {
    return DEFAULT_HEARTBEATS_TOPIC;
  }

  offsetSyncsTopic(clusterAlias: string): string {
    return `mm2-offset-syncs.${clusterAlias}.internal`;
  }

  checkpointsTopic(clusterAlias: string): string {
    return `${clusterAlias}.checkpoints.internal`;
  }

  isHeartbeatsTopic(topic: string): boolean {
    return this.heartbeatsTopic() === this.originalTopic(topic);
  }

  isCheckpointsTopic(topic: string): boolean {
    return topic.endsWith('.checkpoints.internal');
  }

  isMM2InternalTopic(topic: string): boolean {
    return topic.endsWith('.internal');
  }

  /** Kafka's (`__consumer_offsets`, `.`-prefixed), Connect's (`*-internal`, `*.internal`) and MM2's. */
  isInternalTopic(topic: string): boolean {
    return (
      this.isMM2InternalTopic(topic) ||
      topic.startsWith('__') ||
      topic.startsWith('.') ||
      topic.endsWith('-internal') ||
      topic.endsWith('.internal')
    );
  }
}

/**
 * A full policy from a partial one. The partial's own methods run with `this` bound to it (so
 * class instances keep their state and #private fields); absent methods get MM2's defaults, which
 * call back into the partial's overrides. A JS policy returning `undefined` from topicSource or
 * upstreamTopic is read as null (Java has only null).
 */
export function withPolicyDefaults(policy: PartialReplicationPolicy): ReplicationPolicy {
  return policy instanceof BaseReplicationPolicy ? policy : new PolicyWithDefaults(policy);
}

class PolicyWithDefaults extends BaseReplicationPolicy {
  readonly #policy: PartialReplicationPolicy;

  constructor(policy: PartialReplicationPolicy) {
    super();
    this.#policy = policy;
    for (const name of OPTIONAL_POLICY_METHODS) {
      const method: unknown = policy[name];
      if (typeof method === 'function') {
        // An own property shadows the default on the prototype, for direct calls and for the
        // defaults that call it through `this`.
        Object.defineProperty(this, name, { value: method.bind(policy), enumerable: false });
      }
    }
  }

  formatRemoteTopic(sourceClusterAlias: string, topic: string): string {
    return this.#policy.formatRemoteTopic(sourceClusterAlias, topic);
  }

  topicSource(topic: string): string | null {
    return this.#policy.topicSource(topic) ?? null;
  }

  upstreamTopic(topic: string): string | null {
    return this.#policy.upstreamTopic(topic) ?? null;
  }
}
