/**
 * The thread protocol between the main thread and the shard workers: the one place that defines
 * what crosses the boundary. A shard task is long-lived: it runs until told to stop.
 */
import type { MessagePort } from 'node:worker_threads';
import type { PartitionStats, ShardEvent, ShardOptions, TopicRoute } from '../native/addon.js';

/** The piscina task that starts a shard; `port` carries the messages below. */
export interface ShardTask {
  readonly flow: string;
  readonly index: number;
  readonly options: ShardOptions;
  readonly port: MessagePort;
  /** How often the worker reports stats and events. */
  readonly reportIntervalMs: number;
  /** Records per pump call: the batch size of the copy loop. */
  readonly batchSize: number;
}

/** What matters of librdkafka's statistics JSON for one shard (all absent values are 0). */
export interface ClientStats {
  /** Source consumer: bytes fetched and waiting in the fetch queues; bytes received. */
  readonly consumerQueuedBytes: number;
  readonly consumerRxBytes: number;
  /** Target producer: messages and bytes handed over and not yet acknowledged; bytes sent. */
  readonly producerQueuedMessages: number;
  readonly producerQueuedBytes: number;
  readonly producerTxBytes: number;
  /** Mean broker round-trip time (ms) seen by the consumer and by the producer. */
  readonly consumerRttMs: number;
  readonly producerRttMs: number;
  /** Request errors and retries of the producer since start. */
  readonly producerTxErrors: number;
  readonly producerTxRetries: number;
  /** Brokers each client has a live connection to (state UP): 0 means it cannot reach its cluster. */
  readonly consumerBrokersUp: number;
  readonly producerBrokersUp: number;
}

/** main → worker */
export type ToShard =
  | { readonly type: 'set-topics'; readonly routes: readonly TopicRoute[] }
  | { readonly type: 'resume-partition'; readonly topic: string; readonly partition: number }
  | { readonly type: 'pause-partition'; readonly topic: string; readonly partition: number }
  | { readonly type: 'resume-waiting' }
  /** Leave the group and close within timeoutMs (positions of acknowledged records stored first). */
  | { readonly type: 'stop'; readonly timeoutMs: number };

/** worker → main */
export type FromShard =
  | {
      readonly type: 'report';
      readonly partitions: readonly PartitionStats[];
      readonly events: readonly ShardEvent[];
      /** Share of the interval the worker spent copying (pump calls that moved records), 0..1. */
      readonly utilisation: number;
      /** Offset syncs written by this shard since it started (see NativeShard.syncCounts). */
      readonly syncs: { readonly written: number; readonly dropped: number; readonly failed: number };
      /** From the newest librdkafka statistics; absent until the clients report some. */
      readonly clients?: ClientStats;
      /** See NativeShard.stalls(). */
      readonly stalls: { readonly targetMs: number; readonly sourceMs: number; readonly sourceAuthError: string; readonly targetAuthError: string };
    }
  | { readonly type: 'failed'; readonly message: string };

/** What a shard task resolves with when it stopped cleanly. */
export interface ShardResult {
  readonly flow: string;
  readonly index: number;
  readonly partitions: readonly PartitionStats[];
}
