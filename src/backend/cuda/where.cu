// where.cu — WHERE(cond, x, y): elements of x where cond, else of y, all three broadcast to the
// output's shape. Data moves by element size; cond is bool (one byte).
#include "elementwise.cuh"

template <typename T>
__global__ void where_flat(T *o, const uint8_t *c, const T *x, const T *y, bool sc, bool sx, bool sy,
                           int64_t n) {
  int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step)
    o[i] = c[sc ? 0 : i] ? x[sx ? 0 : i] : y[sy ? 0 : i];
}

template <typename T>
__global__ void where_strided(T *o, const char *c, const char *x, const char *y, mxc_layout L, int64_t n) {
  int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step) {
    int64_t off[3];
    if (L.use32) {
      int32_t o32[3];
      mxc_offsets<int32_t>(L, (int32_t)i, 3, o32);
      for (int k = 0; k < 3; k++) off[k] = o32[k];
    } else {
      mxc_offsets<int64_t>(L, i, 3, off);
    }
    o[i] = *(const uint8_t *)(c + off[0]) ? *(const T *)(x + off[1]) : *(const T *)(y + off[2]);
  }
}

template <typename T> static mx_status run_where(mx_array *out, mx_array *const *in) {
  mxc_ctx c;
  if (!mxc_begin(out, &c)) return MX_ERROR;
  const char *pc = (const char *)mxc_read(&c, in[0]);
  const char *px = pc ? (const char *)mxc_read(&c, in[1]) : NULL;
  const char *py = px ? (const char *)mxc_read(&c, in[2]) : NULL;
  if (!py) return MX_ERROR;
  T *o = (T *)mxc_write(&c, in + 1, 2);
  if (!o) return MX_ERROR;
  int64_t n = out->size;
  if (n == 0) return MX_OK;
  mxc_layout L;
  mxc_make_layout(&L, out, 3, in);
  size_t sz[3] = {1, sizeof(T), sizeof(T)};
  bool sc[3];
  unsigned grid = mxc_grid_capped(&c, n, MXC_THREADS);
  if (mxc_layout_flat(&L, 3, sz, sc))
    where_flat<T><<<grid, MXC_THREADS, 0, c.s>>>(o, (const uint8_t *)pc, (const T *)px, (const T *)py,
                                                 sc[0], sc[1], sc[2], n);
  else
    where_strided<T><<<grid, MXC_THREADS, 0, c.s>>>(o, pc, px, py, L, n);
  return mxc_launched(&c, "where") ? MX_OK : MX_ERROR;
}

static mx_status k_where(mx_array *out, mx_array *const *in, int n, const mx_params *p) {
  (void)n;
  (void)p;
  switch (mx_dtype_size((mx_dtype)out->dtype)) {
    case 1: return run_where<uint8_t>(out, in);
    case 2: return run_where<uint16_t>(out, in);
    case 4: return run_where<uint32_t>(out, in);
    default: return run_where<uint64_t>(out, in);
  }
}

void mxc_register_where(mx_kernel_fn *k, mxc_supports_fn *s) { k[MX_PRIM_WHERE] = k_where; }
