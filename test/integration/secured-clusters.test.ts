import { spawn } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { features } from '../../src/kafka/rdkafka.js';
import { startLocalClusters, type LocalClusters } from '../../src/local-kafka/cluster.js';
import {
  SECURITY_MECHANISMS, type ClientSecurity, type SecuredCluster, type SecurityMechanism, type StoreType,
} from '../../src/local-kafka/security.js';
import { Admin, addonPath, readRecords, RecordProducer, type RdkafkaSettings } from '../../src/native/addon.js';

/**
 * One secured KRaft cluster of this file's own (the run's source and target stay PLAINTEXT): TLS
 * and SASL listeners, a real MIT Kerberos KDC, the StandardAuthorizer, a CA made at start. Every
 * mechanism is reached with the project's native clients and with Java clients configured as an
 * mm2.properties would be; wrong credentials and missing ACLs are refused.
 */

let clusters: LocalClusters | undefined;
let secured: SecuredCluster;
const savedKrb5Config = process.env.KRB5_CONFIG;

beforeAll(async () => {
  clusters = await startLocalClusters({
    clusters: ['secured'],
    heapMb: 384,
    security: { users: ['replicator'] },
    log: (line) => console.log(`[secured-clusters] ${line}`),
  });
  secured = clusters.get('secured').security!;
  // librdkafka's GSSAPI (MIT Kerberos through Cyrus SASL) finds the KDC through the process environment.
  Object.assign(process.env, secured.client('GSSAPI').env);
});

afterAll(async () => {
  await clusters?.stop();
  if (savedKrb5Config === undefined) delete process.env.KRB5_CONFIG;
  else process.env.KRB5_CONFIG = savedKrb5Config;
});

const topicName = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

/** Polls `check` until it returns a value (not undefined) or the deadline passes; never a fixed sleep. */
async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await delay(100);
  }
}

async function createTopic(settings: RdkafkaSettings, name: string): Promise<void> {
  const admin = new Admin(settings);
  try {
    const [result] = await admin.createTopics([{ name, partitions: 1, replicationFactor: 1 }], 15_000);
    expect(result!.error).toBeNull();
  } finally {
    admin.close();
  }
}

function produceOne(settings: RdkafkaSettings, topic: string, value: string, timeoutMs = 15_000) {
  const producer = new RecordProducer({ ...settings, 'message.timeout.ms': String(timeoutMs) });
  try {
    producer.produce(topic, [{ key: Buffer.from('k'), value: Buffer.from(value) }]);
    return producer.flush(timeoutMs + 5_000);
  } finally {
    producer.close();
  }
}

async function describeError(settings: RdkafkaSettings, topic: string): Promise<string | null> {
  const admin = new Admin(settings);
  try {
    const [result] = await admin.describeTopics([topic], 10_000);
    return result!.error?.name ?? null;
  } finally {
    admin.close();
  }
}

describe('secured local clusters', () => {
  it('librdkafka has TLS and every SASL mechanism built in', () => {
    expect(features).toEqual(expect.arrayContaining(['ssl', 'sasl_plain', 'sasl_scram', 'sasl_oauthbearer', 'sasl_gssapi']));
    expect(secured.mechanisms).toEqual([...SECURITY_MECHANISMS]);
  });

  it('makes a CA and certificates in PEM, PKCS12 and JKS; private keys, keystores and keytabs are 0600', () => {
    const context = secured.context;
    const ca = new X509Certificate(readFileSync(context.caFiles.certPem));
    expect(ca.ca).toBe(true);
    const broker = new X509Certificate(readFileSync(context.brokerCertificate.certPem));
    expect(broker.verify(ca.publicKey)).toBe(true);
    expect(broker.subjectAltName).toContain('DNS:localhost');
    expect(broker.subjectAltName).toContain('IP Address:127.0.0.1');
    const replicator = context.user('replicator');
    const cert = new X509Certificate(readFileSync(replicator.certificate.certPem));
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.subject).toContain('CN=replicator');
    const jksMagic = (file: string) => readFileSync(file).subarray(0, 4).toString('hex');
    expect(jksMagic(replicator.certificate.keystoreJks)).toBe('feedfeed');
    expect(jksMagic(context.caFiles.truststoreJks)).toBe('feedfeed');
    expect(readFileSync(replicator.certificate.keystorePkcs12)[0]).toBe(0x30); // DER SEQUENCE
    expect(readFileSync(replicator.certificate.keystorePem, 'utf8')).toMatch(
      /^-----BEGIN ENCRYPTED PRIVATE KEY-----[\s\S]*-----BEGIN CERTIFICATE-----[\s\S]*-----BEGIN CERTIFICATE-----/);
    const secrets = [context.caFiles.keyPem, context.brokerCertificate.keyPem, context.brokerKerberos!.keytab,
      replicator.kerberos!.keytab, ...['keyPem', 'encryptedKeyPem', 'keystorePem', 'keystorePkcs12', 'keystoreJks']
        .map((k) => replicator.certificate[k as keyof typeof replicator.certificate])];
    for (const file of secrets) expect({ file, mode: statSync(file).mode & 0o777 }).toEqual({ file, mode: 0o600 });
  });

  it.each(SECURITY_MECHANISMS)('%s: the native clients create a topic, produce and read a record as admin', async (mechanism) => {
    const client = secured.client(mechanism);
    expect(client.principal).toBe('User:admin');
    const topic = topicName(`secured-${mechanism.toLowerCase()}`);
    await createTopic(client.rdkafka, topic);
    expect(produceOne(client.rdkafka, topic, `over ${mechanism}`)).toEqual({ delivered: 1, failed: 0 });
    const records = await readRecords(client.rdkafka, topic, 0, 0, 1, 15_000);
    expect(records.map((r) => r.value?.toString())).toEqual([`over ${mechanism}`]);
  });

  it('Java clients connect with the mm2.properties-style settings: every mechanism, stores in JKS, PKCS12, PEM and PEM in config', async () => {
    const cases: [SecurityMechanism, StoreType][] = [
      ['PLAIN', 'JKS'], ['SCRAM-SHA-256', 'PKCS12'], ['SCRAM-SHA-512', 'PEM'], ['OAUTHBEARER', 'PEM_CONFIG'], ['GSSAPI', 'JKS'],
      ['MTLS', 'JKS'], ['MTLS', 'PKCS12'], ['MTLS', 'PEM'], ['MTLS', 'PEM_CONFIG'],
    ];
    const topic = topicName('java-visible');
    await createTopic(secured.client('SCRAM-SHA-512').rdkafka, topic);
    const listTopics = async (client: ClientSecurity, name: string) => {
      const file = await secured.context.writeClientProperties(client, name, { 'default.api.timeout.ms': '30000' });
      expect(statSync(file).mode & 0o777).toBe(0o600);
      return secured.context.runKafkaTool('org.apache.kafka.tools.TopicCommand',
        ['--bootstrap-server', client.bootstrapServers, '--command-config', file, '--list'], { jvmOptions: client.jvmOptions });
    };
    // Two JVMs at a time: two cores.
    for (let i = 0; i < cases.length; i += 2) {
      await Promise.all(cases.slice(i, i + 2).map(async ([mechanism, store], j) => {
        const client = secured.client(mechanism, 'admin', { store });
        const output = await listTopics(client, `java-client-${i + j}`);
        expect({ mechanism, store, listed: output.split('\n').includes(topic) }).toEqual({ mechanism, store, listed: true });
      }));
    }
  });

  it('refuses a wrong password (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) and a client without a certificate (MTLS)', async () => {
    // librdkafka reports these as error events and logs; the native clients only see records time out. A
    // child process running the native producer shows what librdkafka says about each connection.
    const wrong = (mechanism: SecurityMechanism) => secured.client(mechanism, 'replicator', { password: 'not-the-password' }).rdkafka;
    const { 'ssl.certificate.location': _c, 'ssl.key.location': _k, 'ssl.key.password': _p, ...noCertificate } =
      secured.client('MTLS', 'replicator').rdkafka;
    const cases: Record<string, RdkafkaSettings> = {
      PLAIN: wrong('PLAIN'), 'SCRAM-SHA-256': wrong('SCRAM-SHA-256'), 'SCRAM-SHA-512': wrong('SCRAM-SHA-512'), MTLS: noCertificate,
    };
    const expected: Record<string, RegExp> = {
      PLAIN: /SASL authentication error: Authentication failed: Invalid username or password/,
      'SCRAM-SHA-256': /SASL authentication error: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256/,
      'SCRAM-SHA-512': /SASL authentication error: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512/,
      // The broker (Java) ends the handshake with a bad_certificate alert; TLS 1.3 peers may say certificate_required.
      MTLS: /SSL alert number (42|116)/,
    };
    const script = join(secured.context.dir, 'refused-clients.mjs');
    await writeFile(script, [
      "import { createRequire } from 'node:module';",
      'const addon = createRequire(import.meta.url)(process.argv[2]);',
      'const cases = JSON.parse(process.argv[3]);',
      'const producers = Object.entries(cases).map(([name, settings]) => {',
      "  const p = new addon.RecordProducer({ ...settings, 'client.id': name });",
      "  p.produce('refused', [{ value: Buffer.from('x') }]);",
      '  return p;',
      '});',
      "setInterval(() => {}, 1000); // until the test has read librdkafka's errors",
      '',
    ].join('\n'));
    const child = spawn(process.execPath, [script, addonPath, JSON.stringify(cases)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      await waitFor('librdkafka to report every refusal', async () =>
        (Object.keys(cases).every((name) => output.split('\n')
          .some((line) => line.includes(`|${name}#producer-`) && expected[name]!.test(line))) ? true : undefined), 30_000)
        .catch((err: Error) => { throw new Error(`${err.message}; the clients said:\n${output}`); });
    } finally {
      child.kill('SIGKILL');
      await exited;
    }

    // In this process: nothing is delivered with a wrong password.
    const topic = topicName('wrong-password');
    await createTopic(secured.client('SCRAM-SHA-256').rdkafka, topic);
    expect(produceOne(wrong('SCRAM-SHA-256'), topic, 'never', 2_000)).toMatchObject({ delivered: 0, failed: 1 });

    // A Java client with the wrong password: Kafka's own SaslAuthenticationException.
    const javaClient = secured.client('SCRAM-SHA-512', 'replicator', { password: 'not-the-password' });
    const file = await secured.context.writeClientProperties(javaClient, 'java-wrong-password');
    await expect(secured.context.runKafkaTool('org.apache.kafka.tools.TopicCommand',
      ['--bootstrap-server', javaClient.bootstrapServers, '--command-config', file, '--list']))
      .rejects.toThrow(/Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512/);
  });

  it('refuses a principal without ACLs (TOPIC_AUTHORIZATION_FAILED) on every mechanism, and lets it in once given them', async () => {
    const topic = topicName('acl-orders');
    await createTopic(secured.client('PLAIN').rdkafka, topic);
    const replicator = secured.clients('replicator');
    expect(new Set(replicator.map((c) => c.principal))).toEqual(new Set(['User:replicator']));

    for (const client of replicator) {
      expect({ mechanism: client.mechanism, error: await describeError(client.rdkafka, topic) })
        .toEqual({ mechanism: client.mechanism, error: 'TOPIC_AUTHORIZATION_FAILED' });
      expect({ mechanism: client.mechanism, ...produceOne(client.rdkafka, topic, 'refused', 10_000) })
        .toEqual({ mechanism: client.mechanism, delivered: 0, failed: 1, error: 'Broker: Topic authorization failed' });
    }

    await secured.addAcls([{ principal: 'replicator', resource: 'topic', name: topic, operations: ['Read', 'Write', 'Describe'] }]);
    expect((await secured.listAcls('replicator')).filter((a) => a.name === topic).map((a) => a.operation).sort())
      .toEqual(['DESCRIBE', 'READ', 'WRITE']);
    // The broker applies ACLs from its metadata log: wait until it does.
    await waitFor('the ACL to be in force', async () => ((await describeError(replicator[0]!.rdkafka, topic)) === null ? true : undefined));

    for (const client of replicator) {
      expect({ mechanism: client.mechanism, ...produceOne(client.rdkafka, topic, `as replicator over ${client.mechanism}`) })
        .toEqual({ mechanism: client.mechanism, delivered: 1, failed: 0 });
    }
    const records = await readRecords(replicator[0]!.rdkafka, topic, 0, 0, replicator.length, 15_000);
    expect(records.map((r) => r.value?.toString())).toEqual(replicator.map((c) => `as replicator over ${c.mechanism}`));

    await secured.removeAcls([{ principal: 'replicator', resource: 'topic', name: topic, operations: ['Read', 'Write', 'Describe'] }]);
    await waitFor('the ACL to be gone', async () =>
      ((await describeError(replicator[0]!.rdkafka, topic)) === 'TOPIC_AUTHORIZATION_FAILED' ? true : undefined));
  });

  it('adds a user while running: SCRAM credentials through the admin API, a certificate and a Kerberos principal', async () => {
    const user = await clusters!.security!.addUser('latecomer');
    expect(user.principal).toBe('User:latecomer');
    const topic = topicName('latecomer');
    await createTopic(secured.client('SCRAM-SHA-256').rdkafka, topic);
    for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512', 'MTLS', 'GSSAPI', 'OAUTHBEARER'] as const) {
      // Authenticated, not authorized: the broker knows who it is and refuses the topic.
      expect({ mechanism, error: await describeError(secured.client(mechanism, 'latecomer').rdkafka, topic) })
        .toEqual({ mechanism, error: 'TOPIC_AUTHORIZATION_FAILED' });
    }
  });
});
