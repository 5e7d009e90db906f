/* k_random.c — CPU kernels of RANDOM_BITS and RANDOM_PERMUTATION. Every element depends only
 * on the key and its own index (backend/common/threefry.h, docs/random.md), so results do not depend on
 * the number of threads, and the CUDA backend reproduces them bit for bit. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "../common/threefry.h"
#include "cpu.h"

/* The key's two words, read through its strides (a key is often a row of mx_random_split). */
static void read_key(mx_array *key, uint32_t *k0, uint32_t *k1) {
  const char *p = mxi_host_ptr(key);
  *k0 = *(const uint32_t *)p;
  *k1 = *(const uint32_t *)(p + key->strides[0]);
}

/* ---- RANDOM_BITS: word pair j = threefry2x32(key, (hi32(j), lo32(j))) fills elements 2j and
 * 2j + 1 of the row-major output; an odd size drops the last pair's second word. ---- */

typedef struct bits_task {
  uint32_t k0, k1;
  uint32_t *out;
  int64_t n; /* elements */
} bits_task;

static void bits_range(void *arg, int64_t lo, int64_t hi) {
  const bits_task *t = arg;
  uint32_t *o = t->out;
  const uint32_t k0 = t->k0, k1 = t->k1;
  int64_t full = t->n / 2, end = hi < full ? hi : full;
  for (int64_t j = lo; j < end; j++) {
    uint32_t r[2];
    mxi_threefry_pair(k0, k1, (uint64_t)j, r);
    o[2 * j] = r[0];
    o[2 * j + 1] = r[1];
  }
  if (hi > full) { /* the odd last element */
    uint32_t r[2];
    mxi_threefry_pair(k0, k1, (uint64_t)full, r);
    o[2 * full] = r[0];
  }
}

static mx_status k_random_bits(mx_array *out, mx_array *const *in, int n, const mx_params *p) {
  (void)n;
  (void)p;
  if (!mxi_out_alloc(out, NULL, 0)) return MX_ERROR;
  bits_task t = {.out = mxi_host_ptr(out), .n = out->size};
  read_key(in[0], &t.k0, &t.k1);
  mxi_parallel_for((out->size + 1) / 2, 2048, bits_range, &t);
  return MX_OK;
}

/* ---- RANDOM_PERMUTATION: the stable argsort of the 64-bit sort keys w_i = (y0 << 32) | y1,
 * where (y0, y1) is word pair i of random_bits(key, [n, 2]); ties keep index order. With a
 * second input a, row i of the output is row perm[i] of a. ---- */

typedef struct sort_item {
  uint64_t key;
  int64_t index;
} sort_item;

static int cmp_items(const void *pa, const void *pb) {
  const sort_item *a = pa, *b = pb;
  if (a->key != b->key) return a->key < b->key ? -1 : 1;
  return a->index < b->index ? -1 : (a->index > b->index);
}

typedef struct perm_task {
  uint32_t k0, k1;
  sort_item *items;
  const char *src; /* rows of a (contiguous) */
  char *dst;
  size_t row_bytes;
} perm_task;

static void keys_range(void *arg, int64_t lo, int64_t hi) {
  const perm_task *t = arg;
  for (int64_t i = lo; i < hi; i++) {
    uint32_t r[2];
    mxi_threefry_pair(t->k0, t->k1, (uint64_t)i, r);
    t->items[i].key = (uint64_t)r[0] << 32 | r[1];
    t->items[i].index = i;
  }
}

static void rows_range(void *arg, int64_t lo, int64_t hi) {
  const perm_task *t = arg;
  for (int64_t i = lo; i < hi; i++)
    memcpy(t->dst + (size_t)i * t->row_bytes, t->src + (size_t)t->items[i].index * t->row_bytes,
           t->row_bytes);
}

static mx_status k_random_permutation(mx_array *out, mx_array *const *in, int nin,
                                      const mx_params *p) {
  (void)p;
  int64_t n = nin == 1 ? out->shape[0] : in[1]->shape[0];
  if (!mxi_out_alloc(out, NULL, 0)) return MX_ERROR;
  if (out->size == 0) return MX_OK;
  perm_task t = {.items = malloc((size_t)n * sizeof(sort_item))};
  if (!t.items) {
    mxi_kernel_fail(out, "out of memory sorting %lld keys", (long long)n);
    return MX_ERROR;
  }
  read_key(in[0], &t.k0, &t.k1);
  mxi_parallel_for(n, 4096, keys_range, &t);
  qsort(t.items, (size_t)n, sizeof(sort_item), cmp_items);
  if (nin == 1) {
    int64_t *o = mxi_host_ptr(out);
    for (int64_t i = 0; i < n; i++) o[i] = t.items[i].index;
    free(t.items);
    return MX_OK;
  }
  mx_array *a = in[1], *copy = NULL;
  if (!mxi_is_row_contiguous(a) && !(copy = mxi_contiguous_copy(a, mxi_backend(MX_CPU), out))) {
    free(t.items);
    return MX_ERROR;
  }
  t.src = mxi_host_ptr(copy ? copy : a);
  t.dst = mxi_host_ptr(out);
  t.row_bytes = mx_array_nbytes(out) / (size_t)n;
  mxi_parallel_for(n, (int64_t)(65536 / (t.row_bytes + 1)) + 1, rows_range, &t);
  if (copy) mx_release(copy);
  free(t.items);
  return MX_OK;
}

void mxi_cpu_register_random(mx_kernel_fn *k) {
  k[MX_PRIM_RANDOM_BITS] = k_random_bits;
  k[MX_PRIM_RANDOM_PERMUTATION] = k_random_permutation;
}
