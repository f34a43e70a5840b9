/**
 * Reduces librdkafka's statistics JSON (https://github.com/confluentinc/librdkafka/blob/master/STATISTICS.md)
 * to the figures kmirror reports. Runs in the shard worker, once per statistics interval.
 */
import type { ClientStats } from './protocol.js';

interface BrokerStats {
  readonly nodeid?: number;
  readonly state?: string;
  readonly rtt?: { readonly avg?: number; readonly cnt?: number };
  readonly txerrs?: number;
  readonly txretries?: number;
}

interface RdkafkaStats {
  readonly msg_cnt?: number;
  readonly msg_size?: number;
  readonly tx_bytes?: number;
  readonly rx_bytes?: number;
  readonly brokers?: Readonly<Record<string, BrokerStats>>;
  readonly topics?: Readonly<Record<string, { readonly partitions?: Readonly<Record<string, { readonly fetchq_size?: number }>> }>>;
}

function parse(json: string): RdkafkaStats | undefined {
  if (json === '') return undefined;
  try {
    return JSON.parse(json) as RdkafkaStats;
  } catch {
    return undefined;
  }
}

/** Mean round-trip time (ms) over the brokers that measured any, weighted by their sample counts. */
function rttMs(stats: RdkafkaStats | undefined): number {
  let sum = 0;
  let count = 0;
  for (const broker of Object.values(stats?.brokers ?? {})) {
    if ((broker.nodeid ?? -1) < 0) continue; // bootstrap and coordinator pseudo-brokers
    const cnt = broker.rtt?.cnt ?? 0;
    if (cnt > 0) {
      sum += (broker.rtt?.avg ?? 0) * cnt;
      count += cnt;
    }
  }
  return count === 0 ? 0 : sum / count / 1000; // librdkafka reports µs
}

function brokersUp(stats: RdkafkaStats | undefined): number {
  return Object.values(stats?.brokers ?? {}).filter((b) => (b.nodeid ?? -1) >= 0 && b.state === 'UP').length;
}

function brokerSum(stats: RdkafkaStats | undefined, field: 'txerrs' | 'txretries'): number {
  let sum = 0;
  for (const broker of Object.values(stats?.brokers ?? {})) sum += broker[field] ?? 0;
  return sum;
}

export function clientStats(consumerJson: string, producerJson: string): ClientStats | undefined {
  const consumer = parse(consumerJson);
  const producer = parse(producerJson);
  if (!consumer && !producer) return undefined;
  let fetchQueued = 0;
  for (const topic of Object.values(consumer?.topics ?? {})) {
    for (const partition of Object.values(topic.partitions ?? {})) fetchQueued += partition.fetchq_size ?? 0;
  }
  return {
    consumerQueuedBytes: fetchQueued,
    consumerRxBytes: consumer?.rx_bytes ?? 0,
    producerQueuedMessages: producer?.msg_cnt ?? 0,
    producerQueuedBytes: producer?.msg_size ?? 0,
    producerTxBytes: producer?.tx_bytes ?? 0,
    consumerRttMs: rttMs(consumer),
    producerRttMs: rttMs(producer),
    producerTxErrors: brokerSum(producer, 'txerrs'),
    producerTxRetries: brokerSum(producer, 'txretries'),
    consumerBrokersUp: brokersUp(consumer),
    producerBrokersUp: brokersUp(producer),
  };
}
