// CKernels: hot non-GEMM kernels of the ViewSynth engine, in C with per-function runtime dispatch
// (target_clones avx512f / avx2 / default), so that no unsafeFlags are needed.
//
// Conventions: row-major; sizes are `long`; backward kernels ACCUMULATE into their gradient outputs, except
// that activation and LayerNorm backward take `accumulate` for dx (0: overwrite dx instead; dx must not alias).
// Each kernel exists for float (_f32) and double (_f64); the double versions use libm and are used for
// gradient checks, the float versions use a vectorisable exp (max error about 2 ulp).
#ifndef VIEWSYNTH_CKERNELS_H
#define VIEWSYNTH_CKERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// 1 when the CPU and OS support the feature ("avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd",
/// "avx2", "fma"), else 0. Uses the compiler's cpuid-based __builtin_cpu_supports (which checks XCR0 too).
int vs_cpu_supports(const char *feature);

/// A per-thread flag: 1 while the calling thread runs inside an engine parallel region (nested parallel
/// work then runs inline). Thread-local, so concurrent callers never race on it.
int vs_thread_in_region(void);
void vs_thread_set_in_region(int value);

#define VS_DECLARE_KERNELS(T, S)                                                                            \
  void vs_add_##S(T *out, const T *a, const T *b, long n);                                                  \
  void vs_accumulate_##S(T *y, const T *x, long n);                                                         \
  void vs_bias_add_##S(T *y, const T *bias, long rows, long cols);                                          \
  void vs_broadcast_rows_##S(T *y, const T *row, long rows, long cols);                                      \
  void vs_add_row_##S(T *y, const T *x, const T *row, long rows, long cols);                                 \
  void vs_colsum_accumulate_##S(T *db, const T *dy, long rows, long cols);                                  \
  void vs_layernorm_forward_##S(T *out, T *mean, T *rstd, const T *x, const T *gamma, const T *beta,        \
                                long rows, long cols, T eps);                                               \
  void vs_layernorm_backward_##S(T *dx, T *dgamma, T *dbeta, const T *dout, const T *x, const T *mean,      \
                                 const T *rstd, const T *gamma, long rows, long cols, int accumulate);                      \
  void vs_gelu_forward_##S(T *out, const T *x, long n);                                                     \
  void vs_gelu_backward_##S(T *dx, const T *x, const T *dout, long n, int accumulate);                                      \
  void vs_relu_forward_##S(T *out, const T *x, long n);                                                     \
  void vs_relu_backward_##S(T *dx, const T *x, const T *dout, long n, int accumulate);                                      \
  void vs_elu_forward_##S(T *out, const T *x, long n);                                                      \
  void vs_elu_backward_##S(T *dx, const T *x, const T *dout, long n, int accumulate);                                       \
  void vs_sigmoid_forward_##S(T *out, const T *x, long n);                                                  \
  void vs_sigmoid_backward_##S(T *dx, const T *out, const T *dout, long n, int accumulate);                                 \
  void vs_softmax_forward_##S(T *out, const T *x, const uint8_t *mask, long rows, long cols);               \
  void vs_softmax_backward_##S(T *dx, const T *out, const T *dout, long rows, long cols);                   \
  void vs_attention_forward_##S(T *out, T *probs, const T *qkv, const uint8_t *key_mask, long seq_begin,    \
                                long seq_end, long L, long H, long dh);                                     \
  void vs_attention_backward_##S(T *dqkv, const T *dout, const T *qkv, const T *probs, long seq_begin,      \
                                 long seq_end, long L, long H, long dh);                                    \
  void vs_masked_softmax_rows_##S(T *p, const uint8_t *key_mask, long rows, long rows_per_seq, long L, T scale);               \
  void vs_softmax_backward_inplace_##S(T *dp, const T *p, long rows, long cols, T scale);                   \
  void vs_patch_gather_##S(T *patches, const T *images, long H, long W, long C, const int32_t *index,         \
                           const T *positions, long m_begin, long m_end, long k);                           \
  void vs_adamw_##S(T *p, const T *g, T *m, T *v, long n, T gscale, T beta1, T beta2, T bc1, T bc2, T lr,     \
                    T eps, T wd);                                                                            \
  double vs_sum_squares_##S(const T *x, long n);                                                             \
  void vs_patch_scatter_##S(T *dimages, const T *dpatches, long H, long W, long C, const int32_t *index,      \
                            const T *positions, long m_begin, long m_end, long k);

VS_DECLARE_KERNELS(float, f32)
VS_DECLARE_KERNELS(double, f64)

#ifdef __cplusplus
}
#endif
#endif
