// A whole-tensor sum and its backward. Constants: N (u32), ALPHA (f32).

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;

var<workgroup> partial: array<f32, 256>;

// out[0] = ALPHA · Σ x over N values, in one workgroup: losses are reduced over a batch, not millions.
@compute @workgroup_size(256)
fn sum_all(@builtin(local_invocation_index) tid: u32) {
  var s = 0.0;
  for (var i = tid; i < N; i += 256u) { s += x[i]; }
  partial[tid] = s;
  workgroupBarrier();
  for (var stride = 128u; stride > 0u; stride >>= 1u) {
    if (tid < stride) { partial[tid] += partial[tid + stride]; }
    workgroupBarrier();
  }
  if (tid == 0u) { out[0] = ALPHA * partial[0]; }
}

// out[i] = ALPHA · x[0] for N values: the backward of sum_all.
@compute @workgroup_size(256)
fn broadcast(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = (wid.y * nwg.x + wid.x) * 256u + lid.x;
  if (i < N) { out[i] = ALPHA * x[0]; }
}
