import { describe, expect, it } from 'vitest';
import { features, librdkafkaVersion } from '../../../src/kafka/rdkafka.js';

describe('the librdkafka node-rdkafka built', () => {
  // zstd is compiled in only when libzstd-dev was installed before `npm install` (see README).
  it.each(['gzip', 'snappy', 'lz4', 'zstd', 'ssl', 'sasl_scram', 'sasl_plain'])('has %s', (feature) => {
    expect(features, `librdkafka ${librdkafkaVersion} lacks ${feature}: install the packages README lists, then npm rebuild node-rdkafka`)
      .toContain(feature);
  });
});
