/**
 * The mm2.properties file both replicators get, byte for byte the same.
 *
 * Client settings are written per cluster (`target.producer.*`, `source.consumer.*`) because that
 * is the form MM2's dedicated mode hands to the Connect worker: the worker's producer (the one
 * that writes replicated records) is built from `clusterProps(target)`, i.e. the `target.`-prefixed
 * keys; top-level `producer.*` keys do not reach it (MirrorMakerConfig.workerConfig).
 */
import { toJavaProperties } from '../../src/local-kafka/security.js';

export type Compression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export const COMPRESSIONS: readonly Compression[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

export interface Mm2PropertiesOptions {
  readonly sourceBootstrap: string;
  readonly targetBootstrap: string;
  readonly topic: string;
  readonly tasks: number;
  /** producer.compression.type of the target producer. */
  readonly compression: Compression;
  /**
   * Java client settings of each cluster (bootstrap.servers, security.protocol, SASL, trust
   * store), written as `source.*` / `target.*` in place of the bootstrap servers: `--security`.
   */
  readonly clusters?: { readonly source: Readonly<Record<string, string>>; readonly target: Readonly<Record<string, string>> };
}

/** High-volume client settings (MM2 tuning guidance: bigger batches, longer linger, bigger fetches). */
export const THROUGHPUT_SETTINGS: Readonly<Record<string, string>> = {
  'target.producer.batch.size': '524288',
  'target.producer.linger.ms': '100',
  'target.producer.buffer.memory': '67108864',
  'source.consumer.fetch.min.bytes': '1048576',
  'source.consumer.max.poll.records': '2000',
};

export function mm2Properties(options: Mm2PropertiesOptions): string {
  const lines = [
    '# written by bench/e2e.ts',
    'clusters = source, target',
    ...(options.clusters
      ? [toJavaProperties(options.clusters.source, 'source.').trim(), toJavaProperties(options.clusters.target, 'target.').trim()]
      : [`source.bootstrap.servers = ${options.sourceBootstrap}`, `target.bootstrap.servers = ${options.targetBootstrap}`]),
    '',
    'source->target.enabled = true',
    `source->target.topics = ${options.topic}`,
    `tasks.max = ${options.tasks}`,
    '',
    '# single-broker clusters: replication factor 1 for the remote topic and every internal topic',
    'replication.factor = 1',
    'heartbeats.topic.replication.factor = 1',
    'checkpoints.topic.replication.factor = 1',
    'offset-syncs.topic.replication.factor = 1',
    'config.storage.replication.factor = 1',
    'offset.storage.replication.factor = 1',
    'status.storage.replication.factor = 1',
    '# the brokers have no authorizer',
    'sync.topic.acls.enabled = false',
    '',
    '# throughput tuning',
    ...Object.entries(THROUGHPUT_SETTINGS).map(([k, v]) => `${k} = ${v}`),
    `target.producer.compression.type = ${options.compression}`,
    '',
  ];
  return lines.join('\n');
}
