import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isKmirrorError } from '../../../src/errors.js';
import { toRdkafkaSettings, translateClientSettings } from '../../../src/kafka/client-config.js';
import { makeTlsMaterial, PASSWORDS, type TlsMaterial } from './tls-material.js';

const SCRAM = 'org.apache.kafka.common.security.scram.ScramLoginModule';

let m: TlsMaterial;
beforeAll(() => {
  m = makeTlsMaterial();
}, 60_000);
afterAll(() => m?.remove());

describe('Java client settings → librdkafka', () => {
  it('passes shared names through, renames the ones librdkafka spells differently, converts buffer.memory', () => {
    const { settings, dropped } = toRdkafkaSettings({
      'bootstrap.servers': 'a:9092', 'linger.ms': '100', 'batch.size': '524288', 'compression.type': 'lz4',
      'fetch.max.wait.ms': '500', 'max.request.size': '2097152', 'delivery.timeout.ms': '120000',
      'sasl.mechanism': 'SCRAM-SHA-512', 'buffer.memory': '67108864', 'max.poll.records': '1000',
    });
    expect(settings).toEqual({
      'bootstrap.servers': 'a:9092', 'linger.ms': '100', 'batch.size': '524288', 'compression.type': 'lz4',
      'fetch.wait.max.ms': '500', 'message.max.bytes': '2097152', 'message.timeout.ms': '120000',
      'sasl.mechanisms': 'SCRAM-SHA-512', 'queue.buffering.max.kbytes': '65536',
    });
    expect(dropped).toEqual(['max.poll.records']);
  });

  it('takes the username and password out of a PLAIN or SCRAM JAAS config, whatever its quoting', () => {
    for (const jaas of [`${SCRAM} required username="mm2-user" password="se\\"cret";`, `${SCRAM} required username='mm2-user' password='se"cret';`]) {
      const { settings } = toRdkafkaSettings({ 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'SCRAM-SHA-512', 'sasl.jaas.config': jaas });
      expect(settings).toEqual({ 'security.protocol': 'SASL_SSL', 'sasl.mechanisms': 'SCRAM-SHA-512', 'sasl.username': 'mm2-user', 'sasl.password': 'se"cret' });
    }
  });

  it('OAUTHBEARER with OIDC: the token endpoint and the known login callback handler', () => {
    const translation = translateClientSettings({
      'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'OAUTHBEARER',
      'sasl.login.callback.handler.class': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler',
      'sasl.oauthbearer.token.endpoint.url': 'https://idp.test/token',
      'sasl.jaas.config': 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required clientId="c" clientSecret="oidc-s3cret";',
      'sasl.login.refresh.buffer.seconds': '300',
    });
    expect(translation.issues).toEqual([]);
    expect(translation.settings).toMatchObject({
      'sasl.oauthbearer.method': 'oidc', 'sasl.oauthbearer.token.endpoint.url': 'https://idp.test/token',
      'sasl.oauthbearer.client.id': 'c', 'sasl.oauthbearer.client.secret': 'oidc-s3cret',
    });
    expect(translation.dropped).toEqual(['sasl.login.refresh.buffer.seconds']);
    expect(translation.sources['sasl.oauthbearer.client.secret']).toBe('sasl.jaas.config');
  });

  it('GSSAPI: the JAAS keytab and principal, the service name, and Java\'s kinit path as librdkafka\'s kinit command', () => {
    const { settings } = toRdkafkaSettings({
      'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'GSSAPI', 'sasl.kerberos.service.name': 'kafka',
      'sasl.kerberos.kinit.cmd': '/usr/local/bin/kinit', 'sasl.kerberos.ticket.renew.window.factor': '0.8',
      'sasl.jaas.config': 'com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true storeKey=true keyTab="/etc/mm2.keytab" principal="mm2@TEST.LOCAL";',
    });
    expect(settings).toEqual({
      'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanisms': 'GSSAPI', 'sasl.kerberos.service.name': 'kafka',
      'sasl.kerberos.kinit.cmd': '/usr/local/bin/kinit -R -t "%{sasl.kerberos.keytab}" -k %{sasl.kerberos.principal} || /usr/local/bin/kinit -t "%{sasl.kerberos.keytab}" -k %{sasl.kerberos.principal}',
      'sasl.kerberos.keytab': '/etc/mm2.keytab', 'sasl.kerberos.principal': 'mm2@TEST.LOCAL',
    });
  });

  it('trust and key stores become PEM in memory; the Java store settings do not reach librdkafka', () => {
    const translation = translateClientSettings({
      'security.protocol': 'SSL',
      'ssl.truststore.location': m.path('trust.jks'), 'ssl.truststore.password': PASSWORDS.trust,
      'ssl.keystore.type': 'PKCS12', 'ssl.keystore.location': m.path('client-keytool.p12'), 'ssl.keystore.password': PASSWORDS.store,
      'ssl.endpoint.identification.algorithm': '', 'ssl.enabled.protocols': 'TLSv1.2,TLSv1.3', 'ssl.protocol': 'TLSv1.3',
      'ssl.keymanager.algorithm': 'SunX509', 'ssl.trustmanager.algorithm': 'PKIX',
    });
    expect(translation.issues).toEqual([]);
    expect(Object.keys(translation.settings).sort()).toEqual(['security.protocol', 'ssl.ca.pem', 'ssl.certificate.pem', 'ssl.endpoint.identification.algorithm', 'ssl.key.pem']);
    expect(translation.settings['ssl.endpoint.identification.algorithm']).toBe('none');
    expect(new X509Certificate(translation.settings['ssl.certificate.pem']!).subject).toBe('CN=kmirror-test-client');
    expect(translation.sources).toMatchObject({ 'ssl.ca.pem': 'ssl.truststore.location', 'ssl.certificate.pem': 'ssl.keystore.location', 'ssl.key.pem': 'ssl.keystore.location' });
    expect([...translation.dropped].sort()).toEqual(['ssl.keymanager.algorithm', 'ssl.trustmanager.algorithm']);
  });

  it('an encrypted PEM key goes to librdkafka encrypted, with ssl.key.password', () => {
    const { settings } = toRdkafkaSettings({
      'security.protocol': 'SSL', 'ssl.keystore.type': 'PEM', 'ssl.keystore.key': m.text('client-enc.key'),
      'ssl.keystore.certificate.chain': m.text('client.pem'), 'ssl.key.password': PASSWORDS.pemKey,
      'ssl.truststore.type': 'PEM', 'ssl.truststore.certificates': m.text('ca.pem'), 'ssl.endpoint.identification.algorithm': 'https',
    });
    expect(settings['ssl.key.pem']).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    expect(settings['ssl.key.password']).toBe(PASSWORDS.pemKey);
    expect(settings['ssl.endpoint.identification.algorithm']).toBe('https');
    expect(settings['ssl.ca.pem']).toContain('-----BEGIN CERTIFICATE-----');
  });

  it('maps Java cipher suite names to OpenSSL ones; takes an OpenSSL cipher string as it is', () => {
    const tls13 = 'TLS_AES_256_GCM_SHA384,TLS_CHACHA20_POLY1305_SHA256,TLS_AES_128_GCM_SHA256';
    expect(toRdkafkaSettings({ 'security.protocol': 'SSL', 'ssl.cipher.suites': `TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,${tls13}` }).settings['ssl.cipher.suites'])
      .toBe('ECDHE-RSA-AES256-GCM-SHA384');
    expect(toRdkafkaSettings({ 'security.protocol': 'SSL', 'ssl.cipher.suites': 'ECDHE-RSA-AES256-GCM-SHA384:!aNULL' }).settings['ssl.cipher.suites'])
      .toBe('ECDHE-RSA-AES256-GCM-SHA384:!aNULL');
  });

  it.each([
    [{ 'ssl.engine.factory.class': 'com.example.Factory' }, 'ssl.engine.factory.class', 'error', /custom Java SSL engine factory cannot run/],
    [{ 'sasl.client.callback.handler.class': 'com.example.Handler' }, 'sasl.client.callback.handler.class', 'error', /cannot run in librdkafka/],
    [{ 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'AWS_MSK_IAM', 'sasl.login.callback.handler.class': 'software.amazon.msk.auth.iam.IAMClientCallbackHandler' },
      'sasl.login.callback.handler.class', 'error', /custom Java login callback handler/],
    [{ 'sasl.login.class': 'com.example.Login' }, 'sasl.login.class', 'error', /custom Java login class/],
    [{ 'ssl.trustmanager.algorithm': 'TrustAll' }, 'ssl.trustmanager.algorithm', 'error', /verifies brokers with OpenSSL/],
    [{ 'sasl.oauthbearer.header.urlencode': 'true' }, 'sasl.oauthbearer.header.urlencode', 'error', /does not URL-encode/],
    [{ 'sasl.oauthbearer.jwt.retriever.class': 'org.apache.kafka.common.security.oauthbearer.FileJwtRetriever' }, 'sasl.oauthbearer.jwt.retriever.class', 'error', /read from a file/],
    [{ 'ssl.provider': 'BCJSSE' }, 'ssl.provider', 'warning', /has no effect: librdkafka uses OpenSSL/],
    [{ 'security.providers': 'com.example.Creator' }, 'security.providers', 'warning', /has no effect/],
    [{ 'interceptor.classes': 'io.confluent.monitoring.clients.interceptor.MonitoringConsumerInterceptor' }, 'interceptor.classes', 'warning', /records do not pass through them/],
    [{ 'ssl.endpoint.identification.algorithm': 'ldaps' }, 'ssl.endpoint.identification.algorithm', 'error', /must be https .* or empty/],
    [{ 'ssl.truststore.location': '/etc/trust.jks' }, 'ssl.truststore.location', 'warning', /has no effect: security\.protocol is PLAINTEXT/],
    [{ 'security.protocol': 'SSL', 'ssl.truststore.password': 'x' }, 'ssl.truststore.password', 'warning', /without ssl\.truststore\.location/],
    [{ 'security.protocol': 'SSL', 'ssl.key.password': 'x' }, 'ssl.key.password', 'warning', /without ssl\.keystore\.location/],
    [{ 'security.protocol': 'SSL', 'ssl.protocol': 'TLSv1.2' }, 'ssl.protocol', 'warning', /offers TLS 1\.3 too/],
    [{ 'security.protocol': 'SSL', 'ssl.protocol': 'TLSv1.1' }, 'ssl.protocol', 'error', /keeps the client off TLS 1\.3/],
    [{ 'security.protocol': 'SSL', 'ssl.enabled.protocols': 'TLSv1.2' }, 'ssl.enabled.protocols', 'warning', /also offers TLS 1\.3/],
    [{ 'security.protocol': 'SSL', 'ssl.enabled.protocols': 'TLSv1.3' }, 'ssl.enabled.protocols', 'error', /leaves out TLSv1\.2/],
    [{ 'security.protocol': 'SSL', 'ssl.cipher.suites': 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384' }, 'ssl.cipher.suites', 'warning', /also offers TLS_AES_256_GCM_SHA384/],
    [{ 'security.protocol': 'SSL', 'ssl.truststore.location': '/nonexistent/trust.jks' }, 'ssl.truststore.location', 'error', /does not exist/],
    [{ 'security.protocol': 'SSL', 'ssl.keystore.location': '/nonexistent/k.p12' }, 'ssl.keystore.location', 'error', /the file does not exist/],
    [{ 'sasl.jaas.config': `${SCRAM} required username=u password=p;` }, 'sasl.jaas.config', 'warning', /has no effect: security\.protocol is PLAINTEXT/],
    [{ 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'PLAIN', 'sasl.jaas.config': `${SCRAM} required username=u;` }, 'sasl.jaas.config', 'error', /needs a password option/],
    [{ 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'OAUTHBEARER' }, 'sasl.mechanism', 'error', /OAUTHBEARER needs sasl\.jaas\.config/],
    [{ 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'PLAIN', 'sasl.jaas.config': `${SCRAM} required username=u password=p;`, 'sasl.oauthbearer.token.endpoint.url': 'https://x' },
      'sasl.oauthbearer.token.endpoint.url', 'warning', /does not hold OAuthBearerLoginModule/],
  ] as [Record<string, string>, string, string, RegExp][])('%j: %s %s', (properties, setting, severity, message) => {
    const { issues } = translateClientSettings(properties);
    expect(issues).toContainEqual({ severity, setting, message: expect.stringMatching(message) });
  });

  it('names a missing store password on the store\'s location', () => {
    expect(translateClientSettings({ 'security.protocol': 'SSL', 'ssl.keystore.location': m.path('client-keytool.p12') }).issues)
      .toEqual([{ severity: 'error', setting: 'ssl.keystore.location', message: 'ssl.keystore.password is required to read a key store' }]);
  });

  it('toRdkafkaSettings refuses what cannot be given to librdkafka, naming settings, never values', () => {
    let thrown: unknown;
    try {
      toRdkafkaSettings({ 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'PLAIN', 'sasl.jaas.config': 'x required password="hunter2-s3cret"' });
    } catch (err) {
      thrown = err;
    }
    expect(isKmirrorError(thrown)).toBe(true);
    const text = JSON.stringify({ message: (thrown as Error).message, details: (thrown as { details: unknown }).details });
    expect(text).toMatch(/sasl\.jaas\.config: not a valid JAAS config/);
    expect(text).not.toContain('hunter2');
  });

  it('translates a properties object once, and hands out copies', () => {
    const properties = { 'security.protocol': 'SSL', 'ssl.truststore.location': m.path('trust.jks') };
    expect(translateClientSettings(properties)).toBe(translateClientSettings(properties));
    const first = toRdkafkaSettings(properties).settings;
    delete first['ssl.ca.pem'];
    expect(toRdkafkaSettings(properties).settings['ssl.ca.pem']).toBeDefined();
  });
});
