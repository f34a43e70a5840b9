/**
 * MM2's IdentityReplicationPolicy: remote topics keep their names (MirrorMaker 1 behaviour), so a
 * name carries no provenance and cycles cannot be detected: the topology must be acyclic.
 *
 * Heartbeats are the exception: any topic whose name *ends with* the heartbeats topic name is
 * treated exactly as DefaultReplicationPolicy treats it (prefixed, with the configured separator),
 * so heartbeats still trace the path they travelled. The test is a plain suffix match, as in MM2:
 * `app-heartbeats` is prefixed too (`A.app-heartbeats`).
 */

import {
  DefaultReplicationPolicy,
  type DefaultReplicationPolicyOptions,
} from './default-replication-policy.js';

export const SOURCE_CLUSTER_ALIAS_CONFIG = 'source.cluster.alias';

export interface IdentityReplicationPolicyOptions extends DefaultReplicationPolicyOptions {
  /**
   * `source.cluster.alias`: the flow's source, returned by topicSource for every non-heartbeat
   * topic. Without it (as in MirrorClient) topicSource returns null for them.
   */
  sourceClusterAlias?: string | null;
}

export class IdentityReplicationPolicy extends DefaultReplicationPolicy {
  #sourceClusterAlias: string | null;

  constructor(options: IdentityReplicationPolicyOptions = {}) {
    super(options);
    this.#sourceClusterAlias = options.sourceClusterAlias ?? null;
  }

  override configure(properties: Readonly<Record<string, string>>): void {
    super.configure(properties);
    const alias = properties[SOURCE_CLUSTER_ALIAS_CONFIG];
    if (alias !== undefined) this.#sourceClusterAlias = alias;
  }

  override formatRemoteTopic(sourceClusterAlias: string, topic: string): string {
    return this.#looksLikeHeartbeat(topic) ? super.formatRemoteTopic(sourceClusterAlias, topic) : topic;
  }

  /** The configured alias for *any* non-heartbeat topic, local or remote: the name cannot tell. */
  override topicSource(topic: string): string | null {
    return this.#looksLikeHeartbeat(topic) ? super.topicSource(topic) : this.#sourceClusterAlias;
  }

  /** The topic itself, so walks up the chain (originalTopic, isCycle) stop after one step. */
  override upstreamTopic(topic: string): string | null {
    return this.#looksLikeHeartbeat(topic) ? super.upstreamTopic(topic) : topic;
  }

  #looksLikeHeartbeat(topic: string): boolean {
    return topic.endsWith(this.heartbeatsTopic());
  }
}
