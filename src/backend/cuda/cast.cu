// cast.cu — ASTYPE between every pair of real dtypes (13 x 13), with convert.cuh's semantics.
// complex64 sources and destinations run on the CPU.
#include "convert.cuh"
#include "elementwise.cuh"

template <typename Out, typename In> struct cast_fn {
  __device__ __forceinline__ Out operator()(In x) const { return mxc_store<Out>(mxc_wide(x)); }
};

template <typename Out, typename In> static mx_status cast(mx_array *out, mx_array *const *in) {
  return mxc_run_unary<Out, In>(out, in[0], cast_fn<Out, In>());
}

static mxc_ew_fn table[MX_NUM_DTYPES][MX_NUM_DTYPES];

template <typename In> static void set_row(mx_dtype from) {
  table[from][MX_BOOL] = cast<mxc_bool, In>;
  table[from][MX_UINT8] = cast<uint8_t, In>;
  table[from][MX_UINT16] = cast<uint16_t, In>;
  table[from][MX_UINT32] = cast<uint32_t, In>;
  table[from][MX_UINT64] = cast<uint64_t, In>;
  table[from][MX_INT8] = cast<int8_t, In>;
  table[from][MX_INT16] = cast<int16_t, In>;
  table[from][MX_INT32] = cast<int32_t, In>;
  table[from][MX_INT64] = cast<int64_t, In>;
  table[from][MX_FLOAT16] = cast<mxc_f16, In>;
  table[from][MX_BFLOAT16] = cast<mxc_bf16, In>;
  table[from][MX_FLOAT32] = cast<float, In>;
  table[from][MX_FLOAT64] = cast<double, In>;
}

// The kernel for node's primitive and dtypes, NULL where the CPU runs it (supports).
static mxc_ew_fn lookup(const mx_array *node) { return table[node->in[0]->dtype][node->dtype]; }
static bool supports(const mx_array *node) { return lookup(node) != NULL; }

static mx_status k_astype(mx_array *out, mx_array *const *in, int n, const mx_params *p) {
  mxc_ew_fn f = lookup(out);
  return f ? f(out, in) : mxc_unsupported(out);
}

void mxc_register_cast(mx_kernel_fn *k, mxc_supports_fn *s) {
  set_row<mxc_bool>(MX_BOOL);
  set_row<uint8_t>(MX_UINT8);
  set_row<uint16_t>(MX_UINT16);
  set_row<uint32_t>(MX_UINT32);
  set_row<uint64_t>(MX_UINT64);
  set_row<int8_t>(MX_INT8);
  set_row<int16_t>(MX_INT16);
  set_row<int32_t>(MX_INT32);
  set_row<int64_t>(MX_INT64);
  set_row<mxc_f16>(MX_FLOAT16);
  set_row<mxc_bf16>(MX_BFLOAT16);
  set_row<float>(MX_FLOAT32);
  set_row<double>(MX_FLOAT64);
  k[MX_PRIM_ASTYPE] = k_astype;
  s[MX_PRIM_ASTYPE] = supports;
}
