// join.cu — CONCATENATE (each input copied into its slab of the output), PAD (constant or edge:
// each output element maps back to an input element or the constant) and SLICE_UPDATE (a, donated
// or copied, with the update written through the strided view of the slice). Data moves by
// element size, so every dtype (complex64 too) is covered; inputs may have any strides.
#include <stdlib.h>

#include "index.cuh"

static mx_status k_concat(mx_array *out, mx_array *const *in, int n, const mx_params *p) {
  mxc_ctx c;
  if (!mxc_begin(out, &c)) return MX_ERROR;
  const char **ptrs = (const char **)calloc((size_t)(n > 0 ? n : 1), sizeof *ptrs);
  if (!ptrs) {
    mxi_kernel_fail(out, "out of host memory for %d input pointers", n);
    return MX_ERROR;
  }
  bool ok = true;
  for (int k = 0; k < n && ok; k++)
    if (in[k]->size > 0) ok = (ptrs[k] = (const char *)mxc_read(&c, in[k])) != NULL;
  char *o = ok ? (char *)mxc_write(&c, NULL, 0) : NULL;
  int axis = p->concat.axis;
  int64_t at = 0;
  for (int k = 0; k < n && o; k++) {
    if (in[k]->size > 0 && !mxc_copy_into(&c, o + at * out->strides[axis], out->strides, ptrs[k], in[k])) o = NULL;
    at += in[k]->shape[axis];
  }
  free(ptrs);
  return o ? MX_OK : MX_ERROR;
}

template <typename T> __global__ void pad_kernel(T *o, const char *a, mxi_pad_plan p, int64_t n) {
  T fill;
  memcpy(&fill, &p.fill, sizeof fill); // the constant's low bytes (little-endian)
  int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step) {
    int64_t off;
    o[i] = mxi_pad_src(&p, i, &off) ? *(const T *)(a + off) : fill;
  }
}

static mx_status k_pad(mx_array *out, mx_array *const *in, int n, const mx_params *p) {
  (void)n;
  mx_array *a = in[0];
  mxc_ctx c;
  if (!mxc_begin(out, &c)) return MX_ERROR;
  // an empty input (constant mode only) is never read: every element is the constant
  const char *pa = NULL;
  if (a->size > 0 && !(pa = (const char *)mxc_read(&c, a))) return MX_ERROR;
  void *o = mxc_write(&c, NULL, 0);
  if (!o) return MX_ERROR;
  if (out->size == 0) return MX_OK;
  mxi_pad_plan pp;
  mxi_pad_plan_make(&pp, out, a, p);
  if (a->size == 0) pp.edge = false;
  unsigned grid = mxc_grid_capped(&c, out->size, MXC_THREADS);
  switch (mx_dtype_size((mx_dtype)a->dtype)) {
    case 1: pad_kernel<uint8_t><<<grid, MXC_THREADS, 0, c.s>>>((uint8_t *)o, pa, pp, out->size); break;
    case 2: pad_kernel<uint16_t><<<grid, MXC_THREADS, 0, c.s>>>((uint16_t *)o, pa, pp, out->size); break;
    case 4: pad_kernel<uint32_t><<<grid, MXC_THREADS, 0, c.s>>>((uint32_t *)o, pa, pp, out->size); break;
    default: pad_kernel<uint64_t><<<grid, MXC_THREADS, 0, c.s>>>((uint64_t *)o, pa, pp, out->size); break;
  }
  return mxc_launched(&c, "pad") ? MX_OK : MX_ERROR;
}

static mx_status k_slice_update(mx_array *out, mx_array *const *in, int n, const mx_params *p) {
  (void)n;
  mx_array *a = in[0], *u = in[1];
  mxc_ctx c;
  if (!mxc_begin(out, &c)) return MX_ERROR;
  const char *pa = (const char *)mxc_read(&c, a);
  const char *pu = pa ? (const char *)mxc_read(&c, u) : NULL;
  if (!pu) return MX_ERROR;
  char *o = (char *)mxc_write(&c, in, 1);
  if (!o) return MX_ERROR;
  if (out->buf != a->buf && !mxc_copy_into(&c, o, out->strides, pa, a)) return MX_ERROR;
  // the slice of out: u has the slice's shape (broadcast by the constructor)
  int64_t off = 0, st[MX_MAX_DIMS];
  for (int i = 0; i < out->ndim; i++) {
    off += p->slice.start[i] * out->strides[i];
    st[i] = out->strides[i] * p->slice.step[i];
  }
  if (u->size > 0 && !mxc_copy_into(&c, o + off, st, pu, u)) return MX_ERROR;
  return MX_OK;
}

void mxc_register_join(mx_kernel_fn *k, mxc_supports_fn *s) {
  k[MX_PRIM_CONCATENATE] = k_concat;
  k[MX_PRIM_PAD] = k_pad;
  k[MX_PRIM_SLICE_UPDATE] = k_slice_update;
}
