// Layer norm forward over the last axis of x [ROWS, C]: y = (x − mean)·rstd·gamma + beta, with the biased
// variance of torch.nn.LayerNorm. Constants: ROWS, C, WG (u32), EPS (f32).
// Dispatch: one workgroup of WG threads per row, grid1d(ROWS, 1); threads stride over the row and meet in
// workgroup_sum (workgroup-reduce.wgsl, prepended), so any C works.

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> gamma: array<f32>;
@group(0) @binding(2) var<storage, read> beta: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read_write> mean: array<f32>;
@group(0) @binding(5) var<storage, read_write> rstd: array<f32>;

// The variance is taken around the mean in a second pass: E[x²] − mean² cancels badly in f32 for
// channels whose mean dwarfs their spread.
@compute @workgroup_size(WG)
fn forward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) tid: u32) {
  let row = wid.y * nwg.x + wid.x;
  if (row >= ROWS) { return; }
  let base = row * C;
  var s = 0.0;
  for (var c = tid; c < C; c += WG) { s += x[base + c]; }
  let mu = workgroup_sum(s, tid) / f32(C);
  var q = 0.0;
  for (var c = tid; c < C; c += WG) {
    let d = x[base + c] - mu;
    q += d * d;
  }
  let r = inverseSqrt(workgroup_sum(q, tid) / f32(C) + EPS);
  for (var c = tid; c < C; c += WG) { y[base + c] = (x[base + c] - mu) * r * gamma[c] + beta[c]; }
  if (tid == 0u) {
    mean[row] = mu;
    rstd[row] = r;
  }
}
