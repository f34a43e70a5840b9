import { describe, expect, it } from 'vitest';

import { Heartbeat } from '../../../src/mirror-client/heartbeat.js';
import { isRecordFormatError, RecordFormatError } from '../../../src/mirror-client/record-format-error.js';
import { bytes, hex, prefixes } from './hex.js';

// mm2-internals.md §1: Heartbeat("A", "B", 1700000000000)
const GOLDEN_KEY = bytes('0001 41 0001 42');
const GOLDEN_VALUE = bytes('0000 0000018bcfe56800');

describe('Heartbeat wire format', () => {
  const golden = new Heartbeat({ sourceClusterAlias: 'A', targetClusterAlias: 'B', timestamp: 1_700_000_000_000 });

  it('encodes the golden bytes', () => {
    expect(hex(golden.recordKey())).toBe(hex(GOLDEN_KEY));
    expect(hex(golden.recordValue())).toBe(hex(GOLDEN_VALUE));
  });

  it('decodes the golden bytes', () => {
    expect(Heartbeat.deserialize(GOLDEN_KEY, GOLDEN_VALUE)).toEqual(golden);
  });

  it.each([
    ['', '', 0],
    ['us-west', 'eu-central.backup', Date.now()],
    ['été', '東京', Number.MAX_SAFE_INTEGER],
    ['a'.repeat(32767), 'b', -1],
  ])('round-trips (%#)', (sourceClusterAlias, targetClusterAlias, timestamp) => {
    const heartbeat = new Heartbeat({ sourceClusterAlias, targetClusterAlias, timestamp });
    const decoded = Heartbeat.deserialize(heartbeat.recordKey(), heartbeat.recordValue());
    expect(decoded).toEqual(heartbeat);
    expect(decoded).toBeInstanceOf(Heartbeat);
  });

  it('decodes from a Uint8Array view into a larger buffer', () => {
    const backing = new Uint8Array([0xff, ...GOLDEN_KEY, 0xff]);
    const key = new Uint8Array(backing.buffer, 1, GOLDEN_KEY.length);
    expect(Heartbeat.deserialize(key, new Uint8Array(GOLDEN_VALUE))).toEqual(golden);
  });

  it('ignores trailing bytes in key and value', () => {
    const key = Buffer.concat([GOLDEN_KEY, bytes('00 01 02')]);
    const value = Buffer.concat([GOLDEN_VALUE, bytes('ffff')]);
    expect(Heartbeat.deserialize(key, value)).toEqual(golden);
  });

  it.each(prefixes(GOLDEN_KEY).map((p) => [p.length, p] as const))('rejects a key truncated to %i bytes', (_, key) => {
    expect(() => Heartbeat.deserialize(key, GOLDEN_VALUE)).toThrow(RecordFormatError);
  });

  it.each(prefixes(GOLDEN_VALUE).map((p) => [p.length, p] as const))('rejects a value truncated to %i bytes', (_, value) => {
    expect(() => Heartbeat.deserialize(GOLDEN_KEY, value)).toThrow(RecordFormatError);
  });

  it('names the field, the byte and the record part of a truncation', () => {
    const error = catchError(() => Heartbeat.deserialize(GOLDEN_KEY, GOLDEN_VALUE.subarray(0, 5)));
    expect(error).toMatchObject({ recordType: 'Heartbeat', part: 'value', code: 'KMIRROR_RECORD_FORMAT', canRetry: false });
    expect(error.message).toBe("Heartbeat value: field 'timestamp' needs 8 bytes at byte 2, only 3 remain (record is 5 bytes)");
  });

  it('rejects a negative string length', () => {
    const error = catchError(() => Heartbeat.deserialize(bytes('ffff 41 0001 42'), GOLDEN_VALUE));
    expect(error.part).toBe('key');
    expect(error.message).toContain("field 'sourceClusterAlias' at byte 0 has a negative string length (-1)");
  });

  it('rejects a string length beyond the key', () => {
    expect(() => Heartbeat.deserialize(bytes('0001 41 0002 42'), GOLDEN_VALUE)).toThrow(/targetClusterAlias' needs 2 bytes at byte 5, only 1 remain/);
  });

  it.each([1, -1, 0x7fff])('rejects version %i', (version) => {
    const value = Buffer.from(GOLDEN_VALUE);
    value.writeInt16BE(version, 0);
    expect(() => Heartbeat.deserialize(GOLDEN_KEY, value)).toThrow(`Heartbeat value: unsupported version ${version} (only version 0 exists)`);
  });

  it('rejects a null key or value (a tombstone is no heartbeat)', () => {
    expect(() => Heartbeat.deserialize(null, GOLDEN_VALUE)).toThrow('Heartbeat key: the record has a null key');
    expect(() => Heartbeat.deserialize(GOLDEN_KEY, null)).toThrow('Heartbeat value: the record has a null value');
  });

  it('rejects a timestamp a JS number cannot hold exactly, instead of rounding it', () => {
    const value = bytes('0000 0020000000000000'); // 2^53
    expect(() => Heartbeat.deserialize(GOLDEN_KEY, value)).toThrow(/'timestamp' at byte 2 is 9007199254740992, outside the range/);
    expect(() => Heartbeat.deserialize(GOLDEN_KEY, bytes('0000 ffdfffffffffffff'))).toThrow(RecordFormatError); // -(2^53 + 1)
    expect(Heartbeat.deserialize(GOLDEN_KEY, bytes('0000 ffe0000000000001')).timestamp).toBe(Number.MIN_SAFE_INTEGER);
  });

  it('accepts invalid UTF-8 (decoded with replacement characters, as Java does)', () => {
    expect(Heartbeat.deserialize(bytes('0001 ff 0001 42'), GOLDEN_VALUE).sourceClusterAlias).toBe('\uFFFD');
  });

  it('refuses to hold what it could not encode', () => {
    expect(() => new Heartbeat({ sourceClusterAlias: 'é'.repeat(16384), targetClusterAlias: 'B', timestamp: 0 }))
      .toThrow(new RangeError('Heartbeat.sourceClusterAlias is 32768 bytes of UTF-8; a Kafka protocol STRING holds at most 32767'));
    expect(() => new Heartbeat({ sourceClusterAlias: 'A', targetClusterAlias: 'B', timestamp: 1.5 })).toThrow(RangeError);
    expect(() => new Heartbeat({ sourceClusterAlias: 'A', targetClusterAlias: 'B', timestamp: 2 ** 53 })).toThrow(RangeError);
    expect(() => new Heartbeat({ sourceClusterAlias: null as unknown as string, targetClusterAlias: 'B', timestamp: 0 })).toThrow(TypeError);
  });

  it('is immutable', () => {
    expect(Object.isFrozen(golden)).toBe(true);
  });
});

function catchError(run: () => unknown): RecordFormatError {
  try {
    run();
  } catch (err) {
    if (isRecordFormatError(err)) return err;
    throw err;
  }
  throw new Error('expected a RecordFormatError');
}
