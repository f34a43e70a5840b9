/**
 * MM2's DefaultGroupFilter (`groups`, `groups.exclude`): a consumer group is selected when it fully
 * matches an include pattern and no exclude pattern. Patterns are compiled once, here.
 */

import { compilePatternList, matchesPatternList } from './pattern-list.js';

export const DEFAULT_GROUPS_INCLUDE: readonly string[] = Object.freeze(['.*']);
/** kafka-console-consumer's throwaway groups, Connect's sink groups, and `__*`. */
export const DEFAULT_GROUPS_EXCLUDE: readonly string[] = Object.freeze(['console-consumer-.*', 'connect-.*', '__.*']);

export interface GroupFilterOptions {
  /** `groups`, Java regexes; default `.*`. An empty list selects no group. */
  include?: readonly string[];
  /** `groups.exclude`, Java regexes; default DEFAULT_GROUPS_EXCLUDE. An empty list excludes nothing. */
  exclude?: readonly string[];
}

export class GroupFilter {
  readonly #include: RegExp | null;
  readonly #exclude: RegExp | null;

  /** Throws KmirrorError(CONFIG_INVALID) for a pattern that cannot be applied as MM2 would. */
  constructor({ include = DEFAULT_GROUPS_INCLUDE, exclude = DEFAULT_GROUPS_EXCLUDE }: GroupFilterOptions = {}) {
    this.#include = compilePatternList(include, 'groups');
    this.#exclude = compilePatternList(exclude, 'groups.exclude');
  }

  shouldReplicateGroup(group: string): boolean {
    return matchesPatternList(this.#include, group) && !matchesPatternList(this.#exclude, group);
  }
}
