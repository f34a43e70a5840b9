import { readFile } from 'node:fs/promises';
import { checkMirrorConfig, formatIssue } from '../config/mirror-config.js';
import { describeConfig, redactedView } from '../config/describe.js';
import { loadFlowPolicies } from '../config/flow-policies.js';

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
  for (const issue of issues) stderr.write(formatIssue(issue, file) + '\n');
  if (!config || !policies || policies.issues.length > 0) {
    const errors = issues.filter((i) => i.severity === 'error').length;
    stderr.write(`kmirror: ${file} is invalid: ${errors} error(s)\n`);
    return 2;
  }
  stdout.write(options.json ? JSON.stringify(redactedView(config), null, 2) + '\n' : describeConfig(config, policies.policies));
  return 0;
}
