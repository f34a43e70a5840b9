import { Properties } from 'properties-file/parser';

/** One `key = value` entry of a .properties file, unescaped, with where it was written. */
export interface PropertyEntry {
  readonly key: string;
  readonly value: string;
  /** 1-based line the entry starts on (continuation lines belong to the same entry). */
  readonly line: number;
  /** The value holds what a config provider gave (`${provider:…}`): a secret (config-providers.ts). */
  readonly resolved?: boolean;
}

export interface ParsedProperties {
  /** The effective entry per key: Java's last-wins rule. */
  readonly entries: ReadonlyMap<string, PropertyEntry>;
  /** Keys written more than once, with every line they appear on. */
  readonly duplicates: readonly { key: string; lines: readonly number[] }[];
}

/**
 * Parses Java-properties text (java.util.Properties.load: `=`, `:` or whitespace separators,
 * `#`/`!` comments, `\` continuation lines, `\uXXXX` and other escapes, last value wins).
 * Keys and values have surrounding whitespace removed, as Kafka's config loading does.
 */
export function parseProperties(text: string): ParsedProperties {
  const parsed = new Properties(text);
  const entries = new Map<string, PropertyEntry>();
  const lines = new Map<string, number[]>();
  for (const node of parsed.getProperties()) {
    const key = node.key.trim();
    entries.set(key, { key, value: node.value.trim(), line: node.startingLineNumber });
    const seen = lines.get(key);
    if (seen) seen.push(node.startingLineNumber);
    else lines.set(key, [node.startingLineNumber]);
  }
  const duplicates = [...lines].filter(([, at]) => at.length > 1).map(([key, at]) => ({ key, lines: at }));
  return { entries, duplicates };
}
