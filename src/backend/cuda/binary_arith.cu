// binary_arith.cu — add, subtract, multiply, divide, floor_divide, remainder, power, maximum,
// minimum, arctan2, logaddexp with k_binary.c's semantics (docs/semantics.md): integers wrap,
// // and % by zero give 0, Python's floor and modulo signs, NaN propagates through max/min.
#include <type_traits>

#include "elementwise.cuh"

typedef unsigned long long u64;
#define IS_FLOAT(C) std::is_floating_point<C>::value
#define IS_SIGNED(C) std::is_signed<C>::value

// ---- float helpers: Python/NumPy floor division and modulo, through double like the CPU ----
__device__ __forceinline__ double divmod_d(double a, double b, double *mod_out) {
  double mod = fmod(a, b);
  if (b == 0) {
    *mod_out = mod;
    return a / b;
  }
  double div = (a - mod) / b;
  if (mod != 0) {
    if ((b < 0) != (mod < 0)) {
      mod += b;
      div -= 1.0;
    }
  } else {
    mod = copysign(0.0, b);
  }
  double fd;
  if (div != 0) {
    fd = floor(div);
    if (div - fd > 0.5) fd += 1.0;
  } else {
    fd = copysign(0.0, a / b);
  }
  *mod_out = mod;
  return fd;
}

template <typename C> __device__ __forceinline__ C int_fdiv(C a, C b) {
  if (b == 0) return 0;
  if constexpr (IS_SIGNED(C)) {
    if (b == -1) return (C)(0ull - (u64)a); // MIN / -1 wraps, no trap
    C q = (C)(a / b);
    if ((C)(a % b) != 0 && ((a < 0) != (b < 0))) q--;
    return q;
  } else {
    return (C)(a / b);
  }
}
template <typename C> __device__ __forceinline__ C int_mod(C a, C b) {
  if (b == 0) return 0;
  if constexpr (IS_SIGNED(C)) {
    if (b == -1) return 0;
    C r = (C)(a % b);
    if (r != 0 && ((r < 0) != (b < 0))) r = (C)(r + b);
    return r;
  } else {
    return (C)(a % b);
  }
}
template <typename C> __device__ __forceinline__ C int_pow(C a, C b) {
  if constexpr (IS_SIGNED(C)) {
    if (b < 0) return a == 1 ? 1 : (a == -1 ? ((b & 1) ? -1 : 1) : 0);
  }
  u64 r = 1, base = (u64)a;
  for (u64 e = (u64)b; e; e >>= 1, base *= base)
    if (e & 1) r *= base;
  return (C)r;
}

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
  template <typename C> static __device__ __forceinline__ C f(C x, C y) {
    if constexpr (IS_FLOAT(C)) {
      double m;
      return (C)divmod_d((double)x, (double)y, &m);
    } else {
      return int_fdiv(x, y);
    }
  }
};
struct op_mod {
  template <typename C> static __device__ __forceinline__ C f(C x, C y) {
    if constexpr (IS_FLOAT(C)) {
      double m;
      divmod_d((double)x, (double)y, &m);
      return (C)m;
    } else {
      return int_mod(x, y);
    }
  }
};
struct op_pow {
  template <typename C> static __device__ __forceinline__ C f(C x, C y) {
    if constexpr (IS_FLOAT(C)) return pow(x, y);
    else return int_pow(x, y);
  }
};
struct op_max {
  template <typename C> static __device__ __forceinline__ C f(C x, C y) { return (x > y || x != x) ? x : y; }
};
struct op_min {
  template <typename C> static __device__ __forceinline__ C f(C x, C y) { return (x < y || x != x) ? x : y; }
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
