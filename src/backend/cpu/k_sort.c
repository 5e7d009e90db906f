/* k_sort.c — SORT, ARGSORT, PARTITION, ARGPARTITION along one axis of any layout. Each row is
 * loaded as (key, position) pairs whose key is a uint64 ordered like NumPy orders the values
 * (NaN last, -0.0 == 0.0, complex by (real, imag) with NaN parts last), so one sort serves every
 * dtype. Sorts are a stable merge sort; partitions an introselect under the total order
 * (key, position), so ties stay in position order there too. Rows run in parallel. */
#include <complex.h>
#include <stdlib.h>

#include "../common/lines.h"
#include "index_util.h"
#include "loops.h"

typedef struct item {
  uint64_t key;
  int64_t pos;
} item;

/* ---- keys: unsigned order == NumPy's order of values (common/lines.h) ---- */
#define KEY_U(v) ((uint64_t)(v))
#define KEY_I(v) mxi_key_i64((int64_t)(v))
#define KEY_C64(v) (((uint64_t)mxi_key_f32(crealf(v)) << 32) | mxi_key_f32(cimagf(v)))

typedef void (*load_fn)(item *it, const char *p, int64_t n, int64_t s);
#define LOAD(SUF, T, KEY)                                                         \
  static void load_##SUF(item *it, const char *p, int64_t n, int64_t s) {         \
    for (int64_t i = 0; i < n; i++) {                                             \
      it[i].key = KEY(*(const T *)(p + i * s));                                   \
      it[i].pos = i;                                                              \
    }                                                                             \
  }
LOAD(u8, uint8_t, KEY_U)
LOAD(u16, uint16_t, KEY_U)
LOAD(u32, uint32_t, KEY_U)
LOAD(u64, uint64_t, KEY_U)
LOAD(i8, int8_t, KEY_I)
LOAD(i16, int16_t, KEY_I)
LOAD(i32, int32_t, KEY_I)
LOAD(i64, int64_t, KEY_I)
LOAD(f16, uint16_t, mxi_key_f16)
LOAD(bf16, uint16_t, mxi_key_bf16)
LOAD(f32, float, mxi_key_f32)
LOAD(f64, double, mxi_key_f64)
LOAD(c64, mxi_c64, KEY_C64)

static const load_fn loaders[MX_NUM_DTYPES] = {
    [MX_BOOL] = load_u8,      [MX_UINT8] = load_u8,     [MX_UINT16] = load_u16,
    [MX_UINT32] = load_u32,   [MX_UINT64] = load_u64,   [MX_INT8] = load_i8,
    [MX_INT16] = load_i16,    [MX_INT32] = load_i32,    [MX_INT64] = load_i64,
    [MX_FLOAT16] = load_f16,  [MX_BFLOAT16] = load_bf16, [MX_FLOAT32] = load_f32,
    [MX_FLOAT64] = load_f64,  [MX_COMPLEX64] = load_c64,
};

/* ---- stable merge sort by key (positions start ascending) ---- */
static void insertion_sort(item *v, int64_t n) {
  for (int64_t i = 1; i < n; i++) {
    item x = v[i];
    int64_t j = i;
    for (; j > 0 && x.key < v[j - 1].key; j--) v[j] = v[j - 1];
    v[j] = x;
  }
}

/* tmp holds n / 2 items. */
static void merge_sort(item *v, item *tmp, int64_t n) {
  if (n <= 32) {
    insertion_sort(v, n);
    return;
  }
  int64_t h = n / 2;
  merge_sort(v, tmp, h);
  merge_sort(v + h, tmp, n - h);
  if (v[h - 1].key <= v[h].key) return; /* already in order */
  memcpy(tmp, v, (size_t)h * sizeof *v);
  int64_t i = 0, j = h, k = 0;
  while (i < h && j < n) v[k++] = v[j].key < tmp[i].key ? v[j++] : tmp[i++];
  while (i < h) v[k++] = tmp[i++];
}

/* ---- introselect under the total order (key, position) ---- */
static inline bool lt(item a, item b) { return a.key < b.key || (a.key == b.key && a.pos < b.pos); }

static inline void swap_items(item *a, item *b) {
  item t = *a;
  *a = *b;
  *b = t;
}

static void sift_down(item *v, int64_t root, int64_t n) {
  for (;;) {
    int64_t c = 2 * root + 1;
    if (c >= n) return;
    if (c + 1 < n && lt(v[c], v[c + 1])) c++;
    if (!lt(v[root], v[c])) return;
    swap_items(&v[root], &v[c]);
    root = c;
  }
}

static void heap_sort(item *v, int64_t n) {
  for (int64_t s = n / 2 - 1; s >= 0; s--) sift_down(v, s, n);
  for (int64_t e = n - 1; e > 0; e--) {
    swap_items(&v[0], &v[e]);
    sift_down(v, 0, e);
  }
}

/* Puts the k-th smallest at k, smaller ones before, larger after. Median-of-3 quickselect; a
 * heap sort of what remains bounds bad cases to O(n log n). Items are distinct under lt. */
static void select_kth(item *v, int64_t n, int64_t k) {
  int64_t lo = 0, hi = n - 1;
  int budget = 2; /* rounds before the fallback: about 2 log2 n */
  for (int64_t m = n; m > 1; m >>= 1) budget += 2;
  while (hi - lo > 16) {
    if (budget-- <= 0) {
      heap_sort(v + lo, hi - lo + 1);
      return;
    }
    item a = v[lo], b = v[lo + (hi - lo) / 2], c = v[hi];
    item piv = lt(a, b) ? (lt(b, c) ? b : (lt(a, c) ? c : a)) : (lt(a, c) ? a : (lt(b, c) ? c : b));
    int64_t i = lo - 1, j = hi + 1;
    for (;;) { /* Hoare: the median of 3 distinct items is never the largest, so j < hi */
      do i++;
      while (lt(v[i], piv));
      do j--;
      while (lt(piv, v[j]));
      if (i >= j) break;
      swap_items(&v[i], &v[j]);
    }
    if (k <= j)
      hi = j;
    else
      lo = j + 1;
  }
  for (int64_t i = lo + 1; i <= hi; i++) { /* insertion sort of the small rest */
    item x = v[i];
    int64_t j = i;
    for (; j > lo && lt(x, v[j - 1]); j--) v[j] = v[j - 1];
    v[j] = x;
  }
}

/* ---- rows ---- */
typedef struct sort_task {
  mxi_walk w; /* over every axis but the sorted one; operands: a, out */
  const char *src;
  char *dst;
  int64_t n, kth, as, os; /* row length, kth, strides along the axis */
  size_t isz;
  load_fn load;
  bool partition, values;
  _Atomic bool oom;
} sort_task;

static void sort_rows(void *arg, int64_t lo, int64_t hi) {
  sort_task *t = arg;
  int64_t n = t->n;
  item *buf = malloc((size_t)(n + n / 2 + 1) * sizeof *buf);
  if (!buf) {
    atomic_store(&t->oom, true);
    return;
  }
  mxi_walk w = t->w;
  mxi_walk_seek(&w, lo);
  for (int64_t r = lo; r < hi; r++) {
    const char *src = t->src + w.off[0];
    char *dst = t->dst + w.off[1];
    t->load(buf, src, n, t->as);
    if (t->partition)
      select_kth(buf, n, t->kth);
    else
      merge_sort(buf, buf + n, n);
    if (t->values)
      for (int64_t j = 0; j < n; j++) mxi_copy_elem(dst + j * t->os, src + buf[j].pos * t->as, t->isz);
    else
      for (int64_t j = 0; j < n; j++) *(int64_t *)(dst + j * t->os) = buf[j].pos;
    mxi_walk_next(&w);
  }
  free(buf);
}

static mx_status k_sort(mx_array *out, mx_array *const *in, int nin, const mx_params *p) {
  (void)nin;
  mx_array *a = in[0];
  int ax = p->sort.axis;
  mx_prim prim = (mx_prim)out->prim;
  load_fn load = loaders[a->dtype];
  if (!load) {
    mxi_kernel_fail(out, "no CPU loop for dtype %s", mx_dtype_name((mx_dtype)a->dtype));
    return MX_ERROR;
  }
  if (!mxi_out_alloc(out, NULL, 0)) return MX_ERROR;
  if (out->size == 0) return MX_OK;
  sort_task t = {.src = mxi_host_ptr(a), .dst = mxi_host_ptr(out), .n = a->shape[ax],
                 .kth = p->sort.kth, .as = a->strides[ax], .os = out->strides[ax],
                 .isz = mx_dtype_size((mx_dtype)a->dtype), .load = load,
                 .partition = prim == MX_PRIM_PARTITION || prim == MX_PRIM_ARGPARTITION,
                 .values = prim == MX_PRIM_SORT || prim == MX_PRIM_PARTITION};
  atomic_init(&t.oom, false);
  t.w.nops = 2;
  for (int i = 0; i < a->ndim; i++) {
    if (i == ax) continue;
    t.w.shape[t.w.nd] = a->shape[i];
    t.w.strides[0][t.w.nd] = a->strides[i];
    t.w.strides[1][t.w.nd] = out->strides[i];
    t.w.nd++;
  }
  mxi_parallel_for(out->size / t.n, (1 << 14) / t.n + 1, sort_rows, &t);
  if (atomic_load(&t.oom)) {
    mxi_kernel_fail(out, "out of memory for a work buffer of %lld elements", (long long)t.n);
    return MX_ERROR;
  }
  return MX_OK;
}

void mxi_cpu_register_sort(mx_kernel_fn *k) {
  for (int p = MX_PRIM_SORT; p <= MX_PRIM_ARGPARTITION; p++) k[p] = k_sort;
}
