import { REDACTED } from '../config/redact.js';

/**
 * Keeps secret values (the token, client passwords, JAAS configs, key passwords) out of the
 * sidecar's answers, whatever their format:
 *
 *  - `value()` replaces secrets in every string of an answer *before* it is encoded (object keys
 *    included): one place for JSON and protobuf alike, so a group, topic or reason that holds a
 *    secret is redacted in a protobuf answer too, where the bytes could not be edited afterwards;
 *  - `text()` is the last line of defence over text answers (serialized JSON, Prometheus text,
 *    error messages). A secret is looked for as written and as the formats around it escape it:
 *    JSON (`\"`, `\\`, control characters, optionally `\/` and `\uXXXX` for non-ASCII, as other
 *    serializers write them), Prometheus label values (`\\`, `\"`, `\n`), URL percent-encoding,
 *    and JSON text quoted in JSON.
 */
export interface Scrubber {
  text(text: string): string;
  /** The value with secrets replaced in every string; the same object when nothing needed it. */
  value<T>(value: T): T;
}

/** Values shorter than this are left alone: replacing them would garble answers more than it protects. */
export const MIN_SECRET_LENGTH = 6;

/** No secret to look for: answers go out as they are. */
export const NO_SCRUBBING: Scrubber = { text: (text) => text, value: (value) => value };

/** A scrubber for these secret values; undefined when none is long enough to look for. */
export function secretScrubber(secrets: readonly string[]): Scrubber | undefined {
  const forms = new Set<string>();
  for (const secret of secrets) if (secret.length >= MIN_SECRET_LENGTH) for (const form of writtenForms(secret)) forms.add(form);
  if (forms.size === 0) return undefined;
  // One pass per string whatever the number of secrets; the longest form first, so a secret that
  // holds another one is replaced whole.
  const pattern = new RegExp([...forms].sort((a, b) => b.length - a.length).map(escapeRegExp).join('|'), 'g');
  const text = (s: string) => (s.length < MIN_SECRET_LENGTH ? s : s.replace(pattern, REDACTED));
  return { text, value: <T>(value: T) => scrubValue(value, text) as T };
}

/**
 * How a secret may be written in an answer: as it is, and escaped by JSON, Prometheus or a URL;
 * and each of those escaped by JSON once more (an error message quoting JSON, itself in JSON).
 */
export function writtenForms(secret: string): string[] {
  const once = escapedForms(secret);
  return [...new Set([...once, ...once.map((form) => JSON.stringify(form).slice(1, -1))])];
}

function escapedForms(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  const forms = [secret, secret.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')];
  // JSON as JSON.stringify writes it, and as serializers that escape `/` or non-ASCII (either case of hex) do.
  for (const nonAscii of [undefined, (hex: string) => hex, (hex: string) => hex.toUpperCase()]) {
    const escaped = nonAscii === undefined ? json
      : json.replace(/[\u0080-\uffff]/g, (c) => `\\u${nonAscii(c.charCodeAt(0).toString(16).padStart(4, '0'))}`);
    forms.push(escaped, escaped.replaceAll('/', '\\/'));
  }
  try {
    forms.push(encodeURIComponent(secret));
  } catch {
    // A lone surrogate cannot be percent-encoded: no URL carries it that way.
  }
  return forms;
}

function scrubValue(value: unknown, text: (s: string) => string): unknown {
  if (typeof value === 'string') return text(value);
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = scrubValue(value[i], text);
      if (item !== value[i]) (out ??= value.slice())[i] = item;
    }
    return out ?? value;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  // Plain objects only: Buffers, Dates and the like are not text (and are not answers' fields).
  if (proto !== Object.prototype && proto !== null) return value;
  let changed = false;
  const entries = Object.entries(value).map(([key, item]) => {
    const k = text(key);
    const v = scrubValue(item, text);
    if (k !== key || v !== item) changed = true;
    return [k, v] as const;
  });
  return changed ? Object.fromEntries(entries) : value;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
