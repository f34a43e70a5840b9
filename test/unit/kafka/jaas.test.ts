import { describe, expect, it } from 'vitest';
import { JaasSyntaxError, mapJaasConfig, parseJaasConfig, type JaasContext } from '../../../src/kafka/jaas.js';

const PLAIN = 'org.apache.kafka.common.security.plain.PlainLoginModule';
const SCRAM = 'org.apache.kafka.common.security.scram.ScramLoginModule';
const OAUTH = 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule';
const KRB5 = 'com.sun.security.auth.module.Krb5LoginModule';

const options = (config: string) => Object.fromEntries(parseJaasConfig(config)[0]!.options);

describe('parseJaasConfig: Kafka\'s JaasConfig grammar', () => {
  it.each([
    ['double quotes', `${PLAIN} required username="mm2" password="s3cr3t-value";`],
    ['single quotes', `${PLAIN} required username='mm2' password='s3cr3t-value';`],
    ['unquoted words', `${PLAIN} required username=mm2 password=s3cr3t-value;`],
    ['mixed, blanks and line breaks anywhere', `  ${PLAIN}\n\trequired\n username = "mm2"\r\n password='s3cr3t-value' ;  `],
    ['a control flag in any case', `${PLAIN} REQUIRED username=mm2 password=s3cr3t-value;`],
    ['comments', `/* block */ ${PLAIN} required // to the end of the line\n username=mm2 /* here */ password="s3cr3t-value";`],
    ['quoted class and option names', `"${PLAIN}" 'required' "username"=mm2 'password'="s3cr3t-value";`],
  ])('reads %s', (_, config) => {
    const [module, ...rest] = parseJaasConfig(config);
    expect(rest).toEqual([]);
    expect(module!.loginModule).toBe(PLAIN);
    expect(module!.controlFlag).toBe('required');
    expect(Object.fromEntries(module!.options)).toEqual({ username: 'mm2', password: 's3cr3t-value' });
  });

  it('unescapes quoted values as Java\'s StreamTokenizer does', () => {
    expect(options(`${PLAIN} required password="a\\"b\\\\c\\'d";`).password).toBe('a"b\\c\'d');
    expect(options(`${PLAIN} required password='it\\'s';`).password).toBe("it's");
    expect(options(`${PLAIN} required password="t\\tn\\nr\\r";`).password).toBe('t\tn\nr\r');
    expect(options(`${PLAIN} required password="\\101\\60\\1234";`).password).toBe('A0S4');
    expect(options(`${PLAIN} required password="x\\qy";`).password).toBe('xqy');
    // Inside quotes, `;`, `=`, `/`, blanks and the other quote are plain characters.
    expect(options(`${PLAIN} required password="a;b=c/d e'f//g";`).password).toBe("a;b=c/d e'f//g");
    expect(options(`${PLAIN} required password="";`).password).toBe('');
  });

  it('ends an unquoted value at a blank, ;, =, a quote or /', () => {
    expect(options(`${PLAIN} required username=a-b.c@d!e password=x;`)).toEqual({ username: 'a-b.c@d!e', password: 'x' });
    expect(options(`${PLAIN} required username=abc;`)).toEqual({ username: 'abc' });
    // A `/` outside quotes starts a comment, as in Kafka: unquoted paths do not work there either.
    expect(() => parseJaasConfig(`${KRB5} required keyTab=/etc/kafka/mm2.keytab;`)).toThrow(/has no value/);
  });

  it('keeps the last value of an option written twice', () => {
    expect(options(`${PLAIN} required username=first username="second";`)).toEqual({ username: 'second' });
  });

  it('reads several login modules', () => {
    const modules = parseJaasConfig(`${PLAIN} required username=a; ${SCRAM} optional username=b password=c;`);
    expect(modules.map((m) => [m.loginModule, m.controlFlag, m.options.size])).toEqual([[PLAIN, 'required', 1], [SCRAM, 'optional', 2]]);
  });

  it.each([
    ['', /no login module/],
    ['  /* only a comment */ ', /no login module/],
    [PLAIN, /no control flag/],
    [`${PLAIN} mandatory username=a;`, /control flag at character \d+ must be required, requisite, sufficient or optional/],
    [`${PLAIN} required username="a" password="hunter2-s3cret"`, /not terminated by ';'/],
    [`${PLAIN} required username "a";`, /option 'username' at character \d+ has no '='/],
    [`${PLAIN} required username=;`, /option 'username' at character \d+ has no value/],
    [`${PLAIN} required password="hunter2-s3cret;`, /quoted at character \d+ is not closed/],
    [`${PLAIN} required password='hunter2-s3cret\n';`, /is not closed/],
    [`; ${PLAIN} required;`, /expected a login module class at character 1/],
    [`${PLAIN} required = x;`, /expected an option name/],
  ])('refuses %j naming the fault, never a value', (config, message) => {
    let thrown: unknown;
    try {
      parseJaasConfig(config);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(JaasSyntaxError);
    expect((thrown as Error).message).toMatch(message);
    expect((thrown as Error).message).not.toContain('hunter2');
  });

  it('never shows a value that stands where an option name should', () => {
    expect(() => parseJaasConfig(`${PLAIN} required "hunter2 s3cret" x;`)).toThrow(/option an option at character/);
  });
});

const ctx = (mechanism: string, rest: Partial<JaasContext> = {}): JaasContext => ({ mechanism, ...rest });

describe('mapJaasConfig: login modules → librdkafka', () => {
  it.each([
    [PLAIN, 'PLAIN'], [PLAIN, 'SCRAM-SHA-256'], [SCRAM, 'SCRAM-SHA-256'], [SCRAM, 'SCRAM-SHA-512'],
  ])('%s with %s: sasl.username and sasl.password', (module, mechanism) => {
    const mapped = mapJaasConfig(`${module} required username="mm2-user" password='p@ss w0rd';`, ctx(mechanism));
    expect(mapped.problems).toEqual([]);
    expect(mapped.settings).toEqual({ 'sasl.username': 'mm2-user', 'sasl.password': 'p@ss w0rd' });
  });

  it('refuses a module that does not serve the mechanism, and names the default', () => {
    const mapped = mapJaasConfig(`${PLAIN} required username=u password=p;`, ctx('GSSAPI'));
    expect(mapped.problems).toEqual([{ severity: 'error', message: expect.stringMatching(/PlainLoginModule, which does not serve sasl\.mechanism GSSAPI \(the default.*set sasl\.mechanism to PLAIN or SCRAM-SHA-256 or SCRAM-SHA-512/) }]);
    expect(mapJaasConfig(`${KRB5} required useTicketCache=true;`, ctx('PLAIN')).problems[0]!.message).toMatch(/does not serve sasl\.mechanism PLAIN/);
  });

  it('needs both PLAIN/SCRAM credentials, refuses delegation tokens, warns about unknown options', () => {
    expect(mapJaasConfig(`${SCRAM} required username=u;`, ctx('SCRAM-SHA-512')).problems)
      .toEqual([{ severity: 'error', message: 'ScramLoginModule needs a password option' }]);
    expect(mapJaasConfig(`${SCRAM} required username=u password=p tokenauth=true;`, ctx('SCRAM-SHA-512')).problems)
      .toEqual([{ severity: 'error', message: expect.stringMatching(/tokenauth.*delegation tokens are not supported/) }]);
    expect(mapJaasConfig(`${SCRAM} required username=u password=p tokenauth=false;`, ctx('SCRAM-SHA-512')).problems).toEqual([]);
    expect(mapJaasConfig(`${PLAIN} required username=u password=p user_admin=hunter2;`, ctx('PLAIN')).problems)
      .toEqual([{ severity: 'warning', message: "option 'user_admin' of PlainLoginModule is not one kmirror knows: it has no effect" }]);
  });

  it('refuses several modules and unknown modules, naming a class but never a value', () => {
    expect(mapJaasConfig(`${PLAIN} required username=a password=b; ${SCRAM} required username=c password=d;`, ctx('PLAIN')).problems)
      .toEqual([{ severity: 'error', message: 'holds 2 login modules; a Kafka client takes exactly one' }]);
    const iam = mapJaasConfig('software.amazon.msk.auth.iam.IAMLoginModule required;', ctx('AWS_MSK_IAM'));
    expect(iam.problems[0]!.message).toMatch(/^'software\.amazon\.msk\.auth\.iam\.IAMLoginModule' is not a login module librdkafka can stand in for/);
    const garbage = mapJaasConfig('hunter2-s3cret required;', ctx('PLAIN'));
    expect(garbage.problems[0]!.message).toMatch(/^its login module is not/);
    const broken = mapJaasConfig(`${PLAIN} required password="hunter2-s3cret`, ctx('PLAIN'));
    expect(broken.problems).toEqual([{ severity: 'error', message: expect.stringMatching(/^not a valid JAAS config: /) }]);
    expect(JSON.stringify(broken)).not.toContain('hunter2');
  });

  describe('OAuthBearerLoginModule', () => {
    it('unsecured JWT: principal, scope list (first character delimits), lifetime, extensions', () => {
      const mapped = mapJaasConfig(`${OAUTH} required unsecuredLoginStringClaim_sub="mm2-principal" ` +
        `unsecuredLoginListClaim_scope="|read|write" unsecuredLoginLifetimeSeconds=600 unsecuredLoginExtension_traceId=abc123;`, ctx('OAUTHBEARER'));
      expect(mapped.problems).toEqual([]);
      expect(mapped.settings).toEqual({
        'enable.sasl.oauthbearer.unsecure.jwt': 'true',
        'sasl.oauthbearer.config': 'principal=mm2-principal scope=read,write lifeSeconds=600 extension_traceId=abc123',
      });
    });

    it('unsecured JWT: other claim names, and what its token cannot carry', () => {
      expect(mapJaasConfig(`${OAUTH} required unsecuredLoginPrincipalClaimName=azp unsecuredLoginStringClaim_azp=svc ` +
        `unsecuredLoginScopeClaimName=roles unsecuredLoginStringClaim_roles=admin;`, ctx('OAUTHBEARER')).settings['sasl.oauthbearer.config'])
        .toBe('principal=svc principalClaimName=azp scopeClaimName=roles scope=admin');
      const refused = mapJaasConfig(`${OAUTH} required unsecuredLoginStringClaim_sub="two words" unsecuredLoginNumberClaim_n=1 clientId=x;`, ctx('OAUTHBEARER'));
      expect(refused.problems.map((p) => p.message)).toEqual([
        expect.stringMatching(/cannot carry an empty principal or one with blanks/),
        expect.stringMatching(/'unsecuredLoginNumberClaim_n'.*only the principal and scope claims/),
        expect.stringMatching(/'clientId' is for OIDC client credentials, which need sasl\.oauthbearer\.token\.endpoint\.url/),
      ]);
      expect(mapJaasConfig(`${OAUTH} required;`, ctx('OAUTHBEARER')).problems[0]!.message).toMatch(/needs option 'unsecuredLoginStringClaim_sub'/);
    });

    it('OIDC client credentials with sasl.oauthbearer.token.endpoint.url', () => {
      const mapped = mapJaasConfig(`${OAUTH} required clientId="mm2-client" clientSecret="oidc-s3cret" scope="kafka" extension_logicalCluster=lkc1;`,
        ctx('OAUTHBEARER', { tokenEndpointUrl: 'https://idp.example/token' }));
      expect(mapped.problems).toEqual([]);
      expect(mapped.settings).toEqual({
        'sasl.oauthbearer.method': 'oidc',
        'sasl.oauthbearer.token.endpoint.url': 'https://idp.example/token',
        'sasl.oauthbearer.client.id': 'mm2-client',
        'sasl.oauthbearer.client.secret': 'oidc-s3cret',
        'sasl.oauthbearer.scope': 'kafka',
        'sasl.oauthbearer.extensions': 'logicalCluster=lkc1',
      });
      expect(mapJaasConfig(`${OAUTH} required clientSecret=x;`, ctx('OAUTHBEARER', { tokenEndpointUrl: 'https://idp/t' })).problems[0]!.message)
        .toMatch(/need option 'clientId'/);
      expect(mapJaasConfig(`${OAUTH} required clientSecret=x;`, ctx('OAUTHBEARER', { tokenEndpointUrl: 'https://idp/t', oidcClientIdSet: true })).problems)
        .toEqual([]);
      expect(mapJaasConfig(`${OAUTH} required clientId=a clientSecret=b;`, ctx('OAUTHBEARER', { tokenEndpointUrl: 'file:///var/token' })).problems[0]!.message)
        .toMatch(/file: token endpoint.*not supported by librdkafka/);
      expect(mapJaasConfig(`${OAUTH} required clientId=a clientSecret=b unsecuredLoginStringClaim_sub=x;`,
        ctx('OAUTHBEARER', { tokenEndpointUrl: 'https://idp/t' })).problems[0]!.message).toMatch(/unsecured JWT login.*remove one of them/);
    });
  });

  describe('Krb5LoginModule', () => {
    it('keytab, principal and serviceName; useKeyTab/storeKey and friends accepted', () => {
      const mapped = mapJaasConfig(`${KRB5} required useKeyTab=true storeKey=true doNotPrompt=true debug=false ` +
        `keyTab="/etc/security/keytabs/mm2.keytab" principal="mm2/host@EXAMPLE.COM" serviceName=kafka;`, ctx('GSSAPI'));
      expect(mapped.problems).toEqual([]);
      expect(mapped.settings).toEqual({
        'sasl.kerberos.keytab': '/etc/security/keytabs/mm2.keytab',
        'sasl.kerberos.principal': 'mm2/host@EXAMPLE.COM',
        'sasl.kerberos.service.name': 'kafka',
      });
    });

    it('the ticket cache: librdkafka runs no kinit', () => {
      expect(mapJaasConfig(`${KRB5} required useTicketCache=true;`, ctx('GSSAPI')).settings)
        .toEqual({ 'sasl.kerberos.min.time.before.relogin': '0' });
    });

    it.each([
      [`${KRB5} required useKeyTab=true principal="a@B";`, /needs option 'keyTab'/],
      [`${KRB5} required useKeyTab=true keyTab="/k";`, /needs option 'principal'/],
      [`${KRB5} required useKeyTab=true keyTab="/k" principal="*";`, /not '\*'/],
      [`${KRB5} required keyTab="/k" principal="a@B";`, /needs useKeyTab=true .* or useTicketCache=true/],
      [`${KRB5} required useTicketCache=true ticketCache="/tmp/krb5cc";`, /KRB5CCNAME/],
      [`${KRB5} required useKeyTab=true keyTab="/k" principal="a@B" isInitiator=false;`, /always initiates/],
    ])('refuses %s', (config, message) => {
      expect(mapJaasConfig(config, ctx('GSSAPI')).problems.map((p) => p.message)).toContainEqual(expect.stringMatching(message));
    });

    it('refuses a serviceName that conflicts with sasl.kerberos.service.name, as Kafka does', () => {
      const config = `${KRB5} required useKeyTab=true keyTab="/k" principal="a@B" serviceName=kafka;`;
      expect(mapJaasConfig(config, ctx('GSSAPI', { kerberosServiceName: 'kafka' })).problems).toEqual([]);
      expect(mapJaasConfig(config, ctx('GSSAPI', { kerberosServiceName: 'other' })).problems[0]!.message).toMatch(/differ/);
    });
  });
});
