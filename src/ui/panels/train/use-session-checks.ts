import { useEffect, useMemo } from 'react';
import type { MethodTask } from '../../../methods/method';
import {
  boundTexts,
  choiceBounds,
  hyperparameterProblems,
  sessionShots,
} from '../../../store/session-checks';
import { useStudioStore } from '../../../store/studio-store';
import type { MethodChoice } from '../../../store/training-plan';
import { choiceHyperparameters } from '../../../store/training-slice';

/** The chosen tasks as methods see them: names and class names, the compared task first. */
function useChosenTasks(): MethodTask[] {
  const list = useStudioStore((state) => state.studioTasks.list);
  const ids = useStudioStore((state) => state.training.settings.taskIds);
  return useMemo(
    () =>
      ids.flatMap((id) => {
        const task = list.find((t) => t.id === id);
        return task ? [{ name: task.name, classes: task.classes.map((c) => c.name) }] : [];
      }),
    [list, ids],
  );
}

/**
 * Each hyperparameter of the choice, as typed, that is not of its type or outside its range for the loaded
 * model and the chosen tasks' names, by key: the form says so beside the field, before anything runs.
 */
export function useHyperparameterProblems(choice: MethodChoice): Record<string, string> {
  const tasks = useChosenTasks();
  const edits = useStudioStore((state) => state.training.settings.hyperparameters[choice.id]);
  const textContext = useStudioStore((state) => state.model.loaded?.summary.text.contextLength ?? null);
  const tokenCounts = useStudioStore((state) => state.model.tokenCounts);
  const countTokens = useStudioStore((state) => state.countTokens);
  useEffect(() => {
    // Uncounted names count as one token: the start checks again with every count in.
    if (textContext !== null) countTokens(boundTexts(tasks)).catch(() => undefined);
  }, [tasks, textContext, countTokens]);
  return useMemo(() => {
    const problems: Record<string, string> = {};
    const values = choiceHyperparameters(choice);
    for (const [key, text] of Object.entries(edits ?? {})) {
      try {
        Object.assign(values, choiceHyperparameters(choice, { [key]: text }));
      } catch (error) {
        problems[key] = (error as Error).message;
      }
    }
    if (textContext === null) return problems;
    const bounds = choiceBounds(choice, tasks, textContext, tokenCounts);
    return { ...hyperparameterProblems(choice, values, bounds), ...problems };
  }, [choice, edits, tasks, textContext, tokenCounts]);
}

/** What the session's shots will be on the compared task, in words, when they differ from those asked. */
export function useShotsNote(): string | null {
  const shotsText = useStudioStore((state) => state.training.settings.shots);
  const first = useStudioStore((state) =>
    state.studioTasks.list.find((t) => t.id === state.training.settings.taskIds[0]),
  );
  const images = useStudioStore((state) => (first ? state.studioTasks.images[first.id] : undefined));
  return useMemo(() => {
    if (!first || !images) return null;
    const asked = shotsText.trim() === '' ? first.shots : Number(shotsText);
    if (!Number.isInteger(asked) || asked < 1) return null;
    const pools = first.classes.map((c) => ({
      name: c.name,
      train: images.filter((i) => i.classId === c.id && i.split === 'train').length,
    }));
    return sessionShots(asked, first.name, pools).note;
  }, [first, images, shotsText]);
}
