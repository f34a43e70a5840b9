export {
  BaseReplicationPolicy,
  DEFAULT_HEARTBEATS_TOPIC,
  MAX_UPSTREAM_HOPS,
  OPTIONAL_POLICY_METHODS,
  REQUIRED_POLICY_METHODS,
  withPolicyDefaults,
  type PartialReplicationPolicy,
  type ReplicationPolicy,
} from './replication-policy.js';
export {
  DefaultReplicationPolicy,
  HEARTBEATS_TOPIC_NAME_CONFIG,
  INTERNAL_TOPIC_SEPARATOR_ENABLED_CONFIG,
  INTERNAL_TOPIC_SEPARATOR_ENABLED_DEFAULT,
  SEPARATOR_CONFIG,
  SEPARATOR_DEFAULT,
  type DefaultReplicationPolicyOptions,
} from './default-replication-policy.js';
export {
  IdentityReplicationPolicy,
  SOURCE_CLUSTER_ALIAS_CONFIG,
  type IdentityReplicationPolicyOptions,
} from './identity-replication-policy.js';
export { loadReplicationPolicy, type ReplicationPolicySettings } from './load-policy.js';
export { DEFAULT_TOPICS_EXCLUDE, DEFAULT_TOPICS_INCLUDE, TopicFilter, type TopicFilterOptions } from './topic-filter.js';
export { DEFAULT_GROUPS_EXCLUDE, DEFAULT_GROUPS_INCLUDE, GroupFilter, type GroupFilterOptions } from './group-filter.js';
export { isCycle, shouldReplicateTopic, type TopicSelection } from './topic-selection.js';
