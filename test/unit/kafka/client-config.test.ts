import { describe, expect, it } from 'vitest';
import { credentialsFromJaas, toRdkafkaSettings } from '../../../src/kafka/client-config.js';

describe('Java client settings → librdkafka', () => {
  it('passes shared names through, renames the ones librdkafka spells differently, converts buffer.memory', () => {
    const { settings, dropped } = toRdkafkaSettings({
      'bootstrap.servers': 'a:9092', 'linger.ms': '100', 'batch.size': '524288', 'compression.type': 'lz4',
      'fetch.max.wait.ms': '500', 'max.request.size': '2097152', 'delivery.timeout.ms': '120000',
      'sasl.mechanism': 'SCRAM-SHA-512', 'buffer.memory': '67108864', 'max.poll.records': '1000',
    });
    expect(settings).toEqual({
      'bootstrap.servers': 'a:9092', 'linger.ms': '100', 'batch.size': '524288', 'compression.type': 'lz4',
      'fetch.wait.max.ms': '500', 'message.max.bytes': '2097152', 'message.timeout.ms': '120000',
      'sasl.mechanisms': 'SCRAM-SHA-512', 'queue.buffering.max.kbytes': '65536',
    });
    expect(dropped).toEqual(['max.poll.records']);
  });

  it('takes the username and password out of a PLAIN or SCRAM JAAS line', () => {
    const jaas = 'org.apache.kafka.common.security.scram.ScramLoginModule required username="mm2-user" password="se\\"cret";';
    expect(credentialsFromJaas(jaas)).toEqual({ 'sasl.username': 'mm2-user', 'sasl.password': 'se"cret' });
    expect(toRdkafkaSettings({ 'sasl.jaas.config': jaas }).settings).toEqual({ 'sasl.username': 'mm2-user', 'sasl.password': 'se"cret' });
  });
});
