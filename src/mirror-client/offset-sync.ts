/**
 * MM2's `OffsetSync`: a pair of offsets known to hold the same record, upstream (source topic)
 * and downstream (remote topic), emitted by the flow's source task. Written by default to
 * `mm2-offset-syncs.<target>.internal` on the source cluster (partition 0, compacted).
 *
 *   key   = topic:STRING partition:INT32              topic is the SOURCE name, e.g. `orders`
 *   value = upstreamOffset:INT64 downstreamOffset:INT64      no version: always 16 bytes
 *
 * Primitives as in ./struct.ts; no record headers.
 */

import { encodeStruct, int32, int64, requireInt32, requireInt64, requireString, string, StructReader } from './struct.js';
import type { TopicPartition } from './topic-partition.js';

export interface OffsetSyncFields {
  /** The source topic and partition. */
  readonly topicPartition: TopicPartition;
  readonly upstreamOffset: number;
  readonly downstreamOffset: number;
}

export class OffsetSync implements OffsetSyncFields {
  readonly topicPartition: TopicPartition;
  readonly upstreamOffset: number;
  readonly downstreamOffset: number;

  /** Throws TypeError/RangeError for a value the wire format cannot carry. */
  constructor(fields: OffsetSyncFields) {
    this.topicPartition = Object.freeze({
      topic: requireString('OffsetSync', 'topicPartition.topic', fields.topicPartition?.topic),
      partition: requireInt32('OffsetSync', 'topicPartition.partition', fields.topicPartition?.partition),
    });
    this.upstreamOffset = requireInt64('OffsetSync', 'upstreamOffset', fields.upstreamOffset);
    this.downstreamOffset = requireInt64('OffsetSync', 'downstreamOffset', fields.downstreamOffset);
    Object.freeze(this);
  }

  recordKey(): Buffer {
    return encodeStruct([string(this.topicPartition.topic), int32(this.topicPartition.partition)]);
  }

  recordValue(): Buffer {
    return encodeStruct([int64(this.upstreamOffset), int64(this.downstreamOffset)]);
  }

  /** Throws RecordFormatError when the bytes do not follow the grammar above. */
  static deserialize(key: Uint8Array | null, value: Uint8Array | null): OffsetSync {
    const k = new StructReader(key, 'OffsetSync', 'key');
    const topic = k.string('topic');
    const partition = k.int32('partition');
    const v = new StructReader(value, 'OffsetSync', 'value');
    const upstreamOffset = v.int64('upstreamOffset');
    const downstreamOffset = v.int64('downstreamOffset');
    return new OffsetSync({ topicPartition: { topic, partition }, upstreamOffset, downstreamOffset });
  }

  toString(): string {
    const { topic, partition } = this.topicPartition;
    return `OffsetSync{topicPartition=${topic}-${partition}, upstreamOffset=${this.upstreamOffset}, downstreamOffset=${this.downstreamOffset}}`;
  }
}
