import { describe, expect, it } from 'vitest';

import { testing } from '../../../src/native/addon.js';
import { OffsetSync } from '../../../src/mirror-client/offset-sync.js';
import { RecordFormatError } from '../../../src/mirror-client/record-format-error.js';
import { bytes, hex, prefixes } from './hex.js';

// mm2-internals.md §1: OffsetSync("t", 3, up=42, down=40)
const GOLDEN_KEY = bytes('0001 74 00000003');
const GOLDEN_VALUE = bytes('000000000000002a 0000000000000028');

const golden = new OffsetSync({ topicPartition: { topic: 't', partition: 3 }, upstreamOffset: 42, downstreamOffset: 40 });

describe('OffsetSync wire format', () => {
  it('encodes the golden bytes', () => {
    expect(hex(golden.recordKey())).toBe(hex(GOLDEN_KEY));
    expect(hex(golden.recordValue())).toBe(hex(GOLDEN_VALUE));
  });

  it('decodes the golden bytes', () => {
    expect(OffsetSync.deserialize(GOLDEN_KEY, GOLDEN_VALUE)).toEqual(golden);
  });

  it("the shard's C++ encoder writes the golden bytes too (native/src/shard/offset-sync-writer.cc)", () => {
    const { key, value } = testing.encodeOffsetSync('t', 3, 42, 40);
    expect(hex(key)).toBe(hex(GOLDEN_KEY));
    expect(hex(value)).toBe(hex(GOLDEN_VALUE));
    // Large offsets and a longer name, against the TypeScript encoder.
    const big = new OffsetSync({ topicPartition: { topic: 'orders.eu-west', partition: 2_000_000 }, upstreamOffset: 2 ** 52, downstreamOffset: 123_456_789_012 });
    const native = testing.encodeOffsetSync('orders.eu-west', 2_000_000, 2 ** 52, 123_456_789_012);
    expect(hex(native.key)).toBe(hex(big.recordKey()));
    expect(hex(native.value)).toBe(hex(big.recordValue()));
  });

  it.each([
    ['', 0, 0, 0],
    ['orders', 11, 1_000_000_000_000, 999_999_999_000],
    ['ünïcode.topic', 2147483647, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER],
  ])('round-trips (%#)', (topic, partition, upstreamOffset, downstreamOffset) => {
    const sync = new OffsetSync({ topicPartition: { topic, partition }, upstreamOffset, downstreamOffset });
    expect(OffsetSync.deserialize(sync.recordKey(), sync.recordValue())).toEqual(sync);
    expect(sync.recordValue()).toHaveLength(16);
  });

  it('has no version: the value starts with upstreamOffset', () => {
    expect(OffsetSync.deserialize(GOLDEN_KEY, bytes('0001000000000000 0000000000000028')).upstreamOffset).toBe(2 ** 48);
  });

  it('ignores trailing bytes in key and value', () => {
    expect(OffsetSync.deserialize(Buffer.concat([GOLDEN_KEY, bytes('ff')]), Buffer.concat([GOLDEN_VALUE, bytes('0000')]))).toEqual(golden);
  });

  it.each(prefixes(GOLDEN_KEY).map((p) => [p.length, p] as const))('rejects a key truncated to %i bytes', (_, key) => {
    expect(() => OffsetSync.deserialize(key, GOLDEN_VALUE)).toThrow(RecordFormatError);
  });

  it.each(prefixes(GOLDEN_VALUE).map((p) => [p.length, p] as const))('rejects a value truncated to %i bytes', (_, value) => {
    expect(() => OffsetSync.deserialize(GOLDEN_KEY, value)).toThrow(RecordFormatError);
  });

  it('rejects a negative string length', () => {
    expect(() => OffsetSync.deserialize(bytes('fffe 74 00000003'), GOLDEN_VALUE))
      .toThrow("OffsetSync key: field 'topic' at byte 0 has a negative string length (-2)");
  });

  it('rejects a null key or value', () => {
    expect(() => OffsetSync.deserialize(null, GOLDEN_VALUE)).toThrow(RecordFormatError);
    expect(() => OffsetSync.deserialize(GOLDEN_KEY, null)).toThrow(RecordFormatError);
  });

  it('names where a corrupt record was read once the reader locates it', () => {
    let error: RecordFormatError | undefined;
    try {
      OffsetSync.deserialize(GOLDEN_KEY, GOLDEN_VALUE.subarray(0, 12));
    } catch (err) {
      error = (err as RecordFormatError).locate({ topic: 'mm2-offset-syncs.B.internal', partition: 0, offset: 17 });
    }
    expect(error).toMatchObject({ topic: 'mm2-offset-syncs.B.internal', partition: 0, offset: 17, recordType: 'OffsetSync', part: 'value' });
    expect(error?.message).toBe("mm2-offset-syncs.B.internal-0@17: OffsetSync value: field 'downstreamOffset' needs 8 bytes at byte 8, only 4 remain (record is 12 bytes)");
  });
});
