import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMirrorConfig } from '../../../src/config/mirror-config.js';
import { checkClientsWithLibrdkafka, type ClientType } from '../../../src/kafka/client-check.js';
import { checkClientSettings } from '../../../src/native/addon.js';
import { makeTlsMaterial, PASSWORDS, type TlsMaterial } from './tls-material.js';

let m: TlsMaterial;
beforeAll(() => {
  m = makeTlsMaterial();
});
afterAll(() => m?.remove());

const base = ['clusters = A, B', 'A.bootstrap.servers = a:9092', 'B.bootstrap.servers = b:9092', 'A->B.enabled = true'];

describe('checkClientsWithLibrdkafka: every client run creates, as run builds it', () => {
  it('checks the shard\'s clients with its defaults, the admins and the internal clients; heartbeat-only pairs their producer and admin', () => {
    const seen: [string | undefined, ClientType][] = [];
    const config = parseMirrorConfig(base.join('\n'));
    expect(checkClientsWithLibrdkafka(config, (settings, type) => {
      seen.push([settings['client.id'] ?? settings['bootstrap.servers'], type]);
      return null;
    })).toEqual([]);
    expect(seen).toEqual([
      ['b:9092', 'producer'], // A->B target admin
      ['b:9092', 'producer'], // heartbeats and checkpoints
      [expect.stringMatching(/^kmirror-A->B-0@/), 'consumer'], // the shard's source consumer
      ['kmirror-A->B-0', 'producer'],
      ['kmirror-A->B-0-positions', 'consumer'],
      ['a:9092', 'producer'], // source admin
      ['a:9092', 'producer'], // offset syncs live on the source by default
      ['a:9092', 'consumer'],
      ['a:9092', 'producer'], // B->A heartbeats only: target admin and producer
      ['a:9092', 'producer'],
    ]);
  });

  it('names the key and line a refused setting comes from, once, with no secret in it', () => {
    const text = [...base, 'A.security.protocol = SASL_SSL', 'A.sasl.mechanism = PLAIN',
      'A.sasl.jaas.config = org.apache.kafka.common.security.plain.PlainLoginModule required username=u password="pw-hunter2-s3cret";',
      'A.consumer.fetch.wait.max.ms = 7'].join('\n');
    const config = parseMirrorConfig(text);
    const issues = checkClientsWithLibrdkafka(config, (settings, type) =>
      type === 'consumer' && settings['sasl.password'] ? `client: sasl.password: value "${settings['sasl.password']}" refused, fetch.wait.max.ms too` : null);
    // The offset-syncs consumer (on A too) is refused the same way: one issue.
    expect(issues).toEqual([
      { severity: 'error', key: 'A.sasl.jaas.config', line: 7, message: 'librdkafka refuses the A->B source consumer configuration: sasl.password: value "[redacted]" refused, fetch.wait.max.ms too' },
    ]);
  });

  it('names a setting kmirror itself adds when that is what librdkafka refuses', () => {
    const config = parseMirrorConfig(base.join('\n'));
    const issues = checkClientsWithLibrdkafka(config, (settings) => (settings['partition.assignment.strategy'] ? 'client: partition.assignment.strategy: no' : null));
    expect(issues).toEqual([{ severity: 'error', key: 'partition.assignment.strategy', message: 'librdkafka refuses the A->B source consumer configuration: partition.assignment.strategy: no' }]);
  });
});

describe.skipIf(checkClientSettings === undefined)('the native addon\'s checkClientSettings (librdkafka itself)', () => {
  const check = (settings: Record<string, string>, type: 'producer' | 'consumer' = 'producer') => checkClientSettings!(settings, type);

  it('takes a configuration it can start, connecting nowhere', () => {
    expect(check({ 'bootstrap.servers': '127.0.0.1:1', 'security.protocol': 'SSL', 'ssl.ca.pem': m.text('ca.pem'),
      'ssl.certificate.pem': m.text('client.pem'), 'ssl.key.pem': m.text('client-enc.key'), 'ssl.key.password': PASSWORDS.pemKey })).toBeNull();
    expect(check({ 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanisms': 'GSSAPI', 'sasl.kerberos.keytab': '/nonexistent.keytab' }, 'consumer')).toBeNull();
  });

  it.each([
    [{ 'no.such.setting': 'x' }, 'producer', /no\.such\.setting: No such configuration property/],
    [{ 'security.protocol': 'SASL_SSL', 'sasl.mechanisms': 'PLAIN' }, 'producer', /sasl\.username and sasl\.password must be set/],
    [{ 'security.protocol': 'SSL', 'ssl.ca.pem': 'not a certificate' }, 'producer', /ssl\.ca\.pem/],
    [{ 'session.timeout.ms': '60000', 'max.poll.interval.ms': '10000' }, 'consumer', /`max\.poll\.interval\.ms`must be >= `session\.timeout\.ms`/],
    [{ 'enable.idempotence': 'true', acks: '1' }, 'producer', /`acks` must be set to `all`/],
  ] as [Record<string, string>, 'producer' | 'consumer', RegExp][])('refuses %j', (settings, type, message) => {
    expect(check(settings, type)).toMatch(message);
  });

  it('refuses a key that does not belong to the certificate, and a wrong key password, showing neither', () => {
    const mismatch = check({ 'security.protocol': 'SSL', 'ssl.certificate.pem': m.text('ec.pem'), 'ssl.key.pem': m.text('client.key') });
    expect(mismatch).toMatch(/ssl\.key\.pem failed|Private key check failed/);
    const wrong = check({ 'security.protocol': 'SSL', 'ssl.certificate.pem': m.text('client.pem'), 'ssl.key.pem': m.text('client-enc.key'), 'ssl.key.password': 'wrong-pw-hunter2' });
    expect(wrong).toMatch(/ssl\.key\.pem failed/);
    for (const text of [mismatch, wrong]) {
      expect(text).not.toContain('hunter2');
      expect(text).not.toContain(m.text('client.key').split('\n')[1]);
    }
  });
});
