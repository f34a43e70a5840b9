import { describe, expect, it } from 'vitest';
import { clientStats } from '../../../src/engine/client-stats.js';

// Shapes as librdkafka's STATISTICS.md documents them (trimmed to the fields kmirror reads).
const consumer = JSON.stringify({
  name: 'kmirror-source->target-0#consumer-1', type: 'consumer', rx_bytes: 123_456,
  brokers: {
    'GroupCoordinator': { nodeid: -1, state: 'UP', rtt: { avg: 0, cnt: 0 } },
    '127.0.0.1:9092/1': { nodeid: 1, state: 'UP', rtt: { avg: 2_000, cnt: 10 } },
    '127.0.0.1:9093/2': { nodeid: 2, state: 'DOWN', rtt: { avg: 6_000, cnt: 30 } },
  },
  topics: { orders: { partitions: { '0': { fetchq_size: 1_000 }, '1': { fetchq_size: 500 }, '-1': { fetchq_size: 0 } } } },
});
const producer = JSON.stringify({
  name: 'kmirror-source->target-0#producer-2', type: 'producer', msg_cnt: 42, msg_size: 42_000, tx_bytes: 99_000,
  brokers: {
    '127.0.0.1:9094/1': { nodeid: 1, state: 'UP', rtt: { avg: 1_500, cnt: 4 }, txerrs: 1, txretries: 2 },
    '127.0.0.1:9095/2': { nodeid: 2, state: 'UP', rtt: { avg: 500, cnt: 4 }, txerrs: 0, txretries: 3 },
  },
});

describe('clientStats', () => {
  it('reduces librdkafka statistics to the figures kmirror reports', () => {
    expect(clientStats(consumer, producer)).toEqual({
      consumerQueuedBytes: 1_500, consumerRxBytes: 123_456,
      producerQueuedMessages: 42, producerQueuedBytes: 42_000, producerTxBytes: 99_000,
      consumerRttMs: 5, // (2 ms × 10 + 6 ms × 30) / 40
      producerRttMs: 1,
      producerTxErrors: 1, producerTxRetries: 5,
      consumerBrokersUp: 1, producerBrokersUp: 2, // pseudo-brokers (nodeid −1) do not count
    });
  });

  it('is undefined before the first statistics, and survives a half-written or missing client', () => {
    expect(clientStats('', '')).toBeUndefined();
    expect(clientStats('{not json', '')).toBeUndefined();
    expect(clientStats('', producer)).toMatchObject({ consumerQueuedBytes: 0, consumerBrokersUp: 0, producerBrokersUp: 2 });
  });
});
