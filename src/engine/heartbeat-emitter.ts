import type { FlowConfig } from '../config/mirror-config.js';
import { toRdkafkaSettings } from '../kafka/client-config.js';
import { InternalProducer } from '../kafka/internal-producer.js';
import type { Logger } from '../log.js';
import { Heartbeat } from '../mirror-client/heartbeat.js';
import { Admin, type NativeAdmin } from '../native/addon.js';
import type { ReplicationPolicy } from '../policy/index.js';
import { ensureInternalTopic } from './internal-topics.js';

/**
 * MM2's MirrorHeartbeatConnector for one pair `A->B` (enabled or not, as MM2): every
 * `emit.heartbeats.interval.seconds` a Heartbeat(A, B, now) goes to partition 0 of the
 * heartbeats topic on B, which is created when missing (one partition, compacted). Heartbeats
 * topics are replicated onwards by the flows out of B, so multi-hop paths can be seen.
 */
export class HeartbeatEmitter {
  private readonly producer: InternalProducer;
  private readonly targetAdmin: NativeAdmin;
  private timer: NodeJS.Timeout | undefined;
  private topicReady = false;
  private lastError: string | undefined;
  private lastSent = -1;

  constructor(private readonly deps: { flow: FlowConfig; policy: ReplicationPolicy; log: Logger }) {
    const { flow } = deps;
    this.targetAdmin = new Admin(toRdkafkaSettings(flow.clients.targetAdmin).settings, `${flow.name} heartbeats admin`);
    this.producer = new InternalProducer(toRdkafkaSettings(flow.clients.targetProducer).settings, `kmirror-${flow.name}-heartbeats`);
  }

  get flow(): string {
    return this.deps.flow.name;
  }

  get topic(): string {
    return this.deps.policy.heartbeatsTopic();
  }

  /** Epoch ms of the last heartbeat the target acknowledged, or -1. */
  get lastHeartbeat(): number {
    return this.lastSent;
  }

  start(): void {
    const interval = this.deps.flow.settings['emit.heartbeats.interval.seconds'] * 1000;
    const tick = () => {
      this.emit().catch(() => undefined).finally(() => {
        if (this.timer) this.timer = setTimeout(tick, interval);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  private async emit(): Promise<void> {
    const { flow, log } = this.deps;
    try {
      if (!this.topicReady) await this.ensureTopic();
      const heartbeat = new Heartbeat({ sourceClusterAlias: flow.source, targetClusterAlias: flow.target, timestamp: Date.now() });
      await this.producer.send(this.topic, 0, heartbeat.recordKey(), heartbeat.recordValue());
      this.lastSent = heartbeat.timestamp;
      if (this.lastError) log.info({ flow: flow.name }, 'heartbeats flowing again');
      this.lastError = undefined;
    } catch (err) {
      const message = (err as Error).message;
      if (message !== this.lastError) log.warn({ flow: flow.name, topic: this.topic, err: message }, 'cannot emit heartbeat; retrying');
      this.lastError = message;
      this.topicReady = false;
    }
  }

  private async ensureTopic(): Promise<void> {
    const { flow } = this.deps;
    await ensureInternalTopic(this.targetAdmin, this.topic, flow.settings['heartbeats.topic.replication.factor'],
      flow.settings['admin.timeout.ms'], 'target');
    this.topicReady = true;
  }

  async stop(): Promise<void> {
    const timer = this.timer;
    this.timer = undefined;
    if (timer) clearTimeout(timer);
    this.targetAdmin.close();
    await this.producer.close();
  }
}
