import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createWriteStream, existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { ErrorCodes, KmirrorError } from '../errors.js';
import { randomPassword } from './pki.js';
import { freeLoopbackPort } from './ports.js';

const run = promisify(execFile);

/**
 * A real MIT Kerberos KDC (Debian's krb5-kdc and krb5-admin-server packages) for local secured
 * clusters: its own realm database, configuration and log under one folder, listening on a free
 * loopback port, stopped with the clusters.
 *
 * Clients find it through the krb5.conf written here: MIT's libraries (librdkafka's GSSAPI through
 * Cyrus SASL, and kinit) read it from $KRB5_CONFIG, Java from -Djava.security.krb5.conf. The
 * krb5.conf also names a ticket cache in this folder, so no process shares /tmp/krb5cc_<uid>.
 * Host names are never canonicalized (`dns_canonicalize_hostname = false`, `rdns = false`): a
 * broker advertised as `localhost` is `kafka/localhost@REALM` for every client.
 */

export const DEFAULT_REALM = 'KMIRROR.TEST';

/** The programs a KDC needs, and kinit, which librdkafka runs to get a client's ticket. */
const PROGRAMS = ['kdb5_util', 'kadmin.local', 'krb5kdc', 'kinit'] as const;
const SBIN_DIRS = ['/usr/sbin', '/sbin', '/usr/local/sbin'];

export interface KdcStartOptions {
  readonly realm?: string;
  readonly log?: (line: string) => void;
  readonly startTimeoutMs?: number;
}

/** Which of the Kerberos programs are missing on this machine (empty: a KDC can run). */
export function missingKerberosPrograms(): string[] {
  return PROGRAMS.filter((p) => findProgram(p) === undefined);
}

function findProgram(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), ...SBIN_DIRS];
  for (const dir of dirs) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  return undefined;
}

function program(name: (typeof PROGRAMS)[number]): string {
  const path = findProgram(name);
  if (!path) {
    throw new KmirrorError(ErrorCodes.PREREQUISITE_MISSING,
      `${name} is not installed: a local Kerberos KDC needs Debian's krb5-kdc, krb5-admin-server and krb5-user ` +
      `(and librdkafka's GSSAPI needs libsasl2-modules-gssapi-mit)`);
  }
  return path;
}

export class KerberosKdc {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  /** kadmin.local runs one at a time: they share the realm database. */
  private adminQueue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly dir: string,
    readonly realm: string,
    readonly port: number,
    /** Client configuration: KRB5_CONFIG for MIT libraries, java.security.krb5.conf for Java. */
    readonly krb5Conf: string,
    /** KDC configuration (KRB5_KDC_PROFILE). */
    readonly kdcConf: string,
    /** The ticket cache MIT clients use (krb5.conf's default_ccache_name). */
    readonly ticketCache: string,
  ) {}

  /** The KDC's log. */
  get logFile(): string {
    return join(this.dir, 'kdc.log');
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  /** Environment a process running MIT Kerberos clients (librdkafka, kinit) needs. */
  get env(): Readonly<Record<string, string>> {
    return { KRB5_CONFIG: this.krb5Conf };
  }

  /** JVM options a Java client needs to find this KDC. */
  get jvmOptions(): readonly string[] {
    return [`-Djava.security.krb5.conf=${this.krb5Conf}`];
  }

  /** `name@REALM` for a bare name; a name with a realm is kept. */
  principal(name: string): string {
    return name.includes('@') ? name : `${name}@${this.realm}`;
  }

  /** Creates a realm database under `dir` and starts the KDC on a free loopback port. */
  static async start(dir: string, options: KdcStartOptions = {}): Promise<KerberosKdc> {
    const realm = options.realm ?? DEFAULT_REALM;
    if (!/^[A-Z0-9.-]+$/.test(realm)) throw new KmirrorError(ErrorCodes.LOCAL_KAFKA, `invalid Kerberos realm '${realm}'`);
    for (const p of PROGRAMS) program(p);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const port = await freeTcpAndUdpPort();
    const kdc = new KerberosKdc(dir, realm, port, join(dir, 'krb5.conf'), join(dir, 'kdc.conf'), join(dir, 'krb5cc'));
    await writeFile(kdc.kdcConf, [
      '[kdcdefaults]',
      ` kdc_listen = 127.0.0.1:${port}`,
      ` kdc_tcp_listen = 127.0.0.1:${port}`,
      '[realms]',
      ` ${realm} = {`,
      `  database_name = ${join(dir, 'principal')}`,
      `  key_stash_file = ${join(dir, 'stash')}`,
      `  acl_file = ${join(dir, 'kadm5.acl')}`,
      '  max_life = 24h',
      '  max_renewable_life = 7d',
      // Both Java 17 and MIT support these; the sha2 variants are not needed.
      '  supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal',
      ' }',
      '[logging]',
      ` kdc = FILE:${kdc.logFile}`,
      ` admin_server = FILE:${join(dir, 'kadmin.log')}`,
      ` default = FILE:${join(dir, 'krb5lib.log')}`,
      '',
    ].join('\n'));
    await writeFile(kdc.krb5Conf, [
      '[libdefaults]',
      ` default_realm = ${realm}`,
      ' dns_lookup_realm = false',
      ' dns_lookup_kdc = false',
      ' dns_canonicalize_hostname = false',
      ' rdns = false',
      // TCP only: the KDC's port was checked free for TCP; Java and MIT both honour this.
      ' udp_preference_limit = 1',
      ' ticket_lifetime = 24h',
      ' renew_lifetime = 7d',
      ' forwardable = true',
      ` default_ccache_name = FILE:${kdc.ticketCache}`,
      '[realms]',
      ` ${realm} = {`,
      `  kdc = 127.0.0.1:${port}`,
      ' }',
      '[domain_realm]',
      ` localhost = ${realm}`,
      ` 127.0.0.1 = ${realm}`,
      '',
    ].join('\n'));
    await writeFile(join(dir, 'kadm5.acl'), '');
    await kdc.tool('kdb5_util', ['create', '-s', '-r', realm, '-P', randomPassword()]);
    await kdc.launch(options.startTimeoutMs ?? 15_000);
    options.log?.(`Kerberos KDC for ${realm} on 127.0.0.1:${port} (log: ${kdc.logFile})`);
    return kdc;
  }

  /**
   * Creates principals with random keys and writes each one's keys to its keytab (0600).
   * Returns the full principal names.
   */
  async addPrincipals(entries: readonly { readonly name: string; readonly keytab: string }[]): Promise<string[]> {
    const next = this.adminQueue.then(() => this.addPrincipalsNow(entries));
    this.adminQueue = next.catch(() => undefined);
    return next;
  }

  private async addPrincipalsNow(entries: readonly { readonly name: string; readonly keytab: string }[]): Promise<string[]> {
    const principals = entries.map((e) => this.principal(e.name));
    for (const p of principals) {
      if (!/^[A-Za-z0-9._/-]+@[A-Z0-9.-]+$/.test(p)) throw new KmirrorError(ErrorCodes.LOCAL_KAFKA, `invalid Kerberos principal '${p}'`);
    }
    for (const [i, e] of entries.entries()) {
      await rm(e.keytab, { force: true });
      await this.tool('kadmin.local', ['-r', this.realm, '-q', `addprinc -randkey ${principals[i]}`]);
      await this.tool('kadmin.local', ['-r', this.realm, '-q', `ktadd -k ${e.keytab} -norandkey ${principals[i]}`]);
      if (!existsSync(e.keytab)) {
        throw new KmirrorError(ErrorCodes.LOCAL_KAFKA, `kadmin.local wrote no keytab for ${principals[i]}; see ${join(this.dir, 'kadmin.log')}`);
      }
      await chmod(e.keytab, 0o600);
    }
    return principals;
  }

  async stop(): Promise<void> {
    if (this.running) {
      this.child?.kill('SIGTERM');
      const timer = setTimeout(() => this.child?.kill('SIGKILL'), 5_000);
      await this.exited;
      clearTimeout(timer);
    }
    await rm(join(this.dir, 'pid'), { force: true });
  }

  /** Stops the KDC and removes its database, keys and ticket cache; keeps the configuration and logs. */
  async destroy(): Promise<void> {
    await this.stop();
    for (const f of ['principal', 'principal.ok', 'principal.kadm5', 'principal.kadm5.lock', 'stash', 'krb5cc']) {
      await rm(join(this.dir, f), { force: true });
    }
  }

  private async launch(timeoutMs: number): Promise<void> {
    const pidFile = join(this.dir, 'krb5kdc.pid');
    // -n: stay in the foreground, a child of this process. The pid file's path, under the run
    // folder, lets a later run find and stop a KDC this one left behind.
    const child = spawn(program('krb5kdc'), ['-n', '-r', this.realm, '-P', pidFile],
      { env: this.toolEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.once('error', () => {});
    const out = createWriteStream(join(this.dir, 'krb5kdc.out'));
    child.stdout?.pipe(out, { end: false });
    child.stderr?.pipe(out, { end: false });
    child.once('exit', () => setImmediate(() => out.end()));
    if (child.pid !== undefined) await writeFile(join(this.dir, 'pid'), String(child.pid));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) {
        throw new KmirrorError(ErrorCodes.LOCAL_KAFKA, `the Kerberos KDC exited at start (${child.exitCode ?? child.signalCode}); ` +
          `see ${this.logFile}`, { details: await tail(this.logFile, 10) });
      }
      if (await canConnect(this.port)) return;
      if (Date.now() > deadline) {
        await this.stop();
        throw new KmirrorError(ErrorCodes.LOCAL_KAFKA, `the Kerberos KDC did not listen on 127.0.0.1:${this.port} within ${timeoutMs} ms; ` +
          `see ${this.logFile}`);
      }
      await delay(50);
    }
  }

  private toolEnv(): NodeJS.ProcessEnv {
    return { ...process.env, KRB5_CONFIG: this.krb5Conf, KRB5_KDC_PROFILE: this.kdcConf };
  }

  private async tool(name: 'kdb5_util' | 'kadmin.local', args: string[]): Promise<void> {
    try {
      await run(program(name), args, { env: this.toolEnv() });
    } catch (err) {
      const e = err as { stderr?: string; code?: number };
      // The master password is an argument of kdb5_util: only the program's own error is quoted.
      throw new KmirrorError(ErrorCodes.LOCAL_KAFKA, `${name} ${args[0] === '-r' ? args[3] ?? '' : args[0]} failed (exit ${e.code}): ` +
        `${e.stderr?.trim().split('\n').slice(-3).join(' | ') ?? ''}`);
    }
  }
}

async function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A loopback port free for both TCP and UDP (the KDC listens on both). */
async function freeTcpAndUdpPort(): Promise<number> {
  return freeLoopbackPort((port) => new Promise<boolean>((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => resolve(false));
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
  }));
}

async function tail(file: string, lines: number): Promise<string[]> {
  try {
    return (await readFile(file, 'utf8')).trimEnd().split('\n').slice(-lines);
  } catch {
    return [];
  }
}
