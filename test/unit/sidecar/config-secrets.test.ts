import { describe, expect, it } from 'vitest';
import { parseMirrorConfig } from '../../../src/config/mirror-config.js';
import { configSecrets } from '../../../src/sidecar/config-secrets.js';

describe('configSecrets', () => {
  it('lists client passwords, JAAS configs with their passwords, keys and the token; nothing else', () => {
    const jaas = 'org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="al1ce-secret";';
    const config = parseMirrorConfig([
      'clusters = A, B',
      'A.bootstrap.servers = a:9092',
      'B.bootstrap.servers = b:9092',
      'A->B.enabled = true',
      'A.security.protocol = SASL_SSL',
      'A.sasl.mechanism = PLAIN',
      `A.sasl.jaas.config = ${jaas}`,
      'B.ssl.keystore.password = keystore-pw',
      'B.producer.ssl.key.password = key-pw-producer',
      'kmirror.sidecar.token = sidecar-token-0123456789',
    ].join('\n'));
    expect(configSecrets(config).sort()).toEqual([jaas, 'al1ce-secret', 'key-pw-producer', 'keystore-pw', 'sidecar-token-0123456789'].sort());
  });

  it('is empty for a configuration without secrets', () => {
    expect(configSecrets(parseMirrorConfig('clusters = A, B\nA.bootstrap.servers = a:9092\nB.bootstrap.servers = b:9092\nA->B.enabled = true\n')))
      .toEqual([]);
  });
});
