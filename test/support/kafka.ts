import { randomBytes } from 'node:crypto';
import { inject, onTestFinished } from 'vitest';
import {
  AdminClient, HighLevelProducer, KafkaConsumer, type Message, type MessageHeader,
} from '../../src/kafka/rdkafka.js';

/** Bootstrap servers of a cluster the global setup started (`source` or `target`). */
export function bootstrap(cluster: 'source' | 'target' | string): string {
  const servers = inject('kafka')[cluster];
  if (!servers) throw new Error(`no local cluster '${cluster}' in this test run`);
  return servers;
}

/** A topic name no other test uses. */
export function uniqueTopic(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

function withAdmin<T>(servers: string, use: (admin: ReturnType<typeof AdminClient.create>) => Promise<T>): Promise<T> {
  const admin = AdminClient.create({ 'bootstrap.servers': servers, 'client.id': 'kmirror-test-admin' });
  return use(admin).finally(() => admin.disconnect());
}

/** Creates a topic and deletes it when the current test finishes. */
export async function createTopic(servers: string, topic: string, partitions = 1,
  config: Record<string, string> = {}): Promise<void> {
  await withAdmin(servers, (admin) => new Promise<void>((resolve, reject) => {
    admin.createTopic({ topic, num_partitions: partitions, replication_factor: 1, config }, 30_000,
      (err) => (err ? reject(new Error(`createTopic ${topic}: ${err.message}`)) : resolve()));
  }));
  onTestFinished(() => withAdmin(servers, (admin) => new Promise<void>((resolve) => {
    admin.deleteTopic(topic, 30_000, () => resolve());
  })));
}

export interface TestRecord {
  partition?: number;
  key?: Buffer | string | null;
  value: Buffer | string | null;
  headers?: MessageHeader[];
  timestamp?: number;
}

/** Produces records in order and resolves with their offsets once every one is acknowledged. */
export async function produce(servers: string, topic: string, records: readonly TestRecord[],
  config: Record<string, string | number | boolean> = {}): Promise<number[]> {
  const producer = new HighLevelProducer({
    'bootstrap.servers': servers,
    'enable.idempotence': true,
    ...config,
  });
  await new Promise<void>((resolve, reject) => producer.connect({ timeout: 30_000 }, (err) => (err ? reject(err) : resolve())));
  try {
    return await Promise.all(records.map((record) => new Promise<number>((resolve, reject) => {
      const value = typeof record.value === 'string' ? Buffer.from(record.value) : record.value;
      const key = typeof record.key === 'string' ? Buffer.from(record.key) : record.key ?? null;
      producer.produce(topic, record.partition ?? null, value, key, record.timestamp ?? null, record.headers ?? [],
        (err: Error | null, offset?: number | null) => (err ? reject(err) : resolve(Number(offset))));
    })));
  } finally {
    await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
  }
}

/**
 * Reads every partition of `topic` from the beginning until `count` records arrived (or the
 * deadline passes, which fails with how many did arrive).
 */
export async function consume(servers: string, topic: string, partitions: number, count: number,
  timeoutMs = 30_000): Promise<Message[]> {
  const consumer = new KafkaConsumer({
    'bootstrap.servers': servers,
    'group.id': `kmirror-test-${randomBytes(4).toString('hex')}`,
    'enable.auto.commit': false,
  }, { 'auto.offset.reset': 'earliest' });
  await new Promise<void>((resolve, reject) => consumer.connect({ timeout: 30_000 }, (err) => (err ? reject(err) : resolve())));
  consumer.setDefaultConsumeTimeout(100);
  consumer.assign(Array.from({ length: partitions }, (_, partition) => ({ topic, partition, offset: 0 })));
  const received: Message[] = [];
  const deadline = Date.now() + timeoutMs;
  try {
    while (received.length < count) {
      if (Date.now() > deadline) throw new Error(`consumed ${received.length} of ${count} records from ${topic} in ${timeoutMs} ms`);
      const batch = await new Promise<Message[]>((resolve, reject) =>
        consumer.consume(1000, (err, messages) => (err ? reject(err) : resolve(messages))));
      received.push(...batch);
    }
    return received;
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
}
