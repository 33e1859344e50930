// Embedding lookup: out[r, :] = table[id[r], :] for ROWS token ids, table [V, C]. id holds the ids as f32
// (exact below 2^24, far above any CLIP vocabulary). Constants: ROWS, C (u32).
// Dispatch: grid1d(ROWS·C, 256); channels fastest, so a row is read and written by neighbouring threads.

@group(0) @binding(0) var<storage, read> table: array<f32>;
@group(0) @binding(1) var<storage, read> id: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn lookup(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = (wid.y * nwg.x + wid.x) * 256u + lid.x;
  if (i >= ROWS * C) { return; }
  out[i] = table[u32(id[i / C]) * C + i % C];
}
