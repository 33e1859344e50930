import { type Kernel, runKernel } from '../backend';
import { grid1d } from '../gpu/gpu-backend';
import { u32 } from '../gpu/pipeline-cache';
import type { Tape } from '../tape';
import { type Floats, shapeString, type Tensor } from '../tensor';
import source from './patchify.wgsl?raw';

/** Images [batch, channels, height, width] cut into patch × patch squares. */
export interface PatchLayout {
  batch: number;
  channels: number;
  height: number;
  width: number;
  patch: number;
}

// ---- CPU reference ----

/** out[b, py·GX + px, (c·p + ky)·p + kx] = pixels[b, c, py·p + ky, px·p + kx] */
export function patchifyRef(pixels: ArrayLike<number>, layout: PatchLayout, out: Floats): void {
  const { batch, channels, height, width, patch } = layout;
  const gx = width / patch;
  const gy = height / patch;
  let i = 0;
  for (let b = 0; b < batch; b++)
    for (let py = 0; py < gy; py++)
      for (let px = 0; px < gx; px++)
        for (let c = 0; c < channels; c++)
          for (let ky = 0; ky < patch; ky++)
            for (let kx = 0; kx < patch; kx++)
              out[i++] = pixels[
                ((b * channels + c) * height + py * patch + ky) * width + px * patch + kx
              ] as number;
}

// ---- kernel ----

const kernel = { label: 'patchify', source, entryPoint: 'patchify' };

function outShape({ batch, channels, height, width, patch }: PatchLayout): number[] {
  return [batch, (height / patch) * (width / patch), channels * patch * patch];
}

const patchifyForward: Kernel<{ pixels: Tensor; layout: PatchLayout }, Tensor> = {
  cpu(be, { pixels, layout }) {
    const out = be.empty(outShape(layout));
    patchifyRef(be.data(pixels), layout, be.data(out));
    return out;
  },
  gpu(be, { pixels, layout }) {
    const out = be.empty(outShape(layout));
    const { batch, channels, height, width, patch } = layout;
    const constants = {
      BATCH: u32(batch),
      CH: u32(channels),
      H: u32(height),
      W: u32(width),
      P: u32(patch),
      GX: u32(width / patch),
      GY: u32(height / patch),
    };
    be.dispatch(kernel, constants, [pixels, out], grid1d(out.size, 256));
    return out;
  },
};

// ---- op ----

/**
 * pixels [B, C, H, W] → patches [B, (H/p)·(W/p), C·p·p], so CLIP's stride-p patch Conv2d is a matmul with
 * its weight viewed as [width, C·p·p]. Pixels are data, never learnt: no gradient is defined.
 */
export function patchify(tape: Tape, pixels: Tensor, patch: number): Tensor {
  const [batch, channels, height, width] = pixels.shape as [number, number, number, number];
  if (pixels.shape.length !== 4 || height % patch !== 0 || width % patch !== 0) {
    throw new Error(
      `patchify: images ${shapeString(pixels.shape)} are not [B, C, H, W] with H and W multiples of ${patch}`,
    );
  }
  if (pixels.requiresGrad && tape.isRecording) {
    throw new Error('patchify: pixels cannot require a gradient (none is implemented)');
  }
  const layout = { batch, channels, height, width, patch };
  return tape.track(runKernel(patchifyForward, tape.backend, { pixels, layout }));
}
