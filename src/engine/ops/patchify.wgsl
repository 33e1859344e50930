// Non-overlapping P×P patches of images [BATCH, CH, H, W] → [BATCH, GY·GX, CH·P·P] with GY = H/P, GX = W/P:
// patches in row-major order, each flattened (channel, row, column) like a Conv2d weight [out, CH, P, P],
// so a stride-P convolution becomes one matmul. Constants: BATCH, CH, H, W, P, GX, GY (u32).
// Dispatch: grid1d(BATCH·GY·GX·CH·P·P, 256); neighbouring threads read neighbouring pixels of a patch row.

@group(0) @binding(0) var<storage, read> pixels: array<f32>;
@group(0) @binding(1) var<storage, read_write> patches: array<f32>;

@compute @workgroup_size(256)
fn patchify(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = (wid.y * nwg.x + wid.x) * 256u + lid.x;
  let features = CH * P * P;
  if (i >= BATCH * GY * GX * features) { return; }
  let f = i % features;
  let cell = (i / features) % (GY * GX);
  let b = i / (features * GY * GX);
  let c = f / (P * P);
  let y = (cell / GX) * P + (f / P) % P;
  let x = (cell % GX) * P + f % P;
  patches[i] = pixels[((b * CH + c) * H + y) * W + x];
}
