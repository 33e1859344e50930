// y = x / max(‖x‖, 1e-12) over the last axis of x [ROWS, C] (F.normalize), and its backward from x.
// Constants: ROWS, C, WG (u32). Bindings: forward reads x and writes out; backward also reads dy (binding 2)
// and writes dx to out. Dispatch: one workgroup of WG threads per row, grid1d(ROWS, 1); threads stride
// over the row and meet in workgroup_sum (workgroup-reduce.wgsl, prepended), so any C works.

const MIN_NORM: f32 = 1e-12;

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;

fn row_norm(base: u32, tid: u32) -> f32 {
  var q = 0.0;
  for (var c = tid; c < C; c += WG) { q += x[base + c] * x[base + c]; }
  return sqrt(workgroup_sum(q, tid));
}

@compute @workgroup_size(WG)
fn forward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) tid: u32) {
  let row = wid.y * nwg.x + wid.x;
  if (row >= ROWS) { return; }
  let base = row * C;
  let inv = 1.0 / max(row_norm(base, tid), MIN_NORM);
  for (var c = tid; c < C; c += WG) { out[base + c] = x[base + c] * inv; }
}

// With n = ‖x‖: dx = dy/n − x·(x·dy)/n³. Where the clamp holds, y = x/1e-12 is linear and dx = dy/1e-12.
@compute @workgroup_size(WG)
fn backward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) tid: u32) {
  let row = wid.y * nwg.x + wid.x;
  if (row >= ROWS) { return; }
  let base = row * C;
  let n = row_norm(base, tid);
  var d = 0.0;
  for (var c = tid; c < C; c += WG) { d += x[base + c] * dy[base + c]; }
  d = workgroup_sum(d, tid);
  let inv = 1.0 / max(n, MIN_NORM);
  let k = select(0.0, d * inv * inv * inv, n > MIN_NORM);
  for (var c = tid; c < C; c += WG) { out[base + c] = dy[base + c] * inv - x[base + c] * k; }
}
