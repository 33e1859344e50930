import { type Kernel, runKernel } from '../backend';
import { grid1d } from '../gpu/gpu-backend';
import { u32 } from '../gpu/pipeline-cache';
import type { Tape } from '../tape';
import { type Floats, shapeString, type Tensor } from '../tensor';
import source from './embedding.wgsl?raw';

// ---- CPU reference (table [V, C], ids [R], out [R, C]) ----

/** out[r, :] = table[ids[r], :] */
export function embeddingRef(
  table: ArrayLike<number>,
  ids: ArrayLike<number>,
  channels: number,
  out: Floats,
): void {
  for (let r = 0; r < ids.length; r++) {
    const row = (ids[r] as number) * channels;
    for (let c = 0; c < channels; c++) out[r * channels + c] = table[row + c] as number;
  }
}

// ---- kernel ----

const kernel = { label: 'embedding', source, entryPoint: 'lookup' };

/** ids holds the token ids as floats; outShape is [..., C]. */
export const embeddingForward: Kernel<{ table: Tensor; ids: Tensor; outShape: number[] }, Tensor> = {
  cpu(be, { table, ids, outShape }) {
    const out = be.empty(outShape);
    embeddingRef(be.data(table), be.data(ids), table.shape[1] as number, be.data(out));
    return out;
  },
  gpu(be, { table, ids, outShape }) {
    const out = be.empty(outShape);
    be.dispatch(
      kernel,
      { ROWS: u32(ids.size), C: u32(table.shape[1] as number) },
      [table, ids, out],
      grid1d(out.size, 256),
    );
    return out;
  },
};

// ---- op ----

/** Ids travel to the GPU as f32, exact up to here. */
const MAX_EXACT_ID = 2 ** 24;

/**
 * Token embedding lookup: ids [B][T] → [B, T, C], rows of table [V, C]. The table is a frozen CLIP weight:
 * prompt-tuning methods replace looked-up embeddings afterwards (replaceTokens), so no gradient ever flows
 * into the table and none is implemented; a table that asks for one is refused.
 */
export function embedding(tape: Tape, table: Tensor, ids: readonly (readonly number[])[]): Tensor {
  const [vocab, channels] = table.shape as [number, number];
  const tokens = ids[0]?.length ?? 0;
  if (table.shape.length !== 2 || ids.length === 0 || ids.some((row) => row.length !== tokens)) {
    throw new Error(
      `embedding: table ${shapeString(table.shape)} and ${ids.length} id rows must be [V, C] and [B][T]`,
    );
  }
  if (table.requiresGrad && tape.isRecording) {
    throw new Error(
      'embedding: the table must be frozen (gradients into an embedding table are not implemented)',
    );
  }
  const flat = ids.flat();
  const bad = flat.find((id) => !Number.isInteger(id) || id < 0 || id >= Math.min(vocab, MAX_EXACT_ID));
  if (bad !== undefined) throw new Error(`embedding: token id ${bad} is outside the table's ${vocab} rows`);
  const be = tape.backend;
  const idTensor = be.tensor([flat.length], flat);
  const out = runKernel(embeddingForward, be, {
    table,
    ids: idTensor,
    outShape: [ids.length, tokens, channels],
  });
  // Freed at once: the pool orders a recycled buffer's next write after the queued lookup.
  idTensor.free();
  return tape.track(out);
}
