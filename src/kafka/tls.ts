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
  const mapped = [...new Set(tls12.map((n) => TLS12_SUITES[n]!))].join(':');
  if (tls13.length < TLS13_SUITES.length) {
    // A TLS 1.2 list as older MM2 files have it: honoured for TLS 1.2; TLS 1.3 (stronger) keeps
    // OpenSSL's suites, which librdkafka cannot narrow. Said, not refused: nothing gets weaker.
    const missing = TLS13_SUITES.filter((s) => !tls13.includes(s));
    return { ok: true, value: mapped, warning: `the TLS 1.2 suites are used as listed; with a TLS 1.3 broker librdkafka also offers ${missing.join(', ')} (it cannot leave TLS 1.3 suites out)` };
  }
  return { ok: true, value: mapped };
}

const VERSIONS = ['TLSv1.3', 'TLSv1.2', 'TLSv1.1', 'TLSv1', 'SSLv3', 'SSLv2Hello'];

/** Java's `ssl.enabled.protocols`: accepted when it allows TLS 1.2 (librdkafka always offers it); TLS 1.3 is offered anyway, with a warning when not listed. */
export function checkEnabledProtocols(value: string): TlsCheck {
  const names = list(value);
  if (names.length === 0) return { ok: true };
  const unknown = names.filter((n) => !VERSIONS.includes(n));
  if (unknown.length > 0) return { ok: false, error: `${unknown.join(', ')}: not a TLS version (TLSv1.2, TLSv1.3)` };
  if (!names.includes('TLSv1.2')) {
    // Stricter than librdkafka can be (it always offers TLS 1.2): refused, it would weaken the connection.
    return { ok: false, error: 'leaves out TLSv1.2, which librdkafka cannot turn off (it has no TLS version setting and offers TLS 1.2 and TLS 1.3): ' +
      'write TLSv1.2,TLSv1.3 or remove the line' };
  }
  const notes: string[] = [];
  // TLS 1.2 only, as many MM2 files say: librdkafka also offers TLS 1.3 (stronger); the broker picks.
  if (!names.includes('TLSv1.3')) notes.push('librdkafka also offers TLS 1.3 (it has no TLS version setting); a broker that speaks only TLS 1.2 gets TLS 1.2');
  const older = names.filter((n) => n !== 'TLSv1.2' && n !== 'TLSv1.3');
  if (older.length > 0) notes.push(`${older.join(', ')} will not be offered: librdkafka with OpenSSL 3 negotiates TLS 1.2 and TLS 1.3 only`);
  return notes.length > 0 ? { ok: true, warning: notes.join('; ') } : { ok: true };
}

/**
 * Java's `ssl.protocol` (the SSLContext protocol: TLS 1.3 unless it says TLSv1.2 or older):
 * accepted when it allows TLS 1.3, as librdkafka does.
 */
export function checkProtocol(value: string): TlsCheck {
  const v = value.trim();
  if (v === '' || v === 'TLSv1.3' || v === 'TLS') return { ok: true };
  if (v === 'TLSv1.2') {
    // An older Kafka default, in many MM2 files: kept working. librdkafka offers TLS 1.2 and 1.3; the broker picks.
    return { ok: true, warning: 'librdkafka offers TLS 1.3 too (it has no TLS version setting); a broker that speaks only TLS 1.2 gets TLS 1.2' };
  }
  if (['TLSv1.1', 'TLSv1', 'SSL', 'SSLv3', 'SSLv2'].includes(v)) {
    return { ok: false, error: `${v} keeps the client off TLS 1.3, which librdkafka cannot do (it offers TLS 1.2 and TLS 1.3): write TLSv1.3 or remove the line` };
  }
  return { ok: false, error: 'must be TLSv1.3 or TLS' };
}
