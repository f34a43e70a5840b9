/**
 * Topic ACL sync (`sync.topic.acls.enabled`, every `sync.topic.acls.interval.seconds`), with MM2's
 * rules (MirrorSourceConnector): the source's LITERAL topic ACLs of replicated topics are created on
 * the target for their remote topics; ALLOW WRITE is not copied (only kmirror writes remote
 * topics); ALLOW ALL becomes ALLOW READ; DENY is copied; nothing is ever deleted on the target; a
 * source without an authorizer is skipped with one log line.
 *
 * Beyond MM2, where it is safe: PREFIXED topic ACLs (the prefix renamed as the policy renames
 * topics, when a replicated topic has that prefix), and READ ACLs of the consumer groups the flow
 * checkpoints (groups keep their names across clusters), so a consumer that fails over is
 * authorized on the target.
 */
import type { FlowConfig } from '../config/mirror-config.js';
import type { Logger } from '../log.js';
import type { AclBinding, NativeAdmin } from '../native/addon.js';
import type { ReplicationPolicy } from '../policy/index.js';

export interface AclPlanInput {
  /** Every ACL binding of the source, and of the target. */
  readonly source: readonly AclBinding[];
  readonly target: readonly AclBinding[];
  /** The source topics this flow replicates now. */
  readonly topics: readonly string[];
  /** The consumer groups this flow checkpoints. */
  readonly groups: readonly string[];
  /** A source topic name (or prefix) as the target names it. */
  remoteName(topic: string): string;
}

const key = (b: AclBinding) => [b.resourceType, b.name, b.patternType, b.principal, b.host, b.operation, b.permission].join('\u0000');

/** What a source binding becomes on the target (MM2's rule for the operation), or undefined when it is not copied. */
function targetOperation(b: AclBinding): string | undefined {
  if (b.permission === 'ALLOW' && b.operation === 'WRITE') return undefined;
  if (b.permission === 'ALLOW' && b.operation === 'ALL') return 'READ';
  return b.operation;
}

/** The target ACLs to create (those missing there); pure, so the rules are tested without a cluster. */
export function planAclSync(input: AclPlanInput): AclBinding[] {
  const topics = new Set(input.topics);
  const groups = new Set(input.groups);
  const existing = new Set(input.target.map(key));
  const out = new Map<string, AclBinding>();
  const add = (b: AclBinding) => {
    const k = key(b);
    if (!existing.has(k)) out.set(k, b);
  };
  for (const b of input.source) {
    if (b.permission !== 'ALLOW' && b.permission !== 'DENY') continue;
    if (b.resourceType === 'TOPIC') {
      const operation = targetOperation(b);
      if (operation === undefined) continue;
      if (b.patternType === 'LITERAL' && topics.has(b.name)) {
        add({ ...b, name: input.remoteName(b.name), operation });
      } else if (b.patternType === 'PREFIXED' && b.name !== '' && input.topics.some((t) => t.startsWith(b.name))) {
        add({ ...b, name: input.remoteName(b.name), operation });
      }
    } else if (b.resourceType === 'GROUP') {
      // A consumer needs READ on its group; the rest of the group's ACLs stay the source's business.
      if (b.permission === 'ALLOW' && b.operation !== 'READ' && b.operation !== 'ALL') continue;
      const covered = b.patternType === 'LITERAL' ? groups.has(b.name)
        : b.patternType === 'PREFIXED' && input.groups.some((g) => g.startsWith(b.name));
      if (covered) add({ ...b, operation: b.permission === 'ALLOW' ? 'READ' : b.operation });
    }
  }
  return [...out.values()];
}

const ANY = { resourceType: 'ANY', patternType: 'ANY', operation: 'ANY', permission: 'ANY' } as const;

/** Runs the plan against the clusters: reads both sides' ACLs, creates what is missing, logs each. */
export class AclSync {
  private skippedReason: string | undefined;
  private lastError: string | undefined;

  constructor(private readonly deps: {
    flow: FlowConfig;
    policy: ReplicationPolicy;
    source: NativeAdmin;
    target: NativeAdmin;
    log: Logger;
    /** The source topics replicated now, and the groups checkpointed now. */
    topics(): readonly string[];
    groups(): readonly string[];
  }) {}

  /** Why ACLs are not synced (a source without an authorizer, an error), or undefined. */
  get problem(): string | undefined {
    return this.lastError;
  }

  async run(): Promise<void> {
    const { flow, policy, source, target, log } = this.deps;
    const timeoutMs = flow.settings['admin.timeout.ms'];
    let sourceAcls: AclBinding[];
    try {
      sourceAcls = await source.describeAcls(ANY, timeoutMs);
    } catch (err) {
      const message = (err as Error).message;
      if (/security|authorizer/i.test(message)) {
        // MM2: a source without an authorizer has no ACLs to copy; said once.
        if (this.skippedReason === undefined) log.info({ flow: flow.name }, `topic ACL sync skipped: ${flow.source} has no authorizer (${message})`);
        this.skippedReason = message;
        this.lastError = undefined;
        return;
      }
      this.fail(`cannot read the ACLs of ${flow.source}: ${message}`);
      return;
    }
    this.skippedReason = undefined;
    try {
      const targetAcls = await target.describeAcls(ANY, timeoutMs);
      const plan = planAclSync({
        source: sourceAcls, target: targetAcls, topics: this.deps.topics(), groups: this.deps.groups(),
        remoteName: (topic) => policy.formatRemoteTopic(flow.source, topic),
      });
      if (plan.length === 0) {
        this.lastError = undefined;
        return;
      }
      const results = await target.createAcls(plan, timeoutMs);
      const refused = results.map((r, i) => ({ r, acl: plan[i]! })).filter(({ r }) => r.error !== null);
      for (const [i, acl] of plan.entries()) {
        if (results[i]?.error === null) log.info({ flow: flow.name, acl }, `created ACL on ${flow.target}`);
      }
      if (refused.length > 0) {
        this.fail(`${flow.target} refused ${refused.length} ACL(s): ${refused.map(({ r, acl }) =>
          `${acl.permission} ${acl.operation} on ${acl.resourceType} ${acl.name} for ${acl.principal}: ${r.error!.name}`).join('; ')}`);
      } else {
        this.lastError = undefined;
      }
    } catch (err) {
      this.fail(`cannot sync ACLs to ${flow.target}: ${(err as Error).message}`);
    }
  }

  private fail(message: string): void {
    if (message !== this.lastError) this.deps.log.error({ flow: this.deps.flow.name }, message);
    this.lastError = message;
  }
}
