// ReLU and its backward from the saved input. Constants: N (u32).
// Bindings: relu reads x and writes out; relu_backward also reads dy (binding 2) and writes dx to out.
// Dispatch: grid1d(N, 256); the flat index folds the y dimension back in.

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;

fn flat_index(wid: vec3u, nwg: vec3u, lid: vec3u) -> u32 {
  return (wid.y * nwg.x + wid.x) * 256u + lid.x;
}

@compute @workgroup_size(256)
fn relu(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = flat_index(wid, nwg, lid);
  if (i < N) { out[i] = max(x[i], 0.0); }
}

// dx = dy where x > 0, else 0 (PyTorch's choice at x = 0).
@compute @workgroup_size(256)
fn relu_backward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = flat_index(wid, nwg, lid);
  if (i < N) { out[i] = select(0.0, dy[i], x[i] > 0.0); }
}
