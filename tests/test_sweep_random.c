/* test_sweep_random.c — the op sweep for RANDOM_BITS (mx_random_bits, mx_random_split) and
 * RANDOM_PERMUTATION (mx_random_permutation, mx_random_permute). The generator is deterministic,
 * so each case is compared exactly with a reference written from docs/random.md alone (threefry
 * in its loop form, tests/lib/threefry_ref.h, not the library's unrolled one): fixed keys, keys that are strided
 * views, 0-d, empty, odd and multi-threaded sizes; permutations are also checked to hold every
 * index once; permute runs over every dtype and shape family. */
#include "sweep.h"
#include "threefry_ref.h"

/* ---- the reference generator (tests/lib/threefry_ref.h) ---- */

/* Word pair j of key's stream. */
static void ref_pair(const uint32_t *key, uint64_t j, uint32_t *out) {
  ref_threefry(key[0], key[1], (uint32_t)(j >> 32), (uint32_t)j, out);
}

/* The stable argsort of the 64-bit words of pairs 0..n-1. */
typedef struct { uint64_t w; int64_t i; } item;
static int cmp_item(const void *a, const void *b) {
  const item *x = a, *y = b;
  if (x->w != y->w) return x->w < y->w ? -1 : 1;
  return (x->i > y->i) - (x->i < y->i);
}
static int64_t *ref_perm(const uint32_t *key, int64_t n) {
  item *it = malloc((size_t)(n ? n : 1) * sizeof *it);
  for (int64_t i = 0; i < n; i++) {
    uint32_t y[2];
    ref_pair(key, (uint64_t)i, y);
    it[i] = (item){(uint64_t)y[0] << 32 | y[1], i};
  }
  qsort(it, (size_t)n, sizeof *it, cmp_item);
  int64_t *p = malloc((size_t)(n ? n : 1) * sizeof *p);
  for (int64_t i = 0; i < n; i++) p[i] = it[i].i;
  free(it);
  return p;
}

static const uint32_t keys[][2] = {{0, 0}, {0xffffffffu, 0xffffffffu}, {0x13198a2eu, 0x03707344u}, {0, 42}};
enum { NKEYS = sizeof keys / sizeof keys[0] };

/* The key as an mx array: plain, or (view) column 1 of a [2, 3] array, a view with stride 3. */
static mx_array *key_array(const uint32_t *k, bool view) {
  if (!view) return mx_array_new(k, MX_SHAPE(2), MX_UINT32);
  uint32_t b[6] = {7, k[0], 9, 11, k[1], 13};
  mx_array *m = mx_array_new(b, MX_SHAPE(2, 3), MX_UINT32);
  return mx_squeeze(mx_slice_axis(m, 1, 1, 2, 1), MX_AXES(1));
}

/* ---- random_bits and split ---- */

typedef struct bits_case {
  const uint32_t *key;
  bool view, split;
  mx_shape shape; /* split: (num, 2) */
} bits_case;

static mx_array *b_bits(const void *p) {
  const bits_case *c = p;
  mx_array *k = key_array(c->key, c->view);
  return c->split ? mx_random_split(k, (int)c->shape.dims[0]) : mx_random_bits(k, c->shape);
}

static ref_array *r_bits(const void *p) {
  const bits_case *c = p;
  ref_array *r = ref_new_shape(c->shape, MX_UINT32);
  for (int64_t j = 0; 2 * j < r->size; j++) {
    uint32_t y[2];
    ref_pair(c->key, (uint64_t)j, y);
    r->re[2 * j] = y[0];
    if (2 * j + 1 < r->size) r->re[2 * j + 1] = y[1];
  }
  return r;
}

TEST(sweep_random_bits) {
  const mx_shape shapes[] = {MX_SCALAR_SHAPE, MX_SHAPE(0), MX_SHAPE(0, 3), MX_SHAPE(1), MX_SHAPE(7),
                             MX_SHAPE(2, 3), MX_SHAPE(3, 4, 5), MX_SHAPE(1001), MX_SHAPE(2, 1, 3, 1),
                             MX_SHAPE(300, 1001)};
  for (int k = 0; k < NKEYS; k++)
    for (int view = 0; view < 2; view++) {
      for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        bits_case c = {keys[k], view != 0, false, shapes[s]};
        char label[96];
        int64_t size = 1;
        for (int d = 0; d < c.shape.ndim; d++) size *= c.shape.dims[d];
        snprintf(label, sizeof label, "random_bits(key %d%s, %d-d, size %lld)", k, view ? " view" : "",
                 c.shape.ndim, (long long)size);
        sweep_case_run(&(sweep_case){.label = label, .build = b_bits, .ref = r_bits, .ctx = &c});
      }
      for (int num = 0; num <= 3; num++) {
        bits_case c = {keys[k], view != 0, true, MX_SHAPE(num, 2)};
        char label[96];
        snprintf(label, sizeof label, "random_split(key %d%s, %d)", k, view ? " view" : "", num);
        sweep_case_run(&(sweep_case){.label = label, .build = b_bits, .ref = r_bits, .ctx = &c});
      }
    }
}

/* ---- permutation(key, n) ---- */

typedef struct perm_case {
  const uint32_t *key;
  bool view;
  int64_t n;
} perm_case;

static mx_array *b_perm(const void *p) {
  const perm_case *c = p;
  return mx_random_permutation(key_array(c->key, c->view), c->n);
}

static ref_array *r_perm(const void *p) {
  const perm_case *c = p;
  ref_array *r = ref_new(1, &c->n, MX_INT64);
  int64_t *perm = ref_perm(c->key, c->n);
  for (int64_t i = 0; i < c->n; i++) {
    r->iv[i] = perm[i];
    r->re[i] = (double)perm[i];
  }
  r->exact = true;
  free(perm);
  return r;
}

/* Independent of the reference: every index in [0, n) exactly once. */
static void perm_property(mx_array *got, const void *p, const char *label) {
  const perm_case *c = p;
  const int64_t *v = mx_array_data(got);
  if (!v && c->n > 0) {
    FAIL("%s: no data", label);
    mx_clear_error();
    return;
  }
  char *seen = calloc((size_t)(c->n > 0 ? c->n : 1), 1);
  int64_t bad = 0;
  for (int64_t i = 0; i < c->n; i++) {
    if (v[i] < 0 || v[i] >= c->n || seen[v[i]]) bad++;
    else seen[v[i]] = 1;
  }
  if (bad) FAIL("%s: %lld entries out of range or repeated: not a permutation", label, (long long)bad);
  free(seen);
}

TEST(sweep_random_permutation) {
  const int64_t ns[] = {0, 1, 2, 3, 10, 1000, 100000};
  for (int k = 0; k < NKEYS; k++)
    for (int view = 0; view < 2; view++)
      for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        perm_case c = {keys[k], view != 0, ns[i]};
        char label[96];
        snprintf(label, sizeof label, "random_permutation(key %d%s, %lld)", k, view ? " view" : "",
                 (long long)c.n);
        sweep_case_run(&(sweep_case){.label = label, .build = b_perm, .ref = r_perm,
                                     .check = perm_property, .ctx = &c});
      }
}

/* ---- permute(key, a): every dtype and shape family; row i of the result is row perm[i] ---- */

static const uint32_t *permute_key;
static mx_array *b_permute(mx_array *const *in) {
  return mx_random_permute(key_array(permute_key, true), in[0]);
}

static ref_array *r_permute(ref_array *const *in, mx_dtype odt) {
  const ref_array *a = in[0];
  ref_array *r = ref_new(a->ndim, a->shape, odt);
  int64_t n = a->shape[0], row = n ? a->size / n : 0;
  int64_t *perm = ref_perm(permute_key, n);
  for (int64_t i = 0; i < n; i++)
    for (int64_t e = 0; e < row; e++) {
      int64_t d = i * row + e, s = perm[i] * row + e;
      r->re[d] = a->re[s];
      if (r->im) r->im[d] = a->im[s];
      if (r->iv) r->iv[d] = a->iv[s];
    }
  r->exact = a->exact;
  free(perm);
  return r;
}

TEST(sweep_random_permute) {
  for (int k = 0; k < NKEYS; k++) {
    permute_key = keys[k];
    sweep_op op = {.name = "random_permute", .nin = 1, .dtypes = DT_ALL, .dom = {DOM_ANY},
                   .build = b_permute, .ref = r_permute, .shapes = SH_NOT_SCALAR & ~SH_BROADCAST};
    sweep_run(&op);
  }
}

TEST(random_argument_errors) {
  mx_array *k = mx_random_key(1);
  CHECK_ERROR(mx_random_permute(k, mx_scalar(1)), "mx_random_permute: cannot permute a 0-d array");
  CHECK_ERROR(mx_random_permutation(k, -1), "mx_random_permutation: n -1 is negative");
  CHECK_ERROR(mx_random_permutation(mx_zeros(MX_SHAPE(2), MX_INT32), 3),
              "mx_random_permutation: key must be a uint32 array of shape (2,), got int32");
  CHECK_ERROR(mx_random_permute(mx_zeros(MX_SHAPE(3), MX_UINT32), mx_ones(MX_SHAPE(3), MX_FLOAT32)),
              "key must be a uint32 array of shape (2,)");
  CHECK_ERROR(mx_random_bits(mx_zeros(MX_SHAPE(2, 1), MX_UINT32), MX_SHAPE(3)), "mx_random_bits: key must be");
  CHECK_ERROR(mx_random_bits(k, MX_SHAPE(-1)), "mx_random_bits: negative dimension in shape (-1)");
  CHECK_ERROR(mx_random_split(k, -2), "mx_random_split: num -2 is negative");
}
