// Element-wise activations and their backward from the saved input. Constants: N (u32).
// Bindings: forward entry points read x and write out; backward ones also read dy (binding 2) and write dx
// to out. Dispatch: grid1d(N, 256); the flat index folds the y dimension back in.

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;

fn flat_index(wid: vec3u, nwg: vec3u, lid: vec3u) -> u32 {
  return (wid.y * nwg.x + wid.x) * 256u + lid.x;
}

fn sigmoid(t: f32) -> f32 {
  return 1.0 / (1.0 + exp(-t));
}

// CLIP's GELU approximation: x · σ(1.702 x).
@compute @workgroup_size(256)
fn quick_gelu(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = flat_index(wid, nwg, lid);
  if (i < N) { out[i] = x[i] * sigmoid(1.702 * x[i]); }
}

@compute @workgroup_size(256)
fn quick_gelu_backward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = flat_index(wid, nwg, lid);
  if (i < N) {
    let s = sigmoid(1.702 * x[i]);
    out[i] = dy[i] * (s + 1.702 * x[i] * s * (1.0 - s));
  }
}

// erfc(z) for z > 0.46875, from W. J. Cody, "Rational Chebyshev approximations for the error function",
// Math. Comp. 23 (1969), 631–638, as coded in netlib's specfun CALERF (coefficients C/D for z ≤ 4, P/Q
// above). Double-precision coefficients, so in f32 the error is the arithmetic's own (a few ulp).
// activations.ts evaluates the same rational functions in doubles as the CPU reference.
fn erfc_tail(z: f32) -> f32 {
  if (z <= 4.0) {
    var num = 2.15311535474403846e-8 * z;
    var den = z;
    num = (num + 5.64188496988670089e-1) * z;
    den = (den + 1.57449261107098347e1) * z;
    num = (num + 8.88314979438837594) * z;
    den = (den + 1.17693950891312499e2) * z;
    num = (num + 6.61191906371416295e1) * z;
    den = (den + 5.37181101862009858e2) * z;
    num = (num + 2.98635138197400131e2) * z;
    den = (den + 1.62138957456669019e3) * z;
    num = (num + 8.81952221241769090e2) * z;
    den = (den + 3.29079923573345963e3) * z;
    num = (num + 1.71204761263407058e3) * z;
    den = (den + 4.36261909014324716e3) * z;
    num = (num + 2.05107837782607147e3) * z;
    den = (den + 3.43936767414372164e3) * z;
    return exp(-z * z) * (num + 1.23033935479799725e3) / (den + 1.23033935480374942e3);
  }
  let w = 1.0 / (z * z);
  var num = 1.63153871373020978e-2 * w;
  var den = w;
  num = (num + 3.05326634961232344e-1) * w;
  den = (den + 2.56852019228982242) * w;
  num = (num + 3.60344899949804439e-1) * w;
  den = (den + 1.87295284992346047) * w;
  num = (num + 1.25781726111229246e-1) * w;
  den = (den + 5.27905102951428412e-1) * w;
  num = (num + 1.60837851487422766e-2) * w;
  den = (den + 6.05183413124413191e-2) * w;
  let r = w * (num + 6.58749161529837803e-4) / (den + 2.33520497626869185e-3);
  return exp(-z * z) * (0.56418958354775628695 - r) / z;
}

// Φ(x), the standard normal CDF = (1 + erf(x/√2)) / 2. Below zero it is erfc(|x|/√2) / 2, taken from the
// tail directly so the far negative side keeps its relative accuracy instead of cancelling 1 + erf.
fn normal_cdf(x: f32) -> f32 {
  let z = x * 0.70710678118654752;
  let a = abs(z);
  if (a <= 0.46875) {
    // Cody's erf on |z| ≤ 0.46875: z · A(z²) / B(z²).
    let s = z * z;
    var num = 1.85777706184603153e-1 * s;
    var den = s;
    num = (num + 3.16112374387056560) * s;
    den = (den + 2.36012909523441209e1) * s;
    num = (num + 1.13864154151050156e2) * s;
    den = (den + 2.44024637934444173e2) * s;
    num = (num + 3.77485237685302021e2) * s;
    den = (den + 1.28261652607737228e3) * s;
    return 0.5 + 0.5 * z * (num + 3.20937758913846947e3) / (den + 2.84423683343917062e3);
  }
  let tail = 0.5 * erfc_tail(a);
  return select(tail, 1.0 - tail, z > 0.0);
}

// The exact GELU of torch.nn.functional.gelu (approximate='none'): x · Φ(x).
@compute @workgroup_size(256)
fn gelu(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = flat_index(wid, nwg, lid);
  if (i < N) { out[i] = x[i] * normal_cdf(x[i]); }
}

// d/dx x·Φ(x) = Φ(x) + x·φ(x).
@compute @workgroup_size(256)
fn gelu_backward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let i = flat_index(wid, nwg, lid);
  if (i < N) {
    let v = x[i];
    out[i] = dy[i] * (normal_cdf(v) + v * 0.39894228040143268 * exp(-0.5 * v * v));
  }
}
