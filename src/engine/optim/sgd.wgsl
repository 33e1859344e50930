// One SGD step in place over N values (torch.optim.SGD with dampening 0).
// Constants: N (u32), MOMENTUM (f32), WEIGHT_DECAY (f32), NESTEROV (bool).
// scalars[0] is the learning rate: it changes every step, so it is data, not a constant.

@group(0) @binding(0) var<storage, read_write> param: array<f32>;
@group(0) @binding(1) var<storage, read> grad: array<f32>;
@group(0) @binding(2) var<storage, read_write> momentum_buffer: array<f32>;
@group(0) @binding(3) var<storage, read> scalars: array<f32>;

@compute @workgroup_size(256)
fn sgd_step(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = (wid.y * nwg.x + wid.x) * 256u + lid.x;
  if (i >= N) { return; }
  let p = param[i];
  let g = grad[i] + WEIGHT_DECAY * p;
  // The buffer starts at zero, so the first step stores g itself, as torch's clone does.
  let buf = MOMENTUM * momentum_buffer[i] + g;
  momentum_buffer[i] = buf;
  var direction = buf;
  if (NESTEROV) { direction = g + MOMENTUM * buf; }
  param[i] = p - scalars[0] * direction;
}
