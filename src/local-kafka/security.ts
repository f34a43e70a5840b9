import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ErrorCodes, KmirrorError } from '../errors.js';
import type { KafkaDistribution } from './distribution.js';
import { KerberosKdc, missingKerberosPrograms } from './kdc.js';
import { freeLoopbackPort } from './ports.js';
import { CertificateAuthority, keytoolFor, randomPassword, type CaFiles, type CertificateFiles } from './pki.js';
import type { AclBinding as NativeAclBinding } from '../native/addon.js';

const run = promisify(execFile);

/**
 * Secured local clusters: TLS, SASL and an authorizer on the local KRaft brokers of cluster.ts.
 *
 * One SecurityContext per startLocalClusters() run holds what a company's clusters share: one CA
 * (certificates made at start with openssl and keytool), one Kerberos realm (a real MIT KDC), and
 * the users with their passwords, certificates and keytabs. Each secured broker (SecuredCluster)
 * then has, besides its PLAINTEXT listener:
 *
 * | listener  | protocol | authentication                                                  |
 * |-----------|----------|-----------------------------------------------------------------|
 * | SSL       | SSL      | client certificate required (mTLS); principal = the cert's CN   |
 * | SASL_SSL  | SASL_SSL | PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER (unsecured JWT) |
 * | GSSAPI    | SASL_SSL | Kerberos (GSSAPI), advertised as `localhost`                     |
 *
 * and the StandardAuthorizer, with super users `admin` (every mechanism), `kafka` (the broker's
 * Kerberos principal) and `ANONYMOUS` (the PLAINTEXT listener, which the controller and the
 * broker itself use: it is the cluster's internal door, never one to test ACLs through).
 * Everyone else is refused what no ACL allows (allow.everyone.if.no.acl.found=false).
 *
 * The same user name is the same Kafka principal (`User:<name>`) whatever the mechanism: PLAIN
 * and SCRAM user names, OAUTHBEARER's `sub`, the certificate's CN (ssl.principal.mapping.rules),
 * and the Kerberos principal `<name>@REALM` (the DEFAULT short-name rule).
 */

export const SECURITY_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER', 'GSSAPI', 'MTLS'] as const;
/** A way to authenticate: a SASL mechanism over SASL_SSL, or MTLS (the SSL listener with a client certificate). */
export type SecurityMechanism = (typeof SECURITY_MECHANISMS)[number];

/** How a Java client's truststore and keystore are given: files of these types, or PEM in the config itself. */
export type StoreType = 'JKS' | 'PKCS12' | 'PEM' | 'PEM_CONFIG';

export const ADMIN_USER = 'admin';
/** The brokers' Kerberos service name (sasl.kerberos.service.name); their principal is kafka/localhost@REALM. */
export const KERBEROS_SERVICE = 'kafka';
/** The host name brokers advertise on the GSSAPI listener: Kerberos service principals name a host. */
export const KERBEROS_HOST = 'localhost';

export interface SecurityOptions {
  /**
   * Users besides `admin`; each gets a password (PLAIN and SCRAM, a random one unless given), a
   * client certificate (CN = name) and a Kerberos principal with a keytab. No ACLs: they are
   * refused everything until given some (SecuredCluster.addAcls).
   */
  readonly users?: readonly (string | { readonly name: string; readonly password?: string })[];
  /** Start a Kerberos KDC and give brokers a GSSAPI listener (default true). */
  readonly kerberos?: boolean;
  /** Kerberos realm (default KMIRROR.TEST). */
  readonly realm?: string;
  readonly log?: (line: string) => void;
}

/** A user of the secured clusters, the same on every mechanism. */
export interface SecurityUser {
  readonly name: string;
  /** Kafka principal: `User:<name>`. */
  readonly principal: string;
  /** PLAIN and SCRAM password. */
  readonly password: string;
  /** Client certificate (CN = name) in every form. */
  readonly certificate: CertificateFiles;
  /** `<name>@REALM`, with a keytab; absent without Kerberos. */
  readonly kerberos?: { readonly principal: string; readonly keytab: string };
}

export interface ClientOptions {
  /** Truststore (and, for MTLS, keystore) form of the Java settings; default PKCS12. librdkafka's are PEM files. */
  readonly store?: StoreType;
  /** A password other than the user's (PLAIN, SCRAM): e.g. a wrong one. */
  readonly password?: string;
}

/** How a client connects to one secured listener as one user. */
export interface ClientSecurity {
  readonly mechanism: SecurityMechanism;
  readonly user: string;
  /** The Kafka principal the broker sees: `User:<name>`. */
  readonly principal: string;
  readonly bootstrapServers: string;
  /**
   * Java client settings as an operator writes them in mm2.properties (without a cluster prefix),
   * bootstrap.servers included. Render with toJavaProperties().
   */
  readonly java: Readonly<Record<string, string>>;
  /** JVM options a Java client needs (GSSAPI: -Djava.security.krb5.conf). */
  readonly jvmOptions: readonly string[];
  /** librdkafka settings for the same connection, bootstrap.servers included. */
  readonly rdkafka: Readonly<Record<string, string>>;
  /**
   * Environment the process running a librdkafka client needs (GSSAPI: KRB5_CONFIG; MIT Kerberos
   * reads it from the process environment, so one realm per process).
   */
  readonly env: Readonly<Record<string, string>>;
}

export type AclOperation = 'All' | 'Read' | 'Write' | 'Create' | 'Delete' | 'Alter' | 'Describe' | 'ClusterAction'
  | 'DescribeConfigs' | 'AlterConfigs' | 'IdempotentWrite' | 'CreateTokens' | 'DescribeTokens';

export type AclResourceType = 'topic' | 'group' | 'cluster' | 'transactional-id';

export interface AclBinding {
  /** `User:<name>`, or a bare user name. `User:*` is everyone. */
  readonly principal: string;
  readonly resource: AclResourceType;
  /** Resource name (`*` for all); not for `cluster`. */
  readonly name?: string;
  /** Default literal. */
  readonly patternType?: 'literal' | 'prefixed';
  readonly operations: readonly AclOperation[];
  /** Default allow. */
  readonly permission?: 'allow' | 'deny';
  /** Default `*`. */
  readonly host?: string;
}

/** One ACL as the broker lists it: the addon's AclBinding shape (the native addon itself is not used here). */
export type AclEntry = NativeAclBinding;

/** Renders settings as a Java .properties text (escaped so multi-line PEM values survive), each key prefixed. */
export function toJavaProperties(settings: Readonly<Record<string, string>>, prefix = ''): string {
  const escape = (text: string, isKey: boolean) => text.replace(/[\\\n\r\t\f=:#! ]/g, (c, offset: number) => {
    switch (c) {
      case '\\': return '\\\\';
      case '\n': return '\\n';
      case '\r': return '\\r';
      case '\t': return '\\t';
      case '\f': return '\\f';
      case ' ': return isKey || offset === 0 ? '\\ ' : ' ';
      default: return isKey ? `\\${c}` : c;
    }
  });
  return Object.entries(settings).map(([k, v]) => `${escape(prefix + k, true)}=${escape(v, false)}`).join('\n') + '\n';
}

export class SecurityContext {
  private readonly userMap = new Map<string, SecurityUser>();
  private readonly clusters: SecuredCluster[] = [];

  private constructor(
    readonly dir: string,
    readonly dist: KafkaDistribution,
    readonly ca: CertificateAuthority,
    /** The brokers' certificate (SAN localhost, 127.0.0.1). */
    readonly brokerCertificate: CertificateFiles,
    readonly kdc: KerberosKdc | undefined,
    /** The brokers' Kerberos principal and keytab (kafka/localhost@REALM). */
    readonly brokerKerberos: { readonly principal: string; readonly keytab: string } | undefined,
  ) {}

  /** CA certificate and truststores. */
  get caFiles(): CaFiles {
    return this.ca.files;
  }

  get users(): readonly SecurityUser[] {
    return [...this.userMap.values()];
  }

  user(name: string): SecurityUser {
    const user = this.userMap.get(stripUser(name));
    if (!user) throw new KmirrorError(ErrorCodes.LOCAL_KAFKA, `no user '${name}' on the secured local clusters`);
    return user;
  }

  /** Makes the CA, the brokers' certificate, the users and (unless kerberos: false) the KDC, under `dir`. */
  static async create(dir: string, dist: KafkaDistribution, options: SecurityOptions = {}): Promise<SecurityContext> {
    const log = options.log ?? (() => {});
    const kerberos = options.kerberos ?? true;
    if (kerberos) {
      const missing = missingKerberosPrograms();
      if (missing.length > 0) {
        throw new KmirrorError(ErrorCodes.PREREQUISITE_MISSING,
          `secured local clusters with Kerberos need ${missing.join(', ')}: install Debian's krb5-kdc, krb5-admin-server, ` +
          `krb5-user and libsasl2-modules-gssapi-mit (.ci/run does), or start them with security.kerberos = false`);
      }
    }
    const users = [{ name: ADMIN_USER } as { name: string; password?: string }, ...(options.users ?? [])
      .map((u) => (typeof u === 'string' ? { name: u } : u))];
    const seen = new Set<string>();
    for (const u of users) {
      if (!/^[A-Za-z0-9._-]+$/.test(u.name) || seen.has(u.name) || u.name === KERBEROS_SERVICE) {
        throw new KmirrorError(ErrorCodes.LOCAL_KAFKA, `invalid or repeated secured-cluster user '${u.name}'`);
      }
      if (u.password !== undefined && !/^[A-Za-z0-9._~+-]+$/.test(u.password)) {
        throw new KmirrorError(ErrorCodes.LOCAL_KAFKA, `user '${u.name}': a password may hold letters, digits and . _ ~ + - only`);
      }
      seen.add(u.name);
    }
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const started = Date.now();
    const kdcStart = kerberos ? KerberosKdc.start(join(dir, 'kerberos'), { realm: options.realm, log }) : undefined;
    let kdc: KerberosKdc | undefined;
    try {
      const ca = await CertificateAuthority.create(join(dir, 'ca'), { keytool: keytoolFor(dist.java) });
      const [brokerCertificate] = await Promise.all([
        ca.issue('kafka-broker', join(dir, 'broker'), { kind: 'server' }),
        kdcStart?.then((k) => { kdc = k; }),
      ]);
      let brokerKerberos: { principal: string; keytab: string } | undefined;
      if (kdc) {
        const keytab = join(dir, 'broker', 'kafka.keytab');
        const [principal] = await kdc.addPrincipals([{ name: `${KERBEROS_SERVICE}/${KERBEROS_HOST}`, keytab }]);
        brokerKerberos = { principal: principal!, keytab };
      }
      const context = new SecurityContext(dir, dist, ca, brokerCertificate!, kdc, brokerKerberos);
      await Promise.all(users.map((u) => context.createUser(u.name, u.password)));
      log(`secured local clusters: CA, ${users.length} users${kdc ? `, Kerberos realm ${kdc.realm}` : ''} ready in ` +
        `${Date.now() - started} ms (${dir})`);
      return context;
    } catch (err) {
      await (kdc ?? await kdcStart?.catch(() => undefined))?.destroy();
      throw err;
    }
  }

  /**
   * Adds a user: a password, a client certificate, a Kerberos principal and, on every secured
   * cluster already running, SCRAM credentials (through the broker's admin API). PLAIN users are
   * part of the brokers' static configuration: one added now has no PLAIN login.
   */
  async addUser(name: string, password?: string): Promise<SecurityUser> {
    if (this.userMap.has(name)) throw new KmirrorError(ErrorCodes.LOCAL_KAFKA, `user '${name}' exists already`);
    if (!/^[A-Za-z0-9._-]+$/.test(name) || name === KERBEROS_SERVICE) throw new KmirrorError(ErrorCodes.LOCAL_KAFKA, `invalid user name '${name}'`);
    if (password !== undefined && !/^[A-Za-z0-9._~+-]+$/.test(password)) {
      throw new KmirrorError(ErrorCodes.LOCAL_KAFKA, `user '${name}': a password may hold letters, digits and . _ ~ + - only`);
    }
    const user = await this.createUser(name, password);
    for (const cluster of this.clusters) await cluster.setScramCredentials(name, user.password);
    return user;
  }

  private async createUser(name: string, password = randomPassword()): Promise<SecurityUser> {
    const dir = join(this.dir, 'users');
    const certificate = await this.ca.issue(name, dir, { kind: 'client' });
    let kerberos: SecurityUser['kerberos'];
    if (this.kdc) {
      const keytab = join(dir, `${name}.keytab`);
      const [principal] = await this.kdc.addPrincipals([{ name, keytab }]);
      kerberos = { principal: principal!, keytab };
    }
    const user: SecurityUser = { name, principal: `User:${name}`, password, certificate, kerberos };
    this.userMap.set(name, user);
    return user;
  }

  /** @internal Prepares a secured broker: its ports and settings (cluster.ts calls it before formatting). */
  async prepareCluster(name: string, options: { plaintextPort: number; controllerPort: number; authorizer: boolean }): Promise<SecuredCluster> {
    const ports = {
      PLAINTEXT: options.plaintextPort,
      SSL: await freeLoopbackPort(),
      SASL_SSL: await freeLoopbackPort(),
      GSSAPI: this.kdc ? await freeLoopbackPort() : undefined,
    };
    const cluster = new SecuredCluster(this, name, ports, options.controllerPort, options.authorizer);
    this.clusters.push(cluster);
    return cluster;
  }

  /**
   * Writes a client's Java settings (and `extra` ones, e.g. timeouts) as a .properties file, mode
   * 0600, under <dir>/clients/ (removed by destroy()); returns its path. For Kafka's tools
   * (`--command-config`) and Java clients.
   */
  async writeClientProperties(client: ClientSecurity, name: string, extra: Readonly<Record<string, string>> = {}): Promise<string> {
    if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new KmirrorError(ErrorCodes.LOCAL_KAFKA, `invalid client properties name '${name}'`);
    const dir = join(this.dir, 'clients');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const file = join(dir, name.endsWith('.properties') ? name : `${name}.properties`);
    await writeFile(file, toJavaProperties({ ...client.java, ...extra }), { mode: 0o600 });
    return file;
  }

  /**
   * Stops the KDC and removes every private key, keystore, keytab, written client settings and the
   * realm database; certificates and logs stay.
   */
  async destroy(): Promise<void> {
    await this.kdc?.destroy();
    await rm(join(this.dir, 'clients'), { recursive: true, force: true });
    const secrets = [this.ca.files.keyPem, this.brokerCertificate, ...this.users.map((u) => u.certificate)]
      .flatMap((c) => (typeof c === 'string' ? [c] : [c.keyPem, c.encryptedKeyPem, c.keystorePem, c.keystorePkcs12, c.keystoreJks]));
    if (this.brokerKerberos) secrets.push(this.brokerKerberos.keytab);
    for (const u of this.users) if (u.kerberos) secrets.push(u.kerberos.keytab);
    await Promise.all(secrets.map((f) => rm(f, { force: true })));
  }

  /**
   * Runs one of Kafka's command-line tools from the pinned jars (`java -cp <jars> <mainClass> ...args`,
   * a small quick-starting JVM, log4j warnings to stderr) and returns its standard output. Rejects
   * with the tool's last output lines when it exits non-zero; the arguments, which may hold
   * passwords, are not quoted, and `secrets` and `password=…` are masked in what is. `jvmOptions`: e.g. a GSSAPI client's ClientSecurity.jvmOptions.
   */
  async runKafkaTool(mainClass: string, args: readonly string[],
    options: {
      readonly jvmOptions?: readonly string[]; readonly what?: string; readonly timeoutMs?: number;
      /** Texts never to quote (a tool may echo its arguments in its errors). */
      readonly secrets?: readonly string[];
    } = {}): Promise<string> {
    const log4j = join(this.dir, 'tools-log4j2.properties');
    await writeFile(log4j, ['status = error', 'appender.err.type = Console', 'appender.err.name = ERR', 'appender.err.target = SYSTEM_ERR',
      'appender.err.layout.type = PatternLayout', 'appender.err.layout.pattern = %p %m%n', 'rootLogger.level = WARN',
      'rootLogger.appenderRef.err.ref = ERR', ''].join('\n'));
    const jvm = ['-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Xshare:auto', '-Djava.awt.headless=true',
      `-Dlog4j2.configurationFile=${log4j}`, ...(options.jvmOptions ?? []), '-cp', this.dist.classpath];
    try {
      const { stdout } = await run(this.dist.java, [...jvm, mainClass, ...args],
        { maxBuffer: 16 * 1024 * 1024, timeout: options.timeoutMs ?? 120_000 });
      return stdout;
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; code?: number | string; signal?: string };
      let output = `${e.stderr ?? ''}\n${e.stdout ?? ''}`.split('\n').filter((l) => l.trim() && !/^\s+at /.test(l)).slice(-4).join(' | ');
      for (const secret of options.secrets ?? []) if (secret) output = output.split(secret).join('***');
      output = output.replace(/(password=)[^\s,\]'"]+/gi, '$1***');
      throw new KmirrorError(ErrorCodes.LOCAL_KAFKA,
        `${options.what ?? mainClass} failed (${mainClass}, exit ${e.code ?? e.signal}): ${output}`);
    }
  }

}

/** The secured side of one local broker: its listeners, how clients reach them, its ACLs and SCRAM users. */
export class SecuredCluster {
  /** @internal */
  constructor(
    readonly context: SecurityContext,
    readonly name: string,
    /** Client listener ports by name (GSSAPI absent without Kerberos). */
    readonly ports: { readonly PLAINTEXT: number; readonly SSL: number; readonly SASL_SSL: number; readonly GSSAPI: number | undefined },
    private readonly controllerPort: number,
    /** Whether the broker runs the StandardAuthorizer. */
    readonly authorizer: boolean,
  ) {}

  /** The PLAINTEXT listener: the broker's own, super user (ANONYMOUS). For setup, never for ACL tests. */
  get internalBootstrap(): string {
    return `127.0.0.1:${this.ports.PLAINTEXT}`;
  }

  /** The mechanisms this broker takes (GSSAPI only with Kerberos). */
  get mechanisms(): readonly SecurityMechanism[] {
    return SECURITY_MECHANISMS.filter((m) => m !== 'GSSAPI' || this.ports.GSSAPI !== undefined);
  }

  /** Bootstrap servers of the listener a mechanism uses. */
  bootstrap(mechanism: SecurityMechanism): string {
    switch (mechanism) {
      case 'MTLS': return `127.0.0.1:${this.ports.SSL}`;
      case 'GSSAPI':
        if (this.ports.GSSAPI === undefined) throw new KmirrorError(ErrorCodes.LOCAL_KAFKA, `local cluster '${this.name}' has no Kerberos (GSSAPI) listener`);
        return `${KERBEROS_HOST}:${this.ports.GSSAPI}`;
      default: return `127.0.0.1:${this.ports.SASL_SSL}`;
    }
  }

  /** Client settings (Java and librdkafka) to connect with `mechanism` as `user` (default admin, a super user). */
  client(mechanism: SecurityMechanism, user: string = ADMIN_USER, options: ClientOptions = {}): ClientSecurity {
    const u = this.context.user(user);
    const ca = this.context.caFiles;
    const store = options.store ?? 'PKCS12';
    const bootstrapServers = this.bootstrap(mechanism);
    const password = options.password ?? u.password;
    const java: Record<string, string> = { 'bootstrap.servers': bootstrapServers };
    const rdkafka: Record<string, string> = { 'bootstrap.servers': bootstrapServers };
    const env: Record<string, string> = {};
    const jvmOptions: string[] = [];
    const protocol = mechanism === 'MTLS' ? 'SSL' : 'SASL_SSL';
    java['security.protocol'] = protocol;
    rdkafka['security.protocol'] = protocol;
    if (mechanism !== 'MTLS') {
      java['sasl.mechanism'] = mechanism;
      rdkafka['sasl.mechanism'] = mechanism;
    }
    switch (mechanism) {
      case 'PLAIN':
        java['sasl.jaas.config'] = `org.apache.kafka.common.security.plain.PlainLoginModule required username="${u.name}" password="${password}";`;
        rdkafka['sasl.username'] = u.name;
        rdkafka['sasl.password'] = password;
        break;
      case 'SCRAM-SHA-256':
      case 'SCRAM-SHA-512':
        java['sasl.jaas.config'] = `org.apache.kafka.common.security.scram.ScramLoginModule required username="${u.name}" password="${password}";`;
        rdkafka['sasl.username'] = u.name;
        rdkafka['sasl.password'] = password;
        break;
      case 'OAUTHBEARER':
        // Unsecured JWTs (alg none) with sub = the user: what the broker's default validator takes.
        java['sasl.jaas.config'] = `org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="${u.name}";`;
        rdkafka['enable.sasl.oauthbearer.unsecure.jwt'] = 'true';
        rdkafka['sasl.oauthbearer.config'] = `principal=${u.name}`;
        break;
      case 'GSSAPI': {
        const kdc = this.context.kdc!;
        const kerberos = u.kerberos!;
        java['sasl.kerberos.service.name'] = KERBEROS_SERVICE;
        java['sasl.jaas.config'] = 'com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true storeKey=true ' +
          `keyTab="${kerberos.keytab}" principal="${kerberos.principal}";`;
        jvmOptions.push(...kdc.jvmOptions);
        rdkafka['sasl.kerberos.service.name'] = KERBEROS_SERVICE;
        rdkafka['sasl.kerberos.principal'] = kerberos.principal;
        rdkafka['sasl.kerberos.keytab'] = kerberos.keytab;
        // The listener is advertised as localhost (a Kerberos host name); the broker listens on IPv4 only.
        rdkafka['broker.address.family'] = 'v4';
        Object.assign(env, kdc.env);
        break;
      }
      case 'MTLS':
        break;
    }
    Object.assign(java, javaTrustStore(ca, store));
    if (mechanism === 'MTLS') Object.assign(java, javaKeyStore(u.certificate, store));
    java['ssl.endpoint.identification.algorithm'] = 'https';
    rdkafka['ssl.ca.location'] = ca.certPem;
    if (mechanism === 'MTLS') {
      rdkafka['ssl.certificate.location'] = u.certificate.certPem;
      rdkafka['ssl.key.location'] = u.certificate.encryptedKeyPem;
      rdkafka['ssl.key.password'] = u.certificate.password;
    }
    rdkafka['ssl.endpoint.identification.algorithm'] = 'https';
    return { mechanism, user: u.name, principal: u.principal, bootstrapServers, java, jvmOptions, rdkafka, env };
  }

  /** Every client of this broker: one per mechanism, as `user`. */
  clients(user: string = ADMIN_USER, options: ClientOptions = {}): ClientSecurity[] {
    return this.mechanisms.map((m) => this.client(m, user, options));
  }

  /** @internal Broker settings (server.properties) of the secured listeners and the authorizer. */
  brokerConfig(): Record<string, string> {
    const { ca, brokerCertificate: cert, brokerKerberos, kdc } = this.context;
    const caFiles = ca.files;
    const listeners = [`PLAINTEXT://127.0.0.1:${this.ports.PLAINTEXT}`, `SSL://127.0.0.1:${this.ports.SSL}`,
      `SASL_SSL://127.0.0.1:${this.ports.SASL_SSL}`];
    const advertised = [...listeners];
    const protocolMap = ['PLAINTEXT:PLAINTEXT', 'CONTROLLER:PLAINTEXT', 'SSL:SSL', 'SASL_SSL:SASL_SSL'];
    if (this.ports.GSSAPI !== undefined) {
      listeners.push(`GSSAPI://127.0.0.1:${this.ports.GSSAPI}`);
      advertised.push(`GSSAPI://${KERBEROS_HOST}:${this.ports.GSSAPI}`);
      protocolMap.push('GSSAPI:SASL_SSL');
    }
    listeners.push(`CONTROLLER://127.0.0.1:${this.controllerPort}`);
    const plainUsers = this.context.users.map((u) => `user_${u.name}="${u.password}"`).join(' ');
    const config: Record<string, string> = {
      listeners: listeners.join(','),
      'advertised.listeners': advertised.join(','),
      'listener.security.protocol.map': protocolMap.join(','),
      'inter.broker.listener.name': 'PLAINTEXT',
      'ssl.keystore.type': 'PKCS12',
      'ssl.keystore.location': cert.keystorePkcs12,
      'ssl.keystore.password': cert.password,
      'ssl.key.password': cert.password,
      'ssl.truststore.type': 'PKCS12',
      'ssl.truststore.location': caFiles.truststorePkcs12,
      'ssl.truststore.password': caFiles.truststorePassword,
      'listener.name.ssl.ssl.client.auth': 'required',
      // CN=<user>,O=kmirror-test → <user>: a certificate is the same principal as the user's SASL logins.
      'ssl.principal.mapping.rules': 'RULE:^CN=([^,]+)(,.*)?$/$1/,DEFAULT',
      'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER',
      'listener.name.sasl_ssl.sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER',
      'listener.name.sasl_ssl.plain.sasl.jaas.config':
        `org.apache.kafka.common.security.plain.PlainLoginModule required ${plainUsers};`,
      'listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
      'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
      // No JWKS endpoint: the broker validates unsecured JWTs (OAuthBearerUnsecuredValidatorCallbackHandler).
      'listener.name.sasl_ssl.oauthbearer.sasl.jaas.config':
        `org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="${KERBEROS_SERVICE}";`,
    };
    if (this.ports.GSSAPI !== undefined && brokerKerberos && kdc) {
      config['sasl.kerberos.service.name'] = KERBEROS_SERVICE;
      config['listener.name.gssapi.sasl.enabled.mechanisms'] = 'GSSAPI';
      config['listener.name.gssapi.gssapi.sasl.jaas.config'] = 'com.sun.security.auth.module.Krb5LoginModule required ' +
        `useKeyTab=true storeKey=true keyTab="${brokerKerberos.keytab}" principal="${brokerKerberos.principal}";`;
    }
    if (this.authorizer) {
      config['authorizer.class.name'] = 'org.apache.kafka.metadata.authorizer.StandardAuthorizer';
      config['super.users'] = ['User:ANONYMOUS', `User:${ADMIN_USER}`, `User:${KERBEROS_SERVICE}`].join(';');
      config['allow.everyone.if.no.acl.found'] = 'false';
    }
    return config;
  }

  /** @internal JVM options of the broker (it finds the KDC through them). */
  jvmOptions(): string[] {
    return this.context.kdc ? [...this.context.kdc.jvmOptions] : [];
  }

  /** @internal Storage-tool arguments creating every user's SCRAM credentials at format. */
  formatArgs(): string[] {
    return this.context.users.flatMap((u) => ['SCRAM-SHA-256', 'SCRAM-SHA-512']
      .flatMap((m) => ['--add-scram', `${m}=[name=${u.name},password=${u.password}]`]));
  }

  /** Creates or replaces a user's SCRAM-SHA-256 and SCRAM-SHA-512 credentials (kafka-configs through the PLAINTEXT listener). */
  async setScramCredentials(user: string, password: string): Promise<void> {
    // One mechanism per request: the broker refuses two changes of one user's credentials in one.
    for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512']) {
      await this.context.runKafkaTool('kafka.admin.ConfigCommand', ['--bootstrap-server', this.internalBootstrap, '--alter',
        '--add-config', `${mechanism}=[password=${password}]`, '--entity-type', 'users', '--entity-name', stripUser(user)],
      { what: `setting ${mechanism} credentials of '${user}' on '${this.name}'`, secrets: [password] });
    }
  }

  /**
   * Adds ACLs (kafka-acls through the PLAINTEXT listener, one tool run per group of bindings that
   * differ only in resource name). They are in force once this returns.
   */
  async addAcls(bindings: readonly AclBinding[]): Promise<void> {
    for (const args of aclCommands(bindings)) {
      await this.context.runKafkaTool('org.apache.kafka.tools.AclCommand',
        ['--bootstrap-server', this.internalBootstrap, '--add', ...args], { what: `adding ACLs on '${this.name}'` });
    }
  }

  /** Removes ACLs that match the bindings exactly. */
  async removeAcls(bindings: readonly AclBinding[]): Promise<void> {
    for (const args of aclCommands(bindings)) {
      await this.context.runKafkaTool('org.apache.kafka.tools.AclCommand',
        ['--bootstrap-server', this.internalBootstrap, '--remove', '--force', ...args], { what: `removing ACLs on '${this.name}'` });
    }
  }

  /** Every ACL on the broker (or those of one principal). */
  async listAcls(principal?: string): Promise<AclEntry[]> {
    const args = ['--bootstrap-server', this.internalBootstrap, '--list'];
    if (principal) args.push('--principal', withUser(principal));
    return parseAclList(await this.context.runKafkaTool('org.apache.kafka.tools.AclCommand', args,
      { what: `listing ACLs on '${this.name}'` }));
  }
}

function stripUser(name: string): string {
  return name.startsWith('User:') ? name.slice('User:'.length) : name;
}

function withUser(name: string): string {
  return name.includes(':') ? name : `User:${name}`;
}

function javaTrustStore(ca: CaFiles, store: StoreType): Record<string, string> {
  switch (store) {
    case 'JKS':
      return { 'ssl.truststore.type': 'JKS', 'ssl.truststore.location': ca.truststoreJks, 'ssl.truststore.password': ca.truststorePassword };
    case 'PKCS12':
      return { 'ssl.truststore.type': 'PKCS12', 'ssl.truststore.location': ca.truststorePkcs12, 'ssl.truststore.password': ca.truststorePassword };
    case 'PEM':
      return { 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': ca.certPem };
    case 'PEM_CONFIG':
      return { 'ssl.truststore.type': 'PEM', 'ssl.truststore.certificates': readFileSync(ca.certPem, 'utf8').trim() };
  }
}

function javaKeyStore(cert: CertificateFiles, store: StoreType): Record<string, string> {
  switch (store) {
    case 'JKS':
      return { 'ssl.keystore.type': 'JKS', 'ssl.keystore.location': cert.keystoreJks, 'ssl.keystore.password': cert.password,
        'ssl.key.password': cert.password };
    case 'PKCS12':
      return { 'ssl.keystore.type': 'PKCS12', 'ssl.keystore.location': cert.keystorePkcs12, 'ssl.keystore.password': cert.password,
        'ssl.key.password': cert.password };
    case 'PEM':
      return { 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': cert.keystorePem, 'ssl.key.password': cert.password };
    case 'PEM_CONFIG':
      return { 'ssl.keystore.type': 'PEM', 'ssl.keystore.certificate.chain': readFileSync(cert.chainPem, 'utf8').trim(),
        'ssl.keystore.key': readFileSync(cert.encryptedKeyPem, 'utf8').trim(), 'ssl.key.password': cert.password };
  }
}

const RESOURCE_FLAG: Record<AclResourceType, string> = {
  topic: '--topic', group: '--group', cluster: '--cluster', 'transactional-id': '--transactional-id',
};

/** kafka-acls argument lists: bindings differing only in resource name share one run. */
export function aclCommands(bindings: readonly AclBinding[]): string[][] {
  const groups = new Map<string, { args: string[]; names: string[]; resource: AclResourceType }>();
  for (const b of bindings) {
    if (b.operations.length === 0) throw new KmirrorError(ErrorCodes.LOCAL_KAFKA, `an ACL for ${b.principal} names no operation`);
    if (b.resource !== 'cluster' && !b.name) throw new KmirrorError(ErrorCodes.LOCAL_KAFKA, `a ${b.resource} ACL needs a resource name`);
    const permission = b.permission ?? 'allow';
    const args = [`--${permission}-principal`, withUser(b.principal), `--${permission}-host`, b.host ?? '*',
      ...[...b.operations].sort().flatMap((op) => ['--operation', op]),
      '--resource-pattern-type', b.patternType ?? 'literal'];
    const key = JSON.stringify([b.resource, args]);
    const group = groups.get(key) ?? { args, names: [], resource: b.resource };
    if (b.name !== undefined && !group.names.includes(b.name)) group.names.push(b.name);
    groups.set(key, group);
  }
  return [...groups.values()].map((g) => [...g.args,
    ...(g.resource === 'cluster' ? ['--cluster'] : g.names.flatMap((n) => [RESOURCE_FLAG[g.resource], n]))]);
}

/** Parses kafka-acls --list output. */
export function parseAclList(text: string): AclEntry[] {
  const entries: AclEntry[] = [];
  let resource: { resourceType: string; name: string; patternType: string } | undefined;
  for (const line of text.split('\n')) {
    const r = /ResourcePattern\(resourceType=(\w+), name=(.*), patternType=(\w+)\)/.exec(line);
    if (r) {
      resource = { resourceType: r[1]!, name: r[2]!, patternType: r[3]! };
      continue;
    }
    const a = /\(principal=(.*), host=(.*), operation=(\w+), permissionType=(\w+)\)/.exec(line);
    if (a && resource) entries.push({ ...resource, principal: a[1]!, host: a[2]!, operation: a[3]!, permission: a[4]! });
  }
  return entries;
}
