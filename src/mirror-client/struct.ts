/**
 * The primitives of Kafka's `protocol.types.Struct`, as MM2's internal records use them:
 *
 *   INT16  = 2 bytes, big-endian two's complement (likewise INT32 = 4 bytes, INT64 = 8 bytes)
 *   STRING = length:INT16 (0..32767) utf8:byte[length]       never null
 *   struct = field*                                           concatenated in schema order, no tags
 *
 * Readers ignore bytes after the last field (a newer writer may append fields).
 *
 * INT64 is a JS `number`: offsets and epoch-millisecond timestamps stay far below 2^53, and
 * `number` is what the Admin API and every offset in kmirror use. Encoders accept only safe
 * integers; the decoder rejects a value outside ±(2^53 − 1) instead of rounding it.
 */

import { RecordFormatError, type InternalRecordType } from './record-format-error.js';

export const MAX_STRING_BYTES = 0x7fff;

const INT32_MIN = -0x8000_0000;
const INT32_MAX = 0x7fff_ffff;

export type Field =
  | { readonly type: 'int16' | 'int32' | 'int64'; readonly value: number }
  | { readonly type: 'string'; readonly bytes: Buffer };

export const int16 = (value: number): Field => ({ type: 'int16', value });
export const int32 = (value: number): Field => ({ type: 'int32', value });
export const int64 = (value: number): Field => ({ type: 'int64', value });
export const string = (value: string): Field => ({ type: 'string', bytes: utf8(value) });

/** An unpaired UTF-16 surrogate. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** UTF-8 as Java's `String.getBytes(UTF_8)` writes it: an unpaired surrogate becomes `?`, not U+FFFD. */
export function utf8(value: string): Buffer {
  return Buffer.from(value.replace(LONE_SURROGATE, '?'), 'utf8');
}

function fieldSize(field: Field): number {
  switch (field.type) {
    case 'int16': return 2;
    case 'int32': return 4;
    case 'int64': return 8;
    case 'string': return 2 + field.bytes.length;
  }
}

/** Fields must already satisfy the `require*` checks below (value types check in their constructors). */
export function encodeStruct(fields: readonly Field[]): Buffer {
  const out = Buffer.alloc(fields.reduce((size, field) => size + fieldSize(field), 0));
  let at = 0;
  for (const field of fields) {
    switch (field.type) {
      case 'int16': at = out.writeInt16BE(field.value, at); break;
      case 'int32': at = out.writeInt32BE(field.value, at); break;
      case 'int64': at = out.writeBigInt64BE(BigInt(field.value), at); break;
      case 'string':
        at = out.writeInt16BE(field.bytes.length, at);
        at += field.bytes.copy(out, at);
        break;
    }
  }
  return out;
}

/** Reads one struct's fields in order; every failure names the record type, key/value, field and byte. */
export class StructReader {
  readonly #bytes: Buffer;
  readonly #recordType: InternalRecordType;
  readonly #part: 'key' | 'value';
  #at = 0;

  constructor(bytes: Uint8Array | null, recordType: InternalRecordType, part: 'key' | 'value') {
    if (bytes === null) throw new RecordFormatError(recordType, part, `the record has a null ${part}`);
    this.#bytes = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#recordType = recordType;
    this.#part = part;
  }

  int16(field: string): number {
    return this.#bytes.readInt16BE(this.#take(field, 2));
  }

  int32(field: string): number {
    return this.#bytes.readInt32BE(this.#take(field, 4));
  }

  int64(field: string): number {
    const at = this.#take(field, 8);
    const value = this.#bytes.readBigInt64BE(at);
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw this.#error(`field '${field}' at byte ${at} is ${value}, outside the range a JS number holds exactly (±(2^53 − 1))`);
    }
    return Number(value);
  }

  string(field: string): string {
    const lengthAt = this.#take(field, 2);
    const length = this.#bytes.readInt16BE(lengthAt);
    if (length < 0) throw this.#error(`field '${field}' at byte ${lengthAt} has a negative string length (${length})`);
    const at = this.#take(field, length);
    const value = this.#bytes.toString('utf8', at, at + length);
    // Invalid UTF-8 decodes to U+FFFD (as in Java), which may not re-encode within a STRING;
    // a value type must always be encodable.
    if (utf8(value).length > MAX_STRING_BYTES) {
      throw this.#error(`field '${field}' at byte ${at} is invalid UTF-8 whose decoded text exceeds ${MAX_STRING_BYTES} bytes`);
    }
    return value;
  }

  /** Claims `size` bytes for `field` and returns where they start. */
  #take(field: string, size: number): number {
    const at = this.#at;
    const remaining = this.#bytes.length - at;
    if (size > remaining) {
      throw this.#error(`field '${field}' needs ${size} bytes at byte ${at}, only ${remaining} remain (record is ${this.#bytes.length} bytes)`);
    }
    this.#at = at + size;
    return at;
  }

  #error(reason: string): RecordFormatError {
    return new RecordFormatError(this.#recordType, this.#part, reason);
  }
}

/** Both decoders read the version the same way: only version 0 exists. */
export function readVersion(reader: StructReader, recordType: InternalRecordType): void {
  const version = reader.int16('version');
  if (version !== 0) {
    throw new RecordFormatError(recordType, 'value', `unsupported version ${version} (only version 0 exists)`);
  }
}

/* Constructor checks: a value type holds only what its grammar can encode, so encoding never fails. */

export function requireString(owner: string, field: string, value: unknown): string {
  if (typeof value !== 'string') throw new TypeError(`${owner}.${field} must be a string, got ${describe(value)}`);
  const size = utf8(value).length;
  if (size > MAX_STRING_BYTES) {
    throw new RangeError(`${owner}.${field} is ${size} bytes of UTF-8; a Kafka protocol STRING holds at most ${MAX_STRING_BYTES}`);
  }
  return value;
}

export function requireInt32(owner: string, field: string, value: unknown): number {
  return requireRange(owner, field, value, INT32_MIN, INT32_MAX, 'an INT32');
}

export function requireInt64(owner: string, field: string, value: unknown): number {
  return requireRange(owner, field, value, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 'a safe integer');
}

function requireRange(owner: string, field: string, value: unknown, min: number, max: number, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${owner}.${field} must be ${what} (${min}..${max}), got ${describe(value)}`);
  }
  return value;
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
