// The tape's raw kernels: scale (copy at ALPHA = 1) and in-place accumulation. Constants: N (u32), ALPHA (f32).

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;

fn flat_index(wid: vec3u, nwg: vec3u, lid: vec3u) -> u32 {
  return (wid.y * nwg.x + wid.x) * 256u + lid.x;
}

@compute @workgroup_size(256)
fn scale(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = flat_index(wid, nwg, lid);
  if (i < N) { out[i] = ALPHA * a[i]; }
}

// In place: out += ALPHA · a (gradient accumulation)
@compute @workgroup_size(256)
fn accumulate(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = flat_index(wid, nwg, lid);
  if (i < N) { out[i] = out[i] + ALPHA * a[i]; }
}
