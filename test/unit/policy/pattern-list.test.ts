import { describe, expect, it } from 'vitest';

import { ErrorCodes } from '../../../src/errors.js';
import { compilePatternList, matchesPatternList } from '../../../src/policy/pattern-list.js';

function selects(patterns: string[], name: string): boolean {
  return matchesPatternList(compilePatternList(patterns, 'topics'), name);
}

describe('compilePatternList: Java patterns, matched as MM2 matches them', () => {
  it('selects nothing for an empty list', () => {
    expect(compilePatternList([], 'topics')).toBeNull();
    expect(selects([], '')).toBe(false);
  });

  it.each([
    // Java allows a backslash before any non-letter; `u` would reject these.
    [['my\\-topic'], 'my-topic', true],
    [['a\\_b'], 'a_b', true],
    [['.*[\\-\\.]internal'], 'x-internal', true],
    // \Q…\E quotes a literal (what Pattern.quote emits).
    [['\\Qa.b\\E'], 'a.b', true],
    [['\\Qa.b\\E'], 'axb', false],
    [['\\Qa.b'], 'a.b', true],
    [['[\\Q.-\\E]x'], '-x', true],
    [['[\\Q.-\\E]x'], 'yx', false],
    // Escapes shared by both languages.
    [['orders-\\d+'], 'orders-42', true],
    [['orders-\\d+'], 'orders-x', false],
    [['\\w+\\.events'], 'eu_west.events', true],
    // The whole name must match, every alternative included.
    [['orders|events'], 'orders', true],
    [['orders|events'], 'ordersevents', false],
    [['orders'], 'orders\n', false],
  ])('%j selects %j: %s', (patterns, name, expected) => {
    expect(selects(patterns, name)).toBe(expected);
  });

  it.each([
    ['\\Aorders\\z', 'Java-only'],
    ['\\p{Alpha}+', 'Java-only'],
    ['\\horders', 'Java-only'],
    ['\\vorders', 'Java-only'],
    ['\\x{41}', '\\x{'],
    ['[a-z&&[^x]]', 'intersection'],
    ['[a[b]]', 'nested'],
    ['[]a]', '] first'],
    ['(?i)orders', 'Invalid'],
    ['orders*+', 'Nothing to repeat'],
    ['(?>a)b', 'Invalid'],
    // Unbalanced in Java, but `^(?:` + `)$` would balance it.
    ['a)|(b', 'Unmatched'],
    ['orders\\', 'trailing backslash'],
  ])('rejects %j (%s) rather than match differently from Java', (pattern, reason) => {
    expect(() => compilePatternList([pattern], 'topics')).toThrow(
      expect.objectContaining({ code: ErrorCodes.CONFIG_INVALID, message: expect.stringContaining(reason) }),
    );
  });
});
