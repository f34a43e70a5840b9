import { setTimeout as delay } from 'node:timers/promises';
import { Producer, type Metadata } from './rdkafka.js';

export interface WaitForBrokerOptions {
  timeoutMs: number;
  /** Called between attempts: a reason to stop waiting (e.g. the broker process died), or undefined. */
  gaveUp?: () => string | undefined;
  /** Pause between attempts while the broker refuses connections. */
  retryMs?: number;
}

/**
 * Waits until the cluster at `bootstrapServers` answers a metadata request listing at least one
 * broker. A KRaft broker only serves requests once it is registered and unfenced, so an answer
 * means it is ready for clients.
 */
export async function waitForBroker(bootstrapServers: string, options: WaitForBrokerOptions): Promise<Metadata> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError = 'no answer yet';
  for (;;) {
    const reason = options.gaveUp?.();
    if (reason) throw new Error(reason);
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new Error(`no metadata answer within ${options.timeoutMs} ms (last: ${lastError})`);
    try {
      const metadata = await fetchMetadata(bootstrapServers, Math.min(remaining, 5_000));
      if (metadata.brokers.length > 0) return metadata;
      lastError = 'metadata listed no brokers';
    } catch (err) {
      lastError = (err as Error).message;
    }
    await delay(options.retryMs ?? 200);
  }
}

/** One metadata round trip with a short-lived client. */
export function fetchMetadata(bootstrapServers: string, timeoutMs: number): Promise<Metadata> {
  const producer = new Producer({
    'bootstrap.servers': bootstrapServers,
    'client.id': 'kmirror-probe',
    'socket.connection.setup.timeout.ms': Math.max(1_000, timeoutMs),
    'reconnect.backoff.ms': 100,
    'reconnect.backoff.max.ms': 500,
    'log.connection.close': false,
    log_level: 0,
  });
  return new Promise((resolve, reject) => {
    producer.connect({ timeout: timeoutMs }, (err, metadata) => {
      // On failure node-rdkafka has already torn the client down; disconnecting again would throw.
      if (err) reject(new Error(err.message));
      else producer.disconnect(() => resolve(metadata));
    });
  });
}
