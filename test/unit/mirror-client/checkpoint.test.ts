import { describe, expect, it } from 'vitest';

import { Checkpoint } from '../../../src/mirror-client/checkpoint.js';
import { RecordFormatError } from '../../../src/mirror-client/record-format-error.js';
import { bytes, hex, prefixes } from './hex.js';

// mm2-internals.md §1: Checkpoint("g1", "A.t", 3, up=42, down=40, "")
const GOLDEN_KEY = bytes('0002 6731 0003 412e74 00000003');
const GOLDEN_VALUE = bytes('0000 000000000000002a 0000000000000028 0000');

const golden = new Checkpoint({
  consumerGroupId: 'g1', topicPartition: { topic: 'A.t', partition: 3 }, upstreamOffset: 42, downstreamOffset: 40, metadata: '',
});

describe('Checkpoint wire format', () => {
  it('encodes the golden bytes', () => {
    expect(hex(golden.recordKey())).toBe(hex(GOLDEN_KEY));
    expect(hex(golden.recordValue())).toBe(hex(GOLDEN_VALUE));
  });

  it('decodes the golden bytes', () => {
    const decoded = Checkpoint.deserialize(GOLDEN_KEY, GOLDEN_VALUE);
    expect(decoded).toEqual(golden);
    expect(decoded.toString()).toBe('Checkpoint{consumerGroupId=g1, topicPartition=A.t-3, upstreamOffset=42, downstreamOffset=40, metadata=}');
  });

  it('writes null or absent metadata as ""', () => {
    const base = { consumerGroupId: 'g1', topicPartition: { topic: 'A.t', partition: 3 }, upstreamOffset: 42, downstreamOffset: 40 };
    expect(new Checkpoint({ ...base, metadata: null }).metadata).toBe('');
    expect(hex(new Checkpoint(base).recordValue())).toBe(hex(GOLDEN_VALUE));
  });

  it.each([
    ['', '', 0, 0, 0, ''],
    ['orders-service', 'east.B.orders', 2147483647, Number.MAX_SAFE_INTEGER, 9_007_199_254_740_000, 'commit at 12:00'],
    ['groupé', '東京.t', 0, 5, 4, 'm'.repeat(32767)],
    ['g', 't', -2147483648, -1, -1, '{"k":1}'],
  ])('round-trips (%#)', (consumerGroupId, topic, partition, upstreamOffset, downstreamOffset, metadata) => {
    const checkpoint = new Checkpoint({ consumerGroupId, topicPartition: { topic, partition }, upstreamOffset, downstreamOffset, metadata });
    expect(Checkpoint.deserialize(checkpoint.recordKey(), checkpoint.recordValue())).toEqual(checkpoint);
  });

  it('reads the key alone, for tombstones', () => {
    expect(Checkpoint.deserializeKey(GOLDEN_KEY)).toEqual({ consumerGroupId: 'g1', topicPartition: { topic: 'A.t', partition: 3 } });
  });

  it('ignores trailing bytes in key and value', () => {
    expect(Checkpoint.deserialize(Buffer.concat([GOLDEN_KEY, bytes('00')]), Buffer.concat([GOLDEN_VALUE, bytes('0001 78')])))
      .toEqual(golden);
  });

  it.each(prefixes(GOLDEN_KEY).map((p) => [p.length, p] as const))('rejects a key truncated to %i bytes', (_, key) => {
    expect(() => Checkpoint.deserialize(key, GOLDEN_VALUE)).toThrow(RecordFormatError);
  });

  it.each(prefixes(GOLDEN_VALUE).map((p) => [p.length, p] as const))('rejects a value truncated to %i bytes', (_, value) => {
    expect(() => Checkpoint.deserialize(GOLDEN_KEY, value)).toThrow(RecordFormatError);
  });

  it('rejects negative string lengths in key and value', () => {
    expect(() => Checkpoint.deserialize(bytes('0002 6731 8000 412e74 00000003'), GOLDEN_VALUE))
      .toThrow("Checkpoint key: field 'topic' at byte 4 has a negative string length (-32768)");
    expect(() => Checkpoint.deserialize(GOLDEN_KEY, bytes('0000 000000000000002a 0000000000000028 ffff')))
      .toThrow("Checkpoint value: field 'metadata' at byte 18 has a negative string length (-1)");
  });

  it('rejects a version other than 0', () => {
    expect(() => Checkpoint.deserialize(GOLDEN_KEY, bytes('0001 000000000000002a 0000000000000028 0000')))
      .toThrow('Checkpoint value: unsupported version 1 (only version 0 exists)');
  });

  it('rejects offsets beyond 2^53 − 1 instead of rounding them', () => {
    expect(() => Checkpoint.deserialize(GOLDEN_KEY, bytes('0000 7fffffffffffffff 0000000000000028 0000')))
      .toThrow(/'upstreamOffset' at byte 2 is 9223372036854775807/);
  });

  it('refuses values the format cannot carry', () => {
    const base = { consumerGroupId: 'g1', topicPartition: { topic: 'A.t', partition: 3 }, upstreamOffset: 42, downstreamOffset: 40 };
    expect(() => new Checkpoint({ ...base, topicPartition: { topic: 'A.t', partition: 2 ** 31 } })).toThrow(RangeError);
    expect(() => new Checkpoint({ ...base, downstreamOffset: Number.NaN })).toThrow(RangeError);
    expect(() => new Checkpoint({ ...base, metadata: 'x'.repeat(32768) })).toThrow(RangeError);
  });

  it('encodes an unpaired surrogate as Java does ("?")', () => {
    const checkpoint = new Checkpoint({ consumerGroupId: 'a\uD800b', topicPartition: { topic: 't', partition: 0 }, upstreamOffset: 0, downstreamOffset: 0 });
    expect(hex(checkpoint.recordKey())).toBe(hex(bytes('0003 613f62 0001 74 00000000')));
  });
});
