// Token windows of [batch, tokens, C] tensors: copies tokens [SRC_START, SRC_START + LEN) of src into
// tokens [DST_START, DST_START + LEN) of dst, in place; dst outside the window is left alone.
// BROADCAST: src has one batch, copied into each of the BATCH batches of dst (a shared prompt).
// SUM: dst has one batch and receives the sum over the BATCH batches of src (that prompt's gradient).
// Constants: BATCH, C, LEN, SRC_T, SRC_START, DST_T, DST_START (u32), BROADCAST, SUM (bool).
// Dispatch: grid1d((SUM ? 1 : BATCH)·LEN·C, 256); one thread per written value, channels fastest so
// neighbouring threads touch neighbouring addresses.

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;

@compute @workgroup_size(256)
fn copy_window(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = (wid.y * nwg.x + wid.x) * 256u + lid.x;
  let dst_batches = select(BATCH, 1u, SUM);
  if (i >= dst_batches * LEN * C) { return; }
  let c = i % C;
  let t = (i / C) % LEN;
  let b = i / (C * LEN);
  var v = 0.0;
  if (SUM) {
    for (var s = 0u; s < BATCH; s++) { v += src[(s * SRC_T + SRC_START + t) * C + c]; }
  } else {
    let s = select(b, 0u, BROADCAST);
    v = src[(s * SRC_T + SRC_START + t) * C + c];
  }
  dst[(b * DST_T + DST_START + t) * C + c] = v;
}
