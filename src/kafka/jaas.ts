/**
 * `sasl.jaas.config`: Kafka's JaasConfig grammar, read as Kafka reads it, and turned into librdkafka
 * settings for the login modules librdkafka can stand in for.
 *
 * Grammar (org.apache.kafka.common.security.JaasConfig, a java.io.StreamTokenizer):
 *
 *   config  := module+
 *   module  := <class> <flag> (<name> '=' <value>)* ';'
 *   flag    := required | requisite | sufficient | optional        (any case)
 *
 * Tokens: characters 0–32 are blanks; `;` and `=` stand alone; `"…"` and `'…'` are quoted tokens
 * with Java's escapes (\n \t \r \b \f \a \v, octal \0–\377, `\x` for any other x); `//` and a lone `/`
 * start a comment to the end of the line, `/* … *\/` a block comment; any other run of characters is
 * a word (so an unquoted value ends at a blank, `;`, `=`, a quote or `/`). A client takes exactly one
 * login module. An option written twice keeps its last value.
 *
 * Errors name options and positions, never values: a JAAS config holds passwords.
 */

export type ControlFlag = 'required' | 'requisite' | 'sufficient' | 'optional';

export interface JaasModule {
  readonly loginModule: string;
  readonly controlFlag: ControlFlag;
  /** Options in the order first written (a repeated option keeps its last value). */
  readonly options: ReadonlyMap<string, string>;
}

export class JaasSyntaxError extends Error {
  override readonly name = 'JaasSyntaxError';
}

type Token =
  | { readonly kind: 'word' | 'quoted'; readonly text: string; readonly at: number }
  | { readonly kind: 'char'; readonly text: string; readonly at: number }
  | { readonly kind: 'eof'; readonly at: number };

const QUOTES = new Set(['"', "'"]);
const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/** A word character of Kafka's tokenizer: 33–128 and 160 up, except the characters with a role. */
function isWordChar(code: number): boolean {
  if (code >= 256) return true;
  if (code <= 32 || (code > 128 && code < 160)) return false;
  return !(code === 59 /* ; */ || code === 61 /* = */ || code === 34 || code === 39 || code === 47 /* / */);
}

class Tokenizer {
  private pos = 0;

  constructor(private readonly text: string) {}

  next(): Token {
    const { text } = this;
    for (;;) {
      while (this.pos < text.length && text.charCodeAt(this.pos) <= 32) this.pos++;
      if (this.pos >= text.length) return { kind: 'eof', at: this.pos };
      const c = text[this.pos]!;
      if (c === '/') {
        if (text[this.pos + 1] === '*') {
          const end = text.indexOf('*/', this.pos + 2);
          this.pos = end < 0 ? text.length : end + 2;
        } else {
          // `//` and a lone `/` (a comment character) both run to the end of the line.
          while (this.pos < text.length && text[this.pos] !== '\n' && text[this.pos] !== '\r') this.pos++;
        }
        continue;
      }
      const at = this.pos;
      if (QUOTES.has(c)) return { kind: 'quoted', text: this.quoted(c), at };
      if (isWordChar(text.charCodeAt(this.pos))) {
        while (this.pos < text.length && isWordChar(text.charCodeAt(this.pos))) this.pos++;
        return { kind: 'word', text: text.slice(at, this.pos), at };
      }
      this.pos++;
      return { kind: 'char', text: c, at };
    }
  }

  private quoted(quote: string): string {
    const { text } = this;
    const start = this.pos;
    this.pos++;
    let out = '';
    while (this.pos < text.length) {
      const c = text[this.pos]!;
      if (c === quote) {
        this.pos++;
        return out;
      }
      if (c === '\n' || c === '\r') break;
      if (c === '\\' && this.pos + 1 < text.length) {
        const e = text[this.pos + 1]!;
        if (e >= '0' && e <= '7') {
          // Up to three octal digits, the first of three at most 3 (StreamTokenizer's rule).
          let digits = e;
          let next = this.pos + 2;
          while (digits.length < (e <= '3' ? 3 : 2) && next < text.length && text[next]! >= '0' && text[next]! <= '7') digits += text[next++];
          out += String.fromCharCode(parseInt(digits, 8));
          this.pos = next;
        } else {
          out += SIMPLE_ESCAPES[e] ?? e;
          this.pos += 2;
        }
        continue;
      }
      out += c;
      this.pos++;
    }
    throw new JaasSyntaxError(`the value quoted at character ${start + 1} is not closed (a quoted value ends with the same quote, on the same line)`);
  }
}

/** An option or class name safe to show: an identifier, never a value that slipped into its place. */
function shown(name: string): string {
  return /^[A-Za-z_$][\w$.-]{0,79}$/.test(name) ? `'${name}'` : 'an option';
}

/** Parses a `sasl.jaas.config` value. Throws JaasSyntaxError, whose message never holds a value. */
export function parseJaasConfig(config: string): JaasModule[] {
  const tokens = new Tokenizer(config);
  const modules: JaasModule[] = [];
  let token = tokens.next();
  while (token.kind !== 'eof') {
    if (token.kind === 'char') throw new JaasSyntaxError(`expected a login module class at character ${token.at + 1}, found '${token.text}'`);
    const loginModule = token.text;
    const flagToken = tokens.next();
    if (flagToken.kind === 'eof') throw new JaasSyntaxError('the login module has no control flag (required, requisite, sufficient or optional)');
    const flag = flagToken.kind === 'char' ? '' : flagToken.text.toLowerCase();
    if (!['required', 'requisite', 'sufficient', 'optional'].includes(flag)) {
      throw new JaasSyntaxError(`the control flag at character ${flagToken.at + 1} must be required, requisite, sufficient or optional`);
    }
    const options = new Map<string, string>();
    token = tokens.next();
    while (token.kind !== 'eof' && !(token.kind === 'char' && token.text === ';')) {
      if (token.kind === 'char') throw new JaasSyntaxError(`expected an option name at character ${token.at + 1}, found '${token.text}'`);
      const name = token.text;
      const equals = tokens.next();
      if (equals.kind !== 'char' || equals.text !== '=') {
        throw new JaasSyntaxError(`option ${shown(name)} at character ${token.at + 1} has no '=' after it`);
      }
      const value = tokens.next();
      if (value.kind === 'eof' || value.kind === 'char') {
        throw new JaasSyntaxError(`option ${shown(name)} at character ${token.at + 1} has no value (quote an empty one: ${name}="")`);
      }
      options.delete(name); // a repeated option keeps its last value, in its last place
      options.set(name, value.text);
      token = tokens.next();
    }
    if (token.kind === 'eof') throw new JaasSyntaxError(`the login module entry is not terminated by ';'`);
    modules.push({ loginModule, controlFlag: flag as ControlFlag, options });
    token = tokens.next();
  }
  if (modules.length === 0) throw new JaasSyntaxError('no login module is given');
  return modules;
}

// ---- login modules → librdkafka ---------------------------------------------------------------------

export const LOGIN_MODULES = {
  plain: 'org.apache.kafka.common.security.plain.PlainLoginModule',
  scram: 'org.apache.kafka.common.security.scram.ScramLoginModule',
  oauthbearer: 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule',
  kerberos: 'com.sun.security.auth.module.Krb5LoginModule',
} as const;

export type LoginModuleKind = keyof typeof LOGIN_MODULES;

/** The SASL mechanisms each login module serves (Kafka's client picks the module, the mechanism the exchange). */
export const MODULE_MECHANISMS: Readonly<Record<LoginModuleKind, readonly string[]>> = {
  plain: ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'],
  scram: ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'],
  oauthbearer: ['OAUTHBEARER'],
  kerberos: ['GSSAPI'],
};

export interface JaasProblem {
  readonly severity: 'error' | 'warning';
  readonly message: string;
}

export interface JaasContext {
  /** The client's SASL mechanism (Java's default: GSSAPI). */
  readonly mechanism: string;
  /** `sasl.oauthbearer.token.endpoint.url` when set: OAUTHBEARER then logs in with OIDC client credentials. */
  readonly tokenEndpointUrl?: string;
  /** `sasl.kerberos.service.name` when set. */
  readonly kerberosServiceName?: string;
  /** The OIDC client id is set outside the JAAS config (`sasl.oauthbearer.client.credentials.client.id`). */
  readonly oidcClientIdSet?: boolean;
}

export interface JaasMapping {
  readonly kind?: LoginModuleKind;
  /** librdkafka settings the module stands for. */
  readonly settings: Record<string, string>;
  readonly problems: JaasProblem[];
}

/**
 * The librdkafka settings one `sasl.jaas.config` stands for. Parse errors, unknown modules and
 * options librdkafka cannot honour are errors; options with no librdkafka meaning are named in
 * warnings or accepted as documented below. Messages never hold option values.
 */
export function mapJaasConfig(config: string, context: JaasContext): JaasMapping {
  let modules: JaasModule[];
  try {
    modules = parseJaasConfig(config);
  } catch (err) {
    if (err instanceof JaasSyntaxError) return { settings: {}, problems: [{ severity: 'error', message: `not a valid JAAS config: ${err.message}` }] };
    throw err;
  }
  if (modules.length !== 1) {
    return { settings: {}, problems: [{ severity: 'error', message: `holds ${modules.length} login modules; a Kafka client takes exactly one` }] };
  }
  const module = modules[0]!;
  const kind = (Object.keys(LOGIN_MODULES) as LoginModuleKind[]).find((k) => LOGIN_MODULES[k] === module.loginModule);
  if (!kind) {
    const name = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)+$/.test(module.loginModule) ? `'${module.loginModule}'` : 'its login module';
    return {
      settings: {}, problems: [{
        severity: 'error',
        message: `${name} is not a login module librdkafka can stand in for (it runs no Java code): use ` +
          `${Object.values(LOGIN_MODULES).map((m) => m.slice(m.lastIndexOf('.') + 1)).join(', ')}`,
      }],
    };
  }
  const problems: JaasProblem[] = [];
  const mechanism = context.mechanism.toUpperCase();
  if (!MODULE_MECHANISMS[kind].includes(mechanism)) {
    problems.push({
      severity: 'error',
      message: `holds ${module.loginModule.slice(module.loginModule.lastIndexOf('.') + 1)}, which does not serve sasl.mechanism ${mechanism}` +
        `${context.mechanism === 'GSSAPI' ? ' (the default when sasl.mechanism is not set)' : ''}: set sasl.mechanism to ${MODULE_MECHANISMS[kind].join(' or ')}`,
    });
  }
  const options = new Map(module.options);
  const take = (name: string): string | undefined => {
    const value = options.get(name);
    options.delete(name);
    return value;
  };
  const error = (message: string) => problems.push({ severity: 'error', message });
  const settings: Record<string, string> = {};
  switch (kind) {
    case 'plain':
    case 'scram': {
      const username = take('username');
      const password = take('password');
      if (username === undefined) error(`${kind === 'plain' ? 'PlainLoginModule' : 'ScramLoginModule'} needs a username option`);
      if (password === undefined) error(`${kind === 'plain' ? 'PlainLoginModule' : 'ScramLoginModule'} needs a password option`);
      if (username !== undefined) settings['sasl.username'] = username;
      if (password !== undefined) settings['sasl.password'] = password;
      if (kind === 'scram') {
        const tokenauth = take('tokenauth');
        if (tokenauth !== undefined && tokenauth.trim().toLowerCase() === 'true') {
          error('option \'tokenauth\': delegation tokens are not supported by librdkafka');
        }
      }
      break;
    }
    case 'oauthbearer':
      mapOAuthBearer(take, options, context, settings, error);
      break;
    case 'kerberos':
      mapKerberos(take, context, settings, error);
      break;
  }
  for (const name of options.keys()) {
    problems.push({ severity: 'warning', message: `option ${shown(name)} of ${module.loginModule.slice(module.loginModule.lastIndexOf('.') + 1)} is not one kmirror knows: it has no effect` });
  }
  return { kind, settings, problems };
}

/** Kafka's unsecured-JWT options (OAuthBearerUnsecuredLoginCallbackHandler) that librdkafka's unsecured JWT carries. */
const UNSECURED = 'unsecuredLogin';

function mapOAuthBearer(take: (name: string) => string | undefined, options: Map<string, string>, context: JaasContext,
  settings: Record<string, string>, error: (message: string) => void): void {
  const extensions: [string, string][] = [];
  if (context.tokenEndpointUrl !== undefined) {
    // OIDC client credentials (OAuthBearerLoginCallbackHandler): clientId, clientSecret, scope, extension_<name>.
    const url = context.tokenEndpointUrl.trim();
    if (/^file:/i.test(url)) {
      error('a file: token endpoint (a token read from a file) is not supported by librdkafka: use an https token endpoint');
    }
    settings['sasl.oauthbearer.method'] = 'oidc';
    settings['sasl.oauthbearer.token.endpoint.url'] = url;
    const clientId = take('clientId');
    const clientSecret = take('clientSecret');
    const scope = take('scope');
    if (clientId !== undefined) settings['sasl.oauthbearer.client.id'] = clientId;
    else if (!context.oidcClientIdSet) error("OIDC client credentials need option 'clientId' (and 'clientSecret')");
    if (clientSecret !== undefined) settings['sasl.oauthbearer.client.secret'] = clientSecret;
    if (scope !== undefined) settings['sasl.oauthbearer.scope'] = scope;
    for (const name of [...options.keys()]) {
      if (name.startsWith('extension_')) extensions.push([name.slice('extension_'.length), take(name)!]);
    }
    for (const name of [...options.keys()]) {
      if (name.startsWith(UNSECURED)) {
        take(name);
        error(`option '${name}' is for the unsecured JWT login, which Kafka does not use with sasl.oauthbearer.token.endpoint.url: remove one of them`);
      }
    }
    if (extensions.length > 0) settings['sasl.oauthbearer.extensions'] = extensionList(extensions, error, ',');
    return;
  }
  // Unsecured JWT (Kafka's default login callback handler): the claims librdkafka's builtin token carries.
  const principalClaim = take(`${UNSECURED}PrincipalClaimName`) ?? 'sub';
  const scopeClaim = take(`${UNSECURED}ScopeClaimName`) ?? 'scope';
  const lifetime = take(`${UNSECURED}LifetimeSeconds`);
  const principal = take(`${UNSECURED}StringClaim_${principalClaim}`);
  const parts: string[] = [];
  if (principal === undefined) {
    error(`OAuthBearerLoginModule needs option '${UNSECURED}StringClaim_${principalClaim}' (the principal), or ` +
      'sasl.oauthbearer.token.endpoint.url with clientId and clientSecret for OIDC');
  } else if (/\s/.test(principal) || principal === '') {
    error(`option '${UNSECURED}StringClaim_${principalClaim}': librdkafka's unsecured JWT cannot carry an empty principal or one with blanks`);
  } else {
    parts.push(`principal=${principal}`);
  }
  if (principalClaim !== 'sub') parts.push(`principalClaimName=${principalClaim}`);
  if (scopeClaim !== 'scope') parts.push(`scopeClaimName=${scopeClaim}`);
  const listScope = take(`${UNSECURED}ListClaim_${scopeClaim}`);
  const stringScope = take(`${UNSECURED}StringClaim_${scopeClaim}`);
  // A list claim's first character is its delimiter (`unsecuredLoginListClaim_scope=",read,write"`).
  const scopes = listScope !== undefined ? listScope.slice(1).split(listScope[0] ?? ',').filter((s) => s !== '')
    : stringScope !== undefined ? [stringScope] : [];
  if (scopes.some((s) => /[\s,]/.test(s))) {
    error(`option '${UNSECURED}${listScope !== undefined ? 'List' : 'String'}Claim_${scopeClaim}': librdkafka's unsecured JWT cannot carry a scope with blanks or commas`);
  } else if (scopes.length > 0) {
    parts.push(`scope=${scopes.join(',')}`);
  }
  if (lifetime !== undefined) {
    if (!/^\d+$/.test(lifetime.trim()) || Number(lifetime) < 1) error(`option '${UNSECURED}LifetimeSeconds' must be a whole number of seconds`);
    else parts.push(`lifeSeconds=${Number(lifetime)}`);
  }
  for (const name of [...options.keys()]) {
    if (name.startsWith(`${UNSECURED}Extension_`)) extensions.push([name.slice(`${UNSECURED}Extension_`.length), take(name)!]);
  }
  if (extensions.length > 0) {
    const list = extensionList(extensions, error, ' ');
    if (list !== '') parts.push(...list.split(' '));
  }
  for (const name of [...options.keys()]) {
    if (/^unsecuredLogin(String|Number|List)Claim_/.test(name)) {
      take(name);
      error(`option '${name}': librdkafka's unsecured JWT carries only the principal and scope claims`);
    } else if (['clientId', 'clientSecret', 'scope'].includes(name) || name.startsWith('extension_')) {
      take(name);
      error(`option '${name}' is for OIDC client credentials, which need sasl.oauthbearer.token.endpoint.url`);
    }
  }
  settings['enable.sasl.oauthbearer.unsecure.jwt'] = 'true';
  if (principal !== undefined) settings['sasl.oauthbearer.config'] = parts.join(' ');
}

/** SASL extensions as librdkafka writes them: `name=value` joined by `separator`. */
function extensionList(extensions: readonly [string, string][], error: (message: string) => void, separator: string): string {
  const out: string[] = [];
  for (const [name, value] of extensions) {
    if (!/^[A-Za-z]+$/.test(name) || name === 'auth') {
      error(`SASL extension ${shown(name)}: a name is letters only, and not 'auth' (RFC 7628)`);
    } else if (value.includes(separator) || value.includes(',') || /\s/.test(value)) {
      error(`SASL extension ${shown(name)}: librdkafka cannot carry a value with blanks or commas`);
    } else {
      out.push(`${separator === ' ' ? 'extension_' : ''}${name}=${value}`);
    }
  }
  return out.join(separator);
}

/** Krb5LoginModule options with no librdkafka meaning, accepted as they are (librdkafka runs kinit itself). */
const KERBEROS_NO_EFFECT = ['storeKey', 'doNotPrompt', 'debug', 'renewTGT', 'refreshKrb5Config', 'tryFirstPass', 'useFirstPass', 'storePass', 'clearPass'];

function mapKerberos(take: (name: string) => string | undefined, context: JaasContext, settings: Record<string, string>,
  error: (message: string) => void): void {
  const flag = (name: string): boolean | undefined => {
    const value = take(name);
    if (value === undefined) return undefined;
    return value.trim().toLowerCase() === 'true';
  };
  const useKeyTab = flag('useKeyTab') ?? false;
  const useTicketCache = flag('useTicketCache') ?? false;
  const keyTab = take('keyTab');
  const principal = take('principal');
  const serviceName = take('serviceName');
  const ticketCache = take('ticketCache');
  const isInitiator = flag('isInitiator');
  for (const name of KERBEROS_NO_EFFECT) take(name);
  if (isInitiator === false) error("option 'isInitiator=false': a client always initiates");
  if (ticketCache !== undefined) error("option 'ticketCache': librdkafka uses the default ticket cache (set KRB5CCNAME in kmirror's environment instead)");
  if (useKeyTab) {
    if (keyTab === undefined) error("useKeyTab=true needs option 'keyTab' (the keytab file)");
    else settings['sasl.kerberos.keytab'] = keyTab;
    if (principal === undefined || principal === '*') error("useKeyTab=true needs option 'principal' (a principal name, not '*')");
  } else if (useTicketCache) {
    // No keytab: librdkafka must not run kinit; the ticket cache someone else renews is used as it is.
    settings['sasl.kerberos.min.time.before.relogin'] = '0';
    if (keyTab !== undefined) error("option 'keyTab' has no effect without useKeyTab=true (Krb5LoginModule ignores it): set useKeyTab=true or remove it");
  } else {
    error('Krb5LoginModule needs useKeyTab=true (with keyTab and principal) or useTicketCache=true: a client cannot be prompted for a password');
  }
  if (principal !== undefined && principal !== '*') settings['sasl.kerberos.principal'] = principal;
  if (serviceName !== undefined) {
    if (context.kerberosServiceName !== undefined && context.kerberosServiceName !== serviceName) {
      error("option 'serviceName' and sasl.kerberos.service.name differ (Kafka refuses conflicting values): keep one");
    } else {
      settings['sasl.kerberos.service.name'] = serviceName;
    }
  }
}

/** Every option value of a JAAS config (its secrets, for scrubbing); empty when it does not parse. */
export function jaasOptionValues(config: string): string[] {
  try {
    return parseJaasConfig(config).flatMap((m) => [...m.options.values()]).filter((v) => v !== '');
  } catch {
    return [];
  }
}
