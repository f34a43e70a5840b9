import { readFile } from 'node:fs/promises';
import { checkMirrorConfig, formatIssue } from '../config/mirror-config.js';
import { describeConfig, redactedView } from '../config/describe.js';
import { loadFlowPolicies } from '../config/flow-policies.js';
import { checkClientsWithLibrdkafka, type LibrdkafkaCheck } from '../kafka/client-check.js';

/**
 * librdkafka's own check of client settings, from the native addon, loaded only now so validate
 * still runs where the addon is not built (then it says what it could not check).
 */
async function loadLibrdkafkaCheck(): Promise<{ check: LibrdkafkaCheck } | { skipped: string }> {
  try {
    const addon = await import('../native/addon.js');
    if (!addon.checkClientSettings) return { skipped: 'the native addon was built before this check existed: rebuild it (npm run build:native)' };
    return { check: addon.checkClientSettings };
  } catch (err) {
    return { skipped: `the native addon cannot be loaded (${(err as Error).message.split('\n')[0]})` };
  }
}

/** `kmirror validate FILE`: 0 when the file is valid (warnings allowed), 2 when it has errors. */
export async function validateCommand(file: string, options: { json?: boolean },
  stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): Promise<number> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    stderr.write(`kmirror: cannot read ${file}: ${(err as Error).message}\n`);
    return 2;
  }
  const checked = checkMirrorConfig(text, { file });
  const { config } = checked;
  const issues = [...checked.issues];
  const policies = config ? await loadFlowPolicies(config) : undefined;
  if (policies) issues.push(...policies.issues);
  let librdkafkaErrors = 0;
  if (config && policies && policies.issues.length === 0) {
    // What run would give librdkafka, given to librdkafka: what it would refuse at run is refused now.
    const loaded = await loadLibrdkafkaCheck();
    if ('check' in loaded) {
      const refused = checkClientsWithLibrdkafka(config, loaded.check);
      librdkafkaErrors = refused.length;
      issues.push(...refused);
    } else {
      stderr.write(`kmirror: note: librdkafka's own check of the client settings was skipped: ${loaded.skipped}\n`);
    }
  }
  for (const issue of issues) stderr.write(formatIssue(issue, file) + '\n');
  if (!config || !policies || policies.issues.length > 0 || librdkafkaErrors > 0) {
    const errors = issues.filter((i) => i.severity === 'error').length;
    stderr.write(`kmirror: ${file} is invalid: ${errors} error(s)\n`);
    return 2;
  }
  stdout.write(options.json ? JSON.stringify(redactedView(config), null, 2) + '\n' : describeConfig(config, policies.policies));
  return 0;
}
