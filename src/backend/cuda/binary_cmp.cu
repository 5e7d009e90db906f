// binary_cmp.cu — equal, not_equal, less, less_equal, greater, greater_equal: any real dtype in,
// bool out (float16/bfloat16 compare in float32, NaN compares false except in not_equal).
#include "elementwise.cuh"

#define CMP(NAME, EXPR)                                                                     \
  struct NAME {                                                                             \
    template <typename C> static __device__ __forceinline__ bool f(C x, C y) { return EXPR; } \
  };
CMP(op_eq, x == y)
CMP(op_ne, x != y)
CMP(op_lt, x < y)
CMP(op_le, x <= y)
CMP(op_gt, x > y)
CMP(op_ge, x >= y)

static mxc_ew_fn table[MX_NUM_PRIMS][MX_NUM_DTYPES];

template <typename Op> static void set_real(mx_prim p) {
  table[p][MX_BOOL] = mxc_binary_pred<uint8_t, Op>;
  table[p][MX_UINT8] = mxc_binary_pred<uint8_t, Op>;
  table[p][MX_UINT16] = mxc_binary_pred<uint16_t, Op>;
  table[p][MX_UINT32] = mxc_binary_pred<uint32_t, Op>;
  table[p][MX_UINT64] = mxc_binary_pred<uint64_t, Op>;
  table[p][MX_INT8] = mxc_binary_pred<int8_t, Op>;
  table[p][MX_INT16] = mxc_binary_pred<int16_t, Op>;
  table[p][MX_INT32] = mxc_binary_pred<int32_t, Op>;
  table[p][MX_INT64] = mxc_binary_pred<int64_t, Op>;
  table[p][MX_FLOAT16] = mxc_binary_pred<mxc_f16, Op>;
  table[p][MX_BFLOAT16] = mxc_binary_pred<mxc_bf16, Op>;
  table[p][MX_FLOAT32] = mxc_binary_pred<float, Op>;
  table[p][MX_FLOAT64] = mxc_binary_pred<double, Op>;
}

// The kernel for node's primitive and dtypes, NULL where the CPU runs it (supports).
static mxc_ew_fn lookup(const mx_array *node) { return node->in[0]->dtype == node->in[1]->dtype ? table[node->prim][node->in[0]->dtype] : NULL; }
static bool supports(const mx_array *node) { return lookup(node) != NULL; }

static mx_status k_cmp(mx_array *out, mx_array *const *in, int n, const mx_params *p) {
  mxc_ew_fn f = lookup(out);
  return f ? f(out, in) : mxc_unsupported(out);
}

void mxc_register_binary_cmp(mx_kernel_fn *k, mxc_supports_fn *s) {
  set_real<op_eq>(MX_PRIM_EQUAL);
  set_real<op_ne>(MX_PRIM_NOT_EQUAL);
  set_real<op_lt>(MX_PRIM_LESS);
  set_real<op_le>(MX_PRIM_LESS_EQUAL);
  set_real<op_gt>(MX_PRIM_GREATER);
  set_real<op_ge>(MX_PRIM_GREATER_EQUAL);
  const mx_prim prims[] = {MX_PRIM_EQUAL,      MX_PRIM_NOT_EQUAL, MX_PRIM_LESS,
                           MX_PRIM_LESS_EQUAL, MX_PRIM_GREATER,   MX_PRIM_GREATER_EQUAL};
  for (mx_prim p : prims) {
    k[p] = k_cmp;
    s[p] = supports;
  }
}
