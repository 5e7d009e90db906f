// unary_misc.cu — abs, negative, sign, square on integers and floats (integers wrap: the minimum
// stays the minimum), isnan/isinf/isfinite, logical_not and bitwise_invert (k_unary.c semantics).
#include <type_traits>

#include "elementwise.cuh"

// Integer ops go through uint64 so that overflow wraps instead of being undefined.
template <typename C> __device__ __forceinline__ C wrap_neg(C x) { return (C)(0ull - (unsigned long long)x); }

struct op_abs {
  template <typename C> static __device__ __forceinline__ C f(C x) {
    if constexpr (std::is_floating_point<C>::value) return fabs(x);
    else if constexpr (std::is_signed<C>::value) return x < 0 ? wrap_neg(x) : x;
    else return x;
  }
};
struct op_negative {
  template <typename C> static __device__ __forceinline__ C f(C x) {
    if constexpr (std::is_floating_point<C>::value) return -x;
    else return wrap_neg(x);
  }
};
struct op_sign {
  template <typename C> static __device__ __forceinline__ C f(C x) {
    if constexpr (std::is_floating_point<C>::value) return x > 0 ? C(1) : (x < 0 ? C(-1) : (x == 0 ? C(0) : x));
    else if constexpr (std::is_signed<C>::value) return (C)((x > 0) - (x < 0));
    else return (C)(x != 0);
  }
};
struct op_square {
  template <typename C> static __device__ __forceinline__ C f(C x) {
    if constexpr (std::is_floating_point<C>::value) return x * x;
    else return (C)((unsigned long long)x * (unsigned long long)x);
  }
};
struct op_isnan {
  template <typename C> static __device__ __forceinline__ bool f(C x) { return isnan(x); }
};
struct op_isinf {
  template <typename C> static __device__ __forceinline__ bool f(C x) { return isinf(x); }
};
struct op_isfinite {
  template <typename C> static __device__ __forceinline__ bool f(C x) { return isfinite(x); }
};
struct op_not {
  template <typename C> static __device__ __forceinline__ bool f(C x) { return x == 0; }
};
struct op_invert {
  template <typename C> static __device__ __forceinline__ C f(C x) { return (C)~x; }
};

// logical_not of float16/bfloat16 reads the bits: -0.0 is false, like the CPU
struct lnot_half {
  __device__ __forceinline__ mxc_bool operator()(uint16_t x) const { return mxc_bool{(uint8_t)((x & 0x7fffu) == 0)}; }
};
template <typename H> static mx_status lnot_bits(mx_array *out, mx_array *const *in) {
  return mxc_run_unary<mxc_bool, uint16_t>(out, in[0], lnot_half());
}
// bitwise_invert of bool is logical not
struct invert_bool {
  __device__ __forceinline__ mxc_bool operator()(mxc_bool x) const { return mxc_bool{(uint8_t)(x.v == 0)}; }
};
static mx_status invert_b(mx_array *out, mx_array *const *in) {
  return mxc_run_unary<mxc_bool, mxc_bool>(out, in[0], invert_bool());
}

static mxc_ew_fn table[MX_NUM_PRIMS][MX_NUM_DTYPES];

template <typename Op> static void set_int(mx_prim p) {
  table[p][MX_UINT8] = mxc_unary_same<uint8_t, Op>;
  table[p][MX_UINT16] = mxc_unary_same<uint16_t, Op>;
  table[p][MX_UINT32] = mxc_unary_same<uint32_t, Op>;
  table[p][MX_UINT64] = mxc_unary_same<uint64_t, Op>;
  table[p][MX_INT8] = mxc_unary_same<int8_t, Op>;
  table[p][MX_INT16] = mxc_unary_same<int16_t, Op>;
  table[p][MX_INT32] = mxc_unary_same<int32_t, Op>;
  table[p][MX_INT64] = mxc_unary_same<int64_t, Op>;
}
template <typename Op> static void set_float(mx_prim p) {
  table[p][MX_FLOAT16] = mxc_unary_same<mxc_f16, Op>;
  table[p][MX_BFLOAT16] = mxc_unary_same<mxc_bf16, Op>;
  table[p][MX_FLOAT32] = mxc_unary_same<float, Op>;
  table[p][MX_FLOAT64] = mxc_unary_same<double, Op>;
}
template <typename Op> static void set_pred_float(mx_prim p) {
  table[p][MX_FLOAT16] = mxc_unary_pred<mxc_f16, Op>;
  table[p][MX_BFLOAT16] = mxc_unary_pred<mxc_bf16, Op>;
  table[p][MX_FLOAT32] = mxc_unary_pred<float, Op>;
  table[p][MX_FLOAT64] = mxc_unary_pred<double, Op>;
}

// The kernel for node's primitive and dtypes, NULL where the CPU runs it (supports).
static mxc_ew_fn lookup(const mx_array *node) { return table[node->prim][node->in[0]->dtype]; }
static bool supports(const mx_array *node) { return lookup(node) != NULL; }

static mx_status k_unary(mx_array *out, mx_array *const *in, int n, const mx_params *p) {
  mxc_ew_fn f = lookup(out);
  return f ? f(out, in) : mxc_unsupported(out);
}

void mxc_register_unary_misc(mx_kernel_fn *k, mxc_supports_fn *s) {
  set_int<op_abs>(MX_PRIM_ABS);
  set_float<op_abs>(MX_PRIM_ABS);
  set_int<op_negative>(MX_PRIM_NEGATIVE);
  set_float<op_negative>(MX_PRIM_NEGATIVE);
  set_int<op_sign>(MX_PRIM_SIGN);
  set_float<op_sign>(MX_PRIM_SIGN);
  set_int<op_square>(MX_PRIM_SQUARE);
  set_float<op_square>(MX_PRIM_SQUARE);
  set_pred_float<op_isnan>(MX_PRIM_ISNAN);
  set_pred_float<op_isinf>(MX_PRIM_ISINF);
  set_pred_float<op_isfinite>(MX_PRIM_ISFINITE);
  mx_prim pn = MX_PRIM_LOGICAL_NOT;
  table[pn][MX_BOOL] = mxc_unary_pred<uint8_t, op_not>;
  table[pn][MX_UINT8] = mxc_unary_pred<uint8_t, op_not>;
  table[pn][MX_UINT16] = mxc_unary_pred<uint16_t, op_not>;
  table[pn][MX_UINT32] = mxc_unary_pred<uint32_t, op_not>;
  table[pn][MX_UINT64] = mxc_unary_pred<uint64_t, op_not>;
  table[pn][MX_INT8] = mxc_unary_pred<int8_t, op_not>;
  table[pn][MX_INT16] = mxc_unary_pred<int16_t, op_not>;
  table[pn][MX_INT32] = mxc_unary_pred<int32_t, op_not>;
  table[pn][MX_INT64] = mxc_unary_pred<int64_t, op_not>;
  table[pn][MX_FLOAT32] = mxc_unary_pred<float, op_not>;
  table[pn][MX_FLOAT64] = mxc_unary_pred<double, op_not>;
  table[pn][MX_FLOAT16] = lnot_bits<mxc_f16>;
  table[pn][MX_BFLOAT16] = lnot_bits<mxc_bf16>;
  set_int<op_invert>(MX_PRIM_BITWISE_INVERT);
  table[MX_PRIM_BITWISE_INVERT][MX_BOOL] = invert_b;
  const mx_prim prims[] = {MX_PRIM_ABS,   MX_PRIM_NEGATIVE, MX_PRIM_SIGN,     MX_PRIM_SQUARE,
                           MX_PRIM_ISNAN, MX_PRIM_ISINF,    MX_PRIM_ISFINITE, MX_PRIM_LOGICAL_NOT,
                           MX_PRIM_BITWISE_INVERT};
  for (mx_prim p : prims) {
    k[p] = k_unary;
    s[p] = supports;
  }
}
