/**
 * Which source topics a flow A->B replicates: MirrorSourceConnector.shouldReplicateTopic and isCycle.
 */

import { MAX_UPSTREAM_HOPS, nonTerminatingChainError, type ReplicationPolicy } from './replication-policy.js';

/**
 * True when the topic already came from `targetAlias` at any hop of its provenance chain (for
 * A->B: `B.orders`, `C.B.orders`), so replicating it would send B's data back to B.
 *
 * The walk ends at a topic with no source, or when upstreamTopic returns null or the topic itself:
 * IdentityReplicationPolicy names carry no provenance, so it never reports a cycle for them.
 */
export function isCycle(
  policy: Pick<ReplicationPolicy, 'topicSource' | 'upstreamTopic'>,
  targetAlias: string,
  topic: string,
): boolean {
  let current = topic;
  for (let hop = 0; hop < MAX_UPSTREAM_HOPS; hop++) {
    const source = policy.topicSource(current);
    if (source === null) return false;
    if (source === targetAlias) return true;
    const upstream = policy.upstreamTopic(current);
    if (upstream === null || upstream === current) return false;
    current = upstream;
  }
  throw nonTerminatingChainError(topic);
}

export interface TopicSelection {
  policy: ReplicationPolicy;
  filter: { shouldReplicateTopic(topic: string): boolean };
  /** The flow's target cluster alias (B in A->B). */
  targetAlias: string;
  /** MM2's `heartbeats.replication.enabled` (KIP-1089), default true. */
  heartbeatsReplicationEnabled?: boolean;
}

/**
 * MM2's rule: (passes the topic filter, or is a heartbeats topic at any hop while
 * heartbeats.replication.enabled) and not internal and not a cycle. Heartbeats bypass only the
 * filter, `topics.exclude` included; the internal and cycle checks still apply to them.
 */
export function shouldReplicateTopic(selection: TopicSelection, topic: string): boolean {
  const { policy, filter, targetAlias, heartbeatsReplicationEnabled = true } = selection;
  return (
    (filter.shouldReplicateTopic(topic) || (heartbeatsReplicationEnabled && policy.isHeartbeatsTopic(topic))) &&
    !policy.isInternalTopic(topic) &&
    !isCycle(policy, targetAlias, topic)
  );
}
