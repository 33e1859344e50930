// One token per sample: out[b, :] = x[b, index[b], :] for x [BATCH, TOKENS, C] (CLS or end-of-text
// pooling), and its backward, which scatters into zeros. index holds BATCH token positions as f32
// (exact for any integer below 2^24). Constants: BATCH, TOKENS, C (u32).
// Dispatch: grid1d(number of values written, 256).

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read> index: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

fn flat_index(wid: vec3u, nwg: vec3u, lid: vec3u) -> u32 {
  return (wid.y * nwg.x + wid.x) * 256u + lid.x;
}

// src [BATCH, TOKENS, C] → dst [BATCH, C]
@compute @workgroup_size(256)
fn gather_rows(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = flat_index(wid, nwg, lid);
  if (i >= BATCH * C) { return; }
  let b = i / C;
  dst[i] = src[(b * TOKENS + u32(index[b])) * C + i % C];
}

// src [BATCH, C] → dst [BATCH, TOKENS, C], zero except at each sample's token: every value is written,
// so dst needs no clearing first.
@compute @workgroup_size(256)
fn scatter_rows(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = flat_index(wid, nwg, lid);
  if (i >= BATCH * TOKENS * C) { return; }
  let b = i / (TOKENS * C);
  let t = (i / C) % TOKENS;
  var v = 0.0;
  if (t == u32(index[b])) { v = src[b * C + i % C]; }
  dst[i] = v;
}
