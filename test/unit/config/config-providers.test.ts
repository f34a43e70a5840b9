import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { describeConfig, redactedView } from '../../../src/config/describe.js';
import { checkMirrorConfig, parseMirrorConfig, type ConfigIssue } from '../../../src/config/mirror-config.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kmirror-test-providers-'));
  writeFileSync(join(dir, 'secrets.properties'), 'sasl.password = provided-s3cret-file\nbootstrap = secret-host:9092\nspaced = keeps trailing   \n');
  mkdirSync(join(dir, 'mounted'));
  writeFileSync(join(dir, 'mounted', 'password'), 'provided-s3cret-dir');
  writeFileSync(join(dir, 'mounted', 'with-newline'), 'line\n');
  mkdirSync(join(dir, 'mounted', 'sub'));
  mkdirSync(join(dir, 'outside'));
  writeFileSync(join(dir, 'outside', 'secrets.properties'), 'x = outside-value\n');
  symlinkSync(join(dir, 'outside'), join(dir, 'mounted', 'link'));
  process.env.KMIRROR_TEST_PASSWORD = 'provided-s3cret-env';
  process.env.KMIRROR_TEST_OTHER = 'provided-s3cret-other';
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  delete process.env.KMIRROR_TEST_PASSWORD;
  delete process.env.KMIRROR_TEST_OTHER;
});

const providers = [
  'config.providers = file, dir, env',
  'config.providers.file.class = org.apache.kafka.common.config.provider.FileConfigProvider',
  'config.providers.dir.class = org.apache.kafka.common.config.provider.DirectoryConfigProvider',
  'config.providers.env.class = org.apache.kafka.common.config.provider.EnvVarConfigProvider',
];
const base = ['clusters = A, B', 'B.bootstrap.servers = b:9092', 'A->B.enabled = true'];
const file = (...lines: string[]) => [...base, ...lines].join('\n') + '\n';
const SECRETS = ['provided-s3cret-file', 'provided-s3cret-dir', 'provided-s3cret-env', 'provided-s3cret-other', 'secret-host', 'outside-value'];

const errors = (issues: ConfigIssue[]) => issues.filter((i) => i.severity === 'error');

describe('config providers: ${provider:[path:]key} resolved when the file is read', () => {
  afterEach(() => {
    delete process.env.KMIRROR_TEST_UNSET;
  });

  it('resolves file, directory and environment placeholders, anywhere in a value, several in one', () => {
    const config = parseMirrorConfig(file(...providers,
      `A.bootstrap.servers = \${file:${dir}/secrets.properties:bootstrap}`,
      `A.sasl.jaas.config = org.apache.kafka.common.security.plain.PlainLoginModule required username="\${env:KMIRROR_TEST_OTHER}" password="\${dir:${dir}/mounted:password}";`,
      `A.security.protocol = SASL_SSL`,
      `A.sasl.mechanism = PLAIN`,
      `A.consumer.client.id = \${env:KMIRROR_TEST_PASSWORD}-\${file:${dir}/secrets.properties:sasl.password}`,
      `A.producer.client.id = \${file:${dir}/secrets.properties:spaced}`,
      `A.admin.client.id = \${dir:${dir}/mounted:with-newline}`,
    ));
    const cluster = config.clusters.find((c) => c.alias === 'A')!;
    expect(cluster.bootstrapServers).toBe('secret-host:9092');
    expect(cluster.client['sasl.jaas.config']).toBe('org.apache.kafka.common.security.plain.PlainLoginModule required username="provided-s3cret-other" password="provided-s3cret-dir";');
    const flow = config.flows.find((f) => f.name === 'A->B')!;
    expect(flow.clients.sourceConsumer['client.id']).toBe('provided-s3cret-env-provided-s3cret-file');
    // A file provider value keeps trailing blanks (java.util.Properties), a directory one its whole file.
    expect(flow.clients.sourceProducer['client.id']).toBe('keeps trailing   ');
    expect(flow.clients.sourceAdmin['client.id']).toBe('line\n');
    expect(flow.clientOrigins?.sourceConsumer['client.id']).toEqual({ key: 'A.consumer.client.id', line: 12, resolved: true });
    expect(config.resolvedKeys).toEqual(['A.bootstrap.servers', 'A.sasl.jaas.config', 'A.consumer.client.id', 'A.producer.client.id', 'A.admin.client.id']);
  });

  it('treats provided values as secrets: redacted in validate\'s output, whatever the key', () => {
    const config = parseMirrorConfig(file(...providers,
      `A.bootstrap.servers = \${file:${dir}/secrets.properties:bootstrap}`,
      `A.consumer.client.id = \${env:KMIRROR_TEST_PASSWORD}`,
      `A->B.topics = \${env:KMIRROR_TEST_OTHER}`,
      `kmirror.sidecar.host = \${env:KMIRROR_TEST_HOST}`,
    ).replace('${env:KMIRROR_TEST_HOST}', '127.0.0.1'));
    const printed = describeConfig(config, new Map()) + JSON.stringify(redactedView(config));
    for (const secret of SECRETS) expect(printed).not.toContain(secret);
    expect(printed).toContain('client.id=[redacted]');
    expect(printed).toContain('topics: [redacted]');
    expect(printed).toContain('"topics":"[redacted]"');
    expect(printed).toContain('"bootstrapServers":"[redacted]"');
  });

  it.each([
    ['an unset environment variable', '${env:KMIRROR_TEST_UNSET}', /cannot resolve \$\{env:…\}: environment variable 'KMIRROR_TEST_UNSET' is not set/],
    ['a missing file', '${file:/nonexistent/kmirror.properties:x}', /cannot resolve \$\{file:…\}: file: no such file/],
    ['a missing key', '${file:FILE:nope}', /the file has no key 'nope'/],
    ['a missing directory entry', '${dir:DIR/mounted:nope}', /dir: no such file/],
    ['a directory entry that is a folder', '${dir:DIR/mounted:sub}', /'sub' is not a regular file/],
    ['a directory key with a path', '${dir:DIR:mounted/password}', /must be the name of a file in the directory/],
    ['a provider not listed', '${vault:secret/data:pw}', /names config provider 'vault', which config\.providers does not list/],
    ['an env placeholder with a path', '${env:/etc:KMIRROR_TEST_PASSWORD}', /EnvVarConfigProvider takes no path/],
    ['a file placeholder without a path', '${file:password}', /FileConfigProvider needs a file/],
  ])('refuses %s, naming key and line, showing no value', (_, placeholder, message) => {
    const text = file(...providers, 'A.bootstrap.servers = a:9092',
      `A.sasl.password = x-\${env:KMIRROR_TEST_PASSWORD}-${placeholder.replace('FILE', `${dir}/secrets.properties`).replace('DIR', dir)}`);
    const { config, issues } = checkMirrorConfig(text);
    expect(config).toBeUndefined();
    expect(errors(issues)).toEqual([{ severity: 'error', key: 'A.sasl.password', line: 9, message: expect.stringMatching(message) }]);
    for (const secret of SECRETS) expect(JSON.stringify(issues)).not.toContain(secret);
  });

  it('refuses placeholders when no provider is configured (Kafka would send them as they are)', () => {
    const { issues } = checkMirrorConfig(file('A.bootstrap.servers = a:9092', 'A.sasl.password = ${env:KMIRROR_TEST_PASSWORD}'));
    expect(errors(issues)).toEqual([{ severity: 'error', key: 'A.sasl.password', line: 5, message: expect.stringMatching(/config\.providers lists none/) }]);
  });

  it('leaves text that is not a placeholder alone', () => {
    const config = parseMirrorConfig(file('A.bootstrap.servers = a:9092', 'A.client.id = cost-${dollars}'));
    expect(config.clusters[0]!.client['client.id']).toBe('cost-${dollars}');
  });

  it('keeps providers to their allowed paths and allowed variables (KIP-993, KIP-887), symbolic links followed', () => {
    const restricted = [...providers, `config.providers.file.param.allowed.paths = ${dir}/mounted`,
      `config.providers.dir.param.allowed.paths = ${dir}/mounted`, 'config.providers.env.param.allowlist.pattern = KMIRROR_TEST_P.*'];
    expect(errors(checkMirrorConfig(file(...restricted, 'A.bootstrap.servers = a:9092',
      `A.client.id = \${dir:${dir}/mounted:password}\${env:KMIRROR_TEST_PASSWORD}`)).issues)).toEqual([]);
    const refused = (placeholder: string) => errors(checkMirrorConfig(file(...restricted, 'A.bootstrap.servers = a:9092', `A.client.id = ${placeholder}`)).issues)
      .map((i) => i.message);
    expect(refused(`\${file:${dir}/secrets.properties:bootstrap}`)).toEqual([expect.stringMatching(/outside config\.providers\.file\.param\.allowed\.paths/)]);
    expect(refused(`\${file:${dir}/mounted/../secrets.properties:bootstrap}`)).toEqual([expect.stringMatching(/outside/)]);
    expect(refused(`\${file:${dir}/mounted/link/secrets.properties:x}`)).toEqual([expect.stringMatching(/outside/)]);
    expect(refused('${env:KMIRROR_TEST_OTHER}')).toEqual([expect.stringMatching(/'KMIRROR_TEST_OTHER' is not allowed by config\.providers\.env\.param\.allowlist\.pattern/)]);
  });

  it('refuses providers it cannot run, naming key and line; warns about settings without effect', () => {
    const { issues } = checkMirrorConfig(file('A.bootstrap.servers = a:9092',
      'config.providers = vault, file, missing',
      'config.providers.vault.class = com.example.VaultConfigProvider',
      'config.providers.file.class = org.apache.kafka.common.config.provider.FileConfigProvider',
      'config.providers.file.param.colour = blue',
      'config.providers.unlisted.class = x',
      'config.providers.file.param.allowed.paths = relative/path'));
    expect(issues).toEqual(expect.arrayContaining([
      { severity: 'error', key: 'config.providers.vault.class', line: 6, message: expect.stringMatching(/FileConfigProvider, DirectoryConfigProvider and EnvVarConfigProvider, no other class/) },
      { severity: 'error', key: 'config.providers', line: 5, message: "config provider 'missing' has no config.providers.missing.class" },
      { severity: 'warning', key: 'config.providers.file.param.colour', line: 8, message: expect.stringMatching(/not a parameter of .*FileConfigProvider/) },
      { severity: 'warning', key: 'config.providers.unlisted.class', line: 9, message: expect.stringMatching(/not listed in config\.providers/) },
      { severity: 'error', key: 'config.providers.file.param.allowed.paths', line: 10, message: 'must list absolute paths' },
    ]));
  });

  it('a store behind a provider that fails is one error, on the placeholder', () => {
    const { issues } = checkMirrorConfig(file(...providers, 'A.bootstrap.servers = a:9092', 'A.security.protocol = SSL',
      'A.ssl.truststore.location = ${env:KMIRROR_TEST_UNSET}'));
    expect(errors(issues)).toEqual([{ severity: 'error', key: 'A.ssl.truststore.location', line: 10, message: expect.stringMatching(/is not set/) }]);
  });
});
