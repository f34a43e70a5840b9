/**
 * A record on one of MM2's internal topics (heartbeats, checkpoints, offset syncs) whose bytes do
 * not follow its wire grammar. The decoders know only the bytes; whoever read the record knows
 * where it came from and adds that with `locate()`. A KmirrorError with code `KMIRROR_RECORD_FORMAT`,
 * never retriable: the same bytes fail the same way on every read.
 */

import { ErrorCodes, isKmirrorError, KmirrorError } from '../errors.js';

export type InternalRecordType = 'Heartbeat' | 'Checkpoint' | 'OffsetSync';

export interface RecordLocation {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

export class RecordFormatError extends KmirrorError {
  declare readonly code: typeof ErrorCodes.RECORD_FORMAT;
  readonly recordType: InternalRecordType;
  readonly part: 'key' | 'value';
  /** What is wrong with the bytes, without the location. */
  readonly reason: string;
  topic: string | undefined;
  partition: number | undefined;
  offset: number | undefined;

  constructor(recordType: InternalRecordType, part: 'key' | 'value', reason: string) {
    super(ErrorCodes.RECORD_FORMAT, `${recordType} ${part}: ${reason}`, { canRetry: false });
    this.name = 'RecordFormatError';
    this.recordType = recordType;
    this.part = part;
    this.reason = reason;
  }

  /** Records where the bad record lives, and names it in the message (`topic-partition@offset: …`). */
  locate(location: RecordLocation): this {
    this.topic = location.topic;
    this.partition = location.partition;
    this.offset = location.offset;
    this.message = `${location.topic}-${location.partition}@${location.offset}: ${this.recordType} ${this.part}: ${this.reason}`;
    return this;
  }
}

export function isRecordFormatError(value: unknown): value is RecordFormatError {
  return isKmirrorError(value, ErrorCodes.RECORD_FORMAT) && value instanceof RecordFormatError;
}
