// One AdamW step in place over N values (torch.optim.AdamW, amsgrad off).
// Constants: N (u32), BETA1, BETA2, ONE_MINUS_BETA1, ONE_MINUS_BETA2, EPS (f32). The complements come from the
// host in double precision: 1.0 - 0.999 in f32 is off by 1e-5 relative.
// scalars = [1 - lr·wd, lr / (1 - β1^t), sqrt(1 - β2^t)]: they change every step, so they are data.

@group(0) @binding(0) var<storage, read_write> param: array<f32>;
@group(0) @binding(1) var<storage, read> grad: array<f32>;
@group(0) @binding(2) var<storage, read_write> exp_avg: array<f32>;
@group(0) @binding(3) var<storage, read_write> exp_avg_sq: array<f32>;
@group(0) @binding(4) var<storage, read> scalars: array<f32>;

@compute @workgroup_size(256)
fn adamw_step(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = (wid.y * nwg.x + wid.x) * 256u + lid.x;
  if (i >= N) { return; }
  let g = grad[i];
  let m = BETA1 * exp_avg[i] + ONE_MINUS_BETA1 * g;
  let v = BETA2 * exp_avg_sq[i] + ONE_MINUS_BETA2 * g * g;
  exp_avg[i] = m;
  exp_avg_sq[i] = v;
  // torch's order: decay first, then p -= step_size · m / (sqrt(v) / sqrt(bias_correction2) + eps).
  param[i] = param[i] * scalars[0] - scalars[1] * m / (sqrt(v) / scalars[2] + EPS);
}
