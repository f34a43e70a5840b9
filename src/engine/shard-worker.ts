/**
 * A shard worker (runs in a piscina worker thread): owns one native Shard and drives its copy
 * loop. Per-record work happens inside Shard.pump() in C++; this loop runs once per batch and
 * yields to the event loop between batches so control messages get through.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { Shard } from '../native/addon.js';
import { clientStats } from './client-stats.js';
import type { ClientStats, FromShard, ShardResult, ShardTask, ToShard } from './protocol.js';

/** How long a failed shard may take to leave its group before its replacement starts. */
const FAILED_CLOSE_MS = 10_000;

export default async function runShard(task: ShardTask): Promise<ShardResult> {
  const shard = new Shard(task.options);
  const post = (message: FromShard) => task.port.postMessage(message);
  let stopping: { timeoutMs: number } | undefined;
  const pending: ToShard[] = [];
  task.port.on('message', (message: ToShard) => {
    if (message.type === 'stop') stopping = { timeoutMs: message.timeoutMs };
    else pending.push(message);
  });

  let lastReport = performance.now();
  let busy = 0;
  let lastStats = { consumer: '', producer: '' };
  let clients: ClientStats | undefined;
  try {
    while (stopping === undefined) {
      for (const message of pending.splice(0)) apply(shard, message);
      const started = performance.now();
      const moved = shard.pump(task.batchSize, 100);
      if (moved > 0) busy += performance.now() - started;
      const now = performance.now();
      if (now - lastReport >= task.reportIntervalMs) {
        const events = shard.drainEvents();
        const raw = shard.clientStats();
        if (raw.consumer !== lastStats.consumer || raw.producer !== lastStats.producer) {
          lastStats = raw;
          clients = clientStats(raw.consumer, raw.producer);
        }
        post({
          type: 'report', partitions: shard.stats(), events, utilisation: Math.min(1, busy / (now - lastReport)),
          syncs: shard.syncCounts(), stalls: shard.stalls(), ...(clients && { clients }),
        });
        lastReport = now;
        busy = 0;
        // A fatal client error the shard cannot recover in place (its consumer's, or its offset-sync
        // producer's; the target producer it replaces itself): end the task, closing the shard
        // first; the flow runner starts a fresh one from the stored positions.
        const fatal = events.find((e) => e.kind === 'fatal');
        if (fatal) throw new Error(fatal.message);
      }
      await yieldToEventLoop();
    }
    const partitions = shard.stats();
    // Leaves the group: in-flight records are waited for and positions stored first, within the time given.
    shard.close(stopping.timeoutMs);
    return { flow: task.flow, index: task.index, partitions };
  } catch (err) {
    post({ type: 'failed', message: (err as Error).message });
    try {
      shard.close(FAILED_CLOSE_MS); // its clients go before a replacement starts: no zombie member holds the partitions
    } catch {
      // already closed
    }
    throw err;
  } finally {
    task.port.close();
  }
}

function apply(shard: InstanceType<typeof Shard>, message: ToShard): void {
  switch (message.type) {
    case 'set-topics':
      shard.setTopics(message.routes);
      shard.resumeWaiting();
      break;
    case 'resume-partition':
      shard.resumePartition(message.topic, message.partition);
      break;
    case 'pause-partition':
      shard.pausePartition(message.topic, message.partition);
      break;
    case 'resume-waiting':
      shard.resumeWaiting();
      break;
    case 'stop':
      break;
  }
}
