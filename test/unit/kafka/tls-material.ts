/**
 * Test-only TLS material (test/fixtures/tls, made by its make.sh with openssl and keytool), copied
 * into a temporary folder of the test's own (removed by `remove()`): a CA, a client certificate
 * with an RSA key and one with an EC key, and every store kmirror reads (JKS, PKCS12 from keytool
 * and from openssl, legacy PKCS12, PEM). Every name says test; every password is a throwaway.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../../src/paths.js';

/** The passwords make.sh gives the stores. */
export const PASSWORDS = {
  store: 'test-store-pw-1',
  key: 'test-key-pw-22',
  trust: 'test-trust-pw-333',
  pemKey: 'test-pem-key-pw-4444',
} as const;

export interface TlsMaterial {
  readonly dir: string;
  readonly path: (name: string) => string;
  readonly text: (name: string) => string;
  readonly remove: () => void;
}

export function makeTlsMaterial(): TlsMaterial {
  const dir = mkdtempSync(join(tmpdir(), 'kmirror-test-tls-'));
  cpSync(join(packageRoot, 'test', 'fixtures', 'tls'), dir, { recursive: true });
  return {
    dir,
    path: (name) => join(dir, name),
    text: (name) => readFileSync(join(dir, name), 'utf8'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The PEM key store file Kafka reads: private key and certificate chain together. */
export function pemKeyStoreText(material: TlsMaterial, encrypted: boolean): string {
  return material.text(encrypted ? 'client-enc.key' : 'client.key') + material.text('client.pem') + material.text('ca.pem');
}
