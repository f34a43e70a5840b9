import { Writable } from 'node:stream';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateCommand } from '../../../src/cli/validate.js';
import { redactedView } from '../../../src/config/describe.js';
import { checkMirrorConfig, formatIssue, parseMirrorConfig } from '../../../src/config/mirror-config.js';
import { PROCESS_SETTING_NAMES, PROCESS_SETTINGS } from '../../../src/config/settings.js';

const base = `clusters = A, B
A.bootstrap.servers = a:9092
B.bootstrap.servers = b:9092
A->B.enabled = true
`;
const TOKEN = 'sidecar-token-0123456789abcdef';

const processOf = (text: string) => parseMirrorConfig(base + text).process;
const issuesOf = (text: string) => checkMirrorConfig(base + text).issues;

describe('process-wide settings (kmirror.*)', () => {
  it('have their defaults when the file does not set them', () => {
    expect(processOf('')).toEqual({
      'kmirror.sidecar.enabled': true,
      'kmirror.sidecar.host': '127.0.0.1',
      'kmirror.sidecar.port': 8787,
      'kmirror.sidecar.token': undefined,
      'kmirror.sidecar.tls.cert': undefined,
      'kmirror.sidecar.tls.key': undefined,
      'kmirror.sidecar.tls.key.password': undefined,
      'kmirror.sidecar.tls.ca': undefined,
      'kmirror.shutdown.timeout.ms': 30_000,
      'kmirror.metrics.partition.labels': true,
    });
  });

  it('every default in the table is valid under its own schema', () => {
    for (const name of PROCESS_SETTING_NAMES) {
      expect(PROCESS_SETTINGS[name].schema.safeParse(PROCESS_SETTINGS[name].default).success, name).toBe(true);
    }
  });

  it('are read from top level', () => {
    expect(processOf([
      'kmirror.sidecar.enabled = false',
      'kmirror.sidecar.host = ::1',
      'kmirror.sidecar.port = 0',
      `kmirror.sidecar.token = ${TOKEN}`,
      'kmirror.metrics.partition.labels = FALSE',
      'kmirror.shutdown.timeout.ms = 5000',
    ].join('\n'))).toEqual({
      'kmirror.sidecar.enabled': false,
      'kmirror.sidecar.host': '::1',
      'kmirror.sidecar.port': 0,
      'kmirror.sidecar.token': TOKEN,
      'kmirror.shutdown.timeout.ms': 5000,
      'kmirror.metrics.partition.labels': false,
    });
  });

  it('takes a bracketed IPv6 address without its brackets', () => {
    expect(processOf('kmirror.sidecar.host = [::1]\n')['kmirror.sidecar.host']).toBe('::1');
  });

  it('an empty token means none', () => {
    expect(processOf('kmirror.sidecar.token =\n')['kmirror.sidecar.token']).toBeUndefined();
  });

  it('are not MM2 connector properties: a custom policy does not see them', () => {
    const flow = parseMirrorConfig(`${base}kmirror.sidecar.port = 9000\n`).flows.find((f) => f.enabled)!;
    expect(Object.keys(flow.properties).filter((k) => k.startsWith('kmirror.'))).toEqual([]);
  });

  it.each([
    ['kmirror.sidecar.port = 65536', 'kmirror.sidecar.port', 'must be at most 65535'],
    ['kmirror.sidecar.port = -1', 'kmirror.sidecar.port', 'must be at least 0'],
    ['kmirror.sidecar.port = http', 'kmirror.sidecar.port', 'must be a whole number'],
    ['kmirror.sidecar.enabled = yes', 'kmirror.sidecar.enabled', 'must be true or false'],
    ['kmirror.sidecar.host =', 'kmirror.sidecar.host', 'must not be empty'],
    ['kmirror.sidecar.host = http://x', 'kmirror.sidecar.host', 'must be a host name or an IP address'],
    ['kmirror.metrics.partition.labels = 1', 'kmirror.metrics.partition.labels', 'must be true or false'],
    ['kmirror.sidecar.token = short', 'kmirror.sidecar.token', 'at least 16 characters'],
    ['kmirror.sidecar.token = has space in it 0123456789', 'kmirror.sidecar.token', 'as a bearer token'],
  ])('%s is an error naming key and line', (line, key, message) => {
    const issues = issuesOf(`\n${line}\n`);
    const issue = issues.find((i) => i.severity === 'error');
    expect(issue).toMatchObject({ key, line: 6 });
    expect(issue!.message).toContain(message);
  });

  it('never echoes the token in an error', () => {
    const secret = 'not a valid token because of spaces';
    const issues = issuesOf(`kmirror.sidecar.token = ${secret}\n`);
    expect(issues.length).toBeGreaterThan(0);
    for (const issue of issues) expect(formatIssue(issue, 'mm2.properties')).not.toContain(secret);
  });

  it('are top level only: per flow or per cluster is an error', () => {
    const issues = issuesOf('A->B.kmirror.sidecar.port = 9000\nB.kmirror.sidecar.token = x\n');
    expect(issues).toContainEqual(expect.objectContaining({ severity: 'error', key: 'A->B.kmirror.sidecar.port', line: 5 }));
    expect(issues).toContainEqual(expect.objectContaining({ severity: 'error', key: 'B.kmirror.sidecar.token', line: 6 }));
    expect(issues.find((i) => i.key === 'A->B.kmirror.sidecar.port')!.message).toContain('write it at top level');
  });

  it('a misspelt one gets a suggestion', () => {
    const issue = issuesOf('kmirror.sidecar.prot = 1\n').find((i) => i.key === 'kmirror.sidecar.prot');
    expect(issue?.message).toContain(`did you mean 'kmirror.sidecar.port'`);
  });

  it('warns when the sidecar listens beyond loopback without a token', () => {
    const warned = issuesOf('kmirror.sidecar.host = 0.0.0.0\n');
    expect(warned).toContainEqual(expect.objectContaining({ severity: 'warning', key: 'kmirror.sidecar.host', line: 5 }));
    // With a token it is no warning, but without TLS an error: the token would cross the network in clear text (tls.test.ts).
    expect(issuesOf(`kmirror.sidecar.host = 0.0.0.0\nkmirror.sidecar.token = ${TOKEN}\n`)
      .filter((i) => i.key === 'kmirror.sidecar.host')).toEqual([expect.objectContaining({ severity: 'error', line: 5 })]);
    expect(issuesOf('kmirror.sidecar.host = localhost\n').filter((i) => i.key === 'kmirror.sidecar.host')).toEqual([]);
    expect(issuesOf('kmirror.sidecar.host = 0.0.0.0\nkmirror.sidecar.enabled = false\n')
      .filter((i) => i.key === 'kmirror.sidecar.host')).toEqual([]);
  });
});

describe('the token is never printed', () => {
  const text = `${base}kmirror.sidecar.token = ${TOKEN}\n`;

  it('not in the JSON view of the configuration', () => {
    expect(JSON.stringify(redactedView(parseMirrorConfig(text)))).not.toContain(TOKEN);
  });

  it.each([[{}], [{ json: true }]])('not by kmirror validate %j', async (options) => {
    const dir = mkdtempSync(join(tmpdir(), 'kmirror-sidecar-settings-'));
    const file = join(dir, 'mm2.properties');
    writeFileSync(file, text);
    let out = '';
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        out += chunk.toString();
        done();
      },
    });
    expect(await validateCommand(file, options, sink, sink)).toBe(0);
    expect(out.length).toBeGreaterThan(0);
    expect(out).not.toContain(TOKEN);
    // …while it does show the sidecar settings, and that a token is set.
    if ('json' in options) expect(JSON.parse(out).process).toMatchObject({ 'kmirror.sidecar.port': 8787, 'kmirror.sidecar.token': '[redacted]' });
    else expect(out).toContain('sidecar: http://127.0.0.1:8787, token [redacted], per-partition metric labels on');
  });
});
