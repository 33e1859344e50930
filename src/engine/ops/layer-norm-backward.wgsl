// Layer norm backward from x [ROWS, C] and the saved per-row mean and rstd. Constants: ROWS, C, WG (u32).
// Bindings: both entry points read x, mean, rstd, dy and write out; input_grad also reads gamma.
// input_grad reduces with workgroup_sum (workgroup-reduce.wgsl, prepended).

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> mean: array<f32>;
@group(0) @binding(2) var<storage, read> rstd: array<f32>;
@group(0) @binding(3) var<storage, read> dy: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
@group(0) @binding(5) var<storage, read> gamma: array<f32>;

// dx = rstd·(g − mean(g) − x̂·mean(g·x̂)) with g = dy·gamma and x̂ = (x − mean)·rstd, one workgroup of WG
// threads per row (grid1d(ROWS, 1)).
@compute @workgroup_size(WG)
fn input_grad(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) tid: u32) {
  let row = wid.y * nwg.x + wid.x;
  if (row >= ROWS) { return; }
  let base = row * C;
  let mu = mean[row];
  let r = rstd[row];
  var sg = 0.0;
  var sgx = 0.0;
  for (var c = tid; c < C; c += WG) {
    let g = dy[base + c] * gamma[c];
    sg += g;
    sgx += g * (x[base + c] - mu) * r;
  }
  let mean_g = workgroup_sum(sg, tid) / f32(C);
  let mean_gx = workgroup_sum(sgx, tid) / f32(C);
  for (var c = tid; c < C; c += WG) {
    let xhat = (x[base + c] - mu) * r;
    out[base + c] = r * (dy[base + c] * gamma[c] - mean_g - xhat * mean_gx);
  }
}

// dgamma[c] = Σ_rows dy·x̂, one thread per column (dispatch ceil(C / 64)): neighbouring threads read
// neighbouring addresses on every row.
@compute @workgroup_size(64)
fn gamma_grad(@builtin(global_invocation_id) gid: vec3u) {
  let c = gid.x;
  if (c >= C) { return; }
  var s = 0.0;
  for (var row = 0u; row < ROWS; row++) {
    let i = row * C + c;
    s += dy[i] * (x[i] - mean[row]) * rstd[row];
  }
  out[c] = s;
}
