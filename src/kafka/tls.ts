/**
 * Java's TLS version and cipher suite settings against what librdkafka does.
 *
 * librdkafka 2.12 creates its TLS context with OpenSSL's TLS_client_method() and has no setting for
 * the lowest or highest TLS version: with OpenSSL 3 it offers TLS 1.2 and TLS 1.3 (older versions
 * need security level 0), with OpenSSL's default TLS 1.3 suites, and `ssl.cipher.suites`
 * (SSL_CTX_set_cipher_list) restricts the TLS 1.2 suites only. So a Java setting is accepted when
 * it asks for that, and refused, naming what cannot be honoured, when it asks for something else.
 */

/** OpenSSL's default TLS 1.3 suites, always offered by librdkafka. */
export const TLS13_SUITES: readonly string[] = ['TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_GCM_SHA256'];

/** TLS 1.3 suites Java knows that OpenSSL's defaults leave out. */
const TLS13_NOT_OFFERED: readonly string[] = ['TLS_AES_128_CCM_SHA256', 'TLS_AES_128_CCM_8_SHA256'];

/**
 * The TLS 1.2 (and older) suites Java's JSSE offers with certificates, by IANA name (Java's), with
 * OpenSSL's name (`openssl ciphers -stdname`).
 */
const TLS12_SUITES: Readonly<Record<string, string>> = {
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'DHE-RSA-CHACHA20-POLY1305',
  TLS_DHE_RSA_WITH_AES_256_GCM_SHA384: 'DHE-RSA-AES256-GCM-SHA384',
  TLS_DHE_DSS_WITH_AES_256_GCM_SHA384: 'DHE-DSS-AES256-GCM-SHA384',
  TLS_DHE_RSA_WITH_AES_128_GCM_SHA256: 'DHE-RSA-AES128-GCM-SHA256',
  TLS_DHE_DSS_WITH_AES_128_GCM_SHA256: 'DHE-DSS-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384: 'ECDHE-ECDSA-AES256-SHA384',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384: 'ECDHE-RSA-AES256-SHA384',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256: 'ECDHE-ECDSA-AES128-SHA256',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256: 'ECDHE-RSA-AES128-SHA256',
  TLS_DHE_RSA_WITH_AES_256_CBC_SHA256: 'DHE-RSA-AES256-SHA256',
  TLS_DHE_DSS_WITH_AES_256_CBC_SHA256: 'DHE-DSS-AES256-SHA256',
  TLS_DHE_RSA_WITH_AES_128_CBC_SHA256: 'DHE-RSA-AES128-SHA256',
  TLS_DHE_DSS_WITH_AES_128_CBC_SHA256: 'DHE-DSS-AES128-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_DHE_RSA_WITH_AES_256_CBC_SHA: 'DHE-RSA-AES256-SHA',
  TLS_DHE_DSS_WITH_AES_256_CBC_SHA: 'DHE-DSS-AES256-SHA',
  TLS_DHE_RSA_WITH_AES_128_CBC_SHA: 'DHE-RSA-AES128-SHA',
  TLS_DHE_DSS_WITH_AES_128_CBC_SHA: 'DHE-DSS-AES128-SHA',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_CBC_SHA256: 'AES256-SHA256',
  TLS_RSA_WITH_AES_128_CBC_SHA256: 'AES128-SHA256',
  TLS_RSA_WITH_AES_256_CBC_SHA: 'AES256-SHA',
  TLS_RSA_WITH_AES_128_CBC_SHA: 'AES128-SHA',
};

/** Java's signalling value, not a suite: OpenSSL always handles secure renegotiation. */
const SIGNALLING = 'TLS_EMPTY_RENEGOTIATION_INFO_SCSV';

const list = (value: string): string[] => value.split(',').map((s) => s.trim()).filter((s) => s !== '');

export type TlsCheck = { readonly ok: true; readonly value?: string; readonly warning?: string } | { readonly ok: false; readonly error: string };

/**
 * Java's `ssl.cipher.suites` → librdkafka's (OpenSSL names, `:`-separated, TLS 1.2 suites), or why
 * it cannot be honoured. Empty means Java's defaults: no librdkafka setting.
 */
export function mapCipherSuites(value: string): TlsCheck {
  const names = list(value).map((n) => n.replace(/^SSL_/, 'TLS_')).filter((n) => n !== SIGNALLING);
  if (names.length === 0) return { ok: true };
  const unknown = names.filter((n) => TLS12_SUITES[n] === undefined && !TLS13_SUITES.includes(n));
  const notOffered = unknown.filter((n) => TLS13_NOT_OFFERED.includes(n));
  if (notOffered.length > 0) {
    return { ok: false, error: `${notOffered.join(', ')}: librdkafka offers only OpenSSL's default TLS 1.3 suites (${TLS13_SUITES.join(', ')})` };
  }
  if (unknown.length > 0) {
    return { ok: false, error: `${unknown.join(', ')}: not a cipher suite kmirror can give librdkafka (Java names of TLS 1.2 suites with ECDHE, DHE or RSA key exchange and AES or ChaCha20, or the TLS 1.3 suites)` };
  }
  const tls13 = names.filter((n) => TLS13_SUITES.includes(n));
  const tls12 = names.filter((n) => TLS12_SUITES[n] !== undefined);
  if (tls12.length === 0) {
    return { ok: false, error: 'lists TLS 1.3 suites only, which would turn TLS 1.2 off: librdkafka cannot (it always offers TLS 1.2); add the TLS 1.2 suites to allow' };
  }
  if (tls13.length < TLS13_SUITES.length) {
    const missing = TLS13_SUITES.filter((s) => !tls13.includes(s));
    return {
      ok: false,
      error: `leaves out ${missing.join(', ')}, but librdkafka always offers OpenSSL's TLS 1.3 suites and cannot leave any out: ` +
        `add ${missing.join(',')} to the list (TLS 1.3 with them is what librdkafka negotiates with a TLS 1.3 broker)`,
    };
  }
  return { ok: true, value: [...new Set(tls12.map((n) => TLS12_SUITES[n]!))].join(':') };
}

const VERSIONS = ['TLSv1.3', 'TLSv1.2', 'TLSv1.1', 'TLSv1', 'SSLv3', 'SSLv2Hello'];

/** Java's `ssl.enabled.protocols`: accepted when it allows TLS 1.2 and TLS 1.3, as librdkafka does. */
export function checkEnabledProtocols(value: string): TlsCheck {
  const names = list(value);
  if (names.length === 0) return { ok: true };
  const unknown = names.filter((n) => !VERSIONS.includes(n));
  if (unknown.length > 0) return { ok: false, error: `${unknown.join(', ')}: not a TLS version (TLSv1.2, TLSv1.3)` };
  const missing = ['TLSv1.2', 'TLSv1.3'].filter((v) => !names.includes(v));
  if (missing.length > 0) {
    return {
      ok: false,
      error: `leaves out ${missing.join(' and ')}, which librdkafka cannot turn off (it has no TLS version setting and offers TLS 1.2 and TLS 1.3): ` +
        'write TLSv1.2,TLSv1.3 or remove the line',
    };
  }
  const older = names.filter((n) => n !== 'TLSv1.2' && n !== 'TLSv1.3');
  return older.length > 0
    ? { ok: true, warning: `${older.join(', ')} will not be offered: librdkafka with OpenSSL 3 negotiates TLS 1.2 and TLS 1.3 only` }
    : { ok: true };
}

/**
 * Java's `ssl.protocol` (the SSLContext protocol: TLS 1.3 unless it says TLSv1.2 or older):
 * accepted when it allows TLS 1.3, as librdkafka does.
 */
export function checkProtocol(value: string): TlsCheck {
  const v = value.trim();
  if (v === '' || v === 'TLSv1.3' || v === 'TLS') return { ok: true };
  if (['TLSv1.2', 'TLSv1.1', 'TLSv1', 'SSL', 'SSLv3', 'SSLv2'].includes(v)) {
    return { ok: false, error: `${v} keeps the client off TLS 1.3, which librdkafka cannot do (it offers TLS 1.2 and TLS 1.3): write TLSv1.3 or remove the line` };
  }
  return { ok: false, error: 'must be TLSv1.3 or TLS' };
}
