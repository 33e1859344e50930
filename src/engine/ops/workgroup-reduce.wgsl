// Reductions across one workgroup of WG threads, for kernels that give each row of a tensor one
// workgroup. WGSL has no imports: a kernel's TypeScript module prepends this file to its source, and the
// kernel passes WG (u32, a power of two) with its other constants. Every thread passes its partial value
// and gets the whole workgroup's; all WG threads must call (the barriers need uniform control flow).

var<workgroup> reduce_scratch: array<f32, WG>;

fn workgroup_sum(value: f32, tid: u32) -> f32 {
  reduce_scratch[tid] = value;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride >>= 1u) {
    if (tid < stride) { reduce_scratch[tid] += reduce_scratch[tid + stride]; }
    workgroupBarrier();
  }
  let result = reduce_scratch[0];
  // The next reduction may overwrite the scratch only once everyone has read this one's result.
  workgroupBarrier();
  return result;
}

fn workgroup_max(value: f32, tid: u32) -> f32 {
  reduce_scratch[tid] = value;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride >>= 1u) {
    if (tid < stride) { reduce_scratch[tid] = max(reduce_scratch[tid], reduce_scratch[tid + stride]); }
    workgroupBarrier();
  }
  let result = reduce_scratch[0];
  workgroupBarrier();
  return result;
}
