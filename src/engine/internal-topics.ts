import type { NativeAdmin } from '../native/addon.js';

/**
 * Creates one of MM2's internal topics (heartbeats, checkpoints, offset syncs) when it is
 * missing: one partition, compacted, as MM2 creates them. An existing topic is fine; any other
 * refusal throws with the broker's reason, naming the cluster (`where`).
 */
export async function ensureInternalTopic(admin: NativeAdmin, topic: string, replicationFactor: number, timeoutMs: number,
  where: string): Promise<void> {
  const [result] = await admin.createTopics([{ name: topic, partitions: 1, replicationFactor, configs: { 'cleanup.policy': 'compact' } }], timeoutMs);
  if (result?.error && result.error.name !== 'TOPIC_ALREADY_EXISTS') {
    throw new Error(`the ${where} cluster refused to create ${topic}: ${result.error.name} (${result.error.message})`);
  }
}
