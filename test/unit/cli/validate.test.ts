import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../../src/paths.js';

const run = promisify(execFile);
const fixture = (name: string) => join(packageRoot, 'test', 'fixtures', 'mm2', name);

/** Runs the real CLI entry point in a child process, as a user would. */
async function kmirror(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', join(packageRoot, 'src', 'cli', 'main.ts'), ...args],
      { cwd: packageRoot });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('kmirror validate', () => {
  it('exits 2 on a broken file, naming each key and line', async () => {
    const { code, stderr, stdout } = await kmirror('validate', fixture('broken.properties'));
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('broken.properties:4: source->target.topics:');
    expect(stderr).toContain(`'(unclosed' is not a valid regular expression`);
    expect(stderr).toContain(`broken.properties:5: tasks.max: 'many': must be a whole number`);
    expect(stderr).toContain(`broken.properties:6: source->backup.enabled: flow names cluster 'backup'`);
    expect(stderr).toContain(`cluster 'target' has no bootstrap.servers`);
    expect(stderr).toContain('is invalid: 4 error(s)');
  }, 30_000);

  it('exits 0 on a valid file and prints the resolved flows with secrets redacted', async () => {
    const { code, stdout } = await kmirror('validate', fixture('cluster-security.properties'));
    expect(code).toBe(0);
    expect(stdout).toContain('flow source->target (enabled)');
    expect(stdout).toContain('sasl.jaas.config = [redacted]');
    expect(stdout).not.toMatch(/secret|mm2-user|ScramLoginModule/);
  }, 30_000);

  it('--json prints the model, secrets redacted', async () => {
    const { code, stdout } = await kmirror('validate', '--json', fixture('cluster-security.properties'));
    expect(code).toBe(0);
    const view = JSON.parse(stdout) as { flows: { name: string; clients: { sourceConsumer: Record<string, string> } }[] };
    expect(view.flows.map((f) => f.name)).toEqual(['source->target', 'target->source']);
    expect(view.flows[0]!.clients.sourceConsumer['sasl.jaas.config']).toBe('[redacted]');
    expect(stdout).not.toMatch(/secret|mm2-user/);
  }, 30_000);

  it('exits 2 when the file cannot be read', async () => {
    const { code, stderr } = await kmirror('validate', fixture('does-not-exist.properties'));
    expect(code).toBe(2);
    expect(stderr).toContain('cannot read');
  }, 30_000);

  it('exits 2 on an unknown command', async () => {
    const { code } = await kmirror('validat', fixture('broken.properties'));
    expect(code).toBe(2);
  }, 30_000);
});

describe('kmirror validate with replication policies', () => {
  it('loads a custom policy module and shows the remote names it gives', async () => {
    const { code, stdout } = await kmirror('validate', fixture('custom-policy.properties'));
    expect(code).toBe(0);
    expect(stdout).toContain('remote topics: replicated-source-<topic> on target');
  }, 30_000);

  it('exits 2 naming the key and line when the policy module is missing', async () => {
    const { code, stderr } = await kmirror('validate', fixture('missing-policy.properties'));
    expect(code).toBe(2);
    expect(stderr).toMatch(/missing-policy\.properties:5: replication\.policy\.class: cannot use module .*nope\.js: it does not exist/);
  }, 30_000);
});
