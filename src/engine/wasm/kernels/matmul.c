// C[z] = alpha · op(A[z]) · op(B[z]) (+ bias) (+ C[z]) in float32 with 128-bit SIMD: the engine's matmul
// (src/engine/ops/matmul.ts has the spec and the float64 reference it is checked against).
//
// GotoBLAS/BLIS blocking: op(B) is packed KC×NC at a time into panels of NR columns ([p][NR], contiguous
// along p), op(A) MC×KC into panels of MR rows ([p][MR]). The microkernel keeps an MR×NR block of C in
// registers for the whole KC loop, loading one panel row of B (NR/4 vectors) and splatting MR values of A
// per step. A's MC×KC block stays in L2 and is re-read for every NR panel; the KC×NR panel of B stays in
// L1 and is re-read for every MR panel. Packing also absorbs every transpose, so one microkernel serves
// A·B, A·Bᵀ, Aᵀ·B and Aᵀ·Bᵀ. Tiles that hang over the edge are zero-padded in the packs and computed
// into a scratch tile, so the microkernel itself has no edge cases.
//
// Built twice (scripts/build-wasm.mjs): with -mrelaxed-simd MADD is f32x4.relaxed_madd (one fused
// multiply-add where the CPU has FMA), without it a multiply then an add.

#include <stdint.h>
#include <wasm_simd128.h>

#ifdef __wasm_relaxed_simd__
#define MADD(a, b, c) wasm_f32x4_relaxed_madd((a), (b), (c))
#else
#define MADD(a, b, c) wasm_f32x4_add(wasm_f32x4_mul((a), (b)), (c))
#endif

#define EXPORT(name) __attribute__((export_name(name)))

// MR×NR = 4×8 keeps 8 accumulators, 2 B vectors and one splat of A in registers: V8 on x64 has 16 XMM
// registers and keeps some for itself, and the 6×8 block it would need 15 for spilled (measured slower).
#ifndef MR
#define MR 4
#endif
#define NR 8
#ifndef MC
#define MC 128
#endif
#ifndef KC
#define KC 256
#endif
#ifndef NC
#define NC 2048
#endif

static float packed_a[MC * KC] __attribute__((aligned(16)));
static float packed_b[KC * NC] __attribute__((aligned(16)));

static int min_int(int a, int b) { return a < b ? a : b; }

// packed[(j / NR)·kc·NR + p·NR + j % NR] = op(B)[p0 + p, j0 + j], zero past nc.
static void pack_b(const float *b, int trans, int k, int n, int p0, int kc, int j0, int nc, float *packed) {
  for (int jp = 0; jp < nc; jp += NR) {
    const int cols = min_int(NR, nc - jp);
    float *panel = packed + jp * kc;
    if (!trans && cols == NR) {
      const float *src = b + (int64_t)p0 * n + j0 + jp;
      for (int p = 0; p < kc; p++, src += n) {
        wasm_v128_store(panel + p * NR, wasm_v128_load(src));
        wasm_v128_store(panel + p * NR + 4, wasm_v128_load(src + 4));
      }
    } else if (!trans) {
      for (int p = 0; p < kc; p++) {
        const float *src = b + (int64_t)(p0 + p) * n + j0 + jp;
        for (int j = 0; j < NR; j++) panel[p * NR + j] = j < cols ? src[j] : 0.0f;
      }
    } else {
      // op(B)[p, j] = B[j, p]: each source row j is contiguous along p.
      for (int j = 0; j < NR; j++) {
        if (j < cols) {
          const float *src = b + (int64_t)(j0 + jp + j) * k + p0;
          for (int p = 0; p < kc; p++) panel[p * NR + j] = src[p];
        } else {
          for (int p = 0; p < kc; p++) panel[p * NR + j] = 0.0f;
        }
      }
    }
  }
}

// packed[(i / MR)·kc·MR + p·MR + i % MR] = op(A)[i0 + i, p0 + p], zero past mc.
static void pack_a(const float *a, int trans, int m, int k, int i0, int mc, int p0, int kc, float *packed) {
  for (int ip = 0; ip < mc; ip += MR) {
    const int rows = min_int(MR, mc - ip);
    float *panel = packed + ip * kc;
    if (trans && rows == MR) {
      // op(A)[i, p] = A[p, i]: MR consecutive values of one source row per p.
      const float *src = a + (int64_t)p0 * m + i0 + ip;
      for (int p = 0; p < kc; p++, src += m) {
#pragma clang loop unroll(full)
        for (int i = 0; i < MR; i++) panel[p * MR + i] = src[i];
      }
    } else if (trans) {
      for (int p = 0; p < kc; p++) {
        const float *src = a + (int64_t)(p0 + p) * m + i0 + ip;
        for (int i = 0; i < MR; i++) panel[p * MR + i] = i < rows ? src[i] : 0.0f;
      }
    } else {
      for (int i = 0; i < MR; i++) {
        if (i < rows) {
          const float *src = a + (int64_t)(i0 + ip + i) * k + p0;
          for (int p = 0; p < kc; p++) panel[p * MR + i] = src[p];
        } else {
          for (int p = 0; p < kc; p++) panel[p * MR + i] = 0.0f;
        }
      }
    }
  }
}

// The MR×NR block of C at c (row stride ldc) gets alpha·(A panel · B panel), added to C unless overwrite,
// plus bias[0..NR) when bias is given.
static void microkernel(int kc, const float *restrict ap, const float *restrict bp, float *c, int ldc,
                        float alpha, int overwrite, const float *bias) {
  v128_t acc[MR][2];
#pragma clang loop unroll(full)
  for (int r = 0; r < MR; r++) acc[r][0] = acc[r][1] = wasm_f32x4_splat(0.0f);
  for (int p = 0; p < kc; p++) {
    const v128_t b0 = wasm_v128_load(bp);
    const v128_t b1 = wasm_v128_load(bp + 4);
#pragma clang loop unroll(full)
    for (int r = 0; r < MR; r++) {
      const v128_t av = wasm_v128_load32_splat(ap + r);
      acc[r][0] = MADD(av, b0, acc[r][0]);
      acc[r][1] = MADD(av, b1, acc[r][1]);
    }
    ap += MR;
    bp += NR;
  }
  const v128_t scale = wasm_f32x4_splat(alpha);
  const v128_t bias0 = bias ? wasm_v128_load(bias) : wasm_f32x4_splat(0.0f);
  const v128_t bias1 = bias ? wasm_v128_load(bias + 4) : wasm_f32x4_splat(0.0f);
#pragma clang loop unroll(full)
  for (int r = 0; r < MR; r++) {
    float *row = c + r * ldc;
    v128_t v0 = wasm_f32x4_add(wasm_f32x4_mul(scale, acc[r][0]), bias0);
    v128_t v1 = wasm_f32x4_add(wasm_f32x4_mul(scale, acc[r][1]), bias1);
    if (!overwrite) {
      v0 = wasm_f32x4_add(v0, wasm_v128_load(row));
      v1 = wasm_f32x4_add(v1, wasm_v128_load(row + 4));
    }
    wasm_v128_store(row, v0);
    wasm_v128_store(row + 4, v1);
  }
}

// One KC×NC block of op(B), already packed, times every MC×KC block of op(A) below it.
static void multiply_block(const float *az, int trans_a, float *cz, const float *bias, int m, int n, int k,
                           int p0, int kc, int j0, int nc, float alpha, int overwrite) {
  float edge[MR * NR] __attribute__((aligned(16)));
  float edge_bias[NR] __attribute__((aligned(16)));
  for (int i0 = 0; i0 < m; i0 += MC) {
    const int mc = min_int(MC, m - i0);
    pack_a(az, trans_a, m, k, i0, mc, p0, kc, packed_a);
    for (int jr = 0; jr < nc; jr += NR) {
      const int cols = min_int(NR, nc - jr);
      const float *bias_j = bias ? bias + j0 + jr : 0;
      if (bias_j && cols < NR) {
        for (int j = 0; j < NR; j++) edge_bias[j] = j < cols ? bias_j[j] : 0.0f;
      }
      const float *bp = packed_b + jr * kc;
      for (int ir = 0; ir < mc; ir += MR) {
        const int rows = min_int(MR, mc - ir);
        float *cij = cz + (int64_t)(i0 + ir) * n + j0 + jr;
        const float *ap = packed_a + ir * kc;
        if (rows == MR && cols == NR) {
          microkernel(kc, ap, bp, cij, n, alpha, overwrite, bias_j);
        } else {
          microkernel(kc, ap, bp, edge, NR, alpha, 1, bias_j ? (cols < NR ? edge_bias : bias_j) : 0);
          for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
              const float v = edge[i * NR + j];
              cij[i * n + j] = overwrite ? v : cij[i * n + j] + v;
            }
          }
        }
      }
    }
  }
}

// stride_a (stride_b) is the distance between consecutive batches of A (B); 0 shares one matrix.
EXPORT("matmul")
void matmul(const float *a, const float *b, float *c, const float *bias, int m, int n, int k, int batch,
            int trans_a, int trans_b, int stride_a, int stride_b, float alpha, int accumulate) {
  for (int z = 0; z < batch; z++) {
    const float *az = a + (int64_t)z * stride_a;
    const float *bz = b + (int64_t)z * stride_b;
    float *cz = c + (int64_t)z * m * n;
    if (k == 0) {
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          const float v = bias ? bias[j] : 0.0f;
          cz[i * n + j] = accumulate ? cz[i * n + j] + v : v;
        }
      }
      continue;
    }
    for (int j0 = 0; j0 < n; j0 += NC) {
      const int nc = min_int(NC, n - j0);
      for (int p0 = 0; p0 < k; p0 += KC) {
        const int kc = min_int(KC, k - p0);
        const int first = p0 == 0;
        pack_b(bz, trans_b, k, n, p0, kc, j0, nc, packed_b);
        multiply_block(az, trans_a, cz, first ? bias : 0, m, n, k, p0, kc, j0, nc, alpha, first && !accumulate);
      }
    }
  }
}
