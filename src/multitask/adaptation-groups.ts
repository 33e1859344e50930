/**
 * Which target tasks MVLPT's stage 2 adapts together. A group trains one prompt on all its members; it
 * reports the accuracy of the members it was formed for. Three ways to form them:
 *
 *   none    every target alone: single-task adaptation (a group of one);
 *   a spec  "a+b,c": a partition written out, every member reported ('+' joins a group, ',' separates
 *           groups, targets not named stay alone);
 *   matrix  MVLPT §4.3: each target with its best (or, for the "Worst M" contrast, worst) 1 or 2 other
 *           targets by the transferability matrix. The groups overlap; each reports only its target.
 */
import { rankSources, type TransferMatrix } from './transfer-matrix';

export interface AdaptationGroup {
  /** Tasks trained together, by name. */
  tasks: string[];
  /** The members whose test accuracy this group's run reports. */
  report: string[];
}

export function separateGroups(targets: readonly string[]): AdaptationGroup[] {
  return targets.map((target) => ({ tasks: [target], report: [target] }));
}

export function parseGroups(spec: string, targets: readonly string[]): AdaptationGroup[] {
  const seen = new Set<string>();
  const groups = spec
    .split(',')
    .map((part) => part.split('+').map((name) => name.trim()))
    .filter((names) => names.some((name) => name !== ''))
    .map((names) => {
      for (const name of names) {
        if (!targets.includes(name)) {
          throw new Error(
            `group "${names.join('+')}" names ${name || 'an empty task'}, not one of the targets (${targets.join(', ')})`,
          );
        }
        if (seen.has(name)) throw new Error(`task ${name} is in two groups; groups must not overlap`);
        seen.add(name);
      }
      return { tasks: names, report: names };
    });
  return [...groups, ...separateGroups(targets.filter((target) => !seen.has(target)))];
}

export function groupsFromMatrix(
  matrix: TransferMatrix,
  targets: readonly string[],
  options: { size: 2 | 3; worst?: boolean },
): AdaptationGroup[] {
  return targets.map((target) => {
    const partners = rankSources(matrix, target, { candidates: targets, worst: options.worst })
      .slice(0, options.size - 1)
      .map((r) => r.source);
    if (partners.length < options.size - 1) {
      throw new Error(
        `the transferability matrix measures ${partners.length} other target(s) on ${target}; ` +
          `groups of ${options.size} need ${options.size - 1}`,
      );
    }
    return { tasks: [target, ...partners], report: [target] };
  });
}
