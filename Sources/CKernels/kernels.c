// Instantiates kernels_template.h for float and double, and the cpuid helper.
#include "CKernels.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__clang__) && defined(__ELF__) && !defined(VS_NO_DISPATCH)
/* target_clones needs ifunc (ELF); elsewhere the kernels are compiled for the baseline target only. */
#define VS_DISPATCH __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define VS_DISPATCH
#endif

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)

int vs_cpu_supports(const char *f) {
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (!strcmp(f, "avx512f")) return __builtin_cpu_supports("avx512f") != 0;
  if (!strcmp(f, "avx512bw")) return __builtin_cpu_supports("avx512bw") != 0;
  if (!strcmp(f, "avx512dq")) return __builtin_cpu_supports("avx512dq") != 0;
  if (!strcmp(f, "avx512vl")) return __builtin_cpu_supports("avx512vl") != 0;
  if (!strcmp(f, "avx512cd")) return __builtin_cpu_supports("avx512cd") != 0;
  if (!strcmp(f, "avx2")) return __builtin_cpu_supports("avx2") != 0;
  if (!strcmp(f, "fma")) return __builtin_cpu_supports("fma") != 0;
  if (!strcmp(f, "avx")) return __builtin_cpu_supports("avx") != 0;
#endif
  return 0;
}

static _Thread_local int vs_in_region = 0;
int vs_thread_in_region(void) { return vs_in_region; }
void vs_thread_set_in_region(int value) { vs_in_region = value; }

/// exp for float, vectorisable (no calls, no branches): Cody-Waite reduction to r in [-ln2/2, ln2/2],
/// degree-7 Taylor polynomial (truncation < 6e-9 relative), scale by 2^n through the exponent bits.
/// Inputs are clamped to [-87, 88] (results stay normal; exp(-87) ~ 1.6e-38 instead of smaller values).
static inline float vs_expf_fast(float x) {
  x = x < -87.0f ? -87.0f : x;
  x = x > 88.0f ? 88.0f : x;
  const float magic = 12582912.0f; /* 1.5 * 2^23: round to nearest integer */
  float n = (x * 1.44269504088896341f + magic) - magic;
  float r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.0f / 5040.0f;
  p = p * r + 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  int32_t bits = ((int32_t)n + 127) << 23;
  float scale;
  memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

/// tanh for float from exp: 1 - 2 / (exp(2x) + 1) (absolute error ~1e-7 near 0).
static inline float vs_tanhf_fast(float x) {
  float e = vs_expf_fast(2.0f * x);
  return 1.0f - 2.0f / (e + 1.0f);
}

#include "transpose16.h"

#define T float
#define S f32
#define VS_IS_FLOAT 1
#define VS_EXP(x) vs_expf_fast(x)
#define VS_EXPM1(x) (vs_expf_fast(x) - 1.0f)
#define VS_TANH(x) vs_tanhf_fast(x)
#define VS_SQRT(x) sqrtf(x)
#define VS_FLOOR(x) floorf(x)
#define VS_NEG_INF (-INFINITY)
#include "kernels_template.h"
#undef VS_TILE_BODY
#undef VS_TILE8
#undef VS_TILE4
#undef VS_STORE_ROW
#undef VS_CLAMP
#undef VS_AROW_NN
#undef VS_AROW_TN
#undef T
#undef S
#undef VS_IS_FLOAT
#undef VS_EXP
#undef VS_EXPM1
#undef VS_TANH
#undef VS_SQRT
#undef VS_FLOOR
#undef VS_NEG_INF

#define T double
#define S f64
#define VS_IS_FLOAT 0
#define VS_EXP(x) exp(x)
#define VS_EXPM1(x) expm1(x)
#define VS_TANH(x) tanh(x)
#define VS_SQRT(x) sqrt(x)
#define VS_FLOOR(x) floor(x)
#define VS_NEG_INF (-(double)INFINITY)
#include "kernels_template.h"
