/* test_sort_cases.c — sorting cases the sweep cannot state as one reference: the partition
 * property (nothing larger before kth, nothing smaller after, same multiset) over dtypes, layouts
 * and kth; stability and NaN / -0.0 placement; complex order; top-k ties; error messages; large
 * and multi-threaded inputs. */
#include "sort_ref.h"

static mx_array *f32v(int n, const float *v) { return mx_array_new(v, MX_SHAPE(n), MX_FLOAT32); }

static void check_i64(mx_array *a, int n, const int64_t *want, const char *what) {
  const int64_t *g = mx_array_data(a);
  if (!CHECK(g != NULL) || !CHECK(mx_array_dtype(a) == MX_INT64) || !CHECK(mx_array_size(a) == n)) return;
  for (int i = 0; i < n; i++)
    if (g[i] != want[i]) FAIL("%s: [%d] = %lld, want %lld", what, i, (long long)g[i], (long long)want[i]);
}

/* Inputs of several layouts: contiguous, transposed, strided (negative step). */
static mx_array *layout(int which, mx_dtype dt, uint64_t seed, domain d) {
  mx_shape s = which == 0 ? MX_SHAPE(7) : which == 1 ? MX_SHAPE(4, 9) : which == 2 ? MX_SHAPE(9, 4)
             : which == 3 ? MX_SHAPE(10, 6) : MX_SHAPE(3, 50, 70);
  ref_array *r = ref_new_shape(s, dt);
  ref_fill(r, d, seed);
  mx_array *a = ref_to_mx(r);
  ref_free(r);
  if (which == 2) return mx_transpose(a, MX_ALL_AXES);
  if (which == 3) return mx_slice(a, 2, (int64_t[]){0, MX_END}, (int64_t[]){MX_END, MX_END}, (int64_t[]){2, -1});
  return a;
}

/* Checks that p (a partition of a along ax at kth) has the property, and the same multiset. */
static void check_partition(mx_array *a, mx_array *p, int ax, int64_t kth, const char *what) {
  ref_array *ra = ref_from(a), *rp = ref_from(p);
  if (!ra || !rp) {
    ref_free(ra);
    ref_free(rp);
    FAIL("%s: evaluation failed", what);
    return;
  }
  int64_t n, rows, stride;
  ref_rows(rp, ax, &n, &rows, &stride);
  int64_t k = kth < 0 ? kth + n : kth;
  int bad = 0;
  for (int64_t r = 0; r < rows && bad < 3; r++) {
    int64_t b = ref_row_base(r, n, stride), pk = b + k * stride;
    for (int64_t j = 0; j < n; j++) {
      int c = ref_cmp(rp, b + j * stride, pk);
      if ((j < k && c > 0) || (j > k && c < 0)) {
        if (bad++ < 3) FAIL("%s: row %lld: element %lld is on the wrong side of kth %lld", what, (long long)r, (long long)j, (long long)k);
        break;
      }
    }
  }
  /* multiset: sorting both gives the same values */
  ref_array *sa = ref_argsort(ra, ax, false), *sp = ref_argsort(rp, ax, false);
  ref_array *va = ref_take_along(ra, sa, ax), *vp = ref_take_along(rp, sp, ax);
  for (int64_t i = 0; i < va->size && bad < 3; i++)
    if (ref_cmp(va, i, i) != 0 || (va->re[i] != vp->re[i] && !(isnan(va->re[i]) && isnan(vp->re[i]))) ||
        (va->iv && va->iv[i] != vp->iv[i]))
      if (bad++ < 3) FAIL("%s: not a permutation of the input (sorted element %lld differs)", what, (long long)i);
  ref_free(sa);
  ref_free(sp);
  ref_free(va);
  ref_free(vp);
  ref_free(ra);
  ref_free(rp);
}

TEST(partition_property) {
  for (int dt = 0; dt < MX_NUM_DTYPES; dt++) {
    for (int which = 0; which < 5; which++) {
      mx_scope s = mx_scope_begin();
      /* DOM_ANY has NaN/inf/-0.0 for floats; bool and small ints give many ties */
      mx_array *a = layout(which, (mx_dtype)dt, (uint64_t)(dt * 10 + which), DOM_ANY);
      int nd = mx_array_ndim(a);
      for (int axc = 0; axc < 2; axc++) {
        int ax = axc == 0 ? 0 : nd - 1;
        int64_t n = mx_array_shape(a)[ax];
        int64_t kths[4] = {0, n / 2, -1, n / 3};
        for (int q = 0; q < 4; q++) {
          char what[96];
          snprintf(what, sizeof what, "partition(%s, layout %d, axis %d, kth %lld)",
                   mx_dtype_name((mx_dtype)dt), which, ax, (long long)kths[q]);
          check_partition(a, mx_partition(a, kths[q], ax), ax, kths[q], what);
          mx_array *ap = mx_argpartition(a, kths[q], ax);
          snprintf(what, sizeof what, "argpartition(%s, layout %d, axis %d, kth %lld)",
                   mx_dtype_name((mx_dtype)dt), which, ax, (long long)kths[q]);
          check_partition(a, mx_take_along_axis(a, ap, ax), ax, kths[q], what);
          /* positions are a permutation of each row */
          mx_array *cnt = mx_sum(mx_sort(ap, ax), MX_ALL_AXES, false);
          CHECK_CLOSE(mx_item_f64(cnt), (double)(mx_array_size(a) / n) * (double)(n * (n - 1) / 2), 0, 0);
        }
      }
      mx_scope_end(s);
    }
  }
}

TEST(stable_sort_nan_and_signed_zero) {
  /* ties keep their order; -0.0 and 0.0 are equal; NaN after +inf, in their order */
  mx_array *a = f32v(11, (float[]){3, 1, 3, -0.0f, 0.0f, NAN, 1, -NAN, INFINITY, -INFINITY, 0.0f});
  check_i64(mx_argsort(a, 0), 11, (int64_t[]){9, 3, 4, 10, 1, 6, 0, 2, 8, 5, 7}, "argsort f32");
  mx_array *b = f32v(3, (float[]){0.0f, -0.0f, 0.0f});
  check_i64(mx_argsort(b, 0), 3, (int64_t[]){0, 1, 2}, "argsort signed zeros");
  const float *v = mx_array_data(mx_sort(a, 0));
  CHECK(v && v[0] == -INFINITY && v[8] == INFINITY && isnan(v[9]) && isnan(v[10]) && signbit(v[1]) && !signbit(v[2]));
  /* halves and float64 the same */
  for (int k = 0; k < 3; k++) {
    mx_dtype dt = k == 0 ? MX_FLOAT16 : k == 1 ? MX_BFLOAT16 : MX_FLOAT64;
    check_i64(mx_argsort(mx_astype(a, dt), 0), 11, (int64_t[]){9, 3, 4, 10, 1, 6, 0, 2, 8, 5, 7}, mx_dtype_name(dt));
  }
  /* a strided row of ties: positions in order */
  mx_array *t = mx_slice_axis(mx_zeros(MX_SHAPE(4, 10), MX_INT8), 1, MX_END, MX_END, -3);
  const int64_t *p = mx_array_data(mx_argsort(t, 1));
  CHECK(p && p[0] == 0 && p[1] == 1 && p[2] == 2 && p[3] == 3);
  /* partition breaks ties by position too: among equal values, position 17 lands at kth 17
   * with positions 0..16 before it */
  const int64_t *ap = mx_array_data(mx_argpartition(mx_zeros(MX_SHAPE(40), MX_FLOAT32), 17, 0));
  int64_t most = -1;
  for (int i = 0; ap && i < 17; i++) most = ap[i] > most ? ap[i] : most;
  CHECK(ap && ap[17] == 17 && most == 16);
}

TEST(complex_order_is_lexicographic) {
  float v[] = {1, 2, 1, 1, NAN, 0, 0, 5, 1, NAN, NAN, NAN, NAN, -1};
  mx_array *c = mx_array_new(v, MX_SHAPE(7), MX_COMPLEX64);
  /* NumPy: [0+5j, 1+1j, 1+2j, 1+nanj, nan-1j, nan+0j, nan+nanj] */
  check_i64(mx_argsort(c, 0), 7, (int64_t[]){3, 1, 0, 4, 6, 2, 5}, "argsort complex64");
  check_i64(mx_argtopk(c, 2, 0), 2, (int64_t[]){5, 2}, "argtopk complex64");
}

TEST(integer_extremes) {
  int64_t v[] = {5, INT64_MIN, -1, INT64_MAX, 0, INT64_MIN + 1, INT64_MAX - 1};
  check_i64(mx_argsort(mx_array_new(v, MX_SHAPE(7), MX_INT64), 0), 7, (int64_t[]){1, 5, 2, 4, 0, 6, 3}, "int64");
  uint64_t u[] = {UINT64_MAX, 1, (uint64_t)INT64_MAX + 1, 0, (uint64_t)INT64_MAX};
  check_i64(mx_argsort(mx_array_new(u, MX_SHAPE(5), MX_UINT64), 0), 5, (int64_t[]){3, 1, 4, 2, 0}, "uint64");
  check_i64(mx_argtopk(mx_array_new(u, MX_SHAPE(5), MX_UINT64), 2, 0), 2, (int64_t[]){0, 2}, "uint64 topk");
  uint8_t b[] = {1, 0, 1, 0};
  check_i64(mx_argsort(mx_array_new(b, MX_SHAPE(4), MX_BOOL), 0), 4, (int64_t[]){1, 3, 0, 2}, "bool");
}

TEST(topk_ties_and_nan) {
  mx_array *a = mx_array_new((int32_t[]){3, 1, 3, 2, 3}, MX_SHAPE(5), MX_INT32);
  check_i64(mx_argtopk(a, 2, 0), 2, (int64_t[]){0, 2}, "argtopk k=2");
  check_i64(mx_argtopk(a, 4, 0), 4, (int64_t[]){0, 2, 4, 3}, "argtopk k=4");
  const int32_t *v = mx_array_data(mx_topk(a, 4, 0));
  CHECK(v && v[0] == 3 && v[1] == 3 && v[2] == 3 && v[3] == 2);
  check_i64(mx_argtopk(f32v(3, (float[]){1, NAN, 5}), 2, 0), 2, (int64_t[]){1, 2}, "NaN counts as the largest");
  CHECK_INT(mx_array_size(mx_topk(a, 0, 0)), 0);
  /* many ties on the selection (partition) path: the lowest positions win, in order */
  mx_array *ones = mx_ones(MX_SHAPE(2, 1000), MX_INT8);
  mx_array *idx = mx_argtopk(ones, 10, 1);
  const int64_t *p = mx_array_data(idx);
  for (int r = 0; p && r < 2; r++)
    for (int j = 0; j < 10; j++)
      if (p[r * 10 + j] != j) FAIL("row %d: [%d] = %lld", r, j, (long long)p[r * 10 + j]);
  /* ties straddling the cut: values 0..9 repeated 100 times, top 150 are all the 9s and 50 8s */
  int16_t *w = malloc(sizeof(int16_t) * 1000);
  for (int i = 0; i < 1000; i++) w[i] = (int16_t)(i % 10);
  const int64_t *q = mx_array_data(mx_argtopk(mx_array_new(w, MX_SHAPE(1000), MX_INT16), 150, 0));
  for (int j = 0; q && j < 150; j++) {
    int64_t want = j < 100 ? 9 + 10 * j : 8 + 10 * (j - 100);
    if (q[j] != want) {
      FAIL("argtopk ties at the cut: [%d] = %lld, want %lld", j, (long long)q[j], (long long)want);
      break;
    }
  }
  free(w);
}

TEST(sort_errors_name_the_op) {
  mx_array *a = mx_zeros(MX_SHAPE(3, 5), MX_FLOAT32);
  CHECK_ERROR(mx_sort(a, 2), "mx_sort: axis 2 is out of range for an array with 2 dimensions");
  CHECK_ERROR(mx_argsort(a, -3), "mx_argsort: axis -3");
  CHECK_ERROR(mx_sort(mx_scalar(1), 0), "mx_sort: axis 0 is out of range for an array with 0");
  CHECK_ERROR(mx_partition(a, 5, 1), "mx_partition: kth 5 is out of range for axis 1 of size 5");
  CHECK_ERROR(mx_argpartition(a, -4, 0), "mx_argpartition: kth -4 is out of range for axis 0 of size 3");
  CHECK_ERROR(mx_partition(mx_zeros(MX_SHAPE(0), MX_INT32), 0, 0), "mx_partition: kth 0 is out of range");
  CHECK_ERROR(mx_topk(a, 6, 1), "mx_topk: k = 6 is out of range for axis 1 of size 5");
  CHECK_ERROR(mx_argtopk(a, -1, 0), "mx_argtopk: k = -1");
  CHECK_ERROR(mx_topk(a, 1, 4), "mx_topk: axis 4");
  CHECK_ERROR(mx_sort(mx_take(a, mx_zeros(MX_SHAPE(1), MX_FLOAT32), 0), 0), "mx_take: indices must");
  /* 0-d with MX_AXIS_NONE is a 1-element sort */
  check_i64(mx_argsort(mx_scalar(4), MX_AXIS_NONE), 1, (int64_t[]){0}, "0-d");
}

static int cmp_float(const void *a, const void *b) {
  float x = *(const float *)a, y = *(const float *)b;
  return (x > y) - (x < y);
}

TEST(large_inputs) {
  /* one long row (flattened) and many rows in parallel, against qsort */
  enum { N = 1 << 20, R = 2000, C = 500 };
  float *v = malloc(sizeof(float) * N);
  uint64_t st = 7;
  for (int i = 0; i < N; i++) v[i] = (float)ref_uniform(&st, -1000, 1000);
  mx_array *a = mx_array_new(v, MX_SHAPE(1024, 1024), MX_FLOAT32);
  const float *s = mx_array_data(mx_sort(a, MX_AXIS_NONE));
  qsort(v, N, sizeof(float), cmp_float);
  CHECK(s && memcmp(s, v, sizeof(float) * N) == 0);
  mx_array *b = mx_reshape(mx_array_new(v, MX_SHAPE(N), MX_FLOAT32), MX_SHAPE(R * C / 1000, 1000));
  b = mx_transpose(mx_reshape(mx_slice_axis(mx_flatten(b, 0, -1), 0, 0, R * C, 1), MX_SHAPE(C, R)), MX_ALL_AXES);
  const float *rs = mx_array_data(mx_sort(mx_negative(b), 1)); /* rows of a transposed view */
  const float *src = mx_array_data(b);
  float *row = malloc(sizeof(float) * C);
  int bad = 0;
  for (int r = 0; rs && src && r < R && bad < 3; r++) {
    for (int j = 0; j < C; j++) row[j] = -src[r * C + j];
    qsort(row, C, sizeof(float), cmp_float);
    if (memcmp(row, rs + (size_t)r * C, sizeof(float) * C) != 0 && bad++ < 3) FAIL("row %d differs", r);
  }
  /* top-k over large rows, both paths, against the sorted rows */
  const float *tk = mx_array_data(mx_topk(b, 7, 1));
  const float *tk2 = mx_array_data(mx_topk(b, 300, 1));
  for (int r = 0; tk && tk2 && r < R && bad < 3; r++) {
    for (int j = 0; j < C; j++) row[j] = src[r * C + j];
    qsort(row, C, sizeof(float), cmp_float);
    for (int j = 0; j < 300; j++)
      if ((j < 7 && tk[r * 7 + j] != row[C - 1 - j]) || tk2[r * 300 + j] != row[C - 1 - j]) {
        if (bad++ < 3) FAIL("topk row %d [%d]", r, j);
        break;
      }
  }
  free(row);
  free(v);
}
