import { useEffect } from 'react';
import { classNameProblem } from '../../../methods/hyperparameter-bounds';
import { useStudioStore } from '../../../store/studio-store';

/**
 * Why the class name being typed cannot fit the loaded model's text context, or null: counted as it is typed
 * (the worker's tokenizer, each text once), so the form says so before anything is stored.
 */
export function useClassNameProblem(name: string): string | null {
  const trimmed = name.trim();
  const textContext = useStudioStore((state) => state.model.loaded?.summary.text.contextLength ?? null);
  const tokens = useStudioStore((state) => state.model.tokenCounts[trimmed]);
  const countTokens = useStudioStore((state) => state.countTokens);
  useEffect(() => {
    // A failed count leaves the name unchecked here; the store checks again when it is added.
    if (trimmed && textContext !== null) countTokens([trimmed]).catch(() => undefined);
  }, [trimmed, textContext, countTokens]);
  if (!trimmed || textContext === null || tokens === undefined) return null;
  return classNameProblem(trimmed, tokens, textContext);
}
