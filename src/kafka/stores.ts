/**
 * Java trust stores and key stores (`ssl.truststore.*`, `ssl.keystore.*`, `ssl.key.password`) as
 * librdkafka takes them: PEM text held in memory (`ssl.ca.pem`, `ssl.certificate.pem`,
 * `ssl.key.pem`). Nothing is written to disk.
 *
 * Formats, as Kafka's DefaultSslEngineFactory reads them:
 *   JKS and PKCS12   a file (ssl.*store.location); either type reads either format, as Java's
 *                    keystore.type.compat does. JKS through jks-js, PKCS12 through node-forge.
 *   PEM              a file, or the text itself: ssl.truststore.certificates,
 *                    ssl.keystore.certificate.chain with ssl.keystore.key. A PEM key may be
 *                    encrypted (PKCS#8), opened with ssl.key.password.
 * Every certificate and key is then read by Node's own crypto (X509Certificate, createPrivateKey),
 * which also checks that the key belongs to the certificate.
 *
 * A store that cannot be used is a StoreError naming the setting at fault; messages never hold a
 * password, a key, or the store's path (which may come from a config provider, so a secret).
 */
import { createHash, createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import forge from 'node-forge';
import { parseJks, decrypt as decryptJksKey } from 'jks-js';

export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    /** The Java setting at fault, e.g. `ssl.truststore.password`. */
    readonly setting: string,
    message: string,
  ) {
    super(message);
  }
}

export interface StoreWarning {
  readonly setting: string;
  readonly message: string;
}

export interface TrustStoreInput {
  /** ssl.truststore.type: JKS (Kafka's default), PKCS12 or PEM. */
  readonly type?: string;
  readonly location?: string;
  readonly password?: string;
  /** ssl.truststore.certificates: PEM certificates written in the configuration (type PEM). */
  readonly certificates?: string;
}

export interface TrustStore {
  /** Every trusted certificate, PEM, one after the other: librdkafka's ssl.ca.pem. */
  readonly caPem: string;
  readonly count: number;
}

export interface KeyStoreInput {
  /** ssl.keystore.type: JKS (Kafka's default), PKCS12 or PEM. */
  readonly type?: string;
  readonly location?: string;
  readonly password?: string;
  /** ssl.key.password: the key's own password (Kafka: the store password when absent). */
  readonly keyPassword?: string;
  /** ssl.keystore.certificate.chain and ssl.keystore.key: the PEM key store written in the configuration. */
  readonly certificateChain?: string;
  readonly key?: string;
}

export interface KeyStore {
  /** The client certificate first, then the rest of its chain: librdkafka's ssl.certificate.pem. */
  readonly certificatePem: string;
  /** The private key, PEM: librdkafka's ssl.key.pem. */
  readonly keyPem: string;
  /** Set when keyPem is encrypted: librdkafka's ssl.key.password. */
  readonly keyPassword?: string;
  readonly warnings: readonly StoreWarning[];
}

type StoreType = 'JKS' | 'PKCS12' | 'PEM';

function storeType(type: string | undefined, setting: string): StoreType {
  const t = (type ?? 'JKS').trim().toUpperCase();
  if (t === 'JKS' || t === 'PKCS12' || t === 'PEM') return t;
  if (t === 'JCEKS') throw new StoreError(setting, 'JCEKS stores are not supported: convert with keytool -importkeystore -deststoretype PKCS12');
  throw new StoreError(setting, 'must be JKS, PKCS12 or PEM');
}

// ---- caching: a store read once per content, whatever number of clients share it ------------------

const cache = new Map<string, unknown>();

function fileStamp(location: string | undefined): string {
  if (location === undefined) return '';
  try {
    const s = statSync(location);
    return `${s.mtimeMs}:${s.size}:${s.ino}`;
  } catch {
    return 'missing';
  }
}

function cached<T>(kind: string, input: object, location: string | undefined, read: () => T): T {
  const key = createHash('sha256').update(JSON.stringify([kind, input, fileStamp(location)])).digest('hex');
  if (cache.has(key)) {
    const hit = cache.get(key);
    if (hit instanceof StoreError) throw hit;
    return hit as T;
  }
  try {
    const value = read();
    cache.set(key, value);
    return value;
  } catch (err) {
    if (err instanceof StoreError) cache.set(key, err);
    throw err;
  }
}

// ---- reading --------------------------------------------------------------------------------------

function readStoreFile(location: string, setting: string): Buffer {
  try {
    return readFileSync(location);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'the file does not exist'
      : code === 'EACCES' || code === 'EPERM' ? 'the file cannot be read (permission denied)'
        : code === 'EISDIR' ? 'it names a directory, not a file'
          : `the file cannot be read (${code ?? 'error'})`;
    throw new StoreError(setting, why);
  }
}

type FileFormat = 'JKS' | 'JCEKS' | 'PKCS12' | 'PEM' | 'unknown';

function sniff(bytes: Buffer): FileFormat {
  if (bytes.length >= 4) {
    const magic = bytes.readUInt32BE(0);
    if (magic === 0xfeedfeed) return 'JKS';
    if (magic === 0xcececece) return 'JCEKS';
  }
  if (bytes.length > 0 && bytes[0] === 0x30) return 'PKCS12';
  if (bytes.toString('latin1').includes('-----BEGIN ')) return 'PEM';
  return 'unknown';
}

interface PemBlock {
  readonly label: string;
  /** The block as PEM text with proper line breaks. */
  readonly pem: string;
}

/**
 * PEM blocks in text, however the lines were joined: a certificate written in a .properties file
 * with continuation lines arrives as one line. Kafka reads it the same way (base64 between markers).
 */
function pemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const match of text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g)) {
    const label = match[1]!;
    const body = match[2]!;
    if (body.includes(':')) {
      // RFC 1421 headers (a traditionally encrypted key): keep the lines as written.
      blocks.push({ label, pem: `-----BEGIN ${label}-----\n${body.trim()}\n-----END ${label}-----\n` });
    } else {
      const base64 = body.replace(/\s+/g, '');
      blocks.push({ label, pem: `-----BEGIN ${label}-----\n${base64.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END ${label}-----\n` });
    }
  }
  return blocks;
}

function certificate(source: string | Buffer, setting: string, which: string): X509Certificate {
  try {
    return new X509Certificate(source);
  } catch {
    throw new StoreError(setting, `${which} is not a readable X.509 certificate`);
  }
}

function pemCertificates(text: string, setting: string): X509Certificate[] {
  const certs = pemBlocks(text).filter((b) => b.label === 'CERTIFICATE' || b.label === 'X509 CERTIFICATE' || b.label === 'TRUSTED CERTIFICATE');
  return certs.map((b, i) => certificate(b.pem, setting, `certificate #${i + 1}`));
}

function joinPem(certs: readonly X509Certificate[]): string {
  return certs.map((c) => c.toString().trim() + '\n').join('');
}

/** Java's JKS store through jks-js: trusted certificates, and key entries with their chains. */
function readJks(bytes: Buffer, password: string | undefined, setting: string, passwordSetting: string) {
  try {
    return parseJks(bytes, password ?? '');
  } catch (err) {
    const message = (err as Error).message;
    if (/password/i.test(message)) throw new StoreError(passwordSetting, 'wrong password: the store\'s integrity check fails');
    throw new StoreError(setting, 'not a readable JKS store');
  }
}

interface Pkcs12Contents {
  readonly keys: { der: Buffer; localKeyId?: string }[];
  readonly certs: { der: Buffer; localKeyId?: string }[];
}

/** A PKCS12 store through node-forge: its private keys (PKCS#8, decrypted) and certificates. */
function readPkcs12(bytes: Buffer, password: string | undefined, setting: string, passwordSetting: string): Pkcs12Contents {
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    const asn1 = forge.asn1.fromDer(forge.util.createBuffer(bytes.toString('binary')), false);
    p12 = forge.pkcs12.pkcs12FromAsn1(asn1, false, password ?? '');
  } catch (err) {
    const message = (err as Error).message;
    if (/MAC could not be verified|password/i.test(message)) {
      throw new StoreError(passwordSetting, password === undefined
        ? 'is required to read a PKCS12 store (its contents are protected by it)'
        : 'wrong password: the store\'s integrity check fails');
    }
    throw new StoreError(setting, 'not a readable PKCS12 store');
  }
  const localKeyId = (bag: forge.pkcs12.Bag): string | undefined => {
    const id = (bag.attributes as Record<string, string[] | undefined>).localKeyId?.[0];
    return id === undefined ? undefined : forge.util.bytesToHex(id);
  };
  const der = (asn1: forge.asn1.Asn1): Buffer => Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
  const keys: Pkcs12Contents['keys'] = [];
  const certs: Pkcs12Contents['certs'] = [];
  for (const content of p12.safeContents) {
    for (const bag of content.safeBags) {
      if (bag.type === forge.pki.oids.pkcs8ShroudedKeyBag || bag.type === forge.pki.oids.keyBag) {
        const asn1 = bag.key ? forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(bag.key)) : bag.asn1;
        if (asn1) keys.push({ der: der(asn1), localKeyId: localKeyId(bag) });
      } else if (bag.type === forge.pki.oids.certBag) {
        const asn1 = bag.cert ? forge.pki.certificateToAsn1(bag.cert) : bag.asn1;
        if (asn1) certs.push({ der: der(asn1), localKeyId: localKeyId(bag) });
      }
    }
  }
  return { keys, certs };
}

/** The trust store's certificates, PEM. */
export function readTrustStore(input: TrustStoreInput): TrustStore {
  return cached('trust', input, input.location, () => readTrustStoreNow(input));
}

function readTrustStoreNow(input: TrustStoreInput): TrustStore {
  const type = storeType(input.type, 'ssl.truststore.type');
  let certs: X509Certificate[];
  if (input.certificates !== undefined) {
    if (type !== 'PEM') throw new StoreError('ssl.truststore.certificates', 'needs ssl.truststore.type=PEM (Kafka refuses it with any other type)');
    if (input.location !== undefined) throw new StoreError('ssl.truststore.certificates', 'and ssl.truststore.location are both set: keep one');
    if (input.password !== undefined) throw new StoreError('ssl.truststore.password', 'cannot be set with a PEM trust store (Kafka refuses it)');
    certs = pemCertificates(input.certificates, 'ssl.truststore.certificates');
    if (certs.length === 0) throw new StoreError('ssl.truststore.certificates', 'holds no PEM certificate (-----BEGIN CERTIFICATE-----)');
  } else if (input.location !== undefined) {
    const bytes = readStoreFile(input.location, 'ssl.truststore.location');
    const format = sniff(bytes);
    if (type === 'PEM') {
      if (input.password !== undefined) throw new StoreError('ssl.truststore.password', 'cannot be set with a PEM trust store (Kafka refuses it)');
      if (format !== 'PEM') throw new StoreError('ssl.truststore.location', 'is not a PEM file, as ssl.truststore.type=PEM says');
      certs = pemCertificates(bytes.toString('utf8'), 'ssl.truststore.location');
    } else if (format === 'JKS') {
      certs = [];
      for (const entry of readJks(bytes, input.password, 'ssl.truststore.location', 'ssl.truststore.password')) {
        // Java trusts trusted-certificate entries and the first certificate of each key entry.
        const cert = 'cert' in entry ? entry.cert : entry.chain[0];
        if (cert) certs.push(certificate(cert.value, 'ssl.truststore.location', `the certificate of alias '${entry.alias}'`));
      }
    } else if (format === 'PKCS12') {
      certs = readPkcs12(bytes, input.password, 'ssl.truststore.location', 'ssl.truststore.password').certs
        .map((c, i) => certificate(c.der, 'ssl.truststore.location', `certificate #${i + 1}`));
    } else if (format === 'JCEKS') {
      throw new StoreError('ssl.truststore.location', 'is a JCEKS store, which is not supported: convert with keytool -importkeystore -deststoretype PKCS12');
    } else {
      throw new StoreError('ssl.truststore.location', `is not a ${type} store${format === 'PEM' ? ' (it is PEM: set ssl.truststore.type=PEM)' : ''}`);
    }
    if (certs.length === 0) throw new StoreError('ssl.truststore.location', 'holds no certificate');
  } else {
    throw new StoreError('ssl.truststore.location', 'is not set');
  }
  return { caPem: joinPem(certs), count: certs.length };
}

/** The client certificate with its chain, and its private key, PEM. */
export function readKeyStore(input: KeyStoreInput): KeyStore {
  return cached('key', input, input.location, () => readKeyStoreNow(input));
}

function readKeyStoreNow(input: KeyStoreInput): KeyStore {
  const type = storeType(input.type, 'ssl.keystore.type');
  const warnings: StoreWarning[] = [];
  if (input.key !== undefined || input.certificateChain !== undefined) {
    const setting = input.key !== undefined ? 'ssl.keystore.key' : 'ssl.keystore.certificate.chain';
    if (type !== 'PEM') throw new StoreError(setting, 'needs ssl.keystore.type=PEM (Kafka refuses it with any other type)');
    if (input.key === undefined) throw new StoreError('ssl.keystore.certificate.chain', 'is set without ssl.keystore.key (the private key)');
    if (input.certificateChain === undefined) throw new StoreError('ssl.keystore.key', 'is set without ssl.keystore.certificate.chain');
    if (input.location !== undefined) throw new StoreError('ssl.keystore.key', 'and ssl.keystore.location are both set: keep one');
    if (input.password !== undefined) throw new StoreError('ssl.keystore.password', 'cannot be set with a PEM key store: only ssl.key.password (Kafka refuses it)');
    const certs = pemCertificates(input.certificateChain, 'ssl.keystore.certificate.chain');
    if (certs.length === 0) throw new StoreError('ssl.keystore.certificate.chain', 'holds no PEM certificate (-----BEGIN CERTIFICATE-----)');
    return pemKeyStore(input.key, 'ssl.keystore.key', certs, 'ssl.keystore.certificate.chain', input.keyPassword, warnings);
  }
  if (input.location === undefined) throw new StoreError('ssl.keystore.location', 'is not set');
  const bytes = readStoreFile(input.location, 'ssl.keystore.location');
  const format = sniff(bytes);
  if (type === 'PEM') {
    if (input.password !== undefined) throw new StoreError('ssl.keystore.password', 'cannot be set with a PEM key store: only ssl.key.password (Kafka refuses it)');
    if (format !== 'PEM') throw new StoreError('ssl.keystore.location', 'is not a PEM file, as ssl.keystore.type=PEM says');
    const text = bytes.toString('utf8');
    const certs = pemCertificates(text, 'ssl.keystore.location');
    if (certs.length === 0) throw new StoreError('ssl.keystore.location', 'holds no certificate (a PEM key store holds the private key and its certificate chain)');
    return pemKeyStore(text, 'ssl.keystore.location', certs, 'ssl.keystore.location', input.keyPassword, warnings);
  }
  const keyPassword = input.keyPassword ?? input.password;
  const keyPasswordSetting = input.keyPassword !== undefined ? 'ssl.key.password' : 'ssl.keystore.password';
  if (format === 'JKS') {
    if (input.password === undefined) throw new StoreError('ssl.keystore.password', 'is required to read a key store');
    const entries = readJks(bytes, input.password, 'ssl.keystore.location', 'ssl.keystore.password');
    const keyEntries = entries.filter((e) => 'protectedPrivateKey' in e);
    if (keyEntries.length === 0) throw new StoreError('ssl.keystore.location', 'holds no private key entry');
    if (keyEntries.length > 1) {
      warnings.push({ setting: 'ssl.keystore.location', message: `holds ${keyEntries.length} private keys: kmirror uses the first one, alias '${keyEntries[0]!.alias}'` });
    }
    const entry = keyEntries[0]!;
    let keyPem: string;
    try {
      keyPem = decryptJksKey(entry.protectedPrivateKey, keyPassword ?? '');
    } catch {
      throw new StoreError(keyPasswordSetting, `cannot decrypt the private key of alias '${entry.alias}': wrong password`);
    }
    const key = privateKey(keyPem, undefined, 'ssl.keystore.location');
    const chain = entry.chain.map((c, i) => certificate(c.value, 'ssl.keystore.location', `certificate #${i + 1} of alias '${entry.alias}'`));
    return finish(key, chain, 'ssl.keystore.location', undefined, undefined, warnings);
  }
  if (format === 'PKCS12') {
    if (input.password === undefined) throw new StoreError('ssl.keystore.password', 'is required to read a key store');
    let contents: Pkcs12Contents;
    try {
      contents = readPkcs12(bytes, input.password, 'ssl.keystore.location', 'ssl.keystore.password');
    } catch (err) {
      if (err instanceof StoreError && err.setting === 'ssl.keystore.location' && input.keyPassword !== undefined && input.keyPassword !== input.password) {
        throw new StoreError('ssl.key.password', 'differs from ssl.keystore.password, which a PKCS12 store read by kmirror cannot do: give its key the store\'s password');
      }
      throw err;
    }
    if (contents.keys.length === 0) throw new StoreError('ssl.keystore.location', 'holds no private key');
    if (contents.keys.length > 1) warnings.push({ setting: 'ssl.keystore.location', message: `holds ${contents.keys.length} private keys: kmirror uses the first one` });
    const first = contents.keys[0]!;
    const key = privateKey(first.der, undefined, 'ssl.keystore.location');
    const certs = contents.certs.map((c, i) => certificate(c.der, 'ssl.keystore.location', `certificate #${i + 1}`));
    return finish(key, certs, 'ssl.keystore.location', undefined, undefined, warnings);
  }
  if (format === 'JCEKS') {
    throw new StoreError('ssl.keystore.location', 'is a JCEKS store, which is not supported: convert with keytool -importkeystore -deststoretype PKCS12');
  }
  throw new StoreError('ssl.keystore.location', `is not a ${type} store${format === 'PEM' ? ' (it is PEM: set ssl.keystore.type=PEM)' : ''}`);
}

function privateKey(source: string | Buffer, passphrase: string | undefined, setting: string, passwordSetting = 'ssl.key.password'): KeyObject {
  try {
    return typeof source === 'string'
      ? createPrivateKey({ key: source, format: 'pem', ...(passphrase !== undefined && { passphrase }) })
      : createPrivateKey({ key: source, format: 'der', type: 'pkcs8' });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (/BAD_DECRYPT|PASSPHRASE|passphrase/i.test(`${code} ${(err as Error).message}`)) {
      throw new StoreError(passwordSetting, passphrase === undefined
        ? 'is required: the private key is encrypted'
        : 'cannot decrypt the private key: wrong password');
    }
    throw new StoreError(setting, 'holds no readable private key');
  }
}

function pemKeyStore(text: string, keySetting: string, certs: X509Certificate[], certSetting: string, keyPassword: string | undefined,
  warnings: StoreWarning[]): KeyStore {
  const keys = pemBlocks(text).filter((b) => /PRIVATE KEY$/.test(b.label));
  if (keys.length === 0) throw new StoreError(keySetting, 'holds no PEM private key (-----BEGIN PRIVATE KEY----- or ENCRYPTED PRIVATE KEY)');
  if (keys.length > 1) throw new StoreError(keySetting, `holds ${keys.length} private keys: a key store holds one`);
  const block = keys[0]!;
  const encrypted = block.label === 'ENCRYPTED PRIVATE KEY' || block.pem.includes('Proc-Type: 4,ENCRYPTED');
  if (!encrypted && keyPassword !== undefined) {
    warnings.push({ setting: 'ssl.key.password', message: 'has no effect: the private key is not encrypted' });
  }
  if (encrypted && keyPassword === undefined) throw new StoreError('ssl.key.password', 'is required: the private key is encrypted');
  const key = privateKey(block.pem, encrypted ? keyPassword : undefined, keySetting);
  // An encrypted key stays encrypted: librdkafka opens it with ssl.key.password.
  return finish(key, certs, certSetting, encrypted ? block.pem : undefined, encrypted ? keyPassword : undefined, warnings);
}

/** Puts the certificate of `key` first (the rest of the chain after it, as written) and checks expiry. */
function finish(key: KeyObject, certs: X509Certificate[], certSetting: string, keyPem: string | undefined, keyPassword: string | undefined,
  warnings: StoreWarning[]): KeyStore {
  const leaf = certs.findIndex((c) => {
    try {
      return c.checkPrivateKey(key);
    } catch {
      return false;
    }
  });
  if (leaf < 0) throw new StoreError(certSetting, 'holds no certificate for the private key');
  const chain = [certs[leaf]!, ...certs.filter((_, i) => i !== leaf)];
  const notAfter = new Date(chain[0]!.validTo);
  if (notAfter.getTime() < Date.now()) {
    warnings.push({ setting: certSetting, message: `the client certificate expired on ${notAfter.toISOString()}: brokers will refuse it` });
  }
  return {
    certificatePem: joinPem(chain),
    keyPem: keyPem ?? (key.export({ type: 'pkcs8', format: 'pem' }) as string),
    ...(keyPassword !== undefined && { keyPassword }),
    warnings,
  };
}
