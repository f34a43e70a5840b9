/**
 * MM2's pattern lists (`topics`, `groups`, their `.exclude`s): the list is joined with `|` into one
 * Java regex, and a name is selected when it matches the *whole* pattern (`Matcher.matches()`).
 * An empty list selects nothing (MM2: "a blank config property should match nothing").
 *
 * The patterns are Java regexes run by the JS engine. Invariant: for every pattern Java accepts,
 * the compiled RegExp either selects exactly the names Java would, or construction fails; a filter
 * never silently selects different topics. Hence:
 * - no `u` flag: Java lets a backslash escape any non-letter (`my\-topic`, `a\_b`), and Annex B
 *   non-unicode mode reads those the same way, while `u` rejects them. What `u` would add (`.`
 *   matching a whole astral code point) cannot matter for Kafka names, which are ASCII.
 * - `\Q…\E` (Java's quoting, what `Pattern.quote` emits) is rewritten to escaped literals.
 * - Constructs whose meaning differs and that non-unicode JS would accept silently are rejected:
 *   backslash-letter escapes outside the shared set (`\A`, `\z`, `\h`, `\p{…}`, `\v`, …), `\x{…}`,
 *   nested classes and `&&` inside a class, and `]` first in a class.
 * - Java-only syntax JS cannot parse (inline flags `(?i)`, possessive `a*+`, atomic `(?>…)`)
 *   fails to compile and is reported the same way.
 */

import { ErrorCodes, KmirrorError } from '../errors.js';

/** Backslash-letter escapes that mean the same in Java and in non-unicode JS. */
const SHARED_LETTER_ESCAPES = new Set('dDsSwWbBtnrfcxuk');
const REGEX_SYNTAX = /[\\^$.|?*+()[\]{}\-/]/g;

/**
 * Compiles a pattern list once; null when the list is empty. `configKey` names the list in errors.
 * Throws KmirrorError(CONFIG_INVALID) for a pattern that cannot be honoured exactly.
 */
export function compilePatternList(patterns: readonly string[], configKey: string): RegExp | null {
  if (patterns.length === 0) return null;
  const joined = patterns.join('|');
  try {
    const source = javaToJsRegexSource(joined);
    // Compiled unanchored first: `a)|(b` is an error in Java but would balance once wrapped.
    new RegExp(source);
    return new RegExp(`^(?:${source})$`);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new KmirrorError(
      ErrorCodes.CONFIG_INVALID,
      `${configKey} = ${patterns.join(', ')}: not a regular expression kmirror can apply as MM2 would (${reason}). ` +
        'Patterns are Java regexes matched against the whole name; rewrite Java-only syntax with plain constructs.',
      { cause: error },
    );
  }
}

/** True when `pattern` (from compilePatternList) selects `name`; an empty list selects nothing. */
export function matchesPatternList(pattern: RegExp | null, name: string): boolean {
  return pattern !== null && pattern.test(name);
}

function javaToJsRegexSource(java: string): string {
  let out = '';
  let inClass = false;
  let i = 0;
  while (i < java.length) {
    const c = java[i] as string;
    if (c === '\\') {
      const next = java[i + 1];
      if (next === undefined) throw new Error('trailing backslash');
      if (next === 'Q') {
        const end = java.indexOf('\\E', i + 2);
        const literal = end === -1 ? java.slice(i + 2) : java.slice(i + 2, end);
        out += literal.replace(REGEX_SYNTAX, '\\$&');
        i = end === -1 ? java.length : end + 2;
        continue;
      }
      if (/[A-Za-z]/.test(next) && !SHARED_LETTER_ESCAPES.has(next)) {
        throw new Error(`the escape \\${next} is Java-only or means something else in JavaScript`);
      }
      if (next === 'x' && java[i + 2] === '{') throw new Error('\\x{…} is Java-only; use \\xhh or \\uhhhh');
      out += c + next;
      i += 2;
      continue;
    }
    if (inClass) {
      if (c === '[') throw new Error('nested character classes are Java-only; escape [ inside a class');
      if (c === '&' && java[i + 1] === '&') throw new Error('&& (class intersection) is Java-only');
      if (c === ']') inClass = false;
    } else if (c === '[') {
      inClass = true;
      out += c;
      i++;
      if (java[i] === '^') {
        out += '^';
        i++;
      }
      if (java[i] === ']') throw new Error('] first in a character class differs between Java and JavaScript; write \\]');
      continue;
    }
    out += c;
    i++;
  }
  return out;
}
