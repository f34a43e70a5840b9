import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { PROTO_FILE, TranslationCodec, wantsProtobuf } from '../../../src/sidecar/translation-codec.js';
import { TRANSLATION } from './fake-view.js';

describe('TranslationCodec', () => {
  const codec = new TranslationCodec();
  const root = protobuf.loadSync(PROTO_FILE);
  const decode = (type: string, bytes: Buffer) => {
    const t = root.lookupType(`kmirror.v1.${type}`);
    return t.toObject(t.decode(bytes), { longs: Number, defaults: true, arrays: true });
  };

  it('encodes the engine\'s translations as GroupOffsets, int64 offsets included', () => {
    const bytes = codec.encodeGroup({ group: 'billing', translations: [TRANSLATION] });
    expect(Buffer.isBuffer(bytes)).toBe(true);
    expect(decode('GroupOffsets', bytes)).toEqual({ group: 'billing', translations: [TRANSLATION] });
  });

  it('encodes the bulk answer as BulkTranslation', () => {
    const message = { groups: [{ group: 'billing', translations: [TRANSLATION] }], notFound: ['a', 'b'] };
    expect(decode('BulkTranslation', codec.encodeBulk(message))).toEqual(message);
  });

  it('field numbers are the published ones (a change would break clients)', () => {
    const fields = (type: string) => Object.fromEntries(Object.values(root.lookupType(`kmirror.v1.${type}`).fields).map((f) => [f.name, [f.id, f.type, f.repeated]]));
    expect(fields('TranslatedPartition')).toEqual({
      topic: [1, 'string', false], partition: [2, 'int32', false], offset: [3, 'int64', false],
      upstreamTopic: [4, 'string', false], upstreamOffset: [5, 'int64', false], metadata: [6, 'string', false],
    });
    expect(fields('GroupTranslation')).toEqual({
      group: [1, 'string', false], source: [2, 'string', false], target: [3, 'string', false], partitions: [4, 'TranslatedPartition', true],
    });
    expect(fields('GroupOffsets')).toEqual({ group: [1, 'string', false], translations: [2, 'GroupTranslation', true] });
    expect(fields('BulkTranslation')).toEqual({ groups: [1, 'GroupOffsets', true], notFound: [2, 'string', true] });
  });
});

describe('wantsProtobuf', () => {
  it.each([
    [undefined, false], ['*/*', false], ['application/json', false],
    ['application/x-protobuf', true], ['application/protobuf', true], ['application/json, application/x-protobuf;q=0.9', true],
  ])('%s → %s', (accept, expected) => {
    expect(wantsProtobuf(accept)).toBe(expected);
  });
});
