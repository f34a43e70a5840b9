import { isKmirrorError } from '../errors.js';
import { loadReplicationPolicy, type ReplicationPolicy } from '../policy/index.js';
import type { ConfigIssue, FlowConfig, MirrorConfig } from './mirror-config.js';

/**
 * Loads every flow's replication policy (`replication.policy.class`, which may name a user's
 * module). A policy that cannot be loaded is a config error naming the key and its line.
 */
export async function loadFlowPolicies(config: MirrorConfig): Promise<{
  policies: ReadonlyMap<string, ReplicationPolicy>; issues: ConfigIssue[];
}> {
  const policies = new Map<string, ReplicationPolicy>();
  const issues: ConfigIssue[] = [];
  const reported = new Set<string>();
  for (const flow of config.flows) {
    try {
      policies.set(flow.name, await loadFlowPolicy(config, flow));
    } catch (err) {
      if (!isKmirrorError(err)) throw err;
      const origin = flow.origins['replication.policy.class'];
      const message = err.message.replace(/^replication\.policy\.class: /, '');
      if (reported.has(message)) continue; // the same module failing for every flow: say it once
      reported.add(message);
      issues.push({ severity: 'error', message, key: origin?.key ?? 'replication.policy.class',
        ...(origin && { line: origin.line }) });
    }
  }
  return { policies, issues };
}

export function loadFlowPolicy(config: MirrorConfig, flow: FlowConfig): Promise<ReplicationPolicy> {
  return loadReplicationPolicy({
    className: flow.settings['replication.policy.class'],
    separator: flow.settings['replication.policy.separator'],
    internalTopicSeparatorEnabled: flow.settings['replication.policy.internal.topic.separator.enabled'],
    sourceClusterAlias: flow.source,
    baseDir: config.baseDir,
    properties: flow.properties,
  });
}
