// Variant 2 of matmul.wgsl (the spec: same constants, bindings, layout and result), for the fallback
// adapter that runs on the CPU (SwiftShader). There a workgroup's SIMD groups are fibers that switch at
// every workgroupBarrier, workgroup memory is just more cache, and a private array indexed by a loop counter
// is gathered lane by lane. So: no workgroup memory and no barriers; each thread reads its operands straight
// from storage (the CPU's caches do the tiling) and keeps an 8×8 block of C in four mat4x4 accumulators
// indexed only by constants. Measured on SwiftShader: a tiled kernel with vec4 accumulators and tile reads
// was ~6× faster than the spec; dropping the tiles and barriers, as here, ~4× faster again.
// Constants: those of matmul.wgsl, with WG_X WG_Y (u32) threads in place of BM BN BK TM TN.
// Dispatch: [ceil(N / (8·WG_X)), ceil(M / (8·WG_Y)), batches].

// Storage distances between neighbouring rows (columns) of op(A) and op(B), and along k.
const A_STEP_M: u32 = select(K, 1u, TRANS_A);
const A_STEP_K: u32 = select(1u, M, TRANS_A);
const B_STEP_N: u32 = select(1u, K, TRANS_B);
const B_STEP_K: u32 = select(N, 1u, TRANS_B);
// Clamp targets: the last row (column), and the start of the last whole run of four. Written so that
// no constant expression underflows for tiny matrices, where they go unused.
const LAST_M: u32 = max(M, 1u) - 1u;
const LAST_N: u32 = max(N, 1u) - 1u;
const LAST_RUN_M: u32 = max(M, 4u) - 4u;
const LAST_RUN_N: u32 = max(N, 4u) - 4u;

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> a4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> b4: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> bias: array<f32>;
@group(0) @binding(5) var<storage, read_write> c: array<f32>;

// Where op(A)[m + i][0] is stored, i = 0..3. Rows past M are clamped onto the last: their values are
// never stored, and every load stays in bounds without a branch.
fn a_rows(z: u32, m: u32) -> vec4u {
  return z * BATCH_A + min(vec4u(m) + vec4u(0u, 1u, 2u, 3u), vec4u(LAST_M)) * A_STEP_M;
}

// Where op(B)[0][n + j] is stored, j = 0..3; as a_rows.
fn b_cols(z: u32, n: u32) -> vec4u {
  return z * BATCH_B + min(vec4u(n) + vec4u(0u, 1u, 2u, 3u), vec4u(LAST_N)) * B_STEP_N;
}

// What a_block reads from, computed once per thread: a_rows, or, where A is read in vec4 runs along m,
// where the run starting at row m begins (M is then a multiple of 4, so a run starting inside lies
// entirely inside).
fn a_offsets(z: u32, m: u32) -> vec4u {
  if (VEC_A && TRANS_A) { return vec4u(z * BATCH_A + min(m, LAST_RUN_M)); }
  return a_rows(z, m);
}

fn b_offsets(z: u32, n: u32) -> vec4u {
  if (VEC_B && !TRANS_B) { return vec4u(z * BATCH_B + min(n, LAST_RUN_N)); }
  return b_cols(z, n);
}

// Column i is op(A)[m + i][k..k+3], from a_offsets(z, m); k + 3 < K.
fn a_block(rows: vec4u, k: u32) -> mat4x4f {
  if (VEC_A && TRANS_A) {
    let r = rows.x;
    return transpose(mat4x4f(
      a4[(r + k * M) / 4u], a4[(r + (k + 1u) * M) / 4u],
      a4[(r + (k + 2u) * M) / 4u], a4[(r + (k + 3u) * M) / 4u],
    ));
  }
  if (VEC_A) {
    return mat4x4f(a4[(rows.x + k) / 4u], a4[(rows.y + k) / 4u], a4[(rows.z + k) / 4u], a4[(rows.w + k) / 4u]);
  }
  return transpose(mat4x4f(
    a_across(rows, k), a_across(rows, k + 1u), a_across(rows, k + 2u), a_across(rows, k + 3u),
  ));
}

// op(A)[m..m+3][k], scalar loads.
fn a_across(rows: vec4u, k: u32) -> vec4f {
  let at = rows + k * A_STEP_K;
  return vec4f(a[at.x], a[at.y], a[at.z], a[at.w]);
}

// Column j is op(B)[k + j][n..n+3], from b_offsets(z, n); k + 3 < K.
fn b_block(cols: vec4u, k: u32) -> mat4x4f {
  if (VEC_B && !TRANS_B) {
    let r = cols.x;
    return mat4x4f(
      b4[(r + k * N) / 4u], b4[(r + (k + 1u) * N) / 4u],
      b4[(r + (k + 2u) * N) / 4u], b4[(r + (k + 3u) * N) / 4u],
    );
  }
  if (VEC_B) {
    return transpose(mat4x4f(
      b4[(cols.x + k) / 4u], b4[(cols.y + k) / 4u], b4[(cols.z + k) / 4u], b4[(cols.w + k) / 4u],
    ));
  }
  return mat4x4f(b_across(cols, k), b_across(cols, k + 1u), b_across(cols, k + 2u), b_across(cols, k + 3u));
}

// op(B)[k][n..n+3], scalar loads.
fn b_across(cols: vec4u, k: u32) -> vec4f {
  let at = cols + k * B_STEP_K;
  return vec4f(b[at.x], b[at.y], b[at.z], b[at.w]);
}

// The last K % 4 steps, from a_rows and b_cols: a_block and b_block with zeros past K.
fn a_tail_block(rows: vec4u, k: u32) -> mat4x4f {
  var block: mat4x4f;
  for (var kk = 0u; k + kk < K; kk++) { block[kk] = a_across(rows, k + kk); }
  return transpose(block);
}

fn b_tail_block(cols: vec4u, k: u32) -> mat4x4f {
  var block: mat4x4f;
  for (var kk = 0u; k + kk < K; kk++) { block[kk] = b_across(cols, k + kk); }
  return block;
}

// Column i of acc is C[m + i][n..n+3].
fn store(z: u32, m: u32, n: u32, acc: mat4x4f) {
  for (var i = 0u; i < 4u; i++) {
    for (var j = 0u; j < 4u; j++) {
      if (m + i < M && n + j < N) {
        let index = z * M * N + (m + i) * N + n + j;
        var v = ALPHA * acc[i][j];
        if (HAS_BIAS) { v += bias[n + j]; }
        if (ACCUMULATE) { v += c[index]; }
        c[index] = v;
      }
    }
  }
}

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let z = gid.z;
  let m = gid.y * 8u;
  let n = gid.x * 8u;
  if (m >= M || n >= N) { return; }
  // c<row half><column half>: C[m + 4r ..][n + 4s ..] = Σ_k op(B) block · op(A) block.
  var c00 = mat4x4f();
  var c01 = mat4x4f();
  var c10 = mat4x4f();
  var c11 = mat4x4f();
  let a0_at = a_offsets(z, m);
  let a1_at = a_offsets(z, m + 4u);
  let b0_at = b_offsets(z, n);
  let b1_at = b_offsets(z, n + 4u);
  for (var k = 0u; k + 4u <= K; k += 4u) {
    let a0 = a_block(a0_at, k);
    let a1 = a_block(a1_at, k);
    let b0 = b_block(b0_at, k);
    let b1 = b_block(b1_at, k);
    c00 += b0 * a0;
    c01 += b1 * a0;
    c10 += b0 * a1;
    c11 += b1 * a1;
  }
  if (K % 4u != 0u) {
    let k = K - K % 4u;
    let a0 = a_tail_block(a_rows(z, m), k);
    let a1 = a_tail_block(a_rows(z, m + 4u), k);
    let b0 = b_tail_block(b_cols(z, n), k);
    let b1 = b_tail_block(b_cols(z, n + 4u), k);
    c00 += b0 * a0;
    c01 += b1 * a0;
    c10 += b0 * a1;
    c11 += b1 * a1;
  }
  store(z, m, n, c00);
  store(z, m, n + 4u, c01);
  store(z, m + 4u, n, c10);
  store(z, m + 4u, n + 4u, c11);
}
