/**
 * MM2's `Heartbeat`: emitted by the flow `source->target` onto the target's `heartbeats` topic
 * (partition 0) every `emit.heartbeats.interval.seconds`, and replicated onwards like any topic,
 * so `B.A.heartbeats` on C proves the path A → B → C is flowing.
 *
 *   key   = sourceClusterAlias:STRING targetClusterAlias:STRING
 *   value = version:INT16 (= 0) timestamp:INT64 (epoch ms)
 *
 * Primitives as in ./struct.ts; no record headers.
 */

import { encodeStruct, int16, int64, readVersion, requireInt64, requireString, string, StructReader } from './struct.js';

export const HEARTBEAT_VERSION = 0;

export interface HeartbeatFields {
  readonly sourceClusterAlias: string;
  readonly targetClusterAlias: string;
  /** Epoch milliseconds when the heartbeat was emitted. */
  readonly timestamp: number;
}

export class Heartbeat implements HeartbeatFields {
  readonly sourceClusterAlias: string;
  readonly targetClusterAlias: string;
  readonly timestamp: number;

  /** Throws TypeError/RangeError for a value the wire format cannot carry. */
  constructor(fields: HeartbeatFields) {
    this.sourceClusterAlias = requireString('Heartbeat', 'sourceClusterAlias', fields.sourceClusterAlias);
    this.targetClusterAlias = requireString('Heartbeat', 'targetClusterAlias', fields.targetClusterAlias);
    this.timestamp = requireInt64('Heartbeat', 'timestamp', fields.timestamp);
    Object.freeze(this);
  }

  recordKey(): Buffer {
    return encodeStruct([string(this.sourceClusterAlias), string(this.targetClusterAlias)]);
  }

  recordValue(): Buffer {
    return encodeStruct([int16(HEARTBEAT_VERSION), int64(this.timestamp)]);
  }

  /** Throws RecordFormatError when the bytes do not follow the grammar above. */
  static deserialize(key: Uint8Array | null, value: Uint8Array | null): Heartbeat {
    const v = new StructReader(value, 'Heartbeat', 'value');
    readVersion(v, 'Heartbeat');
    const timestamp = v.int64('timestamp');
    const k = new StructReader(key, 'Heartbeat', 'key');
    const sourceClusterAlias = k.string('sourceClusterAlias');
    const targetClusterAlias = k.string('targetClusterAlias');
    return new Heartbeat({ sourceClusterAlias, targetClusterAlias, timestamp });
  }

  toString(): string {
    return `Heartbeat{sourceClusterAlias=${this.sourceClusterAlias}, targetClusterAlias=${this.targetClusterAlias}, timestamp=${this.timestamp}}`;
  }
}
