import { HighLevelProducer } from './rdkafka.js';

/**
 * A main-thread producer for kmirror's own small records (heartbeats, checkpoints, offset syncs):
 * a handful per second, no headers, so node-rdkafka carries them byte for byte. The replication
 * data path never comes here (see ARCHITECTURE.md).
 */
export class InternalProducer {
  private readonly producer: InstanceType<typeof HighLevelProducer>;
  private connected: Promise<void> | undefined;

  constructor(settings: Readonly<Record<string, string>>, clientId: string) {
    this.producer = new HighLevelProducer({
      ...settings,
      'client.id': clientId,
      'enable.idempotence': true,
      'linger.ms': 5,
    });
  }

  private connect(): Promise<void> {
    this.connected ??= new Promise<void>((resolve, reject) => {
      this.producer.connect({ timeout: 30_000 }, (err) => (err ? reject(new Error(err.message)) : resolve()));
    }).catch((err: unknown) => {
      this.connected = undefined; // try again next time
      throw err;
    });
    return this.connected;
  }

  /** Resolves with the record's offset once the broker acknowledged it. */
  async send(topic: string, partition: number, key: Buffer, value: Buffer): Promise<number> {
    await this.connect();
    return new Promise<number>((resolve, reject) => {
      this.producer.produce(topic, partition, value, key, Date.now(),
        (err: { message?: string } | null, offset?: number | null) => (err ? reject(new Error(err.message ?? String(err))) : resolve(Number(offset))));
    });
  }

  /** Sends records in order to one partition; resolves once the broker acknowledged all of them. */
  async sendAll(topic: string, partition: number, records: readonly { key: Buffer; value: Buffer | null }[]): Promise<void> {
    await this.connect();
    await Promise.all(records.map(({ key, value }) => new Promise<void>((resolve, reject) => {
      this.producer.produce(topic, partition, value, key, Date.now(),
        (err: { message?: string } | null) => (err ? reject(new Error(err.message ?? String(err))) : resolve()));
    })));
  }

  async close(): Promise<void> {
    if (!this.connected) return;
    await this.connected.catch(() => undefined);
    await new Promise<void>((resolve) => this.producer.disconnect(() => resolve()));
  }
}
