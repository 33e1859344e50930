// Softmax cross-entropy backward: dlogits = (p − onehot(label)) · d_row_loss[row] over [ROWS, K], from the
// probabilities the forward saved (0 at excluded classes, whose gradient is therefore exactly 0).
// Constants: ROWS, K (u32). Dispatch: grid1d(ROWS·K, 256).

@group(0) @binding(0) var<storage, read> probs: array<f32>;
@group(0) @binding(1) var<storage, read> labels: array<f32>;
@group(0) @binding(2) var<storage, read> d_row_loss: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn backward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = (wid.y * nwg.x + wid.x) * 256u + lid.x;
  if (i >= ROWS * K) { return; }
  let row = i / K;
  let onehot = select(0.0, 1.0, i - row * K == u32(labels[row]));
  out[i] = (probs[i] - onehot) * d_row_loss[row];
}
