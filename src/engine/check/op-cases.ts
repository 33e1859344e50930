import { elementwiseCases } from './cases/elementwise';
import { linearAlgebraCases } from './cases/linear-algebra';
import type { OpCase } from './op-check';

/** Every differentiable op, as checked by the unit tests and by `prompt-studio check engine`. */
export const opCases: OpCase[] = [...linearAlgebraCases, ...elementwiseCases];
