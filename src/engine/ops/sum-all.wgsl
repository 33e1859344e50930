// A whole-tensor sum and its backward. Constants: N, WG (u32), ALPHA (f32).

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;

// out[0] = ALPHA · Σ x over N values, in one workgroup of WG threads meeting in workgroup_sum
// (workgroup-reduce.wgsl, prepended): losses are reduced over a batch, not millions.
@compute @workgroup_size(WG)
fn sum_all(@builtin(local_invocation_index) tid: u32) {
  var s = 0.0;
  for (var i = tid; i < N; i += WG) { s += x[i]; }
  let total = workgroup_sum(s, tid);
  if (tid == 0u) { out[0] = ALPHA * total; }
}

// out[i] = ALPHA · x[0] for N values: the backward of sum_all.
@compute @workgroup_size(256)
fn broadcast(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = (wid.y * nwg.x + wid.x) * 256u + lid.x;
  if (i < N) { out[i] = ALPHA * x[0]; }
}
