import { describe, expect, it } from 'vitest';
import { checkEnabledProtocols, checkProtocol, mapCipherSuites } from '../../../src/kafka/tls.js';

const TLS13 = 'TLS_AES_256_GCM_SHA384,TLS_CHACHA20_POLY1305_SHA256,TLS_AES_128_GCM_SHA256';

describe('ssl.enabled.protocols and ssl.protocol against librdkafka (TLS 1.2 and 1.3, no version setting)', () => {
  it.each(['TLSv1.2,TLSv1.3', 'TLSv1.3, TLSv1.2', ''])('accepts %j', (value) => {
    expect(checkEnabledProtocols(value)).toEqual({ ok: true });
  });

  it('accepts older versions beside 1.2 and 1.3, warning they are not offered', () => {
    expect(checkEnabledProtocols('TLSv1.3,TLSv1.2,TLSv1.1,TLSv1')).toEqual({ ok: true, warning: expect.stringMatching(/^TLSv1\.1, TLSv1 will not be offered/) });
  });

  it.each([
    ['TLSv1.2', /^librdkafka also offers TLS 1\.3/],
    ['TLSv1.2,TLSv1.1,TLSv1', /^librdkafka also offers TLS 1\.3.*; TLSv1\.1, TLSv1 will not be offered/],
  ])('accepts %j (as older MM2 files have it: nothing gets weaker), warning what librdkafka offers', (value, message) => {
    expect(checkEnabledProtocols(value)).toEqual({ ok: true, warning: expect.stringMatching(message) });
  });

  it.each([
    ['TLSv1.3', /leaves out TLSv1\.2, which librdkafka cannot turn off.*write TLSv1\.2,TLSv1\.3 or remove the line/],
    ['TLSv1.4', /TLSv1\.4: not a TLS version/],
  ])('refuses %j', (value, message) => {
    const result = checkEnabledProtocols(value);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(message);
  });

  it.each(['TLSv1.3', 'TLS', ''])('ssl.protocol %j is what librdkafka does', (value) => {
    expect(checkProtocol(value)).toEqual({ ok: true });
  });

  it('ssl.protocol "TLSv1.2" (an older Kafka default) is accepted, warning that TLS 1.3 is offered too', () => {
    expect(checkProtocol('TLSv1.2')).toEqual({ ok: true, warning: expect.stringMatching(/^librdkafka offers TLS 1\.3 too/) });
  });

  it.each(['TLSv1.1', 'SSL'])('ssl.protocol %j asks for what librdkafka will not do: refused', (value) => {
    const result = checkProtocol(value);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(/keeps the client off TLS 1\.3, which librdkafka cannot do.*write TLSv1\.3 or remove the line/);
  });
});

describe('ssl.cipher.suites: Java names → OpenSSL names, or refused', () => {
  it('maps TLS 1.2 suites (SSL_ spelling too) and accepts the TLS 1.3 suites librdkafka always offers', () => {
    expect(mapCipherSuites(`TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,SSL_RSA_WITH_AES_128_CBC_SHA,${TLS13},TLS_EMPTY_RENEGOTIATION_INFO_SCSV`))
      .toEqual({ ok: true, value: 'ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:AES128-SHA' });
    expect(mapCipherSuites('')).toEqual({ ok: true });
  });

  it.each([
    ['TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', /also offers TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256, TLS_AES_128_GCM_SHA256/],
    [`TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,TLS_AES_256_GCM_SHA384`, /also offers TLS_CHACHA20_POLY1305_SHA256, TLS_AES_128_GCM_SHA256/],
  ])('maps a TLS 1.2 list %j as it is, warning that TLS 1.3 keeps its suites', (value, message) => {
    expect(mapCipherSuites(value)).toEqual({ ok: true, value: 'ECDHE-RSA-AES256-GCM-SHA384', warning: expect.stringMatching(message) });
  });

  it.each([
    [TLS13, /TLS 1\.3 suites only.*cannot/],
    [`TLS_AES_128_CCM_SHA256,${TLS13}`, /TLS_AES_128_CCM_SHA256: librdkafka offers only OpenSSL's default TLS 1\.3 suites/],
    [`TLS_RSA_WITH_3DES_EDE_CBC_SHA,TLS_KRB5_WITH_RC4_128_SHA,${TLS13}`, /TLS_RSA_WITH_3DES_EDE_CBC_SHA, TLS_KRB5_WITH_RC4_128_SHA: not a cipher suite kmirror can give librdkafka/],
  ])('refuses %j, naming what cannot be honoured', (value, message) => {
    const result = mapCipherSuites(value);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(message);
  });
});
