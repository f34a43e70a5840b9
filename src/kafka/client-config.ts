import type { ClientProperties } from '../config/mirror-config.js';

/**
 * mm2.properties speaks the Java client's setting names; librdkafka has its own. This table turns
 * one into the other. A setting librdkafka knows under the same name passes through as it is; one
 * it does not know makes librdkafka refuse to start, naming it — except the Java-only settings
 * below, which have no librdkafka meaning and are dropped with a note.
 */

const RENAMED: Readonly<Record<string, string>> = {
  'fetch.max.wait.ms': 'fetch.wait.max.ms',
  'max.request.size': 'message.max.bytes',
  'delivery.timeout.ms': 'message.timeout.ms',
  'sasl.mechanism': 'sasl.mechanisms',
};

/** Java client settings without a librdkafka counterpart (serde, JVM plumbing, poll sizing). */
const JAVA_ONLY: ReadonlySet<string> = new Set([
  'key.serializer', 'value.serializer', 'key.deserializer', 'value.deserializer', 'interceptor.classes',
  'partitioner.class', 'partitioner.ignore.keys', 'partitioner.adaptive.partitioning.enable',
  'partitioner.availability.timeout.ms', 'max.poll.records', 'exclude.internal.topics', 'security.providers',
  'metric.reporters', 'metrics.num.samples', 'metrics.recording.level', 'metrics.sample.window.ms',
  'client.dns.lookup', 'default.api.timeout.ms', 'retry.backoff.max.ms', 'reconnect.backoff.max.ms.jitter',
  'auto.include.jmx.reporter', 'sasl.client.callback.handler.class', 'sasl.login.callback.handler.class',
  'sasl.login.class', 'ssl.engine.factory.class', 'ssl.keymanager.algorithm', 'ssl.trustmanager.algorithm',
  'ssl.secure.random.implementation', 'ssl.protocol', 'ssl.enabled.protocols', 'ssl.provider',
  'ssl.keystore.type', 'ssl.truststore.type', 'send.buffer.bytes', 'receive.buffer.bytes',
  'allow.auto.create.topics', 'internal.leave.group.on.close', 'transaction.timeout.ms',
  'metadata.max.idle.ms', 'check.crcs', 'max.block.ms', 'enable.metrics.push',
]);

export interface TranslatedSettings {
  readonly settings: Record<string, string>;
  /** Java-only settings that were dropped (names only: values may be secret). */
  readonly dropped: readonly string[];
}

/** Java client settings → librdkafka settings. */
export function toRdkafkaSettings(properties: ClientProperties): TranslatedSettings {
  const settings: Record<string, string> = {};
  const dropped: string[] = [];
  for (const [key, value] of Object.entries(properties)) {
    if (key === 'sasl.jaas.config') {
      Object.assign(settings, credentialsFromJaas(value));
      continue;
    }
    if (key === 'buffer.memory') {
      // The producer's memory bound, in bytes; librdkafka counts kilobytes.
      settings['queue.buffering.max.kbytes'] = String(Math.max(1, Math.floor(Number(value) / 1024)));
      continue;
    }
    if (JAVA_ONLY.has(key)) {
      dropped.push(key);
      continue;
    }
    settings[RENAMED[key] ?? key] = value;
  }
  return { settings, dropped };
}

/**
 * The username and password of a PLAIN or SCRAM JAAS line
 * (`…LoginModule required username="u" password="p";`), as librdkafka wants them.
 */
export function credentialsFromJaas(jaas: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const match of jaas.matchAll(/\b(username|password)\s*=\s*"((?:[^"\\]|\\.)*)"/g)) {
    out[match[1] === 'username' ? 'sasl.username' : 'sasl.password'] = match[2]!.replace(/\\(.)/g, '$1');
  }
  return out;
}
