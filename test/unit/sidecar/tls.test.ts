import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request, type RequestOptions } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { redactedView } from '../../../src/config/describe.js';
import { checkMirrorConfig, formatIssue, parseMirrorConfig } from '../../../src/config/mirror-config.js';
import { ErrorCodes, isKmirrorError } from '../../../src/errors.js';
import { silentLogger } from '../../../src/log.js';
import { LifecycleView } from '../../../src/sidecar/lifecycle-view.js';
import { startProcessSidecar } from '../../../src/sidecar/process-sidecar.js';
import { startSidecar } from '../../../src/sidecar/server.js';
import { readSidecarTls, type SidecarTls } from '../../../src/sidecar/tls.js';
import { FakeView } from './fake-view.js';

const TOKEN = 'tls-test-token-0123456789abcdef';
const KEY_PASSWORD = 'tls-key-pässword "quoted"';

/**
 * A CA, a server certificate for 127.0.0.1/localhost and a client certificate signed by it, the
 * server key also encrypted, and a key of another certificate: made with openssl for this run.
 */
interface Material {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  serverKeyEncrypted: string;
  clientCert: string;
  clientKey: string;
  otherKey: string;
  notPem: string;
}

function makeMaterial(): Material {
  const dir = mkdtempSync(join(tmpdir(), 'kmirror-sidecar-tls-'));
  const at = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=kmirror sidecar test CA');
  const sign = (name: string, subject: string, extensions: string) => {
    openssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
    writeFileSync(at(`${name}.ext`), extensions);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2',
      '-extfile', `${name}.ext`, '-out', `${name}.pem`);
  };
  sign('server', '/CN=localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  sign('client', '/CN=kmirror-probe', 'extendedKeyUsage=clientAuth\n');
  openssl('pkey', '-in', 'server.key', '-aes256', '-passout', `pass:${KEY_PASSWORD}`, '-out', 'server-encrypted.key');
  openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', 'other.key');
  writeFileSync(at('not-pem.txt'), 'this is not a certificate\n');
  return {
    dir, caCert: at('ca.pem'), serverCert: at('server.pem'), serverKey: at('server.key'),
    serverKeyEncrypted: at('server-encrypted.key'), clientCert: at('client.pem'), clientKey: at('client.key'),
    otherKey: at('other.key'), notPem: at('not-pem.txt'),
  };
}

let m: Material;
beforeAll(() => {
  m = makeMaterial();
});
afterAll(() => rmSync(m.dir, { recursive: true, force: true }));

/** GET over HTTPS with node's client (trusting the test CA; a client certificate when given). */
function get(url: string, options: RequestOptions = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca: readFileSync(m.caCert), agent: false, ...options }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const base = `clusters = A, B
A.bootstrap.servers = a:9092
B.bootstrap.servers = b:9092
A->B.enabled = true
`;
/** Issues of a file with these lines after the 4 of `base` (the first is line 5). */
const issuesOf = (lines: string[]) => checkMirrorConfig(base + lines.join('\n') + '\n').issues;
const errorsOf = (lines: string[]) => issuesOf(lines).filter((i) => i.severity === 'error');

describe('readSidecarTls', () => {
  it('gives nothing and no problem when TLS is not configured', () => {
    expect(readSidecarTls({})).toEqual({ problems: [] });
  });

  it('reads a certificate and its key, encrypted or not', () => {
    const plain = readSidecarTls({ 'kmirror.sidecar.tls.cert': m.serverCert, 'kmirror.sidecar.tls.key': m.serverKey });
    expect(plain.problems).toEqual([]);
    expect(plain.tls).toEqual({ cert: readFileSync(m.serverCert, 'utf8'), key: readFileSync(m.serverKey, 'utf8') });
    const encrypted = readSidecarTls({ 'kmirror.sidecar.tls.cert': m.serverCert, 'kmirror.sidecar.tls.key': m.serverKeyEncrypted,
      'kmirror.sidecar.tls.key.password': KEY_PASSWORD, 'kmirror.sidecar.tls.ca': m.caCert });
    expect(encrypted.problems).toEqual([]);
    expect(encrypted.tls).toMatchObject({ passphrase: KEY_PASSWORD, ca: readFileSync(m.caCert, 'utf8') });
  });

  it('warns about a certificate that has expired, or is not valid yet', () => {
    const settings = { 'kmirror.sidecar.tls.cert': m.serverCert, 'kmirror.sidecar.tls.key': m.serverKey };
    const later = readSidecarTls(settings, Date.now() + 10 * 86_400_000);
    expect(later.tls).toBeDefined();
    expect(later.problems).toEqual([expect.objectContaining({ severity: 'warning', key: 'kmirror.sidecar.tls.cert', message: expect.stringContaining('expired on') })]);
    expect(readSidecarTls(settings, Date.now() - 10 * 86_400_000).problems)
      .toEqual([expect.objectContaining({ severity: 'warning', message: expect.stringContaining('is not valid before') })]);
  });
});

describe('kmirror.sidecar.tls.* when the configuration is read', () => {
  it('valid files: no issue', () => {
    expect(issuesOf([`kmirror.sidecar.tls.cert = ${m.serverCert}`, `kmirror.sidecar.tls.key = ${m.serverKey}`])).toEqual([]);
    expect(parseMirrorConfig(`${base}kmirror.sidecar.tls.cert = ${m.serverCert}\nkmirror.sidecar.tls.key = ${m.serverKey}\n`).process)
      .toMatchObject({ 'kmirror.sidecar.tls.cert': m.serverCert, 'kmirror.sidecar.tls.key': m.serverKey,
        'kmirror.sidecar.tls.key.password': undefined, 'kmirror.sidecar.tls.ca': undefined });
  });

  it.each([
    ['a missing certificate file', () => [`kmirror.sidecar.tls.cert = ${m.dir}/none.pem`, `kmirror.sidecar.tls.key = ${m.serverKey}`],
      'kmirror.sidecar.tls.cert', 5, `cannot read '${'DIR'}/none.pem' (no such file)`],
    ['a directory for the key', () => [`kmirror.sidecar.tls.cert = ${m.serverCert}`, `kmirror.sidecar.tls.key = ${m.dir}`],
      'kmirror.sidecar.tls.key', 6, 'a directory, not a file'],
    ['a certificate that is not PEM', () => [`kmirror.sidecar.tls.cert = ${m.notPem}`, `kmirror.sidecar.tls.key = ${m.serverKey}`],
      'kmirror.sidecar.tls.cert', 5, 'is not a PEM certificate'],
    ['a key that is not PEM', () => [`kmirror.sidecar.tls.cert = ${m.serverCert}`, `kmirror.sidecar.tls.key = ${m.notPem}`],
      'kmirror.sidecar.tls.key', 6, 'is not a PEM private key'],
    ['a certificate given as the key', () => [`kmirror.sidecar.tls.cert = ${m.serverCert}`, `kmirror.sidecar.tls.key = ${m.serverCert}`],
      'kmirror.sidecar.tls.key', 6, 'is not a PEM private key'],
    ['the key of another certificate', () => [`kmirror.sidecar.tls.cert = ${m.serverCert}`, `kmirror.sidecar.tls.key = ${m.otherKey}`],
      'kmirror.sidecar.tls.key', 6, 'is not the private key of the certificate'],
    ['a certificate without its key', () => [`kmirror.sidecar.tls.cert = ${m.serverCert}`],
      'kmirror.sidecar.tls.key', undefined, 'is required with kmirror.sidecar.tls.cert'],
    ['a key without its certificate', () => ['', `kmirror.sidecar.tls.key = ${m.serverKey}`],
      'kmirror.sidecar.tls.cert', undefined, 'is required with kmirror.sidecar.tls.key'],
    ['an encrypted key without a password', () => [`kmirror.sidecar.tls.cert = ${m.serverCert}`, `kmirror.sidecar.tls.key = ${m.serverKeyEncrypted}`],
      'kmirror.sidecar.tls.key', 6, 'is encrypted: set kmirror.sidecar.tls.key.password'],
    ['a wrong password', () => [`kmirror.sidecar.tls.cert = ${m.serverCert}`, `kmirror.sidecar.tls.key = ${m.serverKeyEncrypted}`,
      'kmirror.sidecar.tls.key.password = not-the-password'], 'kmirror.sidecar.tls.key.password', 7, 'does not decrypt the key'],
    ['a CA file that is not PEM', () => [`kmirror.sidecar.tls.cert = ${m.serverCert}`, `kmirror.sidecar.tls.key = ${m.serverKey}`,
      `kmirror.sidecar.tls.ca = ${m.notPem}`], 'kmirror.sidecar.tls.ca', 7, 'is not a PEM file of CA certificates'],
    ['client certificates without HTTPS', () => [`kmirror.sidecar.tls.ca = ${m.caCert}`],
      'kmirror.sidecar.tls.ca', 5, 'needs HTTPS'],
    ['a password without a key', () => ['kmirror.sidecar.tls.key.password = some-password'],
      'kmirror.sidecar.tls.key.password', 5, 'is set without kmirror.sidecar.tls.key'],
  ])('%s is an error naming key and line', (_what, lines, key, line, message) => {
    const errors = errorsOf(lines());
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ key, ...(line !== undefined && { line }) });
    expect(errors[0]!.message).toContain(message.replace('DIR', m.dir));
  });

  it.skipIf(process.getuid?.() === 0)('an unreadable file is an error (skipped as root, who reads anything)', () => {
    const locked = join(m.dir, 'locked');
    mkdirSync(locked, { recursive: true });
    writeFileSync(join(locked, 'server.key'), readFileSync(m.serverKey));
    chmodSync(join(locked, 'server.key'), 0o000);
    const errors = errorsOf([`kmirror.sidecar.tls.cert = ${m.serverCert}`, `kmirror.sidecar.tls.key = ${join(locked, 'server.key')}`]);
    expect(errors).toEqual([expect.objectContaining({ key: 'kmirror.sidecar.tls.key', line: 6, message: expect.stringContaining('permission denied') })]);
  });

  it('never prints the key password, right or wrong', () => {
    for (const password of [KEY_PASSWORD, 'wrong-password-123']) {
      const issues = issuesOf([`kmirror.sidecar.tls.cert = ${m.serverCert}`, `kmirror.sidecar.tls.key = ${m.serverKeyEncrypted}`,
        `kmirror.sidecar.tls.key.password = ${password}`, 'kmirror.sidecar.host = 0.0.0.0']);
      expect(issues.length).toBeGreaterThan(0);
      for (const issue of issues) expect(formatIssue(issue, 'mm2.properties')).not.toContain(password);
    }
  });

  it('the password is redacted in the configuration\'s view (validate --json)', () => {
    const config = parseMirrorConfig(`${base}kmirror.sidecar.tls.cert = ${m.serverCert}\nkmirror.sidecar.tls.key = ${m.serverKeyEncrypted}\n` +
      `kmirror.sidecar.tls.key.password = ${KEY_PASSWORD}\n`);
    expect(config.process['kmirror.sidecar.tls.key.password']).toBe(KEY_PASSWORD);
    const view = JSON.stringify(redactedView(config));
    expect(view).not.toContain('pässword');
    expect(view).toContain(m.serverKeyEncrypted.replaceAll('\\', '\\\\'));
  });

  it('nothing is checked while the sidecar is disabled', () => {
    expect(errorsOf(['kmirror.sidecar.enabled = false', `kmirror.sidecar.tls.cert = ${m.dir}/none.pem`])).toEqual([]);
  });
});

describe('a token off loopback needs TLS', () => {
  const tls = () => [`kmirror.sidecar.tls.cert = ${m.serverCert}`, `kmirror.sidecar.tls.key = ${m.serverKey}`];

  it('a token on a non-loopback host without TLS is an error naming the host and its line', () => {
    for (const host of ['0.0.0.0', '10.1.2.3', '::', 'kmirror.example.com']) {
      const errors = errorsOf([`kmirror.sidecar.host = ${host}`, `kmirror.sidecar.token = ${TOKEN}`]);
      expect(errors, host).toEqual([expect.objectContaining({ key: 'kmirror.sidecar.host', line: 5 })]);
      expect(errors[0]!.message).toContain('clear text');
      expect(errors[0]!.message).toContain('kmirror.sidecar.tls.cert');
      expect(formatIssue(errors[0]!)).not.toContain(TOKEN);
    }
  });

  it('with TLS it is accepted; on loopback it is accepted without TLS', () => {
    expect(issuesOf(['kmirror.sidecar.host = 0.0.0.0', `kmirror.sidecar.token = ${TOKEN}`, ...tls()])).toEqual([]);
    for (const host of ['127.0.0.1', 'localhost', '::1']) {
      expect(issuesOf([`kmirror.sidecar.host = ${host}`, `kmirror.sidecar.token = ${TOKEN}`]), host).toEqual([]);
    }
  });

  it('no token off loopback stays a warning, with TLS or without; a disabled sidecar is not checked', () => {
    for (const extra of [[], tls()]) {
      const issues = issuesOf(['kmirror.sidecar.host = 0.0.0.0', ...extra]);
      expect(issues).toEqual([expect.objectContaining({ severity: 'warning', key: 'kmirror.sidecar.host', line: 5 })]);
    }
    expect(issuesOf(['kmirror.sidecar.host = 0.0.0.0', `kmirror.sidecar.token = ${TOKEN}`, 'kmirror.sidecar.enabled = false'])).toEqual([]);
  });
});

describe('the sidecar over HTTPS', () => {
  const tlsOf = (extra: Partial<SidecarTls> = {}): SidecarTls => ({
    cert: readFileSync(m.serverCert, 'utf8'), key: readFileSync(m.serverKey, 'utf8'), ...extra,
  });

  it('answers over HTTPS with the token, the translation cache included; plain HTTP is refused', async () => {
    const sidecar = await startSidecar({ view: new FakeView(), host: '127.0.0.1', port: 0, token: TOKEN, tls: tlsOf(), log: silentLogger() });
    onTestFinished(() => sidecar.close());
    expect(sidecar.url).toBe(`https://127.0.0.1:${sidecar.port}`);
    const headers = { authorization: `Bearer ${TOKEN}` };
    expect(await get(`${sidecar.url}/health/live`)).toEqual({ status: 200, body: '{"live":true}' });
    expect((await get(`${sidecar.url}/status`)).status).toBe(401);
    expect((await get(`${sidecar.url}/status`, { headers })).status).toBe(200);
    const first = await get(`${sidecar.url}/v1/groups/billing/offsets`, { headers });
    const second = await get(`${sidecar.url}/v1/groups/billing/offsets`, { headers });
    expect(first.status).toBe(200);
    expect(second).toEqual(first);
    expect(sidecar.cacheHits()).toBe(1);
    // The name in the certificate is checked as usual.
    await expect(get(`https://localhost:${sidecar.port}/health/live`)).resolves.toMatchObject({ status: 200 });
    await expect(get(`${sidecar.url}/health/live`, { ca: undefined })).rejects.toThrow(/self[- ]signed|unable to (get|verify)/i);
    // A clear-text request gets no answer.
    await expect(fetch(`http://127.0.0.1:${sidecar.port}/health/live`)).rejects.toThrow();
  });

  it('decrypts its key with the password, which never appears in an answer', async () => {
    const view = new FakeView();
    view.ready = { ready: false, reasons: [`A->B: ${KEY_PASSWORD}`] };
    const sidecar = await startSidecar({ view, host: '127.0.0.1', port: 0, log: silentLogger(),
      tls: tlsOf({ key: readFileSync(m.serverKeyEncrypted, 'utf8'), passphrase: KEY_PASSWORD }) });
    onTestFinished(() => sidecar.close());
    const ready = await get(`${sidecar.url}/health/ready`);
    expect(ready.status).toBe(503);
    expect(ready.body).toContain('A->B: [redacted]');
    expect(ready.body).not.toContain('pässword');
  });

  it('with kmirror.sidecar.tls.ca, requires a client certificate signed by that CA', async () => {
    const sidecar = await startSidecar({ view: new FakeView(), host: '127.0.0.1', port: 0, log: silentLogger(),
      tls: tlsOf({ ca: readFileSync(m.caCert, 'utf8') }) });
    onTestFinished(() => sidecar.close());
    const client = { cert: readFileSync(m.clientCert), key: readFileSync(m.clientKey) };
    expect((await get(`${sidecar.url}/status`, client)).status).toBe(200);
    await expect(get(`${sidecar.url}/health/live`)).rejects.toThrow();
    // A certificate the CA did not sign (the server's own key with a self-signed certificate) is refused too.
    const selfSigned = join(m.dir, 'self-signed.pem');
    execFileSync('openssl', ['req', '-x509', '-key', m.clientKey, '-out', selfSigned, '-days', '1', '-subj', '/CN=intruder'], { stdio: 'ignore' });
    await expect(get(`${sidecar.url}/health/live`, { cert: readFileSync(selfSigned), key: client.key })).rejects.toThrow();
  });

  it('kmirror run\'s sidecar serves HTTPS as mm2.properties says, and logs the https URL', async () => {
    let logged = '';
    const log = pino({ level: 'debug' }, new Writable({ write: (chunk: Buffer, _encoding, done) => { logged += chunk.toString(); done(); } }));
    const config = parseMirrorConfig(`${base}kmirror.sidecar.port = 0\nkmirror.sidecar.token = ${TOKEN}\nkmirror.sidecar.host = 0.0.0.0\n` +
      `kmirror.sidecar.tls.cert = ${m.serverCert}\nkmirror.sidecar.tls.key = ${m.serverKeyEncrypted}\nkmirror.sidecar.tls.key.password = ${KEY_PASSWORD}\n`);
    const started = await startProcessSidecar(config, new LifecycleView(), log);
    onTestFinished(() => started?.close());
    const { url, port } = started!.sidecar;
    expect(url).toBe(`https://0.0.0.0:${port}`);
    expect(logged).toContain(`"msg":"sidecar listening on https://0.0.0.0:${port}"`);
    expect(logged).toContain('"tls":"HTTPS"');
    expect(logged).not.toContain(KEY_PASSWORD);
    expect(logged).not.toContain(TOKEN);
    expect((await get(`https://127.0.0.1:${port}/health/live`)).status).toBe(200);
  });

  it('a TLS file gone by the time the sidecar starts is a configuration error naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kmirror-sidecar-tls-gone-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const key = join(dir, 'server.key');
    writeFileSync(key, readFileSync(m.serverKey));
    const config = parseMirrorConfig(`${base}kmirror.sidecar.port = 0\nkmirror.sidecar.tls.cert = ${m.serverCert}\nkmirror.sidecar.tls.key = ${key}\n`);
    rmSync(key);
    const err = await startProcessSidecar(config, new LifecycleView(), silentLogger()).catch((e: unknown) => e);
    expect(isKmirrorError(err, ErrorCodes.CONFIG_INVALID)).toBe(true);
    expect((err as { details: string[] }).details).toEqual([`kmirror.sidecar.tls.key: cannot read '${key}' (no such file)`]);
  });
});
