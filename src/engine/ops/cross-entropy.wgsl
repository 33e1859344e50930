// Softmax cross-entropy forward over the rows of logits [ROWS, K]. Constants: ROWS, K, WG (u32), HAS_MASK
// (bool). labels [ROWS] holds class indices as f32 (exact below 2^24); mask [ROWS, K] is 1 where the class
// takes part and 0 where it is excluded (bound to logits when HAS_MASK is false). Writes the softmax
// probabilities (0 at excluded classes) and each row's loss lse − logit[label].
// Dispatch: one workgroup of WG threads per row, grid1d(ROWS, 1); threads stride over the row and meet in
// workgroup_max and workgroup_sum (workgroup-reduce.wgsl, prepended), so any K works.

// The most negative finite f32: the max of a row starts here, so excluded logits never take part.
const LOWEST: f32 = -3.40282346e38;

@group(0) @binding(0) var<storage, read> logits: array<f32>;
@group(0) @binding(1) var<storage, read> labels: array<f32>;
@group(0) @binding(2) var<storage, read> mask: array<f32>;
@group(0) @binding(3) var<storage, read_write> probs: array<f32>;
@group(0) @binding(4) var<storage, read_write> row_loss: array<f32>;

// Excluded classes are skipped, never weighted by 0: an excluded logit may be anything, even ±inf.
fn included(i: u32) -> bool {
  if (HAS_MASK) { return mask[i] != 0.0; }
  return true;
}

// The host checks that every row's label is included, so m is finite and s ≥ exp(0) = 1.
@compute @workgroup_size(WG)
fn forward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) tid: u32) {
  let row = wid.y * nwg.x + wid.x;
  if (row >= ROWS) { return; }
  let base = row * K;
  var m = LOWEST;
  for (var k = tid; k < K; k += WG) {
    if (included(base + k)) { m = max(m, logits[base + k]); }
  }
  m = workgroup_max(m, tid);
  var s = 0.0;
  for (var k = tid; k < K; k += WG) {
    if (included(base + k)) { s += exp(logits[base + k] - m); }
  }
  s = workgroup_sum(s, tid);
  let inv = 1.0 / s;
  for (var k = tid; k < K; k += WG) {
    var p = 0.0;
    if (included(base + k)) { p = exp(logits[base + k] - m) * inv; }
    probs[base + k] = p;
  }
  if (tid == 0u) {
    let label = u32(labels[row]);
    row_loss[row] = (m - logits[base + label]) + log(s);
  }
}
