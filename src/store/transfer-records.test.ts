import { describe, expect, it } from 'vitest';
import {
  emptyTransferState,
  serializeTransferState,
  type TransferSettings,
} from '../multitask/transfer-state';
import {
  emptyMatrix,
  matrixEpochs,
  matrixExport,
  matrixSuggestions,
  TRANSFER_METHODS,
  withAccuracy,
  withCell,
} from './transfer-records';

const settings = { id: 'm1', method: 'coop' as const, tasks: ['a', 'b'], shots: 2, seed: 1, createdAt: 5 };

describe('stored transfer matrices', () => {
  it('offers the methods whose prompt applies to another task', () => {
    expect(TRANSFER_METHODS.map((d) => d.id)).toEqual([
      'coop',
      'vpt-shallow',
      'vpt-deep',
      'upt',
      'mudpt',
      'cocoop',
      'kgcoop',
    ]);
  });

  it('starts with every cell unmeasured and no state', () => {
    const matrix = emptyMatrix(settings);
    expect(matrix.accuracy).toEqual([
      [null, null],
      [null, null],
    ]);
    expect(matrix).toMatchObject({ state: '', complete: false, tasks: ['a', 'b'] });
  });

  it('fills cells one at a time, renormalising each column, complete with the last', () => {
    let matrix = emptyMatrix(settings);
    matrix = withCell(matrix, { source: 'a', target: 'a', accuracy: 0.8, state: 's1' });
    matrix = withCell(matrix, { source: 'a', target: 'b', accuracy: 0.3, state: 's2' });
    matrix = withCell(matrix, { source: 'b', target: 'a', accuracy: 0.4, state: 's3' });
    expect(matrix.normalised).toEqual([
      [1, 1],
      [0.5, null],
    ]);
    expect(matrix).toMatchObject({ state: 's3', complete: false });
    expect(matrixSuggestions(matrix), 'no suggestions from a partial matrix').toEqual([]);
    matrix = withCell(matrix, { source: 'b', target: 'b', accuracy: 0.6, state: 's4' });
    expect(matrix.normalised[1]).toEqual([0.5, 1]);
    expect(matrix.complete).toBe(true);
    expect(matrixSuggestions(matrix).map((g) => g.top1)).toEqual([
      ['a', 'b'],
      ['b', 'a'],
    ]);
  });

  it('refuses a cell of a task it does not have', () => {
    expect(() =>
      withCell(emptyMatrix(settings), { source: 'a', target: 'z', accuracy: 1, state: '' }),
    ).toThrow('no cell a → z');
  });

  it("exports the CLI's matrix document", () => {
    const matrix = withAccuracy(
      emptyMatrix({ ...settings, tasks: ['a', 'b c'] }),
      [
        [0.8, 0.3],
        [0.4, 0.6],
      ],
      'state',
    );
    const exported = JSON.parse(matrixExport(matrix, 'abc'));
    expect(exported).toMatchObject({
      format: 'prompt-studio.transfer',
      model: 'abc',
      method: 'coop',
      tasks: ['a', 'b c'],
      complete: true,
      accuracy: matrix.accuracy,
      normalised: matrix.normalised,
    });
    expect(exported.suggestions).toHaveLength(2);
  });
});

describe('matrixEpochs', () => {
  it("reads the epochs from the matrix's state, and has none before the state exists", () => {
    const settings: TransferSettings = {
      model: 'm',
      method: 'coop',
      hyperparameters: {},
      shots: 2,
      seed: 1,
      config: {
        optimizer: 'sgd',
        learningRate: 0.002,
        epochs: 3,
        batchSize: 32,
        weightDecay: 5e-4,
        momentum: 0.9,
        warmupEpochs: 1,
        warmupLearningRate: 1e-5,
        augment: true,
      },
    };
    const matrix = emptyMatrix({
      id: 'm',
      method: 'coop',
      tasks: ['a', 'b'],
      shots: 2,
      seed: 1,
      createdAt: 0,
    });
    expect(matrixEpochs(matrix)).toBeNull();
    const state = serializeTransferState(emptyTransferState(settings));
    expect(matrixEpochs({ ...matrix, state })).toBe(3);
  });
});
