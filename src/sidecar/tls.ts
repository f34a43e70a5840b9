import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * HTTPS for the sidecar: `kmirror.sidecar.tls.cert` and `kmirror.sidecar.tls.key` (PEM files,
 * the key optionally encrypted with `kmirror.sidecar.tls.key.password`), and
 * `kmirror.sidecar.tls.ca` to require client certificates. Paths are read as given, relative to
 * the working directory (as Kafka's `ssl.*.location`). The files are read and checked when the
 * configuration is read (readSidecarTls, for every problem at once, each naming its setting) and
 * read again when the sidecar starts.
 */

/** The settings this reads, by name (a subset of ProcessSettings). */
export interface SidecarTlsSettings {
  readonly 'kmirror.sidecar.tls.cert'?: string | undefined;
  readonly 'kmirror.sidecar.tls.key'?: string | undefined;
  readonly 'kmirror.sidecar.tls.key.password'?: string | undefined;
  readonly 'kmirror.sidecar.tls.ca'?: string | undefined;
}

export type SidecarTlsKey = keyof SidecarTlsSettings;

/** What node's HTTPS server is given. */
export interface SidecarTls {
  /** PEM: the server certificate, then any intermediates. */
  readonly cert: string;
  /** PEM private key, possibly encrypted (then `passphrase` decrypts it). */
  readonly key: string;
  readonly passphrase?: string;
  /** PEM CA certificates: when present, clients must present a certificate signed by one of them. */
  readonly ca?: string;
}

export interface SidecarTlsProblem {
  readonly severity: 'error' | 'warning';
  /** The setting at fault. */
  readonly key: SidecarTlsKey;
  /** Never quotes the password, nor anything read from the key file. */
  readonly message: string;
}

const CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const PRIVATE_KEY = /-----BEGIN ((?:RSA |EC |ENCRYPTED |DSA )?PRIVATE KEY)-----/;

/**
 * The sidecar's TLS material, or what is wrong with it: undefined `tls` (and no problem) when TLS
 * is not configured. Checks that both files are set, readable and PEM, that the key decrypts with
 * the password (and needs one only when encrypted), that it is the certificate's key, and warns
 * about a certificate that has expired or is not valid yet.
 */
export function readSidecarTls(settings: SidecarTlsSettings, now = Date.now()): { tls?: SidecarTls; problems: SidecarTlsProblem[] } {
  const problems: SidecarTlsProblem[] = [];
  const error = (key: SidecarTlsKey, message: string) => problems.push({ severity: 'error', key, message });
  const certPath = settings['kmirror.sidecar.tls.cert'];
  const keyPath = settings['kmirror.sidecar.tls.key'];
  const password = settings['kmirror.sidecar.tls.key.password'];
  const caPath = settings['kmirror.sidecar.tls.ca'];
  if (certPath === undefined && keyPath === undefined) {
    if (password !== undefined) error('kmirror.sidecar.tls.key.password', 'is set without kmirror.sidecar.tls.key: set the key (and its certificate) or remove the password');
    if (caPath !== undefined) error('kmirror.sidecar.tls.ca', 'asks for client certificates, which needs HTTPS: set kmirror.sidecar.tls.cert and kmirror.sidecar.tls.key');
    return { problems };
  }
  if (certPath === undefined) error('kmirror.sidecar.tls.cert', 'is required with kmirror.sidecar.tls.key: the PEM file of the certificate the sidecar serves');
  if (keyPath === undefined) error('kmirror.sidecar.tls.key', 'is required with kmirror.sidecar.tls.cert: the PEM file of the certificate\'s private key');

  let cert: string | undefined;
  let leaf: X509Certificate | undefined;
  if (certPath !== undefined) {
    cert = readText('kmirror.sidecar.tls.cert', certPath, problems);
    if (cert !== undefined) {
      const blocks = cert.match(CERTIFICATE);
      try {
        if (!blocks) throw new Error('no certificate');
        leaf = new X509Certificate(blocks[0]);
      } catch {
        error('kmirror.sidecar.tls.cert', `'${certPath}' is not a PEM certificate (-----BEGIN CERTIFICATE----- …)`);
        cert = undefined;
      }
    }
    if (leaf) {
      const from = Date.parse(leaf.validFrom);
      const to = Date.parse(leaf.validTo);
      if (to < now) problems.push({ severity: 'warning', key: 'kmirror.sidecar.tls.cert', message: `the certificate in '${certPath}' expired on ${leaf.validTo}: clients will refuse it` });
      else if (from > now) problems.push({ severity: 'warning', key: 'kmirror.sidecar.tls.cert', message: `the certificate in '${certPath}' is not valid before ${leaf.validFrom}: clients will refuse it until then` });
    }
  }

  let key: string | undefined;
  let keyObject: KeyObject | undefined;
  if (keyPath !== undefined) {
    key = readText('kmirror.sidecar.tls.key', keyPath, problems);
    const kind = key === undefined ? undefined : PRIVATE_KEY.exec(key)?.[1];
    if (key !== undefined && kind === undefined) {
      error('kmirror.sidecar.tls.key', `'${keyPath}' is not a PEM private key (-----BEGIN PRIVATE KEY----- …)`);
      key = undefined;
    }
    if (key !== undefined) {
      // A key with a password it does not need is still read by node; say so rather than guess.
      const encrypted = kind === 'ENCRYPTED PRIVATE KEY' || /^Proc-Type: 4,ENCRYPTED$/m.test(key);
      if (encrypted && password === undefined) {
        error('kmirror.sidecar.tls.key', `'${keyPath}' is encrypted: set kmirror.sidecar.tls.key.password`);
        key = undefined;
      } else {
        try {
          keyObject = createPrivateKey({ key, format: 'pem', ...(password !== undefined && { passphrase: password }) });
        } catch {
          if (encrypted) error('kmirror.sidecar.tls.key.password', `does not decrypt the key in '${keyPath}'`);
          else error('kmirror.sidecar.tls.key', `'${keyPath}' holds no private key node can read (PEM PKCS#8, PKCS#1 or SEC1)`);
          key = undefined;
        }
        if (keyObject && !encrypted && password !== undefined) {
          problems.push({ severity: 'warning', key: 'kmirror.sidecar.tls.key.password', message: `'${keyPath}' is not encrypted: the password is not used` });
        }
      }
    }
  }
  if (leaf && keyObject && !leaf.checkPrivateKey(keyObject)) {
    error('kmirror.sidecar.tls.key', `'${keyPath}' is not the private key of the certificate in '${certPath}'`);
  }

  let ca: string | undefined;
  if (caPath !== undefined) {
    ca = readText('kmirror.sidecar.tls.ca', caPath, problems);
    if (ca !== undefined) {
      let good = false;
      try {
        const blocks = ca.match(CERTIFICATE) ?? [];
        for (const block of blocks) new X509Certificate(block);
        good = blocks.length > 0;
      } catch {
        good = false;
      }
      if (!good) {
        error('kmirror.sidecar.tls.ca', `'${caPath}' is not a PEM file of CA certificates (-----BEGIN CERTIFICATE----- …)`);
        ca = undefined;
      }
    }
  }

  if (problems.some((p) => p.severity === 'error') || cert === undefined || key === undefined) return { problems };
  return {
    tls: { cert, key, ...(password !== undefined && { passphrase: password }), ...(ca !== undefined && { ca }) },
    problems,
  };
}

function readText(key: SidecarTlsKey, path: string, problems: SidecarTlsProblem[]): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file'
      : code === 'EACCES' || code === 'EPERM' ? 'permission denied'
        : code === 'EISDIR' ? 'a directory, not a file'
          : code ?? 'unreadable';
    problems.push({ severity: 'error', key, message: `cannot read '${path}' (${why})` });
    return undefined;
  }
}
