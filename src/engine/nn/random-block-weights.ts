import type { Backend } from '../backend';
import type { Random } from '../random';
import { sizeOf, type Tensor } from '../tensor';
import type { ResidualBlockWeights } from './residual-attention-block';

/**
 * Frozen random weights for a residual block of the given width and MLP size, scaled like a trained
 * block (unit-variance activations): for memory tests and benchmarks at real model dimensions.
 */
export function randomBlockWeights(
  backend: Backend,
  random: Random,
  width: number,
  mlp: number,
): { weights: ResidualBlockWeights; tensors: Tensor[] } {
  const tensors: Tensor[] = [];
  const tensor = (shape: number[], std: number, mean = 0) => {
    const values = random.normals(sizeOf(shape), std).map((v) => v + mean);
    const t = backend.tensor(shape, values);
    tensors.push(t);
    return t;
  };
  const affine = (out: number, inFeatures: number) => ({
    weight: tensor([out, inFeatures], inFeatures ** -0.5),
    bias: tensor([out], 0.1),
  });
  const norm = () => ({ weight: tensor([width], 0.1, 1), bias: tensor([width], 0.1) });
  const weights = {
    layerNorm1: norm(),
    q: affine(width, width),
    k: affine(width, width),
    v: affine(width, width),
    out: affine(width, width),
    layerNorm2: norm(),
    fc1: affine(mlp, width),
    fc2: affine(width, mlp),
  };
  return { weights, tensors };
}
