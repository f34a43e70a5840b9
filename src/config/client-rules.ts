/**
 * What mm2.properties may not change in a client, and which client values must be numbers: the
 * one table, checked when the file is read so a mistake names its key and line (the shard forces
 * the same producer settings again in native/src/shard/shard.cc, as a last line).
 */
import type { ClientRole } from './settings.js';

const NEVER_GIVE_UP = 'kmirror never gives up on a record: a target outage shows as lag, never as a record lost';

/** Target producer settings the replication positions rely on: the values that keep them true. */
export const FORCED_PRODUCER_SETTINGS: Readonly<Record<string, { readonly accepted: readonly string[]; readonly why: string }>> = {
  'enable.idempotence': { accepted: ['true'], why: 'positions rely on an idempotent producer (in order, no duplicates from its retries)' },
  acks: { accepted: ['all', '-1'], why: 'a record counts as copied only once every in-sync replica has it' },
  'delivery.timeout.ms': { accepted: ['2147483647'], why: NEVER_GIVE_UP },
  'message.timeout.ms': { accepted: ['0'], why: NEVER_GIVE_UP },
  'enable.gapless.guarantee': { accepted: ['true'], why: 'nothing after a record the target refuses may reach it' },
};

/** Client settings (Java names and librdkafka names) whose values are whole numbers. */
const NUMERIC_CLIENT_SETTINGS: ReadonlySet<string> = new Set([
  'max.request.size', 'message.max.bytes', 'batch.size', 'batch.num.messages', 'buffer.memory', 'linger.ms', 'linger.ms',
  'delivery.timeout.ms', 'message.timeout.ms', 'request.timeout.ms', 'retries', 'retry.backoff.ms', 'retry.backoff.max.ms',
  'fetch.min.bytes', 'fetch.max.bytes', 'max.partition.fetch.bytes', 'fetch.max.wait.ms', 'fetch.wait.max.ms',
  'session.timeout.ms', 'heartbeat.interval.ms', 'max.poll.interval.ms', 'metadata.max.age.ms', 'reconnect.backoff.ms',
  'reconnect.backoff.max.ms', 'connections.max.idle.ms', 'max.in.flight.requests.per.connection', 'max.in.flight',
  'receive.buffer.bytes', 'send.buffer.bytes', 'socket.connection.setup.timeout.ms', 'queued.max.messages.kbytes',
  'queued.min.messages', 'queue.buffering.max.kbytes', 'queue.buffering.max.messages', 'queue.buffering.max.ms',
  'statistics.interval.ms', 'compression.level', 'topic.metadata.refresh.interval.ms', 'socket.timeout.ms',
]);

/** Why `value` is not acceptable for client setting `name` of `role` (undefined when it is). */
export function clientSettingProblem(role: ClientRole | undefined, name: string, value: string): string | undefined {
  if (NUMERIC_CLIENT_SETTINGS.has(name) && !/^\s*[+-]?\d+\s*$/.test(value)) return 'must be a whole number';
  const forced = role === 'producer' ? FORCED_PRODUCER_SETTINGS[name] : undefined;
  if (forced && !forced.accepted.includes(value.trim().toLowerCase())) {
    return `cannot be changed: ${forced.why} (kmirror uses ${forced.accepted[0]}; remove the line)`;
  }
  return undefined;
}
