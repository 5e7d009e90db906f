// creation.cu — FULL (a broadcast copy of its value), ARANGE (start + i * step in float64, the
// exact stop for linspace's last element), EYE and TRI, stored with the CPU's conversions.
#include "convert.cuh"
#include "elementwise.cuh"

template <typename T> struct identity {
  __device__ __forceinline__ T operator()(T x) const { return x; }
};

// FULL and COPY move bytes: one kernel per element size.
static mx_status broadcast_copy(mx_array *out, mx_array *x) {
  switch (mx_dtype_size((mx_dtype)out->dtype)) {
    case 1: return mxc_run_unary<uint8_t, uint8_t>(out, x, identity<uint8_t>());
    case 2: return mxc_run_unary<uint16_t, uint16_t>(out, x, identity<uint16_t>());
    case 4: return mxc_run_unary<uint32_t, uint32_t>(out, x, identity<uint32_t>());
    default: return mxc_run_unary<uint64_t, uint64_t>(out, x, identity<uint64_t>());
  }
}

// FULL of another dtype converts (the CPU's casts); arange/eye/tri: not for complex64.
static bool supports_full(const mx_array *node) { return node->in[0]->dtype == node->dtype; }
static bool supports_fill(const mx_array *node) { return mxc_is_real((mx_dtype)node->dtype); }

static mx_status k_full(mx_array *out, mx_array *const *in, int n, const mx_params *p) {
  return broadcast_copy(out, in[0]);
}

// Already row-major: share the buffer (arrays are immutable); else a strided copy.
static mx_status k_copy(mx_array *out, mx_array *const *in, int n, const mx_params *p) {
  (void)n;
  (void)p;
  mx_array *a = in[0];
  if (mxi_is_row_contiguous(a)) {
    out->buf = a->buf;
    mxi_buffer_retain(out->buf);
    mxi_set_row_strides(out);
    out->offset = a->offset;
    return MX_OK;
  }
  return broadcast_copy(out, a);
}

template <typename T>
__global__ void arange_kernel(T *o, int64_t n, double start, double step, bool endpoint, double stop) {
  int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  double v = start + (double)i * step;
  if (endpoint && i == n - 1) v = stop;
  o[i] = mxc_store<T>(v);
}

template <typename T> __global__ void eye_kernel(T *o, int64_t n, int64_t m, int k, bool tri) {
  int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  int64_t r = i / m, c = i % m;
  bool one = tri ? c - r <= k : c - r == k;
  o[i] = mxc_store<T>(one ? 1.0 : 0.0);
}

template <typename T> static mx_status fill(mx_array *out, const mx_params *p) {
  mxc_ctx c;
  if (!mxc_begin(out, &c)) return MX_ERROR;
  T *o = (T *)mxc_write(&c, NULL, 0);
  if (!o) return MX_ERROR;
  int64_t n = out->size;
  if (n == 0) return MX_OK;
  unsigned blocks = mxc_blocks(n, MXC_THREADS);
  if (out->prim == MX_PRIM_ARANGE)
    arange_kernel<T><<<blocks, MXC_THREADS, 0, c.s>>>(o, n, p->arange.start, p->arange.step,
                                                       p->arange.endpoint, p->arange.stop);
  else
    eye_kernel<T><<<blocks, MXC_THREADS, 0, c.s>>>(o, n, p->eye.m, p->eye.k, out->prim == MX_PRIM_TRI);
  return mxc_launched(&c, mxi_prims[out->prim].name) ? MX_OK : MX_ERROR;
}

static mx_status k_fill(mx_array *out, mx_array *const *in, int n, const mx_params *p) {
  switch (out->dtype) {
    MXC_CASES_BOOL(return fill<T>(out, p))
    MXC_CASES_INT(return fill<T>(out, p))
    MXC_CASES_FLOAT(return fill<T>(out, p))
    default: return mxc_unsupported(out);
  }
  return MX_ERROR;
}

void mxc_register_creation(mx_kernel_fn *k, mxc_supports_fn *s) {
  k[MX_PRIM_FULL] = k_full;
  s[MX_PRIM_FULL] = supports_full;
  const mx_prim fills[] = {MX_PRIM_ARANGE, MX_PRIM_EYE, MX_PRIM_TRI};
  for (mx_prim p : fills) {
    k[p] = k_fill;
    s[p] = supports_fill;
  }
}

void mxc_register_copy(mx_kernel_fn *k, mxc_supports_fn *s) { k[MX_PRIM_COPY] = k_copy; }
