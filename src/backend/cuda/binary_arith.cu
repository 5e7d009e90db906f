// binary_arith.cu — add, subtract, multiply, divide, floor_divide, remainder, power, maximum,
// minimum, arctan2, logaddexp with k_binary.c's semantics (docs/semantics.md): integers wrap,
// // and % by zero give 0, Python's floor and modulo signs, NaN propagates through max/min.
#include <type_traits>

#include "../common/scalar.h"
#include "elementwise.cuh"

typedef unsigned long long u64;
#define IS_FLOAT(C) std::is_floating_point<C>::value

struct op_add {
  template <typename C> static __device__ __forceinline__ C f(C x, C y) {
    if constexpr (IS_FLOAT(C)) return x + y;
    else return (C)((u64)x + (u64)y);
  }
};
struct op_sub {
  template <typename C> static __device__ __forceinline__ C f(C x, C y) {
    if constexpr (IS_FLOAT(C)) return x - y;
    else return (C)((u64)x - (u64)y);
  }
};
struct op_mul {
  template <typename C> static __device__ __forceinline__ C f(C x, C y) {
    if constexpr (IS_FLOAT(C)) return x * y;
    else return (C)((u64)x * (u64)y);
  }
};
struct op_div {
  template <typename C> static __device__ __forceinline__ C f(C x, C y) { return x / y; }
};
struct op_fdiv {
  template <typename C> static __device__ __forceinline__ C f(C x, C y) { return mxi_fdiv(x, y); }
};
struct op_mod {
  template <typename C> static __device__ __forceinline__ C f(C x, C y) { return mxi_mod(x, y); }
};
struct op_pow {
  template <typename C> static __device__ __forceinline__ C f(C x, C y) {
    if constexpr (IS_FLOAT(C)) return pow(x, y);
    else return mxi_ipow(x, y);
  }
};
struct op_max {
  template <typename C> static __device__ __forceinline__ C f(C x, C y) {
    if constexpr (IS_FLOAT(C)) return mxi_max(x, y);
    else return x > y ? x : y;
  }
};
struct op_min {
  template <typename C> static __device__ __forceinline__ C f(C x, C y) {
    if constexpr (IS_FLOAT(C)) return mxi_min(x, y);
    else return x < y ? x : y;
  }
};
struct op_atan2 {
  template <typename C> static __device__ __forceinline__ C f(C x, C y) { return atan2(x, y); }
};
struct op_logaddexp {
  template <typename C> static __device__ __forceinline__ C f(C a, C b) {
    C m = a > b ? a : b;
    if (isinf(m) && a == b) return m; // both -inf or both +inf
    return m + log1p(exp(-fabs(a - b)));
  }
};
// bool arithmetic: add and maximum are OR, multiply and minimum are AND
struct op_or {
  template <typename C> static __device__ __forceinline__ C f(C x, C y) { return (C)(x | y); }
};
struct op_and {
  template <typename C> static __device__ __forceinline__ C f(C x, C y) { return (C)(x & y); }
};

static mxc_ew_fn table[MX_NUM_PRIMS][MX_NUM_DTYPES];

template <typename Op> static void set_int(mx_prim p) {
  table[p][MX_UINT8] = mxc_binary_same<uint8_t, Op>;
  table[p][MX_UINT16] = mxc_binary_same<uint16_t, Op>;
  table[p][MX_UINT32] = mxc_binary_same<uint32_t, Op>;
  table[p][MX_UINT64] = mxc_binary_same<uint64_t, Op>;
  table[p][MX_INT8] = mxc_binary_same<int8_t, Op>;
  table[p][MX_INT16] = mxc_binary_same<int16_t, Op>;
  table[p][MX_INT32] = mxc_binary_same<int32_t, Op>;
  table[p][MX_INT64] = mxc_binary_same<int64_t, Op>;
}
template <typename Op> static void set_float(mx_prim p) {
  table[p][MX_FLOAT16] = mxc_binary_same<mxc_f16, Op>;
  table[p][MX_BFLOAT16] = mxc_binary_same<mxc_bf16, Op>;
  table[p][MX_FLOAT32] = mxc_binary_same<float, Op>;
  table[p][MX_FLOAT64] = mxc_binary_same<double, Op>;
}

// The kernel for node's primitive and dtypes, NULL where the CPU runs it (supports).
static mxc_ew_fn lookup(const mx_array *node) { return node->in[0]->dtype == node->in[1]->dtype ? table[node->prim][node->in[0]->dtype] : NULL; }
static bool supports(const mx_array *node) { return lookup(node) != NULL; }

static mx_status k_binary(mx_array *out, mx_array *const *in, int n, const mx_params *p) {
  mxc_ew_fn f = lookup(out);
  return f ? f(out, in) : mxc_unsupported(out);
}

void mxc_register_binary_arith(mx_kernel_fn *k, mxc_supports_fn *s) {
  set_int<op_add>(MX_PRIM_ADD);
  set_float<op_add>(MX_PRIM_ADD);
  table[MX_PRIM_ADD][MX_BOOL] = mxc_binary_same<mxc_bool, op_or>;
  set_int<op_sub>(MX_PRIM_SUBTRACT);
  set_float<op_sub>(MX_PRIM_SUBTRACT);
  set_int<op_mul>(MX_PRIM_MULTIPLY);
  set_float<op_mul>(MX_PRIM_MULTIPLY);
  table[MX_PRIM_MULTIPLY][MX_BOOL] = mxc_binary_same<mxc_bool, op_and>;
  set_float<op_div>(MX_PRIM_DIVIDE);
  set_int<op_fdiv>(MX_PRIM_FLOOR_DIVIDE);
  set_float<op_fdiv>(MX_PRIM_FLOOR_DIVIDE);
  set_int<op_mod>(MX_PRIM_REMAINDER);
  set_float<op_mod>(MX_PRIM_REMAINDER);
  set_int<op_pow>(MX_PRIM_POWER);
  set_float<op_pow>(MX_PRIM_POWER);
  set_int<op_max>(MX_PRIM_MAXIMUM);
  set_float<op_max>(MX_PRIM_MAXIMUM);
  table[MX_PRIM_MAXIMUM][MX_BOOL] = mxc_binary_same<mxc_bool, op_or>;
  set_int<op_min>(MX_PRIM_MINIMUM);
  set_float<op_min>(MX_PRIM_MINIMUM);
  table[MX_PRIM_MINIMUM][MX_BOOL] = mxc_binary_same<mxc_bool, op_and>;
  set_float<op_atan2>(MX_PRIM_ARCTAN2);
  set_float<op_logaddexp>(MX_PRIM_LOGADDEXP);
  const mx_prim prims[] = {MX_PRIM_ADD,          MX_PRIM_SUBTRACT,  MX_PRIM_MULTIPLY, MX_PRIM_DIVIDE,
                           MX_PRIM_FLOOR_DIVIDE, MX_PRIM_REMAINDER, MX_PRIM_POWER,    MX_PRIM_MAXIMUM,
                           MX_PRIM_MINIMUM,      MX_PRIM_ARCTAN2,   MX_PRIM_LOGADDEXP};
  for (mx_prim p : prims) {
    k[p] = k_binary;
    s[p] = supports;
  }
}
