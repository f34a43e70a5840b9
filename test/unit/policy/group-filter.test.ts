import { describe, expect, it } from 'vitest';

import { ErrorCodes } from '../../../src/errors.js';
import { DEFAULT_GROUPS_EXCLUDE, DEFAULT_GROUPS_INCLUDE, GroupFilter } from '../../../src/policy/index.js';

describe('GroupFilter with MM2 defaults', () => {
  const filter = new GroupFilter();

  it('exports the MM2 default lists', () => {
    expect(DEFAULT_GROUPS_INCLUDE).toEqual(['.*']);
    expect(DEFAULT_GROUPS_EXCLUDE).toEqual(['console-consumer-.*', 'connect-.*', '__.*']);
  });

  it.each([
    ['billing-service', true],
    ['console-consumer-41235', false],
    ['console-consumer', true],
    ['connect-s3-sink', false],
    ['my-connect-app', true],
    ['__strimzi-canary', false],
    ['_private', true],
  ])('shouldReplicateGroup(%s) = %s', (group, expected) => {
    expect(filter.shouldReplicateGroup(group)).toBe(expected);
  });
});

describe('GroupFilter with custom lists', () => {
  it.each([
    // include, exclude, group, expected
    [['billing', 'shipping'], undefined, 'billing', true],
    [['billing', 'shipping'], undefined, 'billing2', false],
    [['team-a-.*'], ['.*-canary'], 'team-a-orders', true],
    [['team-a-.*'], ['.*-canary'], 'team-a-canary', false],
    [['.*'], [], 'console-consumer-1', true],
    [[], undefined, 'billing', false],
  ])('include %j, exclude %j: %s -> %s', (include, exclude, group, expected) => {
    expect(new GroupFilter({ include, exclude }).shouldReplicateGroup(group)).toBe(expected);
  });

  it('rejects an invalid pattern at construction, naming the config key', () => {
    expect(() => new GroupFilter({ exclude: ['a++'] })).toThrow(
      expect.objectContaining({ code: ErrorCodes.CONFIG_INVALID, message: expect.stringMatching(/^groups\.exclude = a\+\+/) }),
    );
  });
});
