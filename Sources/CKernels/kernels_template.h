// Kernel bodies, instantiated twice by kernels.c: once with T=float, S=f32, once with T=double, S=f64.
// Expects macros T, S, VS_EXP(x), VS_EXPM1(x), VS_TANH(x), VS_SQRT(x), VS_NEG_INF and CAT(a,b).
// Every public function carries VS_DISPATCH (target_clones) so the loops are compiled for AVX-512, AVX2
// and the x86-64 baseline and chosen at load time.

#define FN(name) CAT(name, S)

/// Dot product; reassociation allowed so the reduction vectorises.
static inline T FN(vs_dot_)(const T *a, const T *b, long n) {
#pragma clang fp reassociate(on)
  T acc = 0;
  for (long i = 0; i < n; i++) acc += a[i] * b[i];
  return acc;
}

static inline T FN(vs_sum_)(const T *a, long n) {
#pragma clang fp reassociate(on)
  T acc = 0;
  for (long i = 0; i < n; i++) acc += a[i];
  return acc;
}

/// y += alpha * x
static inline void FN(vs_axpy_)(T *restrict y, T alpha, const T *restrict x, long n) {
  for (long i = 0; i < n; i++) y[i] += alpha * x[i];
}

VS_DISPATCH void FN(vs_add_)(T *out, const T *a, const T *b, long n) {
  for (long i = 0; i < n; i++) out[i] = a[i] + b[i];
}

VS_DISPATCH void FN(vs_accumulate_)(T *restrict y, const T *restrict x, long n) {
  for (long i = 0; i < n; i++) y[i] += x[i];
}

VS_DISPATCH void FN(vs_bias_add_)(T *restrict y, const T *restrict bias, long rows, long cols) {
  for (long r = 0; r < rows; r++) {
    T *yr = y + r * cols;
    for (long c = 0; c < cols; c++) yr[c] += bias[c];
  }
}

/// y[r, :] = row for every r (e.g. a bias, before a GEMM with beta = 1).
VS_DISPATCH void FN(vs_broadcast_rows_)(T *restrict y, const T *restrict row, long rows, long cols) {
  for (long r = 0; r < rows; r++) {
    T *yr = y + r * cols;
    for (long c = 0; c < cols; c++) yr[c] = row[c];
  }
}

/// y[r, :] = x[r, :] + row (e.g. residual + bias, before a GEMM with beta = 1).
VS_DISPATCH void FN(vs_add_row_)(T *restrict y, const T *restrict x, const T *restrict row, long rows, long cols) {
  for (long r = 0; r < rows; r++) {
    T *yr = y + r * cols;
    const T *xr = x + r * cols;
    for (long c = 0; c < cols; c++) yr[c] = xr[c] + row[c];
  }
}

VS_DISPATCH void FN(vs_colsum_accumulate_)(T *restrict db, const T *restrict dy, long rows, long cols) {
  for (long r = 0; r < rows; r++) {
    const T *dr = dy + r * cols;
    for (long c = 0; c < cols; c++) db[c] += dr[c];
  }
}

// ---- LayerNorm over the last axis: out = (x - mean) * rstd * gamma + beta -------------------------------

VS_DISPATCH void FN(vs_layernorm_forward_)(T *restrict out, T *restrict mean, T *restrict rstd,
                                           const T *restrict x, const T *restrict gamma,
                                           const T *restrict beta, long rows, long cols, T eps) {
  for (long r = 0; r < rows; r++) {
    const T *xr = x + r * cols;
    T m = FN(vs_sum_)(xr, cols) / (T)cols;
    T v;
    {
#pragma clang fp reassociate(on)
      T acc = 0;
      for (long c = 0; c < cols; c++) { T d = xr[c] - m; acc += d * d; }
      v = acc / (T)cols;
    }
    T s = (T)1 / VS_SQRT(v + eps);
    T *o = out + r * cols;
    for (long c = 0; c < cols; c++) o[c] = (xr[c] - m) * s * gamma[c] + beta[c];
    mean[r] = m;
    rstd[r] = s;
  }
}

VS_DISPATCH void FN(vs_layernorm_backward_)(T *restrict dx, T *restrict dgamma, T *restrict dbeta,
                                            const T *restrict dout, const T *restrict x,
                                            const T *restrict mean, const T *restrict rstd,
                                            const T *restrict gamma, long rows, long cols, int accumulate) {
  for (long r = 0; r < rows; r++) {
    const T *xr = x + r * cols, *dr = dout + r * cols;
    T m = mean[r], s = rstd[r];
    T sum_dn = 0, sum_dn_n = 0;
    {
#pragma clang fp reassociate(on)
      for (long c = 0; c < cols; c++) {
        T n = (xr[c] - m) * s;
        T dn = dr[c] * gamma[c];
        sum_dn += dn;
        sum_dn_n += dn * n;
      }
    }
    sum_dn /= (T)cols;
    sum_dn_n /= (T)cols;
    T *dxr = dx + r * cols;
    for (long c = 0; c < cols; c++) {
      T n = (xr[c] - m) * s;
      T dn = dr[c] * gamma[c];
      dxr[c] = (accumulate ? dxr[c] : (T)0) + (dn - sum_dn - n * sum_dn_n) * s;
      dgamma[c] += dr[c] * n;
      dbeta[c] += dr[c];
    }
  }
}

// ---- Elementwise activations ------------------------------------------------------------------------------

#define VS_GELU_C ((T)0.7978845608028654) /* sqrt(2/pi) */
#define VS_GELU_A ((T)0.044715)

/// GELU, tanh approximation (as in GPT-2 and jax.nn.gelu(approximate=True)):
/// 0.5·x·(1 + tanh u) with u = √(2/π)(x + 0.044715x³), evaluated as x·σ(2u) = x / (1 + e^(−2u)), which is
/// the same function without the cancellation of 1 + tanh u for negative x.
VS_DISPATCH void FN(vs_gelu_forward_)(T *restrict out, const T *restrict x, long n) {
  for (long i = 0; i < n; i++) {
    T v = x[i];
    T u = VS_GELU_C * (v + VS_GELU_A * v * v * v);
    out[i] = v / ((T)1 + VS_EXP((T)-2 * u));
  }
}

VS_DISPATCH void FN(vs_gelu_backward_)(T *restrict dx, const T *restrict x, const T *restrict dout, long n,
                                       int accumulate) {
  for (long i = 0; i < n; i++) {
    T v = x[i];
    T u = VS_GELU_C * (v + VS_GELU_A * v * v * v);
    T sg = (T)1 / ((T)1 + VS_EXP((T)-2 * u)); /* σ(2u) = (1 + tanh u) / 2 */
    T du = VS_GELU_C * ((T)1 + (T)3 * VS_GELU_A * v * v);
    T g = sg + (T)2 * v * sg * ((T)1 - sg) * du;
    dx[i] = (accumulate ? dx[i] : (T)0) + g * dout[i];
  }
}

VS_DISPATCH void FN(vs_relu_forward_)(T *restrict out, const T *restrict x, long n) {
  for (long i = 0; i < n; i++) out[i] = x[i] > 0 ? x[i] : (T)0;
}

VS_DISPATCH void FN(vs_relu_backward_)(T *restrict dx, const T *restrict x, const T *restrict dout, long n,
                                       int accumulate) {
  for (long i = 0; i < n; i++) dx[i] = (accumulate ? dx[i] : (T)0) + (x[i] > 0 ? dout[i] : (T)0);
}

/// ELU with alpha = 1: x for x > 0, exp(x) - 1 otherwise.
VS_DISPATCH void FN(vs_elu_forward_)(T *restrict out, const T *restrict x, long n) {
  for (long i = 0; i < n; i++) {
    T v = x[i];
    T e = VS_EXPM1(v < 0 ? v : (T)0);
    out[i] = v > 0 ? v : e;
  }
}

VS_DISPATCH void FN(vs_elu_backward_)(T *restrict dx, const T *restrict x, const T *restrict dout, long n,
                                      int accumulate) {
  for (long i = 0; i < n; i++) {
    T v = x[i];
    T e = VS_EXP(v < 0 ? v : (T)0);
    dx[i] = (accumulate ? dx[i] : (T)0) + (v > 0 ? (T)1 : e) * dout[i];
  }
}

VS_DISPATCH void FN(vs_sigmoid_forward_)(T *restrict out, const T *restrict x, long n) {
  for (long i = 0; i < n; i++) out[i] = (T)1 / ((T)1 + VS_EXP(-x[i]));
}

/// Uses the forward output: d sigmoid = y (1 - y).
VS_DISPATCH void FN(vs_sigmoid_backward_)(T *restrict dx, const T *restrict out, const T *restrict dout, long n,
                                          int accumulate) {
  for (long i = 0; i < n; i++) dx[i] = (accumulate ? dx[i] : (T)0) + out[i] * ((T)1 - out[i]) * dout[i];
}

// ---- Softmax over rows, with an optional mask (1 = keep); fully masked rows give zeros ----------------------

static inline void FN(vs_softmax_row_)(T *restrict o, const T *restrict x, const uint8_t *restrict mask, long n,
                                       T scale) {
  T mx = VS_NEG_INF;
  for (long j = 0; j < n; j++) {
    T v = (mask == 0 || mask[j]) ? x[j] * scale : VS_NEG_INF;
    o[j] = v;
    mx = v > mx ? v : mx;
  }
  if (mx == VS_NEG_INF) {
    for (long j = 0; j < n; j++) o[j] = 0;
    return;
  }
  for (long j = 0; j < n; j++) o[j] = VS_EXP(o[j] - mx);
  if (mask)
    for (long j = 0; j < n; j++) o[j] = mask[j] ? o[j] : (T)0;
  T inv = (T)1 / FN(vs_sum_)(o, n);
  for (long j = 0; j < n; j++) o[j] *= inv;
}

VS_DISPATCH void FN(vs_softmax_forward_)(T *out, const T *x, const uint8_t *mask, long rows, long cols) {
  for (long r = 0; r < rows; r++)
    FN(vs_softmax_row_)(out + r * cols, x + r * cols, mask ? mask + r * cols : 0, cols, (T)1);
}

VS_DISPATCH void FN(vs_softmax_backward_)(T *restrict dx, const T *restrict out, const T *restrict dout, long rows,
                                          long cols) {
  for (long r = 0; r < rows; r++) {
    const T *y = out + r * cols, *dy = dout + r * cols;
    T d = FN(vs_dot_)(y, dy, cols);
    T *g = dx + r * cols;
    for (long j = 0; j < cols; j++) g[j] += y[j] * (dy[j] - d);
  }
}

/// In place over rows of `p`: scaled, key-masked softmax. Row r uses key_mask + (r / rows_per_seq) * L.
VS_DISPATCH void FN(vs_masked_softmax_rows_)(T *p, const uint8_t *key_mask, long rows, long rows_per_seq, long L,
                                             T scale) {
  for (long r = 0; r < rows; r++)
    FN(vs_softmax_row_)(p + r * L, p + r * L, key_mask ? key_mask + (r / rows_per_seq) * L : 0, L, scale);
}

/// In place over rows: dp <- scale * p * (dp - <dp, p>) (the softmax backward, then the score scale).
VS_DISPATCH void FN(vs_softmax_backward_inplace_)(T *restrict dp, const T *restrict p, long rows, long cols,
                                                  T scale) {
  for (long r = 0; r < rows; r++) {
    T *d = dp + r * cols;
    const T *y = p + r * cols;
    T s = FN(vs_dot_)(y, d, cols);
    for (long j = 0; j < cols; j++) d[j] = scale * y[j] * (d[j] - s);
  }
}

// ---- Register-tiled small GEMMs for attention (4 rows × 16 columns per tile) -------------------------------
//
// C[r][c] (= or +=) Σ_t A(r, t) · B[t][c] for r < R, c < Cc, t < Tn, with A(r, t) = A[r·lda + t] (nn) or
// A[t·lda + r] (tn). B rows must be readable for 16·⌈Cc/16⌉ columns (callers guarantee it: packed,
// zero-padded operands, or Cc a multiple of 16). Only columns < Cc and rows < R are written.

// Tiles of 8 rows (8 independent accumulators: enough FMAs in flight for 2 FMA pipes) or 4 rows, × 16
// columns. Row indices are clamped to R-1 for loads; only rows < R are stored. AROW(r, t) reads A(r, t).
#define VS_STORE_ROW(q, ACC)                                                                               \
  if (r0 + q < R) {                                                                                        \
    T *dst = C + (r0 + q) * ldc + c0;                                                                      \
    if (cw == 16) {                                                                                        \
      if (accumulate)                                                                                      \
        for (int c = 0; c < 16; c++) dst[c] += ACC[c];                                                     \
      else                                                                                                 \
        for (int c = 0; c < 16; c++) dst[c] = ACC[c];                                                      \
    } else if (accumulate)                                                                                 \
      for (long c = 0; c < cw; c++) dst[c] += ACC[c];                                                      \
    else                                                                                                   \
      for (long c = 0; c < cw; c++) dst[c] = ACC[c];                                                       \
  }
#define VS_CLAMP(q) (r0 + q < R ? r0 + q : R - 1)

#define VS_TILE8(AROW)                                                                                     \
  {                                                                                                        \
    const long i0 = VS_CLAMP(0), i1 = VS_CLAMP(1), i2 = VS_CLAMP(2), i3 = VS_CLAMP(3), i4 = VS_CLAMP(4),   \
               i5 = VS_CLAMP(5), i6 = VS_CLAMP(6), i7 = VS_CLAMP(7);                                       \
    T acc0[16] = {0}, acc1[16] = {0}, acc2[16] = {0}, acc3[16] = {0}, acc4[16] = {0}, acc5[16] = {0},      \
      acc6[16] = {0}, acc7[16] = {0};                                                                      \
    for (long t = 0; t < Tn; t++) {                                                                        \
      const T *b = B + t * ldb + c0;                                                                       \
      const T a0 = AROW(i0, t), a1 = AROW(i1, t), a2 = AROW(i2, t), a3 = AROW(i3, t), a4 = AROW(i4, t),    \
              a5 = AROW(i5, t), a6 = AROW(i6, t), a7 = AROW(i7, t);                                        \
      for (int c = 0; c < 16; c++) {                                                                       \
        const T bc = b[c];                                                                                 \
        acc0[c] += a0 * bc; acc1[c] += a1 * bc; acc2[c] += a2 * bc; acc3[c] += a3 * bc;                    \
        acc4[c] += a4 * bc; acc5[c] += a5 * bc; acc6[c] += a6 * bc; acc7[c] += a7 * bc;                    \
      }                                                                                                    \
    }                                                                                                      \
    const long cw = Cc - c0 < 16 ? Cc - c0 : 16;                                                           \
    VS_STORE_ROW(0, acc0) VS_STORE_ROW(1, acc1) VS_STORE_ROW(2, acc2) VS_STORE_ROW(3, acc3)                \
    VS_STORE_ROW(4, acc4) VS_STORE_ROW(5, acc5) VS_STORE_ROW(6, acc6) VS_STORE_ROW(7, acc7)                \
  }

#define VS_TILE4(AROW)                                                                                     \
  {                                                                                                        \
    const long i0 = VS_CLAMP(0), i1 = VS_CLAMP(1), i2 = VS_CLAMP(2), i3 = VS_CLAMP(3);                     \
    T acc0[16] = {0}, acc1[16] = {0}, acc2[16] = {0}, acc3[16] = {0};                                      \
    for (long t = 0; t < Tn; t++) {                                                                        \
      const T *b = B + t * ldb + c0;                                                                       \
      const T a0 = AROW(i0, t), a1 = AROW(i1, t), a2 = AROW(i2, t), a3 = AROW(i3, t);                      \
      for (int c = 0; c < 16; c++) {                                                                       \
        const T bc = b[c];                                                                                 \
        acc0[c] += a0 * bc; acc1[c] += a1 * bc; acc2[c] += a2 * bc; acc3[c] += a3 * bc;                    \
      }                                                                                                    \
    }                                                                                                      \
    const long cw = Cc - c0 < 16 ? Cc - c0 : 16;                                                           \
    VS_STORE_ROW(0, acc0) VS_STORE_ROW(1, acc1) VS_STORE_ROW(2, acc2) VS_STORE_ROW(3, acc3)                \
  }

#define VS_TILE_BODY(AROW)                                                                                 \
  long r0 = 0;                                                                                             \
  for (; r0 + 8 <= R; r0 += 8)                                                                             \
    for (long c0 = 0; c0 < Cc; c0 += 16) VS_TILE8(AROW)                                                    \
  for (; r0 < R; r0 += 4)                                                                                  \
    for (long c0 = 0; c0 < Cc; c0 += 16) VS_TILE4(AROW)

#define VS_AROW_NN(r, t) A[(r) * lda + (t)]
#define VS_AROW_TN(r, t) A[(t) * lda + (r)]

static inline __attribute__((always_inline)) void FN(vs_tile_nn_)(long R, long Cc, long Tn, const T *restrict A, long lda, const T *restrict B,
                                   long ldb, T *restrict C, long ldc, int accumulate) {
  VS_TILE_BODY(VS_AROW_NN)
}

static inline __attribute__((always_inline)) void FN(vs_tile_tn_)(long R, long Cc, long Tn, const T *restrict A, long lda, const T *restrict B,
                                   long ldb, T *restrict C, long ldc, int accumulate) {
  VS_TILE_BODY(VS_AROW_TN)
}

/// dst[d][j] = src[j·ld + d] for j < L, d < dh; columns L..<Lp are zero.
/// Transposes in blocks of 16 source rows. Float: 16×16 register transposes. Double: scalar (the block's
/// source lines stay in L1; each destination write is a contiguous run of ≤ 16); letting the compiler
/// vectorise this loop gives gathers/scatters, measured ~3× slower.
static inline __attribute__((always_inline)) void FN(vs_pack_transposed_)(T *restrict dst, const T *restrict src,
                                                                         long ld, long L, long Lp, long dh) {
#if VS_IS_FLOAT
  if (dh % 16 == 0) { /* register transposes, see transpose16.h */
    vs_pack_transposed_v16(dst, src, ld, L, Lp, dh);
    return;
  }
#endif
  for (long j0 = 0; j0 < Lp; j0 += 16) {
    const long jn = L - j0 < 16 ? L - j0 : 16;
    for (long d = 0; d < dh; d++) {
      T *o = dst + d * Lp + j0;
#pragma clang loop vectorize(disable) interleave(disable)
      for (long jj = 0; jj < jn; jj++) o[jj] = src[(j0 + jj) * ld + d];
#pragma clang loop vectorize(disable) interleave(disable)
      for (long jj = jn; jj < 16; jj++) o[jj] = 0;
    }
  }
}

/// Tiled attention forward (dh a multiple of 16); same contract as vs_attention_forward.
static inline __attribute__((always_inline)) void FN(vs_attention_forward_tiled_)(T *out, T *probs, const T *qkv, const uint8_t *key_mask, long seq_begin,
                                            long seq_end, long L, long H, long dh, T *work) {
  const long D = H * dh, ld = 3 * D, Lp = (L + 15) / 16 * 16;
  const T scale = (T)1 / VS_SQRT((T)dh);
  T *kt = work; /* [dh][Lp] */
  for (long s = seq_begin; s < seq_end; s++) {
    const T *base = qkv + s * L * ld;
    const uint8_t *mask = key_mask ? key_mask + s * L : 0;
    for (long h = 0; h < H; h++) {
      T *P = probs + ((s * H + h) * L) * L;
      FN(vs_pack_transposed_)(kt, base + D + h * dh, ld, L, Lp, dh);
      FN(vs_tile_nn_)(L, L, dh, base + h * dh, ld, kt, Lp, P, L, 0);          /* scores = Q Kᵀ */
      for (long i = 0; i < L; i++) FN(vs_softmax_row_)(P + i * L, P + i * L, mask, L, scale);
      FN(vs_tile_nn_)(L, dh, L, P, L, base + 2 * D + h * dh, ld, out + s * L * D + h * dh, D, 0); /* P V */
    }
  }
}

/// Tiled attention backward (dh a multiple of 16); same contract as vs_attention_backward.
static inline __attribute__((always_inline)) void FN(vs_attention_backward_tiled_)(T *dqkv, const T *dout, const T *qkv, const T *probs, long seq_begin,
                                             long seq_end, long L, long H, long dh, T *work) {
  const long D = H * dh, ld = 3 * D, Lp = (L + 15) / 16 * 16;
  const T scale = (T)1 / VS_SQRT((T)dh);
  T *vt = work;            /* [dh][Lp] */
  T *ds = work + dh * Lp;  /* [L][Lp] */
  for (long s = seq_begin; s < seq_end; s++) {
    const T *base = qkv + s * L * ld;
    T *dbase = dqkv + s * L * ld;
    const T *go = dout + s * L * D;
    for (long h = 0; h < H; h++) {
      const T *P = probs + ((s * H + h) * L) * L;
      FN(vs_tile_tn_)(L, dh, L, P, L, go + h * dh, D, dbase + 2 * D + h * dh, ld, 1);  /* dV += Pᵀ dO */
      FN(vs_pack_transposed_)(vt, base + 2 * D + h * dh, ld, L, Lp, dh);
      FN(vs_tile_nn_)(L, L, dh, go + h * dh, D, vt, Lp, ds, Lp, 0);                    /* dP = dO Vᵀ */
      for (long i = 0; i < L; i++) {                                                  /* dS */
        T *d = ds + i * Lp;
        const T *y = P + i * L;
        T c = FN(vs_dot_)(y, d, L);
        for (long j = 0; j < L; j++) d[j] = scale * y[j] * (d[j] - c);
        for (long j = L; j < Lp; j++) d[j] = 0;
      }
      FN(vs_tile_nn_)(L, dh, L, ds, Lp, base + D + h * dh, ld, dbase + h * dh, ld, 1);      /* dQ += dS K */
      FN(vs_tile_tn_)(L, dh, L, ds, Lp, base + h * dh, ld, dbase + D + h * dh, ld, 1);      /* dK += dSᵀ Q */
    }
  }
}

// ---- Multi-head self-attention over many short sequences at once --------------------------------------------
//
// qkv: [S*L, 3*D] rows (token s*L+i), columns [Q | K | V], each D = H*dh wide, head h at columns h*dh.
// out: [S*L, D]; probs: [S, H, L, L]; key_mask: [S, L] (1 = attend) or NULL. Scale 1/sqrt(dh).
// A query whose keys are all masked gets zero probabilities and a zero output.
// Sequences [seq_begin, seq_end) are processed, so callers can split the batch over threads.

VS_DISPATCH void FN(vs_attention_forward_)(T *out, T *probs, const T *qkv, const uint8_t *key_mask, long seq_begin,
                                           long seq_end, long L, long H, long dh) {
  if (dh % 16 == 0) {
    const long Lp = (L + 15) / 16 * 16;
    T *work = (T *)aligned_alloc(64, ((size_t)(dh * Lp * sizeof(T)) + 63) / 64 * 64);
    if (work) {
      FN(vs_attention_forward_tiled_)(out, probs, qkv, key_mask, seq_begin, seq_end, L, H, dh, work);
      free(work);
      return;
    }
  }
  const long D = H * dh, ld = 3 * D;
  const T scale = (T)1 / VS_SQRT((T)dh);
  for (long s = seq_begin; s < seq_end; s++) {
    const T *base = qkv + s * L * ld;
    const uint8_t *mask = key_mask ? key_mask + s * L : 0;
    for (long h = 0; h < H; h++) {
      T *P = probs + ((s * H + h) * L) * L;
      for (long i = 0; i < L; i++) {
        const T *q = base + i * ld + h * dh;
        T *row = P + i * L;
        for (long j = 0; j < L; j++) row[j] = FN(vs_dot_)(q, base + j * ld + D + h * dh, dh);
        FN(vs_softmax_row_)(row, row, mask, L, scale);
        T *o = out + (s * L + i) * D + h * dh;
        for (long d = 0; d < dh; d++) o[d] = 0;
        for (long j = 0; j < L; j++) {
          T pj = row[j];
          if (pj != 0) FN(vs_axpy_)(o, pj, base + j * ld + 2 * D + h * dh, dh);
        }
      }
    }
  }
}

VS_DISPATCH void FN(vs_attention_backward_)(T *dqkv, const T *dout, const T *qkv, const T *probs, long seq_begin,
                                            long seq_end, long L, long H, long dh) {
  if (dh % 16 == 0) {
    const long Lp = (L + 15) / 16 * 16;
    T *work = (T *)aligned_alloc(64, ((size_t)((dh + L) * Lp * sizeof(T)) + 63) / 64 * 64);
    if (work) {
      FN(vs_attention_backward_tiled_)(dqkv, dout, qkv, probs, seq_begin, seq_end, L, H, dh, work);
      free(work);
      return;
    }
  }
  const long D = H * dh, ld = 3 * D;
  const T scale = (T)1 / VS_SQRT((T)dh);
  T dp[L];
  for (long s = seq_begin; s < seq_end; s++) {
    const T *base = qkv + s * L * ld;
    T *dbase = dqkv + s * L * ld;
    for (long h = 0; h < H; h++) {
      const T *P = probs + ((s * H + h) * L) * L;
      for (long i = 0; i < L; i++) {
        const T *row = P + i * L;
        const T *go = dout + (s * L + i) * D + h * dh;
        // dV_j += p_ij dO_i ; dP_ij = <dO_i, V_j>
        for (long j = 0; j < L; j++) {
          const T *v = base + j * ld + 2 * D + h * dh;
          if (row[j] != 0) FN(vs_axpy_)(dbase + j * ld + 2 * D + h * dh, row[j], go, dh);
          dp[j] = FN(vs_dot_)(go, v, dh);
        }
        // dS_ij = scale * p_ij (dP_ij - <p_i, dP_i>)
        T c = FN(vs_dot_)(row, dp, L);
        for (long j = 0; j < L; j++) dp[j] = scale * row[j] * (dp[j] - c);
        // dQ_i += sum_j dS_ij K_j ; dK_j += dS_ij Q_i
        T *dq = dbase + i * ld + h * dh;
        const T *q = base + i * ld + h * dh;
        for (long j = 0; j < L; j++) {
          T g = dp[j];
          if (g != 0) {
            FN(vs_axpy_)(dq, g, base + j * ld + D + h * dh, dh);
            FN(vs_axpy_)(dbase + j * ld + D + h * dh, g, q, dh);
          }
        }
      }
    }
  }
}

// ---- Bilinear k×k patches at sampled points (see PatchProjection.swift for the conventions) ---------------

/// The 4 bilinear taps at continuous pixel coordinates (x, y); weights of out-of-image pixels are 0 and
/// their offsets point at pixel 0 (harmless, weight 0).
static inline void FN(vs_bilinear_taps_)(T x, T y, long W, long H, long off[4], T w[4]) {
  T fx = x - (T)0.5, fy = y - (T)0.5;
  T x0f = VS_FLOOR(fx), y0f = VS_FLOOR(fy);
  T wx = fx - x0f, wy = fy - y0f;
  for (int q = 0; q < 4; q++) { off[q] = 0; w[q] = 0; }
  if (!(x0f > (T)-2 && y0f > (T)-2 && x0f < (T)W && y0f < (T)H)) return; /* also rejects NaN */
  long x0 = (long)x0f, y0 = (long)y0f;
  int x0ok = x0 >= 0, x1ok = x0 + 1 < W, y0ok = y0 >= 0, y1ok = y0 + 1 < H;
  if (y0ok && x0ok) { off[0] = y0 * W + x0; w[0] = (1 - wy) * (1 - wx); }
  if (y0ok && x1ok) { off[1] = y0 * W + x0 + 1; w[1] = (1 - wy) * wx; }
  if (y1ok && x0ok) { off[2] = (y0 + 1) * W + x0; w[2] = wy * (1 - wx); }
  if (y1ok && x1ok) { off[3] = (y0 + 1) * W + x0 + 1; w[3] = wy * wx; }
}

VS_DISPATCH void FN(vs_patch_gather_)(T *patches, const T *images, long H, long W, long C, const int32_t *index,
                                      const T *positions, long m_begin, long m_end, long k) {
  const T half = (T)(k - 1) / 2;
  for (long m = m_begin; m < m_end; m++) {
    const T *img = images + (long)index[m] * H * W * C;
    T *dst = patches + m * k * k * C;
    const T px = positions[2 * m], py = positions[2 * m + 1];
    for (long a = 0; a < k; a++) {
      for (long b = 0; b < k; b++) {
        long off[4];
        T w[4];
        FN(vs_bilinear_taps_)(px + (T)b - half, py + (T)a - half, W, H, off, w);
        T *d = dst + (a * k + b) * C;
        const T *p0 = img + off[0] * C, *p1 = img + off[1] * C, *p2 = img + off[2] * C, *p3 = img + off[3] * C;
        for (long c = 0; c < C; c++) d[c] = w[0] * p0[c] + w[1] * p1[c] + w[2] * p2[c] + w[3] * p3[c];
      }
    }
  }
}

VS_DISPATCH void FN(vs_patch_scatter_)(T *dimages, const T *dpatches, long H, long W, long C, const int32_t *index,
                                       const T *positions, long m_begin, long m_end, long k) {
  const T half = (T)(k - 1) / 2;
  for (long m = m_begin; m < m_end; m++) {
    T *img = dimages + (long)index[m] * H * W * C;
    const T *src = dpatches + m * k * k * C;
    const T px = positions[2 * m], py = positions[2 * m + 1];
    for (long a = 0; a < k; a++) {
      for (long b = 0; b < k; b++) {
        long off[4];
        T w[4];
        FN(vs_bilinear_taps_)(px + (T)b - half, py + (T)a - half, W, H, off, w);
        const T *g = src + (a * k + b) * C;
        for (int q = 0; q < 4; q++) {
          if (w[q] == 0) continue;
          T *d = img + off[q] * C;
          for (long c = 0; c < C; c++) d[c] += w[q] * g[c];
        }
      }
    }
  }
}

// ---- Optimiser ---------------------------------------------------------------------------------------------

/// One AdamW update over n parameters (see AdamW.swift): g ← gscale·g; m, v moments; bias corrections
/// bc1 = 1 − β₁ᵗ, bc2 = 1 − β₂ᵗ; p ← p − lr·(m̂ / (√v̂ + ε) + wd·p).
VS_DISPATCH void FN(vs_adamw_)(T *restrict p, const T *restrict g, T *restrict m, T *restrict v, long n, T gscale,
                               T beta1, T beta2, T bc1, T bc2, T lr, T eps, T wd) {
  for (long i = 0; i < n; i++) {
    T gi = g[i] * gscale;
    T mi = beta1 * m[i] + ((T)1 - beta1) * gi;
    T vi = beta2 * v[i] + ((T)1 - beta2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] -= lr * ((mi / bc1) / (VS_SQRT(vi / bc2) + eps) + wd * p[i]);
  }
}

/// Σ x², accumulated in double.
VS_DISPATCH double FN(vs_sum_squares_)(const T *x, long n) {
#pragma clang fp reassociate(on)
  double acc = 0;
  for (long i = 0; i < n; i++) acc += (double)x[i] * (double)x[i];
  return acc;
}

#undef FN
