/**
 * A secured deployment's mm2.properties as a whole: every client translated when the file is read,
 * issues naming key and line, validate building every client's librdkafka configuration, and no
 * secret in anything printed.
 */
import { writeFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateCommand } from '../../../src/cli/validate.js';
import { checkMirrorConfig, parseMirrorConfig, type ConfigIssue } from '../../../src/config/mirror-config.js';
import { checkClientSettings } from '../../../src/native/addon.js';
import { toRdkafkaSettings } from '../../../src/kafka/client-config.js';
import { configSecrets } from '../../../src/sidecar/config-secrets.js';
import { makeTlsMaterial, PASSWORDS, type TlsMaterial } from '../kafka/tls-material.js';

const JAAS_PASSWORD = 'jaas-s3cret-plain-pw';
const OIDC_SECRET = 'oidc-client-s3cret-value';
const ENV_SECRET = 'env-provided-s3cret-pw';
const FILE_SECRET = PASSWORDS.trust; // the trust store password, from a properties file

let m: TlsMaterial;
beforeAll(() => {
  m = makeTlsMaterial();
  writeFileSync(m.path('secrets.properties'), `truststore.password = ${FILE_SECRET}\n`);
  process.env.KMIRROR_TEST_KEYSTORE_PW = PASSWORDS.store;
  process.env.KMIRROR_TEST_ENV_SECRET = ENV_SECRET;
}, 60_000);
afterAll(() => {
  m?.remove();
  delete process.env.KMIRROR_TEST_KEYSTORE_PW;
  delete process.env.KMIRROR_TEST_ENV_SECRET;
});

/** Every secret of the file below, and of the stores it names. */
const secrets = () => [JAAS_PASSWORD, OIDC_SECRET, ENV_SECRET, FILE_SECRET, ...Object.values(PASSWORDS),
  'PlainLoginModule', 'unsecuredLoginStringClaim_sub=', ...m.text('client.key').split('\n').slice(1, 4), ...m.text('client-enc.key').split('\n').slice(1, 4)];

/** A secured mm2.properties: SASL_SSL with PLAIN on A, mTLS with JKS and PEM on B, secrets from providers. */
function securedFile(overrides: Record<string, string> = {}): string {
  const lines: Record<string, string> = {
    'clusters': 'A, B',
    'A.bootstrap.servers': 'localhost:19092',
    'B.bootstrap.servers': 'localhost:29092',
    'A->B.enabled': 'true',
    'config.providers': 'file, env',
    'config.providers.file.class': 'org.apache.kafka.common.config.provider.FileConfigProvider',
    'config.providers.env.class': 'org.apache.kafka.common.config.provider.EnvVarConfigProvider',
    'A.security.protocol': 'SASL_SSL',
    'A.sasl.mechanism': 'PLAIN',
    'A.sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required username='mm2' password="${JAAS_PASSWORD}";`,
    'A.ssl.truststore.location': m.path('trust.jks'),
    'A.ssl.truststore.password': `\${file:${m.path('secrets.properties')}:truststore.password}`,
    'A.ssl.endpoint.identification.algorithm': '',
    'B.security.protocol': 'SSL',
    'B.ssl.keystore.location': m.path('client.jks'),
    'B.ssl.keystore.password': '${env:KMIRROR_TEST_KEYSTORE_PW}',
    'B.ssl.key.password': PASSWORDS.key,
    'B.ssl.truststore.type': 'PEM',
    'B.ssl.truststore.certificates': m.text('ca.pem').replace(/\n/g, ' '),
    'B.ssl.enabled.protocols': 'TLSv1.2,TLSv1.3',
    'B.producer.client.id': '${env:KMIRROR_TEST_ENV_SECRET}',
    ...overrides,
  };
  return Object.entries(lines).filter(([, v]) => v !== '<removed>').map(([k, v]) => `${k} = ${v.replace(/\\/g, '\\\\')}`).join('\n') + '\n';
}

const lineOf = (text: string, key: string) => text.split('\n').findIndex((l) => l.startsWith(`${key} =`)) + 1;

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

async function validate(text: string, json = false): Promise<{ code: number; stdout: string; stderr: string }> {
  const file = m.path(`mm2-${Math.random().toString(36).slice(2)}.properties`);
  writeFileSync(file, text);
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await validateCommand(file, { json }, stdout, stderr);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

const issues = (text: string): ConfigIssue[] => checkMirrorConfig(text).issues;

describe('a secured mm2.properties', () => {
  it('is translated for every client: stores in memory, credentials from JAAS, secrets from providers', () => {
    const text = securedFile();
    const config = parseMirrorConfig(text);
    expect(config.warnings).toEqual([]);
    const flow = config.flows.find((f) => f.name === 'A->B')!;
    const consumer = toRdkafkaSettings(flow.clients.sourceConsumer).settings;
    expect(consumer).toMatchObject({ 'security.protocol': 'SASL_SSL', 'sasl.mechanisms': 'PLAIN', 'sasl.username': 'mm2', 'sasl.password': JAAS_PASSWORD,
      'ssl.endpoint.identification.algorithm': 'none' });
    expect(consumer['ssl.ca.pem']).toContain('-----BEGIN CERTIFICATE-----');
    expect(Object.keys(consumer).filter((k) => k.includes('truststore') || k === 'sasl.jaas.config')).toEqual([]);
    const producer = toRdkafkaSettings(flow.clients.targetProducer).settings;
    expect(Object.keys(producer).sort()).toEqual(['bootstrap.servers', 'client.id', 'security.protocol', 'ssl.ca.pem', 'ssl.certificate.pem', 'ssl.key.pem']);
    expect(producer['client.id']).toBe(ENV_SECRET);
  });

  it('names key and line of a wrong store password, a bad JAAS config, a refused TLS setting', () => {
    const text = securedFile({
      'B.ssl.key.password': 'not-the-key-password',
      'A.sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required username='mm2' password="${JAAS_PASSWORD}"`,
      'B.ssl.enabled.protocols': 'TLSv1.3',
    });
    expect(issues(text).filter((i) => i.severity === 'error')).toEqual([
      { severity: 'error', key: 'A.sasl.jaas.config', line: lineOf(text, 'A.sasl.jaas.config'), message: "not a valid JAAS config: the login module entry is not terminated by ';'" },
      { severity: 'error', key: 'B.ssl.key.password', line: lineOf(text, 'B.ssl.key.password'), message: "cannot decrypt the private key of alias 'client': wrong password" },
      { severity: 'error', key: 'B.ssl.enabled.protocols', line: lineOf(text, 'B.ssl.enabled.protocols'), message: expect.stringMatching(/leaves out TLSv1\.2/) },
    ]);
  });

  it('reports a problem once, however many clients share the setting', () => {
    const text = securedFile({ 'A.ssl.truststore.location': m.path('missing.jks') });
    expect(issues(text)).toEqual([{ severity: 'error', key: 'A.ssl.truststore.location', line: lineOf(text, 'A.ssl.truststore.location'), message: 'the file does not exist' }]);
  });

  it('warns about settings without effect, naming key and line', () => {
    const text = securedFile({
      'B.ssl.truststore.password': 'unused',
      'exactly.once.support': 'enabled',
      'A->B.exactly.once.source.support': 'preparing',
      'sync.topic.acls.enabled': 'true',
      'A->B.ssl.keystore.location': '/etc/x.jks',
    }).replace('B.ssl.truststore.password = unused\n', '') + 'B.ssl.truststore.password = unused\n';
    const warnings = issues(text).filter((i) => i.severity === 'warning');
    expect(warnings.map((w) => [w.key, w.line])).toEqual(expect.arrayContaining([
      ['exactly.once.support', lineOf(text, 'exactly.once.support')],
      ['A->B.exactly.once.source.support', lineOf(text, 'A->B.exactly.once.source.support')],
      ['A->B.ssl.keystore.location', lineOf(text, 'A->B.ssl.keystore.location')],
    ]));
    expect(warnings.find((w) => w.key === 'exactly.once.support')!.message).toMatch(/has no effect yet: kmirror does not replicate exactly once/);
    // Topic ACL sync exists (src/engine/acl-sync.ts): asking for it is no longer a warning.
    expect(warnings.find((w) => w.key === 'sync.topic.acls.enabled')).toBeUndefined();
    // A PEM trust store with a password: Kafka refuses it, so does kmirror.
    expect(issues(text)).toContainEqual({ severity: 'error', key: 'B.ssl.truststore.password', line: lineOf(text, 'B.ssl.truststore.password'),
      message: expect.stringMatching(/cannot be set with a PEM trust store/) });
  });

  it('lists every secret for the sidecar to scrub: provider values, JAAS credentials however quoted, keys read from stores', () => {
    const text = securedFile({
      'A.sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required username='mm2' password='${JAAS_PASSWORD}';`,
    });
    const listed = configSecrets(parseMirrorConfig(text));
    expect(listed).toEqual(expect.arrayContaining([JAAS_PASSWORD, FILE_SECRET, PASSWORDS.store, PASSWORDS.key, ENV_SECRET,
      expect.stringMatching(/^-----BEGIN PRIVATE KEY-----/)]));
    expect(listed).not.toContain('mm2');
  });

  it('does not warn about the defaults: sync.topic.acls.enabled=false, exactly.once.support=disabled', () => {
    const text = securedFile({ 'sync.topic.acls.enabled': 'false', 'exactly.once.support': 'disabled' });
    expect(issues(text)).toEqual([]);
  });
});

describe('kmirror validate on a secured file', () => {
  const haveCheck = checkClientSettings !== undefined;

  it('exits 0 and prints the flows with every secret redacted (text and --json)', async () => {
    for (const json of [false, true]) {
      const { code, stdout, stderr } = await validate(securedFile(), json);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(stdout).toContain(json ? '"name": "A->B"' : 'flow A->B (enabled)');
      for (const secret of secrets()) expect(stdout + stderr).not.toContain(secret);
    }
  });

  it.skipIf(!haveCheck)('refuses what librdkafka refuses, naming key and line', async () => {
    const text = securedFile({ 'A.consumer.session.timeout.ms': '60000', 'A.consumer.max.poll.interval.ms': '10000' });
    const { code, stderr } = await validate(text);
    expect(code).toBe(2);
    expect(stderr).toContain(`:${lineOf(text, 'A.consumer.max.poll.interval.ms')}: A.consumer.max.poll.interval.ms: librdkafka refuses the A->B source consumer configuration: ` +
      '`max.poll.interval.ms`must be >= `session.timeout.ms`');
  });

  it.skipIf(!haveCheck)('refuses a setting librdkafka does not know', async () => {
    const text = securedFile({ 'A.consumer.no.such.setting': 'x' });
    const { code, stderr } = await validate(text);
    expect(code).toBe(2);
    expect(stderr).toMatch(new RegExp(`:${lineOf(text, 'A.consumer.no.such.setting')}: A\\.consumer\\.no\\.such\\.setting: librdkafka refuses .*No such configuration property`));
  });

  it.skipIf(!haveCheck)('refuses OIDC where librdkafka was built without it, naming the JAAS line', async () => {
    const text = securedFile({
      'A.sasl.mechanism': 'OAUTHBEARER',
      'A.sasl.oauthbearer.token.endpoint.url': 'https://idp.test/token',
      'A.sasl.jaas.config': `org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required clientId="mm2" clientSecret="${OIDC_SECRET}";`,
    });
    const { code, stderr } = await validate(text);
    if (/oidc|http/.test((await import('node-rdkafka')).default.features.join(','))) {
      expect(code).toBe(0);
    } else {
      expect(code).toBe(2);
      expect(stderr).toMatch(new RegExp(`:${lineOf(text, 'A.sasl.jaas.config')}: A\\.sasl\\.jaas\\.config: librdkafka refuses .*sasl\\.oauthbearer\\..*not supported in this build`));
    }
    for (const secret of secrets()) expect(stderr).not.toContain(secret);
  });

  it.each([
    ['a wrong store password', { 'A.ssl.truststore.password': 'wrong-trust-password' }],
    ['a wrong key password', { 'B.ssl.key.password': 'wrong-key-password' }],
    ['a broken JAAS config', { 'A.sasl.jaas.config': `PlainLoginModule required password='${JAAS_PASSWORD}` }],
    ['a JAAS config with a password where a flag goes', { 'A.sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule ${JAAS_PASSWORD} username=a;` }],
    ['an unresolvable placeholder', { 'A.ssl.truststore.password': '${env:KMIRROR_TEST_NOT_SET}' }],
    ['a value librdkafka refuses next to secrets', { 'A.consumer.ssl.curves.list': 'no-such-curve' }],
    ['an encrypted PEM key with the wrong password', {
      'B.ssl.keystore.location': '<removed>', 'B.ssl.keystore.password': '<removed>', 'B.ssl.keystore.type': 'PEM',
      'B.ssl.keystore.key': '<key>', 'B.ssl.keystore.certificate.chain': '<chain>', 'B.ssl.key.password': ENV_SECRET,
    }],
  ] as [string, Record<string, string>][])('shows no secret in any message: %s', async (_, overrides) => {
    const resolved = Object.fromEntries(Object.entries(overrides).map(([k, v]) =>
      [k, v === '<key>' ? m.text('client-enc.key').replace(/\n/g, ' ') : v === '<chain>' ? m.text('client.pem').replace(/\n/g, ' ') : v]));
    const text = securedFile(resolved);
    const { code, stdout, stderr } = await validate(text);
    expect(code).toBe(2);
    expect(stderr).toMatch(/error: /);
    for (const secret of [...secrets(), 'wrong-trust-password', 'wrong-key-password']) {
      expect(stdout + stderr).not.toContain(secret);
    }
    let thrown = '';
    try {
      parseMirrorConfig(text);
    } catch (err) {
      thrown = JSON.stringify({ message: (err as Error).message, details: (err as { details?: unknown }).details });
    }
    for (const secret of [...secrets(), 'wrong-trust-password', 'wrong-key-password']) expect(thrown).not.toContain(secret);
  });
});
