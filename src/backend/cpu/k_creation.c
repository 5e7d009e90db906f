/* k_creation.c — FULL (broadcast copy), ARANGE, EYE and TRI kernels. */
#include "../../core/convert.h"
#include "copy_loops.h"

static mx_status k_full(mx_array *out, mx_array *const *in, int n, const mx_params *p) {
  (void)n;
  (void)p;
  if (!mxi_out_alloc(out, NULL, 0)) return MX_ERROR;
  mxi_copy_into(out, in[0]);
  return MX_OK;
}

typedef struct {
  mx_array *out;
  const mx_params *p;
} fill_task;

static void arange_range(void *arg, int64_t lo, int64_t hi) {
  const fill_task *t = arg;
  const mx_params *p = t->p;
  mx_dtype dt = (mx_dtype)t->out->dtype;
  size_t sz = mx_dtype_size(dt);
  char *o = mxi_host_ptr(t->out);
  for (int64_t i = lo; i < hi; i++) {
    double v = p->arange.start + (double)i * p->arange.step;
    if (p->arange.endpoint && i == p->arange.n - 1) v = p->arange.stop;
    mxi_store_f64(o + (size_t)i * sz, dt, v);
  }
}

static void eye_range(void *arg, int64_t lo, int64_t hi) {
  const fill_task *t = arg;
  const mx_params *p = t->p;
  mx_dtype dt = (mx_dtype)t->out->dtype;
  size_t sz = mx_dtype_size(dt);
  char *o = mxi_host_ptr(t->out);
  bool tri = t->out->prim == MX_PRIM_TRI;
  for (int64_t i = lo; i < hi; i++) {
    int64_t r = i / p->eye.m, c = i % p->eye.m;
    bool one = tri ? c - r <= p->eye.k : c - r == p->eye.k;
    mxi_store_f64(o + (size_t)i * sz, dt, one ? 1.0 : 0.0);
  }
}

static mx_status k_fill(mx_array *out, mx_array *const *in, int n, const mx_params *p) {
  (void)in;
  (void)n;
  if (!mxi_out_alloc(out, NULL, 0)) return MX_ERROR;
  fill_task t = {out, p};
  mxi_parallel_for(out->size, 1 << 14, out->prim == MX_PRIM_ARANGE ? arange_range : eye_range, &t);
  return MX_OK;
}

void mxi_cpu_register_creation(mx_kernel_fn *k) {
  k[MX_PRIM_FULL] = k_full;
  k[MX_PRIM_ARANGE] = k_fill;
  k[MX_PRIM_EYE] = k_fill;
  k[MX_PRIM_TRI] = k_fill;
}
