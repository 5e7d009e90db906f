// unary_float.cu — the floating unary primitives (sqrt, exp, log, trigonometric, hyperbolic, erf,
// rounding ...) for float16, bfloat16 (in float32), float32 and float64, with k_unary.c's
// semantics. complex64 has no CUDA kernel yet: it runs on the CPU.
#include "../common/scalar.h"
#include "elementwise.cuh"

// Each op: f(C) for C = float and double through CUDA's overloaded math functions.
#define UOP(NAME, EXPR)                                          \
  struct NAME {                                                  \
    template <typename C> static __device__ __forceinline__ C f(C x) { return EXPR; } \
  };

__device__ __forceinline__ float mxc_sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }
__device__ __forceinline__ double mxc_sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }

UOP(op_sqrt, sqrt(x))
UOP(op_rsqrt, C(1) / sqrt(x)) // not rsqrt(): the CPU divides, and the results must agree
UOP(op_reciprocal, C(1) / x)
UOP(op_exp, exp(x))
UOP(op_exp2, exp2(x))
UOP(op_expm1, expm1(x))
UOP(op_log, log(x))
UOP(op_log2, log2(x))
UOP(op_log10, log10(x))
UOP(op_log1p, log1p(x))
UOP(op_sin, sin(x))
UOP(op_cos, cos(x))
UOP(op_tan, tan(x))
UOP(op_arcsin, asin(x))
UOP(op_arccos, acos(x))
UOP(op_arctan, atan(x))
UOP(op_sinh, sinh(x))
UOP(op_cosh, cosh(x))
UOP(op_tanh, tanh(x))
UOP(op_arcsinh, asinh(x))
UOP(op_arccosh, acosh(x))
UOP(op_arctanh, atanh(x))
UOP(op_sigmoid, mxc_sigmoid(x))
UOP(op_erf, erf(x))
UOP(op_erfinv, erfinv(x))
UOP(op_floor, floor(x))
UOP(op_ceil, ceil(x))
UOP(op_round, mxi_round(x)) // half to even (common/scalar.h)
UOP(op_trunc, trunc(x))

static mxc_ew_fn table[MX_NUM_PRIMS][MX_NUM_DTYPES];

template <typename Op> static void set_float(mx_prim p) {
  table[p][MX_FLOAT16] = mxc_unary_same<mxc_f16, Op>;
  table[p][MX_BFLOAT16] = mxc_unary_same<mxc_bf16, Op>;
  table[p][MX_FLOAT32] = mxc_unary_same<float, Op>;
  table[p][MX_FLOAT64] = mxc_unary_same<double, Op>;
}

// The kernel for node's primitive and dtypes, NULL where the CPU runs it (supports).
static mxc_ew_fn lookup(const mx_array *node) { return table[node->prim][node->in[0]->dtype]; }
static bool supports(const mx_array *node) { return lookup(node) != NULL; }

static mx_status k_unary(mx_array *out, mx_array *const *in, int n, const mx_params *p) {
  mxc_ew_fn f = lookup(out);
  return f ? f(out, in) : mxc_unsupported(out);
}

void mxc_register_unary_float(mx_kernel_fn *k, mxc_supports_fn *s) {
  set_float<op_sqrt>(MX_PRIM_SQRT);
  set_float<op_rsqrt>(MX_PRIM_RSQRT);
  set_float<op_reciprocal>(MX_PRIM_RECIPROCAL);
  set_float<op_exp>(MX_PRIM_EXP);
  set_float<op_exp2>(MX_PRIM_EXP2);
  set_float<op_expm1>(MX_PRIM_EXPM1);
  set_float<op_log>(MX_PRIM_LOG);
  set_float<op_log2>(MX_PRIM_LOG2);
  set_float<op_log10>(MX_PRIM_LOG10);
  set_float<op_log1p>(MX_PRIM_LOG1P);
  set_float<op_sin>(MX_PRIM_SIN);
  set_float<op_cos>(MX_PRIM_COS);
  set_float<op_tan>(MX_PRIM_TAN);
  set_float<op_arcsin>(MX_PRIM_ARCSIN);
  set_float<op_arccos>(MX_PRIM_ARCCOS);
  set_float<op_arctan>(MX_PRIM_ARCTAN);
  set_float<op_sinh>(MX_PRIM_SINH);
  set_float<op_cosh>(MX_PRIM_COSH);
  set_float<op_tanh>(MX_PRIM_TANH);
  set_float<op_arcsinh>(MX_PRIM_ARCSINH);
  set_float<op_arccosh>(MX_PRIM_ARCCOSH);
  set_float<op_arctanh>(MX_PRIM_ARCTANH);
  set_float<op_sigmoid>(MX_PRIM_SIGMOID);
  set_float<op_erf>(MX_PRIM_ERF);
  set_float<op_erfinv>(MX_PRIM_ERFINV);
  set_float<op_floor>(MX_PRIM_FLOOR);
  set_float<op_ceil>(MX_PRIM_CEIL);
  set_float<op_round>(MX_PRIM_ROUND);
  set_float<op_trunc>(MX_PRIM_TRUNC);
  const mx_prim prims[] = {MX_PRIM_SQRT,    MX_PRIM_RSQRT,   MX_PRIM_RECIPROCAL, MX_PRIM_EXP,
                           MX_PRIM_EXP2,    MX_PRIM_EXPM1,   MX_PRIM_LOG,        MX_PRIM_LOG2,
                           MX_PRIM_LOG10,   MX_PRIM_LOG1P,   MX_PRIM_SIN,        MX_PRIM_COS,
                           MX_PRIM_TAN,     MX_PRIM_ARCSIN,  MX_PRIM_ARCCOS,     MX_PRIM_ARCTAN,
                           MX_PRIM_SINH,    MX_PRIM_COSH,    MX_PRIM_TANH,       MX_PRIM_ARCSINH,
                           MX_PRIM_ARCCOSH, MX_PRIM_ARCTANH, MX_PRIM_SIGMOID,    MX_PRIM_ERF,
                           MX_PRIM_ERFINV,  MX_PRIM_FLOOR,   MX_PRIM_CEIL,       MX_PRIM_ROUND,
                           MX_PRIM_TRUNC};
  for (mx_prim p : prims) {
    k[p] = k_unary;
    s[p] = supports; // complex64 runs on the CPU
  }
}
