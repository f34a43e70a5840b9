import { readFile } from 'node:fs/promises';
import { checkMirrorConfig, formatIssue } from '../config/mirror-config.js';
import { describeConfig, redactedView } from '../config/describe.js';

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
  const { config, issues } = checkMirrorConfig(text, { file });
  for (const issue of issues) stderr.write(formatIssue(issue, file) + '\n');
  if (!config) {
    const errors = issues.filter((i) => i.severity === 'error').length;
    stderr.write(`kmirror: ${file} is invalid: ${errors} error(s)\n`);
    return 2;
  }
  stdout.write(options.json ? JSON.stringify(redactedView(config), null, 2) + '\n' : describeConfig(config));
  return 0;
}
