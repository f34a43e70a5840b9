import { describe, expect, it } from 'vitest';

import { ErrorCodes } from '../../../src/errors.js';
import { DEFAULT_TOPICS_EXCLUDE, DEFAULT_TOPICS_INCLUDE, TopicFilter } from '../../../src/policy/index.js';

describe('TopicFilter with MM2 defaults', () => {
  const filter = new TopicFilter();

  it('exports the MM2 default lists', () => {
    expect(DEFAULT_TOPICS_INCLUDE).toEqual(['.*']);
    expect(DEFAULT_TOPICS_EXCLUDE).toEqual(['.*[\\-\\.]internal', '.*\\.replica', '__.*']);
  });

  it.each([
    ['orders', true],
    ['A.orders', true],
    ['heartbeats', true],
    ['internal', true],
    ['orders_internal', true],
    ['mm2-configs.A.internal', false],
    ['A.checkpoints.internal', false],
    ['connect-offsets-internal', false],
    ['orders.replica', false],
    ['orders.replicas', true],
    ['__consumer_offsets', false],
    ['_schemas', true],
  ])('shouldReplicateTopic(%s) = %s', (topic, expected) => {
    expect(filter.shouldReplicateTopic(topic)).toBe(expected);
  });
});

describe('TopicFilter with custom lists', () => {
  it.each([
    // include, exclude, topic, expected
    [['orders', 'events'], undefined, 'orders', true],
    [['orders', 'events'], undefined, 'events', true],
    [['orders', 'events'], undefined, 'orders2', false],
    [['orders', 'events'], undefined, 'myorders', false],
    [['orders.*'], undefined, 'orders2', true],
    [['orders.*'], ['orders\\.internal.*'], 'orders.internal.x', false],
    [['a|b', 'c'], undefined, 'b', true],
    [['a|b', 'c'], undefined, 'ab', false],
    [['.*'], [], '__consumer_offsets', true],
    [[], [], 'orders', false],
    [['sales\\..*'], ['.*-test'], 'sales.eu', true],
    [['sales\\..*'], ['.*-test'], 'sales.eu-test', false],
    [['sales\\..*'], ['.*-test'], 'salesXeu', false],
  ])('include %j, exclude %j: %s -> %s', (include, exclude, topic, expected) => {
    expect(new TopicFilter({ include, exclude }).shouldReplicateTopic(topic)).toBe(expected);
  });

  it('rejects an invalid pattern at construction, naming the config key', () => {
    expect(() => new TopicFilter({ include: ['orders', '(unclosed'] })).toThrow(
      expect.objectContaining({ code: ErrorCodes.CONFIG_INVALID, message: expect.stringMatching(/^topics = orders, \(unclosed/) }),
    );
    expect(() => new TopicFilter({ exclude: ['(?i)tmp.*'] })).toThrow(
      expect.objectContaining({ code: ErrorCodes.CONFIG_INVALID, message: expect.stringMatching(/^topics\.exclude = /) }),
    );
  });
});
