/**
 * MM2's DefaultReplicationPolicy: a remote topic is `<source alias><separator><topic>`, so its
 * provenance can be read back from its name at every hop (`B.A.orders` came from B, which had it
 * from A). MM2's internal topics use the same separator unless
 * `replication.policy.internal.topic.separator.enabled=false` (names from before KIP-690).
 */

import { BaseReplicationPolicy, DEFAULT_HEARTBEATS_TOPIC } from './replication-policy.js';

export const SEPARATOR_CONFIG = 'replication.policy.separator';
export const SEPARATOR_DEFAULT = '.';
export const INTERNAL_TOPIC_SEPARATOR_ENABLED_CONFIG = 'replication.policy.internal.topic.separator.enabled';
export const INTERNAL_TOPIC_SEPARATOR_ENABLED_DEFAULT = true;
/** Newer MM2 (after 4.0) only; honoured by DefaultReplicationPolicy and its subclasses. */
export const HEARTBEATS_TOPIC_NAME_CONFIG = 'default.replication.policy.heartbeats.topic.name';

export interface DefaultReplicationPolicyOptions {
  /** `replication.policy.separator`, default `.`. */
  separator?: string;
  /** `replication.policy.internal.topic.separator.enabled`, default true; false puts `.` in internal topic names. */
  internalTopicSeparatorEnabled?: boolean;
  /** `default.replication.policy.heartbeats.topic.name`, default `heartbeats`. */
  heartbeatsTopic?: string;
}

export class DefaultReplicationPolicy extends BaseReplicationPolicy {
  #separator: string;
  #internalTopicSeparatorEnabled: boolean;
  #heartbeatsTopic: string;

  constructor(options: DefaultReplicationPolicyOptions = {}) {
    super();
    this.#separator = options.separator ?? SEPARATOR_DEFAULT;
    this.#internalTopicSeparatorEnabled = options.internalTopicSeparatorEnabled ?? INTERNAL_TOPIC_SEPARATOR_ENABLED_DEFAULT;
    this.#heartbeatsTopic = options.heartbeatsTopic ?? DEFAULT_HEARTBEATS_TOPIC;
  }

  /**
   * Java's `Configurable.configure`, for subclasses loaded as custom policies. As in MM2, the
   * internal-separator switch is read only when the separator itself is set.
   */
  configure(properties: Readonly<Record<string, string>>): void {
    const separator = properties[SEPARATOR_CONFIG];
    if (separator !== undefined) {
      this.#separator = separator;
      const enabled = properties[INTERNAL_TOPIC_SEPARATOR_ENABLED_CONFIG];
      if (enabled !== undefined) this.#internalTopicSeparatorEnabled = enabled.trim().toLowerCase() === 'true';
    }
    const heartbeatsTopic = properties[HEARTBEATS_TOPIC_NAME_CONFIG];
    if (heartbeatsTopic !== undefined) this.#heartbeatsTopic = heartbeatsTopic;
  }

  override formatRemoteTopic(sourceClusterAlias: string, topic: string): string {
    return sourceClusterAlias + this.#separator + topic;
  }

  /**
   * The text before the first separator, if anything non-empty follows a separator. This is Java's
   * `Pattern.split`, which drops trailing empty parts: `A.` and `A..` are not remote topics, while
   * `.x` is (source `""`).
   */
  override topicSource(topic: string): string | null {
    const parts = topic.split(this.#separator);
    let length = parts.length;
    while (length > 0 && parts[length - 1] === '') length--;
    return length < 2 ? null : (parts[0] ?? null);
  }

  override upstreamTopic(topic: string): string | null {
    const source = this.topicSource(topic);
    return source === null ? null : topic.slice(source.length + this.#separator.length);
  }

  override heartbeatsTopic(): string {
    return this.#heartbeatsTopic;
  }

  override offsetSyncsTopic(clusterAlias: string): string {
    return `mm2-offset-syncs${this.#internalSeparator()}${clusterAlias}${this.#internalSuffix()}`;
  }

  override checkpointsTopic(clusterAlias: string): string {
    return clusterAlias + this.#checkpointsTopicSuffix();
  }

  override isCheckpointsTopic(topic: string): boolean {
    return topic.endsWith(this.#checkpointsTopicSuffix());
  }

  override isMM2InternalTopic(topic: string): boolean {
    return topic.endsWith(this.#internalSuffix());
  }

  #internalSeparator(): string {
    return this.#internalTopicSeparatorEnabled ? this.#separator : '.';
  }

  #internalSuffix(): string {
    return `${this.#internalSeparator()}internal`;
  }

  #checkpointsTopicSuffix(): string {
    return `${this.#internalSeparator()}checkpoints${this.#internalSuffix()}`;
  }
}
