// The attention head permutation between [BATCH, TOKENS, HEADS·HEAD_DIM] (what the q/k/v projections
// produce and out_proj consumes) and [BATCH·HEADS, TOKENS, HEAD_DIM] (one matrix per head for the batched
// matmuls). Constants: BATCH, TOKENS, HEADS, HEAD_DIM (u32). Dispatch: grid1d(BATCH·TOKENS·HEADS·HEAD_DIM, 256).
// One thread per output element: writes are coalesced and reads come in runs of HEAD_DIM.

const N: u32 = BATCH * TOKENS * HEADS * HEAD_DIM;

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;

fn flat_index(wid: vec3u, nwg: vec3u, lid: vec3u) -> u32 {
  return (wid.y * nwg.x + wid.x) * 256u + lid.x;
}

// out[b·HEADS + h, t, d] = x[b, t, h·HEAD_DIM + d]
@compute @workgroup_size(256)
fn split_heads(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = flat_index(wid, nwg, lid);
  if (i >= N) { return; }
  let d = i % HEAD_DIM;
  let t = (i / HEAD_DIM) % TOKENS;
  let h = (i / (HEAD_DIM * TOKENS)) % HEADS;
  let b = i / (HEAD_DIM * TOKENS * HEADS);
  out[i] = x[((b * TOKENS + t) * HEADS + h) * HEAD_DIM + d];
}

// out[b, t, h·HEAD_DIM + d] = x[b·HEADS + h, t, d]
@compute @workgroup_size(256)
fn merge_heads(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = flat_index(wid, nwg, lid);
  if (i >= N) { return; }
  let d = i % HEAD_DIM;
  let h = (i / HEAD_DIM) % HEADS;
  let t = (i / (HEAD_DIM * HEADS)) % TOKENS;
  let b = i / (HEAD_DIM * HEADS * TOKENS);
  out[i] = x[((b * HEADS + h) * TOKENS + t) * HEAD_DIM + d];
}
