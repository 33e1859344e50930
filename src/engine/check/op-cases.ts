import { attentionAndTokenCases } from './cases/attention-and-tokens';
import { clipInputCases } from './cases/clip-inputs';
import { elementwiseCases } from './cases/elementwise';
import { linearAlgebraCases } from './cases/linear-algebra';
import { normalizationAndLossCases } from './cases/normalization-and-loss';
import { reshapeCases } from './cases/reshape';
import type { OpCase } from './op-check';

/** Every differentiable op, as checked by the unit tests and by `prompt-studio check engine`. */
export const opCases: OpCase[] = [
  ...linearAlgebraCases,
  ...elementwiseCases,
  ...attentionAndTokenCases,
  ...normalizationAndLossCases,
  ...clipInputCases,
  ...reshapeCases,
];
