// binary_bits.cu — logical_and/or/xor (bool), bitwise_and/or/xor (integers and bool), left_shift
// and right_shift (integers; a shift by a negative amount or by the width or more gives 0, or -1
// for a negative value shifted right), as in k_binary.c.
#include <type_traits>

#include "../common/scalar.h"
#include "elementwise.cuh"

struct op_land {
  template <typename C> static __device__ __forceinline__ C f(C x, C y) { return (C)(x && y); }
};
struct op_lor {
  template <typename C> static __device__ __forceinline__ C f(C x, C y) { return (C)(x || y); }
};
struct op_lxor {
  template <typename C> static __device__ __forceinline__ C f(C x, C y) { return (C)((x != 0) != (y != 0)); }
};
struct op_band {
  template <typename C> static __device__ __forceinline__ C f(C x, C y) { return (C)(x & y); }
};
struct op_bor {
  template <typename C> static __device__ __forceinline__ C f(C x, C y) { return (C)(x | y); }
};
struct op_bxor {
  template <typename C> static __device__ __forceinline__ C f(C x, C y) { return (C)(x ^ y); }
};
struct op_shl {
  template <typename C> static __device__ __forceinline__ C f(C a, C b) { return mxi_shl(a, b); }
};
struct op_shr {
  template <typename C> static __device__ __forceinline__ C f(C a, C b) { return mxi_shr(a, b); }
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

// The kernel for node's primitive and dtypes, NULL where the CPU runs it (supports).
static mxc_ew_fn lookup(const mx_array *node) { return node->in[0]->dtype == node->in[1]->dtype ? table[node->prim][node->in[0]->dtype] : NULL; }
static bool supports(const mx_array *node) { return lookup(node) != NULL; }

static mx_status k_bits(mx_array *out, mx_array *const *in, int n, const mx_params *p) {
  mxc_ew_fn f = lookup(out);
  return f ? f(out, in) : mxc_unsupported(out);
}

void mxc_register_binary_bits(mx_kernel_fn *k, mxc_supports_fn *s) {
  table[MX_PRIM_LOGICAL_AND][MX_BOOL] = mxc_binary_same<mxc_bool, op_land>;
  table[MX_PRIM_LOGICAL_OR][MX_BOOL] = mxc_binary_same<mxc_bool, op_lor>;
  table[MX_PRIM_LOGICAL_XOR][MX_BOOL] = mxc_binary_same<mxc_bool, op_lxor>;
  set_int<op_band>(MX_PRIM_BITWISE_AND);
  set_int<op_bor>(MX_PRIM_BITWISE_OR);
  set_int<op_bxor>(MX_PRIM_BITWISE_XOR);
  table[MX_PRIM_BITWISE_AND][MX_BOOL] = mxc_binary_same<mxc_bool, op_band>;
  table[MX_PRIM_BITWISE_OR][MX_BOOL] = mxc_binary_same<mxc_bool, op_bor>;
  table[MX_PRIM_BITWISE_XOR][MX_BOOL] = mxc_binary_same<mxc_bool, op_bxor>;
  set_int<op_shl>(MX_PRIM_LEFT_SHIFT);
  set_int<op_shr>(MX_PRIM_RIGHT_SHIFT);
  const mx_prim prims[] = {MX_PRIM_LOGICAL_AND, MX_PRIM_LOGICAL_OR,  MX_PRIM_LOGICAL_XOR,
                           MX_PRIM_BITWISE_AND, MX_PRIM_BITWISE_OR,  MX_PRIM_BITWISE_XOR,
                           MX_PRIM_LEFT_SHIFT,  MX_PRIM_RIGHT_SHIFT};
  for (mx_prim p : prims) {
    k[p] = k_bits;
    s[p] = supports;
  }
}
