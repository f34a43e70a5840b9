import type { ClientProperties } from '../config/mirror-config.js';
import { ErrorCodes, KmirrorError } from '../errors.js';
import { mapJaasConfig } from './jaas.js';
import { readKeyStore, readTrustStore, StoreError, type KeyStoreInput, type TrustStoreInput } from './stores.js';
import { checkEnabledProtocols, checkProtocol, mapCipherSuites } from './tls.js';

/**
 * mm2.properties speaks the Java client's setting names; librdkafka has its own. This module turns
 * one into the other, completely: every setting either
 *   - maps: passes through (same name and meaning in librdkafka), is renamed (RENAMED), or is
 *     translated (sasl.jaas.config, the trust and key stores, ssl.endpoint.identification.algorithm,
 *     ssl.cipher.suites, sasl.kerberos.kinit.cmd, buffer.memory);
 *   - is checked and has nothing to set, because librdkafka already behaves as it asks
 *     (ssl.enabled.protocols, ssl.protocol; ACCEPTED_DEFAULTS), or refused when it does not;
 *   - has no effect by design (JAVA_ONLY: serde, JVM plumbing, Java's own login refresh timing), listed in `dropped`;
 *   - or is an issue naming the setting: an error when librdkafka cannot honour it (a Java class
 *     kmirror cannot run, a TLS restriction librdkafka has no setting for), a warning when it has no
 *     effect but changes nothing that matters.
 * A name librdkafka does not know passes through and librdkafka refuses it, naming it
 * (`kmirror validate` builds every client's librdkafka configuration to find those).
 *
 * Messages name settings, never their values: values may be secrets.
 */

const RENAMED: Readonly<Record<string, string>> = {
  'fetch.max.wait.ms': 'fetch.wait.max.ms',
  'max.request.size': 'message.max.bytes',
  'delivery.timeout.ms': 'message.timeout.ms',
  'sasl.mechanism': 'sasl.mechanisms',
};

/**
 * Java client settings without a librdkafka counterpart and without a security meaning (serde,
 * JVM plumbing, poll sizing, Java's own login refresh timing): no effect by design.
 */
const JAVA_ONLY: ReadonlySet<string> = new Set([
  'key.serializer', 'value.serializer', 'key.deserializer', 'value.deserializer',
  'partitioner.class', 'partitioner.ignore.keys', 'partitioner.adaptive.partitioning.enable',
  'partitioner.availability.timeout.ms', 'max.poll.records', 'exclude.internal.topics',
  'metric.reporters', 'metrics.num.samples', 'metrics.recording.level', 'metrics.sample.window.ms',
  'default.api.timeout.ms', 'retry.backoff.max.ms', 'reconnect.backoff.max.ms.jitter',
  'auto.include.jmx.reporter', 'send.buffer.bytes', 'receive.buffer.bytes',
  'allow.auto.create.topics', 'internal.leave.group.on.close', 'transaction.timeout.ms',
  'metadata.max.idle.ms', 'check.crcs', 'max.block.ms', 'enable.metrics.push',
  // Java's TLS plumbing: OpenSSL's random numbers.
  'ssl.secure.random.implementation',
  // Java's Kerberos ticket renewal timing: librdkafka runs kinit every sasl.kerberos.min.time.before.relogin.
  'sasl.kerberos.ticket.renew.jitter', 'sasl.kerberos.ticket.renew.window.factor',
  // Java's OAuth token refresh and HTTP timing: librdkafka refreshes a token at 80% of its lifetime.
  'sasl.login.refresh.window.factor', 'sasl.login.refresh.window.jitter', 'sasl.login.refresh.min.period.seconds',
  'sasl.login.refresh.buffer.seconds', 'sasl.login.connect.timeout.ms', 'sasl.login.read.timeout.ms',
  'sasl.login.retry.backoff.ms', 'sasl.login.retry.backoff.max.ms',
  // How the Java client checks the token it was given, and how brokers check tokens: a client's token
  // is checked by the broker it is sent to.
  'sasl.oauthbearer.scope.claim.name', 'sasl.oauthbearer.sub.claim.name', 'sasl.oauthbearer.clock.skew.seconds',
  'sasl.oauthbearer.expected.audience', 'sasl.oauthbearer.expected.issuer', 'sasl.oauthbearer.jwks.endpoint.url',
  'sasl.oauthbearer.jwks.endpoint.refresh.ms', 'sasl.oauthbearer.jwks.endpoint.retry.backoff.ms',
  'sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms',
]);

/** Java settings with a security meaning that have no effect when they hold Java's defaults (any case). */
const ACCEPTED_DEFAULTS: Readonly<Record<string, { readonly values: readonly string[]; readonly otherwise: string }>> = {
  'ssl.keymanager.algorithm': { values: ['SunX509', 'NewSunX509', 'PKIX'], otherwise: 'librdkafka presents the key store\'s certificate with OpenSSL; a Java key manager has no effect' },
  'ssl.trustmanager.algorithm': { values: ['PKIX', 'SunX509', 'SunPKIX'], otherwise: 'librdkafka verifies brokers with OpenSSL (PKIX); a Java trust manager has no effect' },
  'sasl.login.class': {
    values: ['org.apache.kafka.common.security.authenticator.DefaultLogin', 'org.apache.kafka.common.security.kerberos.KerberosLogin',
      'org.apache.kafka.common.security.oauthbearer.internals.OAuthBearerRefreshingLogin'],
    otherwise: 'a custom Java login class cannot run in librdkafka',
  },
  'sasl.oauthbearer.header.urlencode': { values: ['false'], otherwise: 'librdkafka does not URL-encode the client credentials it sends' },
  'sasl.oauthbearer.jwt.validator.class': {
    values: ['org.apache.kafka.common.security.oauthbearer.DefaultJwtValidator', 'org.apache.kafka.common.security.oauthbearer.ClientJwtValidator'],
    otherwise: 'a custom Java token validator cannot run in librdkafka',
  },
};

/** Java settings whose value is a Java class or provider kmirror cannot run: an error. */
const JAVA_CODE: Readonly<Record<string, string>> = {
  'ssl.engine.factory.class': 'a custom Java SSL engine factory cannot run in librdkafka: give the stores with ssl.truststore.* and ssl.keystore.*',
  'sasl.client.callback.handler.class': 'a Java callback handler cannot run in librdkafka: give the credentials in sasl.jaas.config',
};

/** Java settings that have no effect in librdkafka but might be meant to: a warning. */
const NO_EFFECT_WARNINGS: Readonly<Record<string, string>> = {
  'ssl.provider': 'librdkafka uses OpenSSL, not a Java security provider',
  'security.providers': 'librdkafka uses OpenSSL and Cyrus SASL, not Java security providers',
  'interceptor.classes': 'Java interceptors cannot run in librdkafka: records do not pass through them',
};

/** Kafka's own login callback handlers: the unsecured JWT one, and the OIDC client-credentials one. */
const UNSECURED_HANDLER = 'org.apache.kafka.common.security.oauthbearer.internals.unsecured.OAuthBearerUnsecuredLoginCallbackHandler';
const OIDC_HANDLERS = [
  'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler',
  'org.apache.kafka.common.security.oauthbearer.secured.OAuthBearerLoginCallbackHandler',
];
const JWT_RETRIEVERS: Readonly<Record<string, string | null>> = {
  'org.apache.kafka.common.security.oauthbearer.DefaultJwtRetriever': null,
  'org.apache.kafka.common.security.oauthbearer.ClientCredentialsJwtRetriever': 'client_credentials',
  'org.apache.kafka.common.security.oauthbearer.JwtBearerJwtRetriever': 'urn:ietf:params:oauth:grant-type:jwt-bearer',
};

const TRUST_STORE_KEYS = ['ssl.truststore.location', 'ssl.truststore.password', 'ssl.truststore.type', 'ssl.truststore.certificates'];
const KEY_STORE_KEYS = ['ssl.keystore.location', 'ssl.keystore.password', 'ssl.keystore.type', 'ssl.keystore.certificate.chain', 'ssl.keystore.key', 'ssl.key.password'];
/** Java-only TLS settings: checked or translated when TLS is used, without effect otherwise. */
const JAVA_TLS_KEYS = new Set([...TRUST_STORE_KEYS, ...KEY_STORE_KEYS, 'ssl.enabled.protocols', 'ssl.protocol', 'ssl.cipher.suites']);

export interface ClientIssue {
  readonly severity: 'error' | 'warning';
  /** The client setting at fault, by its name in the client's properties. */
  readonly setting: string;
  /** Never holds a value. */
  readonly message: string;
}

export interface ClientTranslation {
  /** librdkafka settings. */
  readonly settings: Readonly<Record<string, string>>;
  /** Settings without effect by design (names only: values may be secret). */
  readonly dropped: readonly string[];
  readonly issues: readonly ClientIssue[];
  /** For each librdkafka setting, the client setting it comes from (to name it when librdkafka refuses it). */
  readonly sources: Readonly<Record<string, string>>;
}

export interface TranslatedSettings {
  readonly settings: Record<string, string>;
  /** Java-only settings that were dropped (names only: values may be secret). */
  readonly dropped: readonly string[];
}

const translations = new WeakMap<ClientProperties, ClientTranslation>();

/**
 * Java client settings → librdkafka settings, with every issue. Translated once per properties
 * object (stores are read once): the result must not be changed.
 */
export function translateClientSettings(properties: ClientProperties): ClientTranslation {
  let translation = translations.get(properties);
  if (!translation) {
    translation = translate(properties);
    translations.set(properties, translation);
  }
  return translation;
}

/** Java client settings → librdkafka settings; throws CONFIG_INVALID naming each setting librdkafka cannot be given. */
export function toRdkafkaSettings(properties: ClientProperties): TranslatedSettings {
  const { settings, dropped, issues } = translateClientSettings(properties);
  const errors = issues.filter((i) => i.severity === 'error');
  if (errors.length > 0) {
    throw new KmirrorError(ErrorCodes.CONFIG_INVALID, `client settings cannot be given to librdkafka: ${errors.length} error(s)`,
      { details: errors.map((e) => `${e.setting}: ${e.message}`) });
  }
  return { settings: { ...settings }, dropped: [...dropped] };
}

function translate(properties: ClientProperties): ClientTranslation {
  const settings: Record<string, string> = {};
  const sources: Record<string, string> = {};
  const dropped: string[] = [];
  const issues: ClientIssue[] = [];
  const set = (name: string, value: string, from: string) => {
    settings[name] = value;
    sources[name] = from;
  };
  const error = (setting: string, message: string) => issues.push({ severity: 'error', setting, message });
  const warn = (setting: string, message: string) => issues.push({ severity: 'warning', setting, message });

  const protocol = (properties['security.protocol'] ?? 'PLAINTEXT').trim().toUpperCase();
  const tls = protocol === 'SSL' || protocol === 'SASL_SSL';
  const sasl = protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL';
  const mechanism = (properties['sasl.mechanism'] ?? properties['sasl.mechanisms'] ?? 'GSSAPI').trim();
  const noEffect = (key: string, why: string) => warn(key, `has no effect: ${why}`);

  for (const [key, value] of Object.entries(properties)) {
    if (key === 'sasl.jaas.config' || key === 'sasl.oauthbearer.token.endpoint.url' || key === 'sasl.login.callback.handler.class') continue;
    if (JAVA_TLS_KEYS.has(key)) {
      if (!tls) noEffect(key, `security.protocol is ${protocol}`);
      continue; // the stores and TLS checks below
    }
    if (key === 'buffer.memory') {
      // The producer's memory bound, in bytes; librdkafka counts kilobytes.
      set('queue.buffering.max.kbytes', String(Math.max(1, Math.floor(Number(value) / 1024))), key);
      continue;
    }
    if (key === 'ssl.endpoint.identification.algorithm') {
      const v = value.trim().toLowerCase();
      if (v === '' || v === 'none') set(key, 'none', key);
      else if (v === 'https') set(key, 'https', key);
      else error(key, 'must be https (check the broker\'s host name against its certificate) or empty (do not)');
      continue;
    }
    if (key === 'sasl.kerberos.kinit.cmd' && !value.includes('%{')) {
      // Java names the kinit program; librdkafka wants the whole command line.
      const kinit = /^[\w./+-]+$/.test(value.trim()) ? value.trim() : `'${value.trim().replace(/'/g, `'\\''`)}'`;
      set(key, `${kinit} -R -t "%{sasl.kerberos.keytab}" -k %{sasl.kerberos.principal} || ` +
        `${kinit} -t "%{sasl.kerberos.keytab}" -k %{sasl.kerberos.principal}`, key);
      continue;
    }
    if (key === 'sasl.oauthbearer.jwt.retriever.class') {
      const grant = JWT_RETRIEVERS[value.trim()];
      if (grant === undefined) {
        error(key, value.trim() === 'org.apache.kafka.common.security.oauthbearer.FileJwtRetriever'
          ? 'a token read from a file is not supported by librdkafka' : 'a custom Java token retriever cannot run in librdkafka');
      } else if (grant !== null) {
        set('sasl.oauthbearer.grant.type', grant, key);
      }
      continue;
    }
    const accepted = ACCEPTED_DEFAULTS[key];
    if (accepted) {
      if (accepted.values.some((v) => v.toLowerCase() === value.trim().toLowerCase())) dropped.push(key);
      else error(key, accepted.otherwise);
      continue;
    }
    if (JAVA_CODE[key] !== undefined) {
      if (value.trim() === '') dropped.push(key);
      else error(key, JAVA_CODE[key]!);
      continue;
    }
    if (NO_EFFECT_WARNINGS[key] !== undefined) {
      if (value.trim() === '') dropped.push(key);
      else noEffect(key, NO_EFFECT_WARNINGS[key]!);
      continue;
    }
    if (JAVA_ONLY.has(key)) {
      dropped.push(key);
      continue;
    }
    set(RENAMED[key] ?? key, value, key);
  }

  if (tls) translateTls(properties, set, error, warn);
  translateSasl(properties, { sasl, protocol, mechanism }, set, error, noEffect);
  return { settings, dropped, issues, sources };
}

type Setter = (name: string, value: string, from: string) => void;
type Reporter = (setting: string, message: string) => void;

function translateTls(properties: ClientProperties, set: Setter, error: Reporter, warn: Reporter): void {
  const has = (key: string) => properties[key] !== undefined;
  // The trust store: every certificate it holds, in memory (librdkafka: ssl.ca.pem).
  if (has('ssl.truststore.location') || has('ssl.truststore.certificates')) {
    const input: TrustStoreInput = {
      type: properties['ssl.truststore.type'],
      location: properties['ssl.truststore.location'],
      password: properties['ssl.truststore.password'],
      certificates: properties['ssl.truststore.certificates'],
    };
    const anchor = has('ssl.truststore.certificates') ? 'ssl.truststore.certificates' : 'ssl.truststore.location';
    try {
      set('ssl.ca.pem', readTrustStore(input).caPem, anchor);
    } catch (err) {
      if (!(err instanceof StoreError)) throw err;
      storeProblem(err, anchor, properties, error);
    }
  } else {
    for (const key of ['ssl.truststore.password', 'ssl.truststore.type']) {
      if (has(key)) warn(key, 'has no effect without ssl.truststore.location (the system\'s trusted certificates are used)');
    }
  }
  // The key store: the client certificate with its chain, and its key (ssl.certificate.pem, ssl.key.pem).
  if (has('ssl.keystore.location') || has('ssl.keystore.key') || has('ssl.keystore.certificate.chain')) {
    const input: KeyStoreInput = {
      type: properties['ssl.keystore.type'],
      location: properties['ssl.keystore.location'],
      password: properties['ssl.keystore.password'],
      keyPassword: properties['ssl.key.password'],
      certificateChain: properties['ssl.keystore.certificate.chain'],
      key: properties['ssl.keystore.key'],
    };
    const anchor = has('ssl.keystore.location') ? 'ssl.keystore.location' : has('ssl.keystore.key') ? 'ssl.keystore.key' : 'ssl.keystore.certificate.chain';
    try {
      const store = readKeyStore(input);
      set('ssl.certificate.pem', store.certificatePem, anchor);
      set('ssl.key.pem', store.keyPem, has('ssl.keystore.key') ? 'ssl.keystore.key' : anchor);
      if (store.keyPassword !== undefined) set('ssl.key.password', store.keyPassword, 'ssl.key.password');
      for (const w of store.warnings) (has(w.setting) ? warn(w.setting, w.message) : warn(anchor, `${w.setting} ${w.message}`));
    } catch (err) {
      if (!(err instanceof StoreError)) throw err;
      storeProblem(err, anchor, properties, error);
    }
  } else if (has('ssl.key.password') && has('ssl.key.location')) {
    // librdkafka's own key file with its password.
    set('ssl.key.password', properties['ssl.key.password']!, 'ssl.key.password');
  } else {
    for (const key of ['ssl.keystore.password', 'ssl.keystore.type', 'ssl.key.password']) {
      if (has(key)) warn(key, 'has no effect without ssl.keystore.location (or ssl.keystore.key): no client certificate is presented');
    }
  }
  // TLS versions and cipher suites: accepted when librdkafka does what they ask, refused otherwise.
  const check = (key: string, result: ReturnType<typeof checkProtocol>, map = false) => {
    if (!result.ok) error(key, result.error);
    else {
      if (result.warning) warn(key, result.warning);
      if (map && result.value !== undefined) set(key, result.value, key);
    }
  };
  if (has('ssl.protocol')) check('ssl.protocol', checkProtocol(properties['ssl.protocol']!));
  if (has('ssl.enabled.protocols')) check('ssl.enabled.protocols', checkEnabledProtocols(properties['ssl.enabled.protocols']!));
  if (has('ssl.cipher.suites')) {
    const value = properties['ssl.cipher.suites']!;
    // An OpenSSL cipher string (librdkafka's own spelling, e.g. `ECDHE-RSA-AES256-GCM-SHA384:!aNULL`) passes as it is.
    if (/[:!+@]/.test(value) || (/^[A-Z0-9-]+$/.test(value.trim()) && !value.includes('_'))) set('ssl.cipher.suites', value, 'ssl.cipher.suites');
    else check('ssl.cipher.suites', mapCipherSuites(value), true);
  }
}

/** A store problem as an issue on the setting at fault, or on `anchor` when that setting is not written. */
function storeProblem(err: StoreError, anchor: string, properties: ClientProperties, error: Reporter): void {
  if (properties[err.setting] !== undefined) error(err.setting, err.message);
  else error(anchor, `${err.setting} ${err.message}`);
}

function translateSasl(properties: ClientProperties, context: { sasl: boolean; protocol: string; mechanism: string }, set: Setter,
  error: Reporter, noEffect: Reporter): void {
  const jaas = properties['sasl.jaas.config'];
  const endpoint = properties['sasl.oauthbearer.token.endpoint.url'];
  const handler = properties['sasl.login.callback.handler.class']?.trim();
  if (!context.sasl) {
    for (const key of ['sasl.jaas.config', 'sasl.oauthbearer.token.endpoint.url', 'sasl.login.callback.handler.class']) {
      if (properties[key] !== undefined) noEffect(key, `security.protocol is ${context.protocol}`);
    }
    return;
  }
  const oauth = context.mechanism.toUpperCase() === 'OAUTHBEARER';
  if (handler !== undefined && handler !== '' && handler !== UNSECURED_HANDLER && !OIDC_HANDLERS.includes(handler)) {
    error('sasl.login.callback.handler.class', 'a custom Java login callback handler cannot run in librdkafka');
  }
  if (handler !== undefined && OIDC_HANDLERS.includes(handler) && endpoint === undefined) {
    error('sasl.login.callback.handler.class', 'OIDC client credentials need sasl.oauthbearer.token.endpoint.url');
  }
  if (handler === UNSECURED_HANDLER && endpoint !== undefined) {
    error('sasl.oauthbearer.token.endpoint.url', 'is set with the unsecured JWT login callback handler: remove one of them');
  }
  if (jaas === undefined) {
    if (oauth && properties['enable.sasl.oauthbearer.unsecure.jwt'] === undefined && properties['sasl.oauthbearer.method'] === undefined) {
      error('sasl.mechanism', 'OAUTHBEARER needs sasl.jaas.config with OAuthBearerLoginModule');
    }
    if (endpoint !== undefined) set('sasl.oauthbearer.token.endpoint.url', endpoint, 'sasl.oauthbearer.token.endpoint.url');
    return;
  }
  const mapping = mapJaasConfig(jaas, {
    mechanism: context.mechanism,
    ...(endpoint !== undefined && oauth && { tokenEndpointUrl: endpoint }),
    ...(properties['sasl.kerberos.service.name'] !== undefined && { kerberosServiceName: properties['sasl.kerberos.service.name'] }),
    oidcClientIdSet: properties['sasl.oauthbearer.client.credentials.client.id'] !== undefined || properties['sasl.oauthbearer.client.id'] !== undefined,
  });
  for (const problem of mapping.problems) {
    if (problem.severity === 'error') error('sasl.jaas.config', problem.message);
    else noEffect('sasl.jaas.config', problem.message.replace(/: it has no effect$/, ''));
  }
  for (const [name, value] of Object.entries(mapping.settings)) {
    set(name, value, name === 'sasl.oauthbearer.token.endpoint.url' ? 'sasl.oauthbearer.token.endpoint.url' : 'sasl.jaas.config');
  }
  if (endpoint !== undefined && mapping.kind !== 'oauthbearer') {
    noEffect('sasl.oauthbearer.token.endpoint.url', 'sasl.jaas.config does not hold OAuthBearerLoginModule');
  }
}
