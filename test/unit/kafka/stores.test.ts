import { X509Certificate, createPrivateKey } from 'node:crypto';
import { copyFileSync, writeFileSync } from 'node:fs';
import forge from 'node-forge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readKeyStore, readTrustStore, StoreError, type KeyStoreInput, type TrustStoreInput } from '../../../src/kafka/stores.js';
import { makeTlsMaterial, PASSWORDS, pemKeyStoreText, type TlsMaterial } from './tls-material.js';

let m: TlsMaterial;
beforeAll(() => {
  m = makeTlsMaterial();
}, 60_000);
afterAll(() => m?.remove());

const subjects = (pem: string) => [...pem.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)]
  .map((c) => new X509Certificate(c[0]).subject.replace(/^CN=/, ''));

function storeError(read: () => unknown): StoreError {
  try {
    read();
  } catch (err) {
    if (err instanceof StoreError) return err;
    throw err;
  }
  throw new Error('the store was accepted');
}

/** Every secret these stores hold, none of which may appear in a message. */
const secrets = () => [...Object.values(PASSWORDS), m.text('client.key').split('\n')[1]!, m.dir];

describe('trust stores → ssl.ca.pem', () => {
  it.each([
    ['JKS with its password', { location: 'trust.jks', password: PASSWORDS.trust }, ['kmirror-test-ca', 'kmirror-test-other-ca'], true],
    ['JKS without a password (no integrity check, as Java)', { location: 'trust.jks' }, ['kmirror-test-ca', 'kmirror-test-other-ca'], true],
    ['PKCS12 (keytool)', { type: 'PKCS12', location: 'trust.p12', password: PASSWORDS.trust }, ['kmirror-test-ca']],
    ['PKCS12 read with type JKS (Java\'s keystore.type.compat)', { location: 'trust.p12', password: PASSWORDS.trust }, ['kmirror-test-ca']],
    ['PEM file', { type: 'PEM', location: 'ca.pem' }, ['kmirror-test-ca']],
    ['a key store used as a trust store: its certificates', { type: 'PKCS12', location: 'client-openssl.p12', password: PASSWORDS.store },
      ['kmirror-test-client', 'kmirror-test-ca']],
  ] as [string, TrustStoreInput, string[], boolean?][])('%s', (_, input, expected, anyOrder) => {
    const store = readTrustStore({ ...input, ...(input.location && { location: m.path(input.location) }) });
    expect(store.count).toBe(expected.length);
    // A JKS store keeps its entries in no particular order.
    expect(anyOrder ? subjects(store.caPem).sort() : subjects(store.caPem)).toEqual(expected);
  });

  it('PEM in the configuration (ssl.truststore.certificates), however the lines were joined', () => {
    const pem = m.text('ca.pem') + m.text('other-ca.pem');
    // A .properties continuation line joins lines with nothing or a blank between them.
    for (const written of [pem, pem.replace(/\n/g, ''), pem.replace(/\n/g, ' ')]) {
      expect(subjects(readTrustStore({ type: 'PEM', certificates: written }).caPem)).toEqual(['kmirror-test-ca', 'kmirror-test-other-ca']);
    }
  });

  it.each([
    ['wrong JKS password', { location: 'trust.jks', password: 'not-the-password' }, 'ssl.truststore.password', /wrong password/],
    ['wrong PKCS12 password', { type: 'PKCS12', location: 'trust.p12', password: 'not-the-password' }, 'ssl.truststore.password', /wrong password/],
    ['PKCS12 without a password', { type: 'PKCS12', location: 'trust.p12' }, 'ssl.truststore.password', /is required to read a PKCS12 store/],
    ['a missing file', { location: 'nope.jks' }, 'ssl.truststore.location', /does not exist/],
    ['a directory', { location: '.' }, 'ssl.truststore.location', /names a directory/],
    ['a PEM file read as JKS', { location: 'ca.pem' }, 'ssl.truststore.location', /is not a JKS store \(it is PEM: set ssl\.truststore\.type=PEM\)/],
    ['a JKS file read as PEM', { type: 'PEM', location: 'trust.jks' }, 'ssl.truststore.location', /is not a PEM file/],
    ['a password with PEM', { type: 'PEM', location: 'ca.pem', password: 'x' }, 'ssl.truststore.password', /cannot be set with a PEM trust store/],
    ['an unknown type', { type: 'BCFKS', location: 'trust.jks' }, 'ssl.truststore.type', /must be JKS, PKCS12 or PEM/],
    ['JCEKS', { type: 'JCEKS', location: 'trust.jks' }, 'ssl.truststore.type', /JCEKS stores are not supported/],
    ['certificates without type PEM', { certificates: 'x' }, 'ssl.truststore.certificates', /needs ssl\.truststore\.type=PEM/],
    ['certificates and a location', { type: 'PEM', certificates: 'x', location: 'ca.pem' }, 'ssl.truststore.certificates', /both set/],
    ['certificates that are not certificates', { type: 'PEM', certificates: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----' },
      'ssl.truststore.certificates', /certificate #1 is not a readable X\.509 certificate/],
    ['no certificate at all', { type: 'PEM', certificates: 'hello' }, 'ssl.truststore.certificates', /holds no PEM certificate/],
  ] as [string, TrustStoreInput, string, RegExp][])('refuses %s, naming the setting', (_, input, setting, message) => {
    const err = storeError(() => readTrustStore({ ...input, ...(input.location && { location: m.path(input.location) }) }));
    expect(err.setting).toBe(setting);
    expect(err.message).toMatch(message);
    for (const secret of secrets()) expect(err.message).not.toContain(secret);
  });

  it('reads a store again when its file changes', () => {
    const file = m.path('changing.jks');
    copyFileSync(m.path('trust.jks'), file);
    expect(readTrustStore({ location: file }).count).toBe(2);
    writeFileSync(file, 'not a store any more, and longer than before');
    expect(() => readTrustStore({ location: file })).toThrow(StoreError);
  });
});

describe('key stores → ssl.certificate.pem, ssl.key.pem', () => {
  const matches = (store: { certificatePem: string; keyPem: string; keyPassword?: string }) =>
    new X509Certificate(store.certificatePem).checkPrivateKey(createPrivateKey({ key: store.keyPem, ...(store.keyPassword && { passphrase: store.keyPassword }) }));

  it.each([
    ['JKS with a key password of its own', { location: 'client.jks', password: PASSWORDS.store, keyPassword: PASSWORDS.key }, 'kmirror-test-client'],
    ['JKS with an EC key', { location: 'ec.jks', password: PASSWORDS.store, keyPassword: PASSWORDS.key }, 'kmirror-test-ec'],
    ['PKCS12 from keytool (PBES2, AES-256, HMAC-SHA256)', { type: 'PKCS12', location: 'client-keytool.p12', password: PASSWORDS.store }, 'kmirror-test-client'],
    ['PKCS12 from openssl 3', { type: 'PKCS12', location: 'client-openssl.p12', password: PASSWORDS.store }, 'kmirror-test-client'],
    ['legacy PKCS12 (3DES, RC2)', { type: 'PKCS12', location: 'client-legacy.p12', password: PASSWORDS.store }, 'kmirror-test-client'],
    ['PKCS12 with an EC key', { type: 'PKCS12', location: 'ec-keytool.p12', password: PASSWORDS.store }, 'kmirror-test-ec'],
    ['PKCS12 read with type JKS', { location: 'client-openssl.p12', password: PASSWORDS.store }, 'kmirror-test-client'],
  ] as [string, KeyStoreInput, string][])('%s', (_, input, leaf) => {
    const store = readKeyStore({ ...input, location: m.path(input.location!) });
    expect(subjects(store.certificatePem)).toEqual([leaf, 'kmirror-test-ca']);
    expect(store.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(store.keyPassword).toBeUndefined();
    expect(store.warnings).toEqual([]);
    expect(matches(store)).toBe(true);
  });

  it('PEM file: key and chain together; an encrypted key stays encrypted, opened with ssl.key.password', () => {
    const plainFile = m.path('keystore.pem');
    writeFileSync(plainFile, pemKeyStoreText(m, false));
    const plain = readKeyStore({ type: 'PEM', location: plainFile });
    expect(subjects(plain.certificatePem)).toEqual(['kmirror-test-client', 'kmirror-test-ca']);
    expect(plain.keyPassword).toBeUndefined();
    const encryptedFile = m.path('keystore-enc.pem');
    writeFileSync(encryptedFile, pemKeyStoreText(m, true));
    const encrypted = readKeyStore({ type: 'PEM', location: encryptedFile, keyPassword: PASSWORDS.pemKey });
    expect(encrypted.keyPem).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    expect(encrypted.keyPassword).toBe(PASSWORDS.pemKey);
    expect(matches(encrypted)).toBe(true);
  });

  it('PEM in the configuration (ssl.keystore.key, ssl.keystore.certificate.chain): the client certificate goes first', () => {
    const chain = (m.text('ca.pem') + m.text('client.pem')).replace(/\n/g, ' ');
    const store = readKeyStore({ type: 'PEM', key: m.text('client-enc.key').replace(/\n/g, ''), certificateChain: chain, keyPassword: PASSWORDS.pemKey });
    expect(subjects(store.certificatePem)).toEqual(['kmirror-test-client', 'kmirror-test-ca']);
    expect(matches(store)).toBe(true);
    const unencrypted = readKeyStore({ type: 'PEM', key: m.text('client.key'), certificateChain: chain, keyPassword: 'unused' });
    expect(unencrypted.warnings).toEqual([{ setting: 'ssl.key.password', message: 'has no effect: the private key is not encrypted' }]);
  });

  it.each([
    ['wrong JKS store password', { location: 'client.jks', password: 'not-the-password', keyPassword: PASSWORDS.key }, 'ssl.keystore.password', /wrong password/],
    ['wrong JKS key password', { location: 'client.jks', password: PASSWORDS.store, keyPassword: 'not-the-password' }, 'ssl.key.password', /cannot decrypt the private key of alias 'client': wrong password/],
    ['a JKS key password missing (the store password tried)', { location: 'client.jks', password: PASSWORDS.store }, 'ssl.keystore.password', /cannot decrypt the private key/],
    ['wrong PKCS12 password', { type: 'PKCS12', location: 'client-keytool.p12', password: 'not-the-password' }, 'ssl.keystore.password', /wrong password/],
    ['no store password', { type: 'PKCS12', location: 'client-keytool.p12' }, 'ssl.keystore.password', /is required/],
    ['a trust store as a key store', { location: 'trust.jks', password: PASSWORDS.trust }, 'ssl.keystore.location', /holds no private key entry/],
    ['a missing file', { location: 'nope.p12', password: 'x' }, 'ssl.keystore.location', /does not exist/],
    ['a key store password with PEM', { type: 'PEM', location: 'ca.pem', password: 'x' }, 'ssl.keystore.password', /only ssl\.key\.password/],
    ['a PEM file without a key', { type: 'PEM', location: 'ca.pem' }, 'ssl.keystore.location', /holds no PEM private key/],
  ] as [string, KeyStoreInput, string, RegExp][])('refuses %s, naming the setting', (_, input, setting, message) => {
    const err = storeError(() => readKeyStore({ ...input, ...(input.location && { location: m.path(input.location) }) }));
    expect(err.setting).toBe(setting);
    expect(err.message).toMatch(message);
    for (const secret of secrets()) expect(err.message).not.toContain(secret);
  });

  it.each([
    ['an encrypted key without ssl.key.password', { key: 'client-enc.key', chain: 'client.pem' }, 'ssl.key.password', /is required: the private key is encrypted/],
    ['an encrypted key with the wrong password', { key: 'client-enc.key', chain: 'client.pem', keyPassword: 'not-it' }, 'ssl.key.password', /wrong password/],
    ['a chain without the key\'s certificate', { key: 'client.key', chain: 'ec.pem' }, 'ssl.keystore.certificate.chain', /holds no certificate for the private key/],
    ['a key that is not a key', { keyText: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----', chain: 'client.pem' }, 'ssl.keystore.key', /holds no readable private key/],
    ['a key without its chain', { key: 'client.key' }, 'ssl.keystore.key', /without ssl\.keystore\.certificate\.chain/],
    ['a key with type JKS', { key: 'client.key', chain: 'client.pem', type: 'JKS' }, 'ssl.keystore.key', /needs ssl\.keystore\.type=PEM/],
  ] as [string, { key?: string; keyText?: string; chain?: string; keyPassword?: string; type?: string }, string, RegExp][])(
    'refuses PEM in the configuration with %s', (_, c, setting, message) => {
      const err = storeError(() => readKeyStore({
        type: c.type ?? 'PEM',
        key: c.keyText ?? m.text(c.key!),
        ...(c.chain && { certificateChain: m.text(c.chain) }),
        ...(c.keyPassword && { keyPassword: c.keyPassword }),
      }));
      expect(err.setting).toBe(setting);
      expect(err.message).toMatch(message);
      for (const secret of secrets()) expect(err.message).not.toContain(secret);
    });

  it('warns when the client certificate has expired', () => {
    // A certificate for the client key that ended in 2020, signed by the test CA.
    const cert = forge.pki.createCertificate();
    cert.publicKey = forge.pki.setRsaPublicKey(
      (forge.pki.privateKeyFromPem(m.text('client.key')) as forge.pki.rsa.PrivateKey).n, (forge.pki.privateKeyFromPem(m.text('client.key')) as forge.pki.rsa.PrivateKey).e);
    cert.serialNumber = '0a';
    cert.validity.notBefore = new Date('2020-01-01T00:00:00Z');
    cert.validity.notAfter = new Date('2020-01-02T00:00:00Z');
    cert.setSubject([{ name: 'commonName', value: 'kmirror-test-expired' }]);
    cert.setIssuer([{ name: 'commonName', value: 'kmirror-test-ca' }]);
    cert.sign(forge.pki.privateKeyFromPem(m.text('ca.key')), forge.md.sha256.create());
    const store = readKeyStore({ type: 'PEM', key: m.text('client.key'), certificateChain: forge.pki.certificateToPem(cert) });
    expect(store.warnings).toEqual([{ setting: 'ssl.keystore.certificate.chain', message: expect.stringMatching(/expired on 2020-01-02.*brokers will refuse it/) }]);
  });
});
