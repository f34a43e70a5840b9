/**
 * MM2's DefaultTopicFilter (`topics`, `topics.exclude`): a topic is selected when it fully matches
 * an include pattern and no exclude pattern. Patterns are compiled once, here.
 */

import { compilePatternList, matchesPatternList } from './pattern-list.js';

export const DEFAULT_TOPICS_INCLUDE: readonly string[] = Object.freeze(['.*']);
/** Connect's and MM2's internal topics, MM1-era `*.replica` topics, and Kafka's `__*`. */
export const DEFAULT_TOPICS_EXCLUDE: readonly string[] = Object.freeze(['.*[\\-\\.]internal', '.*\\.replica', '__.*']);

export interface TopicFilterOptions {
  /** `topics`, Java regexes; default `.*`. An empty list selects no topic. */
  include?: readonly string[];
  /** `topics.exclude`, Java regexes; default DEFAULT_TOPICS_EXCLUDE. An empty list excludes nothing. */
  exclude?: readonly string[];
}

export class TopicFilter {
  readonly #include: RegExp | null;
  readonly #exclude: RegExp | null;

  /** Throws KmirrorError(CONFIG_INVALID) for a pattern that cannot be applied as MM2 would. */
  constructor({ include = DEFAULT_TOPICS_INCLUDE, exclude = DEFAULT_TOPICS_EXCLUDE }: TopicFilterOptions = {}) {
    this.#include = compilePatternList(include, 'topics');
    this.#exclude = compilePatternList(exclude, 'topics.exclude');
  }

  shouldReplicateTopic(topic: string): boolean {
    return matchesPatternList(this.#include, topic) && !matchesPatternList(this.#exclude, topic);
  }
}
