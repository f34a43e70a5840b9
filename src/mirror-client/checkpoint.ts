/**
 * MM2's `Checkpoint`: the flow `source->target` writes one per (group, partition) onto the target's
 * `<source>.checkpoints.internal` (partition 0, compacted): where the group's committed offset on
 * the source (upstream) lands in the remote topic on the target (downstream). The key makes
 * compaction keep only the newest checkpoint of each group and partition.
 *
 *   key   = consumerGroupId:STRING topic:STRING partition:INT32
 *   value = version:INT16 (= 0) upstreamOffset:INT64 downstreamOffset:INT64 metadata:STRING
 *
 * `topic` is the remote (target-side) name, e.g. `A.orders`. Metadata is never null on the wire:
 * an absent commit metadata is "". Primitives as in ./struct.ts; no record headers.
 */

import {
  encodeStruct, int16, int32, int64, readVersion, requireInt32, requireInt64, requireString, string, StructReader,
} from './struct.js';
import type { TopicPartition } from './topic-partition.js';

export const CHECKPOINT_VERSION = 0;

export interface CheckpointFields {
  readonly consumerGroupId: string;
  /** The remote topic (its name on the cluster holding the checkpoint) and partition. */
  readonly topicPartition: TopicPartition;
  /** The group's committed offset on the source cluster. */
  readonly upstreamOffset: number;
  /** The translated offset in the remote topic: where the group resumes on this cluster. */
  readonly downstreamOffset: number;
  /** The group's commit metadata; null and absent are written as "". */
  readonly metadata?: string | null;
}

export class Checkpoint implements CheckpointFields {
  readonly consumerGroupId: string;
  readonly topicPartition: TopicPartition;
  readonly upstreamOffset: number;
  readonly downstreamOffset: number;
  readonly metadata: string;

  /** Throws TypeError/RangeError for a value the wire format cannot carry. */
  constructor(fields: CheckpointFields) {
    this.consumerGroupId = requireString('Checkpoint', 'consumerGroupId', fields.consumerGroupId);
    this.topicPartition = Object.freeze({
      topic: requireString('Checkpoint', 'topicPartition.topic', fields.topicPartition?.topic),
      partition: requireInt32('Checkpoint', 'topicPartition.partition', fields.topicPartition?.partition),
    });
    this.upstreamOffset = requireInt64('Checkpoint', 'upstreamOffset', fields.upstreamOffset);
    this.downstreamOffset = requireInt64('Checkpoint', 'downstreamOffset', fields.downstreamOffset);
    this.metadata = requireString('Checkpoint', 'metadata', fields.metadata ?? '');
    Object.freeze(this);
  }

  recordKey(): Buffer {
    return encodeStruct([string(this.consumerGroupId), string(this.topicPartition.topic), int32(this.topicPartition.partition)]);
  }

  recordValue(): Buffer {
    return encodeStruct([int16(CHECKPOINT_VERSION), int64(this.upstreamOffset), int64(this.downstreamOffset), string(this.metadata)]);
  }

  /** Throws RecordFormatError when the bytes do not follow the grammar above. */
  static deserialize(key: Uint8Array | null, value: Uint8Array | null): Checkpoint {
    const v = new StructReader(value, 'Checkpoint', 'value');
    readVersion(v, 'Checkpoint');
    const upstreamOffset = v.int64('upstreamOffset');
    const downstreamOffset = v.int64('downstreamOffset');
    const metadata = v.string('metadata');
    const { consumerGroupId, topicPartition } = Checkpoint.deserializeKey(key);
    return new Checkpoint({ consumerGroupId, topicPartition, upstreamOffset, downstreamOffset, metadata });
  }

  /**
   * The key alone: which group and partition a record is about. A tombstone (null value) on the
   * compacted checkpoints topic deletes that key's checkpoint.
   */
  static deserializeKey(key: Uint8Array | null): { consumerGroupId: string; topicPartition: TopicPartition } {
    const k = new StructReader(key, 'Checkpoint', 'key');
    const consumerGroupId = k.string('consumerGroupId');
    const topic = k.string('topic');
    const partition = k.int32('partition');
    return { consumerGroupId, topicPartition: { topic, partition } };
  }

  toString(): string {
    const { topic, partition } = this.topicPartition;
    return `Checkpoint{consumerGroupId=${this.consumerGroupId}, topicPartition=${topic}-${partition}, ` +
      `upstreamOffset=${this.upstreamOffset}, downstreamOffset=${this.downstreamOffset}, metadata=${this.metadata}}`;
  }
}
