// Batched, tiled, register-blocked matmul: C[z] = ALPHA · op(A[z]) · op(B[z]) (+ bias[n]) (+ C[z]).
// op(A) is M×K: A is stored [M, K], or [K, M] when TRANS_A. op(B) is K×N: B is [K, N], or [N, K] when
// TRANS_B. BATCH_A / BATCH_B are element strides between batches (0 broadcasts a shared weight).
// Constants: M N K BATCH_A BATCH_B BM BN BK TM TN (u32), ALPHA (f32), TRANS_A TRANS_B HAS_BIAS ACCUMULATE
// VEC_A VEC_B (bool). VEC_* may be set only when A's (B's) contiguous axis length and batch stride are
// multiples of 4: tiles are then filled with vec4 loads.
// Dispatch: [ceil(N / BN), ceil(M / BM), batches]. Each thread owns TM×TN outputs strided by the
// workgroup size, so stores are coalesced and tile reads are conflict-free broadcasts.

const WG_X: u32 = BN / TN;
const WG_Y: u32 = BM / TM;
const THREADS: u32 = WG_X * WG_Y;

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> a4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> b4: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> bias: array<f32>;
@group(0) @binding(5) var<storage, read_write> c: array<f32>;

var<workgroup> tile_a: array<array<f32, BM>, BK>; // [k][m]
var<workgroup> tile_b: array<array<f32, BN>, BK>; // [k][n]

fn a_at(z: u32, m: u32, k: u32) -> f32 {
  if (m >= M || k >= K) { return 0.0; }
  if (TRANS_A) { return a[z * BATCH_A + k * M + m]; }
  return a[z * BATCH_A + m * K + k];
}

fn b_at(z: u32, k: u32, n: u32) -> f32 {
  if (k >= K || n >= N) { return 0.0; }
  if (TRANS_B) { return b[z * BATCH_B + n * K + k]; }
  return b[z * BATCH_B + k * N + n];
}

// Four consecutive values along A's contiguous axis, starting at (m, k).
fn a_quad(z: u32, m: u32, k: u32) -> vec4f {
  if (TRANS_A) {
    if (VEC_A) {
      if (k < K && m < M) { return a4[(z * BATCH_A + k * M + m) / 4u]; }
      return vec4f(0.0);
    }
    return vec4f(a_at(z, m, k), a_at(z, m + 1u, k), a_at(z, m + 2u, k), a_at(z, m + 3u, k));
  }
  if (VEC_A) {
    if (m < M && k < K) { return a4[(z * BATCH_A + m * K + k) / 4u]; }
    return vec4f(0.0);
  }
  return vec4f(a_at(z, m, k), a_at(z, m, k + 1u), a_at(z, m, k + 2u), a_at(z, m, k + 3u));
}

// Four consecutive values along B's contiguous axis, starting at (k, n).
fn b_quad(z: u32, k: u32, n: u32) -> vec4f {
  if (TRANS_B) {
    if (VEC_B) {
      if (n < N && k < K) { return b4[(z * BATCH_B + n * K + k) / 4u]; }
      return vec4f(0.0);
    }
    return vec4f(b_at(z, k, n), b_at(z, k + 1u, n), b_at(z, k + 2u, n), b_at(z, k + 3u, n));
  }
  if (VEC_B) {
    if (k < K && n < N) { return b4[(z * BATCH_B + k * N + n) / 4u]; }
    return vec4f(0.0);
  }
  return vec4f(b_at(z, k, n), b_at(z, k, n + 1u), b_at(z, k, n + 2u), b_at(z, k, n + 3u));
}

fn load_tile_a(z: u32, m0: u32, k0: u32, tid: u32) {
  for (var q = tid; q < BM * BK / 4u; q += THREADS) {
    if (TRANS_A) {
      let kk = q / (BM / 4u);
      let mm = (q % (BM / 4u)) * 4u;
      let v = a_quad(z, m0 + mm, k0 + kk);
      tile_a[kk][mm] = v.x;
      tile_a[kk][mm + 1u] = v.y;
      tile_a[kk][mm + 2u] = v.z;
      tile_a[kk][mm + 3u] = v.w;
    } else {
      let mm = q / (BK / 4u);
      let kk = (q % (BK / 4u)) * 4u;
      let v = a_quad(z, m0 + mm, k0 + kk);
      tile_a[kk][mm] = v.x;
      tile_a[kk + 1u][mm] = v.y;
      tile_a[kk + 2u][mm] = v.z;
      tile_a[kk + 3u][mm] = v.w;
    }
  }
}

fn load_tile_b(z: u32, n0: u32, k0: u32, tid: u32) {
  for (var q = tid; q < BN * BK / 4u; q += THREADS) {
    if (TRANS_B) {
      let nn = q / (BK / 4u);
      let kk = (q % (BK / 4u)) * 4u;
      let v = b_quad(z, k0 + kk, n0 + nn);
      tile_b[kk][nn] = v.x;
      tile_b[kk + 1u][nn] = v.y;
      tile_b[kk + 2u][nn] = v.z;
      tile_b[kk + 3u][nn] = v.w;
    } else {
      let kk = q / (BN / 4u);
      let nn = (q % (BN / 4u)) * 4u;
      let v = b_quad(z, k0 + kk, n0 + nn);
      tile_b[kk][nn] = v.x;
      tile_b[kk][nn + 1u] = v.y;
      tile_b[kk][nn + 2u] = v.z;
      tile_b[kk][nn + 3u] = v.w;
    }
  }
}

@compute @workgroup_size(WG_X, WG_Y)
fn main(
  @builtin(workgroup_id) wid: vec3u,
  @builtin(local_invocation_id) lid: vec3u,
  @builtin(local_invocation_index) tid: u32,
) {
  let z = wid.z;
  let m0 = wid.y * BM;
  let n0 = wid.x * BN;
  var acc: array<array<f32, TN>, TM>;
  for (var k0 = 0u; k0 < K; k0 += BK) {
    load_tile_a(z, m0, k0, tid);
    load_tile_b(z, n0, k0, tid);
    workgroupBarrier();
    for (var kk = 0u; kk < BK; kk++) {
      var ra: array<f32, TM>;
      var rb: array<f32, TN>;
      for (var i = 0u; i < TM; i++) { ra[i] = tile_a[kk][lid.y + i * WG_Y]; }
      for (var j = 0u; j < TN; j++) { rb[j] = tile_b[kk][lid.x + j * WG_X]; }
      for (var i = 0u; i < TM; i++) {
        for (var j = 0u; j < TN; j++) { acc[i][j] = fma(ra[i], rb[j], acc[i][j]); }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < TM; i++) {
    let m = m0 + lid.y + i * WG_Y;
    for (var j = 0u; j < TN; j++) {
      let n = n0 + lid.x + j * WG_X;
      if (m < M && n < N) {
        let index = z * M * N + m * N + n;
        var v = ALPHA * acc[i][j];
        if (HAS_BIAS) { v += bias[n]; }
        if (ACCUMULATE) { v += c[index]; }
        c[index] = v;
      }
    }
  }
}
