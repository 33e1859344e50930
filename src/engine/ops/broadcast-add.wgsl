// out[b, t, c] = x[b, t, c] + rows[t, c] for x [BATCH, TOKENS, C]: the first TOKENS rows of a table (position
// embeddings) added to every sample. Constants: BATCH, TOKENS, C (u32).
// Dispatch: grid1d(BATCH·TOKENS·C, 256).

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> rows: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn add_rows(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = (wid.y * nwg.x + wid.x) * 256u + lid.x;
  if (i >= BATCH * TOKENS * C) { return; }
  out[i] = x[i] + rows[i % (TOKENS * C)];
}
