/* vmath.h — float32 exp and log written without branches or calls, so loops over them
 * vectorize (Cephes polynomials, about 1 ulp). NaN and infinities follow IEEE. */
#ifndef MX_CPU_VMATH_H
#define MX_CPU_VMATH_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* Forced: a loop vectorizes only if these are inlined into it, and GCC stops inlining them once a
 * file uses them in many loops. */
#define MXI_VINLINE static inline __attribute__((always_inline))

MXI_VINLINE float mxi_bits_f32(uint32_t u) {
  float f;
  memcpy(&f, &u, 4);
  return f;
}
MXI_VINLINE uint32_t mxi_f32_bits(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  return u;
}

/* The float's bits as an int32 that orders like the float (NaN beyond +-inf): clamping on it is
 * an integer min/max, which GCC vectorizes even under its default -ftrapping-math. */
MXI_VINLINE int32_t mxi_f32_ord(float f) {
  int32_t i = (int32_t)mxi_f32_bits(f);
  return i ^ ((i >> 31) & 0x7fffffff);
}
MXI_VINLINE float mxi_ord_f32(int32_t i) {
  return mxi_bits_f32((uint32_t)(i ^ ((i >> 31) & 0x7fffffff)));
}

MXI_VINLINE float mxi_expf(float x) {
  /* Clamp and special values use integer selects only: float selects with constant arms let GCC
   * thread or sink the polynomial into branches, which it then cannot if-convert (no SIMD). */
  const int32_t hi = mxi_f32_ord(88.7228394f), lo = mxi_f32_ord(-104.0f);
  int32_t ox = mxi_f32_ord(x);
  int32_t oc = ox > hi ? hi : ox;
  oc = oc < lo ? lo : oc; /* NaN lands on a bound: computed there, replaced below */
  float xs = mxi_ord_f32(oc);
  float n = rintf(xs * 1.44269504088896341f);
  float r = fmaf(n, -0.693359375f, xs);
  r = fmaf(n, 2.12194440e-4f, r);
  float p = 1.9875691500e-4f;
  p = fmaf(p, r, 1.3981999507e-3f);
  p = fmaf(p, r, 8.3334519073e-3f);
  p = fmaf(p, r, 4.1665795894e-2f);
  p = fmaf(p, r, 1.6666665459e-1f);
  p = fmaf(p, r, 5.0000001201e-1f);
  p = fmaf(p, r * r, r) + 1.0f;
  /* 2^n as two normal factors so that results down to the subnormal range are right */
  int32_t ni = (int32_t)n;
  int32_t n1 = ni >> 1, n2 = ni - n1;
  float s1 = mxi_bits_f32((uint32_t)(n1 + 127) << 23);
  float s2 = mxi_bits_f32((uint32_t)(n2 + 127) << 23);
  /* a final factor: inf above the range, 0 below it, NaN for NaN, else 1 */
  uint32_t fb = ox > hi ? 0x7f800000u : 0x3f800000u;
  fb = ox < lo ? 0u : fb;
  fb = (mxi_f32_bits(x) & 0x7fffffffu) > 0x7f800000u ? 0x7fc00000u : fb;
  return p * s1 * s2 * mxi_bits_f32(fb);
}

MXI_VINLINE float mxi_logf(float x) {
  /* x = m * 2^e with m in [sqrt(1/2), sqrt(2)) */
  uint32_t u = mxi_f32_bits(x);
  bool sub = x < 1.17549435e-38f && x > 0;
  float xn = sub ? x * 8388608.0f : x; /* scale subnormals up by 2^23 */
  u = mxi_f32_bits(xn);
  int32_t e = (int32_t)((u >> 23) & 0xff) - 126;
  float m = mxi_bits_f32((u & 0x007fffffu) | 0x3f000000u); /* [0.5, 1) */
  bool small = m < 0.707106781186547524f;
  e = small ? e - 1 : e;
  m = small ? m + m : m;
  float f = m - 1.0f;
  float z = f * f;
  float p = 7.0376836292e-2f;
  p = fmaf(p, f, -1.1514610310e-1f);
  p = fmaf(p, f, 1.1676998740e-1f);
  p = fmaf(p, f, -1.2420140846e-1f);
  p = fmaf(p, f, 1.4249322787e-1f);
  p = fmaf(p, f, -1.6668057665e-1f);
  p = fmaf(p, f, 2.0000714765e-1f);
  p = fmaf(p, f, -2.4999993993e-1f);
  p = fmaf(p, f, 3.3333331174e-1f);
  float ef = (float)(sub ? e - 23 : e);
  float y = f * z * p;
  y = fmaf(ef, -2.12194440e-4f, y);
  y = y - 0.5f * z;
  y = f + y;
  y = fmaf(ef, 0.693359375f, y);
  y = x == 0.0f ? -INFINITY : y;
  y = x < 0.0f ? NAN : y;
  y = x == INFINITY ? INFINITY : y;
  return x == x ? y : x;
}

#endif
