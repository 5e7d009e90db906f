// gather.cu — GATHER (a block of slice_sizes from each indexed position) and TAKE_ALONG_AXIS. Data
// moves by element size, so every dtype (complex64 too) shares one kernel per size. Indices of any
// integer dtype are checked on the host when small and current there, else on the device, which
// costs one synchronize per node (the status must be known when the kernel returns); a bad one
// fails the node with the CPU's message.
#include "index.cuh"

// out[f * bsize + b] = a[offs[f] + block offset of b]; offs NULL: no index arrays.
template <typename T>
__global__ void gather_kernel(T *o, const char *a, const int64_t *offs, mxi_copy_plan bp, int64_t n) {
  int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step) {
    int64_t f = i / bp.n, b = i - f * bp.n, od, os;
    mxi_copy_plan_off(&bp, b, &od, &os);
    o[i] = *(const T *)(a + (offs ? offs[f] : 0) + os);
  }
}

template <typename T>
__global__ void take_along_kernel(char *o, const char *a, const char *idx, mxi_along w, unsigned long long *bad) {
  int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < w.n; i += step) {
    int64_t off[3], pos;
    if (mxi_along_at(&w, idx, i, off, &pos))
      *(T *)(o + off[2]) = *(const T *)(a + off[0]);
    else
      mxc_note_bad(bad, pos);
  }
}

template <typename T>
static bool launch_gather(mxc_ctx *c, void *o, const char *a, const int64_t *offs, const mxi_copy_plan &bp,
                          int64_t n) {
  gather_kernel<T><<<mxc_grid_capped(c, n, MXC_THREADS), MXC_THREADS, 0, c->s>>>((T *)o, a, offs, bp, n);
  return mxc_launched(c, "gather");
}

static mx_status k_gather(mx_array *out, mx_array *const *in, int n, const mx_params *p) {
  mx_array *a = in[0];
  int nidx = n - 1;
  mxi_ix_set s;
  mxi_ix_set_make(&s, nidx, in + 1, p->gather.axes, a->shape, p->gather.slice_sizes, a->strides, NULL);
  int host = mxc_ix_host_check(&s, in + 1);
  if (host == 0) {
    mxi_ix_fail_gather(out, in, n, p);
    return MX_ERROR;
  }
  mxc_ctx c;
  if (!mxc_begin(out, &c)) return MX_ERROR;
  const char *pa = (const char *)mxc_read(&c, a);
  if (!pa) return MX_ERROR;
  for (int k = 0; k < nidx; k++)
    if (!(s.base[k] = (const char *)mxc_read(&c, in[1 + k]))) return MX_ERROR;
  void *o = mxc_write(&c, NULL, 0);
  if (!o) return MX_ERROR;
  // the block: slice_sizes with a's strides, contiguous in out
  int64_t ost[MX_MAX_DIMS], isz = (int64_t)mx_dtype_size((mx_dtype)a->dtype), acc = isz;
  for (int i = a->ndim - 1; i >= 0; i--) {
    ost[i] = acc;
    acc *= p->gather.slice_sizes[i];
  }
  mxi_copy_plan bp;
  mxi_copy_plan_make(&bp, a->ndim, p->gather.slice_sizes, ost, a->strides);
  int64_t *offs = NULL;
  unsigned long long *bad = NULL;
  bool ok = true;
  if (nidx > 0 && s.nI > 0) {
    ok = (offs = (int64_t *)mxc_scratch(&c, (size_t)s.nI * sizeof *offs)) != NULL &&
         (host > 0 || (bad = mxc_bad_word(&c))) && mxc_ix_offsets_launch(&c, &s, offs, NULL, bad);
  }
  if (ok && out->size > 0) {
    switch (isz) {
      case 1: ok = launch_gather<uint8_t>(&c, o, pa, offs, bp, out->size); break;
      case 2: ok = launch_gather<uint16_t>(&c, o, pa, offs, bp, out->size); break;
      case 4: ok = launch_gather<uint32_t>(&c, o, pa, offs, bp, out->size); break;
      default: ok = launch_gather<uint64_t>(&c, o, pa, offs, bp, out->size); break;
    }
  }
  unsigned long long first = MXC_NO_BAD;
  if (bad) ok = mxc_bad_read(&c, bad, &first) && ok;
  mxc_scratch_free(&c, offs);
  if (!ok) return MX_ERROR;
  if (first == MXC_NO_BAD) return MX_OK;
  mxi_ix_fail_gather(out, in, n, p);
  return MX_ERROR;
}

static mx_status k_take_along(mx_array *out, mx_array *const *in, int n, const mx_params *p) {
  (void)n;
  mx_array *a = in[0], *idx = in[1];
  mxi_along w;
  mxi_along_make(&w, p->along.axis, a, idx, out); // out's strides (operand 2) are set below
  int64_t hbad;
  int host = mxc_along_host_check(&w, idx, &hbad);
  if (host == 0) {
    mxi_ix_fail_along(out, idx, w.dim, hbad, p);
    return MX_ERROR;
  }
  mxc_ctx c;
  if (!mxc_begin(out, &c)) return MX_ERROR;
  const char *pa = (const char *)mxc_read(&c, a);
  const char *pi = pa ? (const char *)mxc_read(&c, idx) : NULL;
  if (!pi) return MX_ERROR;
  char *o = (char *)mxc_write(&c, NULL, 0);
  if (!o) return MX_ERROR;
  if (out->size == 0) return MX_OK;
  for (int d = 0; d < out->ndim; d++) w.st[2][d] = out->strides[d];
  unsigned long long *bad = host > 0 ? NULL : mxc_bad_word(&c);
  if (host < 0 && !bad) return MX_ERROR;
  unsigned grid = mxc_grid_capped(&c, w.n, MXC_THREADS);
  switch (mx_dtype_size((mx_dtype)a->dtype)) {
    case 1: take_along_kernel<uint8_t><<<grid, MXC_THREADS, 0, c.s>>>(o, pa, pi, w, bad); break;
    case 2: take_along_kernel<uint16_t><<<grid, MXC_THREADS, 0, c.s>>>(o, pa, pi, w, bad); break;
    case 4: take_along_kernel<uint32_t><<<grid, MXC_THREADS, 0, c.s>>>(o, pa, pi, w, bad); break;
    default: take_along_kernel<uint64_t><<<grid, MXC_THREADS, 0, c.s>>>(o, pa, pi, w, bad); break;
  }
  bool ok = mxc_launched(&c, "take_along_axis");
  unsigned long long first = MXC_NO_BAD;
  if (bad) ok = mxc_bad_read(&c, bad, &first) && ok;
  if (!ok) return MX_ERROR;
  if (first == MXC_NO_BAD) return MX_OK;
  mxi_ix_fail_along(out, idx, w.dim, (int64_t)first, p);
  return MX_ERROR;
}

void mxc_register_gather(mx_kernel_fn *k, mxc_supports_fn *s) {
  k[MX_PRIM_GATHER] = k_gather;
  k[MX_PRIM_TAKE_ALONG_AXIS] = k_take_along;
}
