// Row softmax over the last axis of [Z, TQ, TK] attention scores, with the masks applied inside the
// kernel, and its backward. Z = batch·HEADS: matrix z belongs to sample z / HEADS.
// Constants: ROWS (= Z·TQ), TQ, TK, HEADS, WG (u32, a power of two), CAUSAL, HAS_KEY_MASK (bool).
// Dispatch: one workgroup of WG threads per row, grid1d(ROWS, 1); threads stride over the row and meet
// in workgroup_max and workgroup_sum (workgroup-reduce.wgsl, prepended), so any TK works.
// Bindings are shared by both entry points: forward reads scores (x) and the key mask [batch, TK] (y,
// 1 = attend, 0 = ignore; bound to x when HAS_KEY_MASK is false); backward reads P (x) and dP (y).

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

// The most negative finite f32: the max of a row starts here, so masked scores never take part.
const LOWEST: f32 = -3.40282346e38;

fn row_index(wid: vec3u, nwg: vec3u) -> u32 {
  return wid.y * nwg.x + wid.x;
}

fn attends(row: u32, j: u32) -> bool {
  if (CAUSAL && j > row % TQ) { return false; }
  if (HAS_KEY_MASK) { return y[(row / (TQ * HEADS)) * TK + j] != 0.0; }
  return true;
}

// out = softmax(x) over attended keys, 0 at masked ones. A row with every key masked has no
// distribution: its probabilities are all 0 (its sum is 0), never 0/0.
@compute @workgroup_size(WG)
fn softmax_forward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) tid: u32) {
  let row = row_index(wid, nwg);
  if (row >= ROWS) { return; }
  let base = row * TK;
  var m = LOWEST;
  for (var j = tid; j < TK; j += WG) {
    if (attends(row, j)) { m = max(m, x[base + j]); }
  }
  m = workgroup_max(m, tid);
  var s = 0.0;
  for (var j = tid; j < TK; j += WG) {
    if (attends(row, j)) { s += exp(x[base + j] - m); }
  }
  s = workgroup_sum(s, tid);
  // An attended row sums to at least exp(0) = 1 (its max), so s == 0 only when every key is masked.
  let inv = select(0.0, 1.0 / s, s > 0.0);
  for (var j = tid; j < TK; j += WG) {
    var p = 0.0;
    if (attends(row, j)) { p = exp(x[base + j] - m) * inv; }
    out[base + j] = p;
  }
}

// dS = P ⊙ (dP − Σ_j dP_j·P_j) from the saved probabilities; masked keys have P = 0 and get dS = 0.
@compute @workgroup_size(WG)
fn softmax_backward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) tid: u32) {
  let row = row_index(wid, nwg);
  if (row >= ROWS) { return; }
  let base = row * TK;
  var d = 0.0;
  for (var j = tid; j < TK; j += WG) { d += x[base + j] * y[base + j]; }
  d = workgroup_sum(d, tid);
  for (var j = tid; j < TK; j += WG) { out[base + j] = x[base + j] * (y[base + j] - d); }
}
