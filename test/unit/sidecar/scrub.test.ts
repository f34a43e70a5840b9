import { describe, expect, it } from 'vitest';
import { secretScrubber, writtenForms } from '../../../src/sidecar/scrub.js';

/** Secrets with every character JSON (or another serializer) escapes. */
const AWKWARD = [
  'pa"ss"word-1',
  'back\\slash\\pw',
  'ünïcødé-pässwörd',
  'with/slashes/pw',
  'line\nbreak\tpw',
  'emoji-😀-pw',
  `all "of\\ them/ü\n${'\u0001'}`,
];

/** How other JSON serializers write a string: `\/` and every non-ASCII character as \uXXXX. */
function asciiJson(value: unknown, upper = false): string {
  return JSON.stringify(value)
    .replace(/[\u0080-\uffff]/g, (c) => {
      const hex = c.charCodeAt(0).toString(16).padStart(4, '0');
      return `\\u${upper ? hex.toUpperCase() : hex}`;
    })
    .replaceAll('/', '\\/');
}

/** Prometheus' escaping of a label value. */
const promLabel = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

describe('secretScrubber', () => {
  it('ignores values too short to look for', () => {
    expect(secretScrubber([])).toBeUndefined();
    expect(secretScrubber(['12345', ''])).toBeUndefined();
  });

  it.each(AWKWARD)('finds %j as written and as JSON, Prometheus and URLs escape it', (secret) => {
    const scrub = secretScrubber([secret])!;
    const texts = [
      `failed: ${secret}.`,
      JSON.stringify({ reason: `failed: ${secret}.` }),
      JSON.stringify({ nested: JSON.stringify({ reason: secret }) }),
      asciiJson({ reason: `failed: ${secret}.` }),
      asciiJson({ reason: `failed: ${secret}.` }, true),
      `kmirror_info{reason="${promLabel(secret)}"} 1`,
      `/v1/groups/${encodeURIComponent(secret)}/offsets`,
    ];
    for (const text of texts) {
      const out = scrub.text(text);
      expect(out, text).toContain('[redacted]');
      for (const form of writtenForms(secret)) expect(out, text).not.toContain(form);
      // Decoding finds nothing either.
      if (text.startsWith('{')) expect(JSON.stringify(JSON.parse(out))).not.toContain(secret);
    }
  });

  it('keeps the JSON valid around a redacted escaped secret', () => {
    const secret = 'q"u\\o/t\u00e9';
    const scrub = secretScrubber([secret])!;
    expect(JSON.parse(scrub.text(JSON.stringify({ a: `x ${secret} y`, b: [secret] })))).toEqual({ a: 'x [redacted] y', b: ['[redacted]'] });
  });

  it('replaces a secret that holds another one whole', () => {
    const scrub = secretScrubber(['secret-1', 'secret-1-longer'])!;
    expect(scrub.text('a secret-1-longer b secret-1 c')).toBe('a [redacted] b [redacted] c');
  });

  it('scrubs every string of a value, object keys included, before any encoding', () => {
    const secret = 'pa"ss/wörd';
    const scrub = secretScrubber([secret])!;
    const value = {
      group: secret,
      translations: [{ partitions: [{ topic: `t-${secret}`, offset: 1, metadata: null }], n: 6_000_000_000, ok: true }],
      byTopic: { [secret]: 1 },
      notFound: ['x', secret],
    };
    expect(scrub.value(value)).toEqual({
      group: '[redacted]',
      translations: [{ partitions: [{ topic: 't-[redacted]', offset: 1, metadata: null }], n: 6_000_000_000, ok: true }],
      byTopic: { '[redacted]': 1 },
      notFound: ['x', '[redacted]'],
    });
    // The input is left as it was.
    expect(value.group).toBe(secret);
  });

  it('gives the same objects back when nothing holds a secret (no copy per answer)', () => {
    const scrub = secretScrubber(['a-secret-value'])!;
    const inner = { topic: 'orders', partition: 0 };
    const value = { group: 'billing', translations: [inner], n: 1, none: null, buf: Buffer.from('a-secret-value') };
    expect(scrub.value(value)).toBe(value);
    const changed = scrub.value({ keep: inner, drop: 'a-secret-value' });
    expect(changed.keep).toBe(inner);
  });
});
