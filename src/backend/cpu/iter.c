/* iter.c — N-ary strided iteration: broadcasting by zero strides, merging dimensions that are
 * contiguous in every operand, and splitting the flat range over threads. Kernels see 1-D loops
 * whose contiguous case the compiler vectorizes. */
#include "cpu.h"

#include <string.h>

#include "../common/dims.h"

void mxi_make_layout(mxi_layout *l, int n, mx_array *const *arrays) {
  const mx_array *out = arrays[0];
  int nd = out->ndim;
  int64_t shape[MX_MAX_DIMS], strides[MXI_MAX_OPS][MX_MAX_DIMS];
  for (int k = 0; k < n; k++) {
    const mx_array *a = arrays[k];
    l->base[k] = (char *)mxi_host_ptr((mx_array *)a);
    int off = nd - a->ndim;
    for (int i = 0; i < nd; i++) {
      int j = i - off;
      strides[k][i] = (j < 0 || a->shape[j] == 1) ? 0 : a->strides[j];
    }
  }
  int64_t *sp[MXI_MAX_OPS];
  for (int k = 0; k < n; k++) sp[k] = strides[k];
  memcpy(shape, out->shape, (size_t)nd * sizeof *shape);
  int m = mxi_merge_dims(nd, shape, n, sp);
  l->ndim = m;
  for (int i = 0; i < m; i++) {
    l->shape[i] = shape[i];
    for (int k = 0; k < n; k++) l->strides[k][i] = strides[k][i];
  }
}

typedef struct map_task {
  mxi_layout l;
  int nops;
  mxi_loop_fn loop;
  const void *ctx;
} map_task;

static void map_range(void *arg, int64_t lo, int64_t hi) {
  const map_task *t = arg;
  const mxi_layout *l = &t->l;
  int nd = l->ndim, last = nd - 1;
  int64_t inner_stride[MXI_MAX_OPS];
  char *ptrs[MXI_MAX_OPS];
  if (nd == 0) {
    for (int k = 0; k < t->nops; k++) {
      ptrs[k] = l->base[k];
      inner_stride[k] = 0;
    }
    t->loop(1, ptrs, inner_stride, t->ctx);
    return;
  }
  int64_t idx[MX_MAX_DIMS];
  int64_t rem = lo;
  for (int i = last; i >= 0; i--) {
    idx[i] = rem % l->shape[i];
    rem /= l->shape[i];
  }
  for (int k = 0; k < t->nops; k++) inner_stride[k] = l->strides[k][last];
  int64_t cur = lo;
  while (cur < hi) {
    int64_t count = l->shape[last] - idx[last];
    if (count > hi - cur) count = hi - cur;
    for (int k = 0; k < t->nops; k++) {
      char *p = l->base[k];
      for (int i = 0; i < nd; i++) p += idx[i] * l->strides[k][i];
      ptrs[k] = p;
    }
    t->loop(count, ptrs, inner_stride, t->ctx);
    cur += count;
    idx[last] += count;
    for (int i = last; i > 0 && idx[i] >= l->shape[i]; i--) {
      idx[i] = 0;
      idx[i - 1]++;
    }
  }
}

void mxi_cpu_map(mx_array *out, int nin, mx_array *const *in, mxi_loop_fn loop, const void *ctx,
                 int cost) {
  if (out->size == 0) return;
  map_task t = {.nops = nin + 1, .loop = loop, .ctx = ctx};
  mx_array *ops[MXI_MAX_OPS];
  ops[0] = out;
  for (int i = 0; i < nin; i++) ops[i + 1] = in[i];
  mxi_make_layout(&t.l, nin + 1, ops);
  /* about 32k "cost units" per task keeps the pool's overhead under a few percent */
  int64_t grain = (32768 + cost - 1) / (cost > 0 ? cost : 1);
  mxi_parallel_for(out->size, grain, map_range, &t);
}
