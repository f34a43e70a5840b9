import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { FromShard, ShardResult, ShardTask, ToShard } from './protocol.js';

/** A running shard task, seen from the main thread. */
export interface ShardHandle {
  send(message: ToShard): void;
  /** Settles when the shard stopped: resolves after a clean stop, rejects if it failed. */
  readonly done: Promise<ShardResult>;
}

// From dist/ the compiled worker runs as it is; from the TypeScript sources a small bootstrap
// registers tsx in the worker thread first.
const workerFile = import.meta.url.endsWith('.ts')
  ? new URL('./shard-worker-dev.mjs', import.meta.url)
  : new URL('./shard-worker.js', import.meta.url);

/**
 * The worker threads that host shards (piscina). Every shard is one long-lived task holding one
 * thread, so the pool has exactly as many threads as shards; `atomics: 'disabled'` keeps the
 * workers' event loops running between messages (piscina's default would freeze them).
 */
export class ShardPool {
  private readonly pool: Piscina;

  constructor(threads: number) {
    this.pool = new Piscina({
      filename: workerFile.href,
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: Number.MAX_SAFE_INTEGER,
      concurrentTasksPerWorker: 1,
      atomics: 'disabled',
      maxQueue: 'auto',
    });
  }

  start(task: Omit<ShardTask, 'port'>, onMessage: (message: FromShard) => void): ShardHandle {
    const { port1, port2 } = new MessageChannel();
    port1.on('message', onMessage);
    const done = this.pool.run({ ...task, port: port2 } satisfies ShardTask, { transferList: [port2] }) as Promise<ShardResult>;
    const settled = done.finally(() => port1.close());
    settled.catch(() => {}); // observed by the owner through `done`
    return {
      send: (message) => port1.postMessage(message),
      done: settled,
    };
  }

  async destroy(): Promise<void> {
    await this.pool.destroy();
  }
}
