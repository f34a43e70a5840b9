import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { ErrorCodes, KmirrorError } from '../errors.js';

const run = promisify(execFile);

/**
 * A throwaway certificate authority for local secured clusters, made at test time with the
 * `openssl` and `keytool` programs: a CA, and certificates it signs for brokers (server) and
 * users (client, their CN is the user name), each in every form a Kafka operator meets: PEM files,
 * a Kafka PEM keystore file (encrypted PKCS#8 key + chain), PKCS12 and JKS keystores, and the CA
 * as PEM, PKCS12 and JKS truststores. Files holding a private key are mode 0600.
 */

/** The CA: a self-signed certificate, and the truststores that trust it. */
export interface CaFiles {
  readonly dir: string;
  /** CA certificate (PEM): librdkafka's ssl.ca.location, a Java PEM truststore. */
  readonly certPem: string;
  /** CA private key (PEM, unencrypted, 0600). */
  readonly keyPem: string;
  readonly truststorePkcs12: string;
  readonly truststoreJks: string;
  /** Password of both truststores. */
  readonly truststorePassword: string;
}

/** A certificate the CA signed, with its key, in every form. */
export interface CertificateFiles {
  readonly name: string;
  /** Subject, e.g. `CN=replicator,O=kmirror-test` (as Java prints it). */
  readonly subject: string;
  /** Leaf certificate (PEM). */
  readonly certPem: string;
  /** Leaf certificate then the CA certificate (PEM). */
  readonly chainPem: string;
  /** Private key, PKCS#8 PEM, unencrypted (0600). */
  readonly keyPem: string;
  /** Private key, PKCS#8 PEM, encrypted with `password` (PBE-SHA1-3DES, which Java and OpenSSL both read) (0600). */
  readonly encryptedKeyPem: string;
  /** Kafka's PEM keystore file (`ssl.keystore.type=PEM`): the encrypted key, then the chain (0600). */
  readonly keystorePem: string;
  /** PKCS12 keystore: key and chain, store and key password `password` (0600). */
  readonly keystorePkcs12: string;
  /** JKS keystore: key and chain, store and key password `password` (0600). */
  readonly keystoreJks: string;
  /** Password of the keystores and of the encrypted key. */
  readonly password: string;
  /** Alias of the key entry in the PKCS12 and JKS keystores. */
  readonly alias: string;
}

export interface IssueOptions {
  /** `server`: a broker's certificate (SAN localhost and 127.0.0.1); `client`: a user's. */
  readonly kind: 'server' | 'client';
  /** Subject alternative names of a server certificate; default DNS:localhost and IP:127.0.0.1. */
  readonly altNames?: readonly string[];
  /** An already expired certificate (its notAfter is a day before its notBefore). */
  readonly expired?: boolean;
  /** Validity in days (default 30). */
  readonly days?: number;
  /** Keystore/key password; random when absent. */
  readonly password?: string;
}

/** Random password made of [A-Za-z0-9_-]: safe in JAAS, properties files and command lines. */
export function randomPassword(bytes = 18): string {
  return randomBytes(bytes).toString('base64url');
}

export class CertificateAuthority {
  private constructor(readonly files: CaFiles, private readonly keytool: string) {}

  /** Makes a CA under `dir` (created). `keytool` is the keytool binary (next to java). */
  static async create(dir: string, options: { keytool: string; name?: string }): Promise<CertificateAuthority> {
    await mkdir(dir, { recursive: true });
    const certPem = join(dir, 'ca.pem');
    const keyPem = join(dir, 'ca.key');
    const truststorePassword = randomPassword();
    await openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPem, '-out', certPem, '-days', '365',
      '-subj', `/O=kmirror-test/CN=${options.name ?? 'kmirror-test-ca'}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    await chmod(keyPem, 0o600);
    const files: CaFiles = {
      dir, certPem, keyPem, truststorePassword,
      truststorePkcs12: join(dir, 'truststore.p12'),
      truststoreJks: join(dir, 'truststore.jks'),
    };
    const importCa = (store: string, type: string) => tool(options.keytool, ['-importcert', '-noprompt', '-alias', 'kmirror-ca',
      '-file', certPem, '-keystore', store, '-storetype', type, '-storepass', truststorePassword]);
    await Promise.all([importCa(files.truststorePkcs12, 'PKCS12'), importCa(files.truststoreJks, 'JKS')]);
    return new CertificateAuthority(files, options.keytool);
  }

  /**
   * Issues a certificate for `name` (its CN) into `dir`/<file prefix>.*: key, certificate, chain,
   * encrypted key, PEM/PKCS12/JKS keystores.
   */
  async issue(name: string, dir: string, options: IssueOptions): Promise<CertificateFiles> {
    await mkdir(dir, { recursive: true });
    const base = join(dir, name);
    const password = options.password ?? randomPassword();
    const files: CertificateFiles = {
      name,
      subject: `CN=${name},O=kmirror-test`,
      certPem: `${base}.cert.pem`,
      chainPem: `${base}.chain.pem`,
      keyPem: `${base}.key.pem`,
      encryptedKeyPem: `${base}.key.enc.pem`,
      keystorePem: `${base}.keystore.pem`,
      keystorePkcs12: `${base}.keystore.p12`,
      keystoreJks: `${base}.keystore.jks`,
      password,
      alias: name.toLowerCase(),
    };
    const csr = `${base}.csr`;
    const ext = `${base}.ext`;
    const extensions = ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment'];
    if (options.kind === 'server') {
      extensions.push('extendedKeyUsage=serverAuth,clientAuth',
        `subjectAltName=${(options.altNames ?? ['DNS:localhost', 'IP:127.0.0.1']).join(',')}`);
    } else {
      extensions.push('extendedKeyUsage=clientAuth');
    }
    await writeFile(ext, extensions.join('\n') + '\n');
    // The key is written 0600 from the start (umask), then certified.
    await openssl(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', files.keyPem, '-out', csr,
      // O first, CN last: Java prints it (RFC 2253) as CN=<name>,O=kmirror-test.
      '-subj', `/O=kmirror-test/CN=${name}`], { umask: 0o077 });
    await openssl(['x509', '-req', '-in', csr, '-CA', this.files.certPem, '-CAkey', this.files.keyPem,
      '-set_serial', `0x${randomBytes(8).toString('hex')}`, '-days', options.expired ? '-1' : String(options.days ?? 30),
      '-extfile', ext, '-out', files.certPem]);
    await rm(csr, { force: true });
    await rm(ext, { force: true });
    const caPem = await readFile(this.files.certPem, 'utf8');
    const certPem = await readFile(files.certPem, 'utf8');
    await writeFile(files.chainPem, certPem + caPem);
    await openssl(['pkcs8', '-topk8', '-in', files.keyPem, '-out', files.encryptedKeyPem, '-v1', 'PBE-SHA1-3DES',
      '-passout', `pass:${password}`], { umask: 0o077 });
    await writeFile(files.keystorePem, (await readFile(files.encryptedKeyPem, 'utf8')) + certPem + caPem, { mode: 0o600 });
    await openssl(['pkcs12', '-export', '-in', files.certPem, '-inkey', files.keyPem, '-certfile', this.files.certPem,
      '-name', files.alias, '-out', files.keystorePkcs12, '-passout', `pass:${password}`], { umask: 0o077 });
    await tool(this.keytool, ['-importkeystore', '-noprompt', '-srckeystore', files.keystorePkcs12, '-srcstoretype', 'PKCS12',
      '-srcstorepass', password, '-destkeystore', files.keystoreJks, '-deststoretype', 'JKS', '-deststorepass', password,
      '-destkeypass', password]);
    for (const secret of [files.keyPem, files.encryptedKeyPem, files.keystorePem, files.keystorePkcs12, files.keystoreJks]) {
      await chmod(secret, 0o600);
    }
    return files;
  }
}

/** The keytool binary that belongs to `java` (a path, or `java` on PATH). */
export function keytoolFor(java: string): string {
  return java.includes('/') ? join(dirname(java), 'keytool') : 'keytool';
}

async function openssl(args: string[], options: { umask?: number } = {}): Promise<void> {
  // execFile has no umask option: a shell sets it for the one command.
  const [command, argv] = options.umask === undefined
    ? ['openssl', args]
    : ['/bin/sh', ['-c', `umask ${options.umask.toString(8).padStart(3, '0')} && exec openssl "$@"`, 'openssl', ...args]];
  await execTool(command, argv, 'openssl');
}

async function tool(keytool: string, args: string[]): Promise<void> {
  await execTool(keytool, ['-J-Xshare:auto', '-J-XX:TieredStopAtLevel=1', ...args], 'keytool');
}

async function execTool(command: string, args: readonly string[], name: string): Promise<string> {
  try {
    return (await run(command, args, { maxBuffer: 4 * 1024 * 1024 })).stdout;
  } catch (err) {
    const e = err as { code?: string; stderr?: string; message: string };
    if (e.code === 'ENOENT') {
      throw new KmirrorError(ErrorCodes.PREREQUISITE_MISSING,
        `${name} is not installed: secured local clusters make their certificates with openssl and keytool`, { cause: err });
    }
    // Arguments may hold passwords: the message names the program and its own error only.
    throw new KmirrorError(ErrorCodes.LOCAL_KAFKA, `${name} ${args.find((a) => !a.startsWith('-J')) ?? ''} failed: ` +
      (e.stderr?.trim().split('\n').slice(-3).join(' | ') || `exit ${e.code ?? '?'}`));
  }
}
