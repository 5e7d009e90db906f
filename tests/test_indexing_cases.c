/* test_indexing_cases.c — the indexing family's error paths (bad indices fail evaluation with a
 * message naming the op; bad arguments give error arrays) and hand-checked cases: NumPy
 * examples, repeated-index semantics, casts, large multi-threaded gathers and scatters. */
#include "index_ref.h"

static mx_array *i64(int n, const int64_t *v) { return mx_array_new(v, MX_SHAPE(n), MX_INT64); }
static mx_array *f32(mx_shape s, const float *v) { return mx_array_new(v, s, MX_FLOAT32); }

/* The array must fail to evaluate with a message containing both substrings. */
#define CHECK_EVAL_FAILS(a, s1, s2) check_eval_fails((a), (s1), (s2), __FILE__, __LINE__)
static void check_eval_fails(mx_array *a, const char *s1, const char *s2, const char *file, int line) {
  mx_clear_error();
  if (mx_is_error(a)) {
    mxt_fail(file, line, "construction failed instead of evaluation: %s", mx_array_error(a));
  } else if (mx_eval(a) == MX_OK) {
    mxt_fail(file, line, "evaluation succeeded; expected an error with \"%s\"", s1);
  } else {
    const char *e = mx_last_error();
    if (!e || !strstr(e, s1) || !strstr(e, s2))
      mxt_fail(file, line, "error \"%s\" lacks \"%s\" or \"%s\"", e ? e : "(none)", s1, s2);
  }
  mx_clear_error();
}

static void check_values(mx_array *a, int n, const double *want, const char *what) {
  if (!CHECK(mx_array_size(a) == n)) return;
  for (int i = 0; i < n; i++) {
    double got = mx_array_get_f64(mx_flatten(a, 0, -1), (int64_t[]){i});
    if (got != want[i]) FAIL("%s: element %d = %g, want %g", what, i, got, want[i]);
  }
}

TEST(out_of_range_indices_fail_evaluation) {
  mx_array *a = mx_arange(0, 5, 1, MX_FLOAT32);
  mx_array *m = mx_reshape(mx_arange(0, 12, 1, MX_INT32), MX_SHAPE(3, 4));
  CHECK_EVAL_FAILS(mx_take(a, i64(2, (int64_t[]){1, 5}), 0), "mx_take", "index 5 is out of range");
  CHECK_EVAL_FAILS(mx_take(a, i64(1, (int64_t[]){-6}), MX_AXIS_NONE), "mx_take", "-6");
  uint64_t huge = UINT64_MAX;
  CHECK_EVAL_FAILS(mx_take(a, mx_array_new(&huge, MX_SHAPE(1), MX_UINT64), 0), "mx_take",
                   "18446744073709551615");
  mx_array *bad = mx_array_new((int64_t[]){0, 4, 1, 2, 0, 1, 2, 0}, MX_SHAPE(2, 4), MX_INT64);
  CHECK_EVAL_FAILS(mx_take_along_axis(m, bad, 0), "mx_take_along_axis", "index 4 is out of range for axis 0 of size 3");
  CHECK_EVAL_FAILS(mx_put_along_axis(m, bad, mx_scalar(1), 0), "mx_put_along_axis", "index 4");
  CHECK_EVAL_FAILS(mx_scatter_along_axis(m, bad, mx_scalar(1), 0, MX_SCATTER_ADD),
                   "mx_scatter_along_axis", "index 4");
  mx_array *idx2[2] = {i64(2, (int64_t[]){0, 2}), i64(2, (int64_t[]){3, 4})};
  CHECK_EVAL_FAILS(mx_gather(m, 2, idx2, (int[]){0, 1}, (int64_t[]){1, 1}), "mx_gather",
                   "index 4 (index array 1) is out of range for axis 1 of size 4");
  /* a block must fit: start 3 with a block of 2 on an axis of 4 */
  mx_array *i3 = i64(1, (int64_t[]){3});
  CHECK_EVAL_FAILS(mx_gather(m, 1, &i3, (int[]){1}, (int64_t[]){1, 2}), "mx_gather", "block of 2");
  mx_array *upd = mx_ones(MX_SHAPE(2, 1, 4), MX_INT32);
  CHECK(mx_eval(mx_scatter(m, 1, idx2, (int[]){0}, upd, MX_SCATTER_ADD)) == MX_OK);
  mx_array *i9 = i64(2, (int64_t[]){0, -4});
  CHECK_EVAL_FAILS(mx_scatter(m, 1, &i9, (int[]){0}, upd, MX_SCATTER_ASSIGN), "mx_scatter", "-4");
  /* the program goes on: a valid op still evaluates */
  CHECK_CLOSE(mx_item_f64(mx_sum(mx_take(a, i64(2, (int64_t[]){-1, 0}), 0), MX_ALL_AXES, false)), 4, 0, 0);
}

TEST(large_parallel_gather_reports_first_bad_index) {
  int64_t n = 300000;
  int64_t *v = malloc((size_t)n * sizeof *v);
  for (int64_t i = 0; i < n; i++) v[i] = i % 1000;
  v[200001] = 1000; /* first bad */
  v[250000] = -1001;
  mx_array *a = mx_reshape(mx_arange(0, 64000, 1, MX_FLOAT32), MX_SHAPE(1000, 64));
  mx_array *r = mx_take(a, mx_array_new(v, MX_SHAPE(n), MX_INT64), 0);
  CHECK_EVAL_FAILS(r, "index 1000 is out of range", "mx_take");
  free(v);
}

TEST(bad_arguments_are_error_arrays) {
  mx_array *a = mx_zeros(MX_SHAPE(3, 4), MX_FLOAT32);
  mx_array *fi = mx_array_new((float[]){0, 1}, MX_SHAPE(2), MX_FLOAT32);
  mx_array *bi = mx_array_new((uint8_t[]){0, 1}, MX_SHAPE(2), MX_BOOL);
  mx_array *ii = i64(2, (int64_t[]){0, 1});
  CHECK_ERROR(mx_take(a, fi, 0), "mx_take: indices must have an integer dtype, not float32");
  CHECK_ERROR(mx_take(a, bi, 0), "mx_take: indices must have an integer dtype, not bool");
  CHECK_ERROR(mx_take_along_axis(a, mx_zeros(MX_SHAPE(3, 4), MX_FLOAT16), 0), "mx_take_along_axis: indices must");
  CHECK_ERROR(mx_put_along_axis(a, mx_zeros(MX_SHAPE(3, 4), MX_FLOAT64), mx_scalar(1), 0), "mx_put_along_axis: indices");
  CHECK_ERROR(mx_gather(a, 1, &fi, (int[]){0}, (int64_t[]){1, 4}), "mx_gather: indices must");
  CHECK_ERROR(mx_scatter(a, 1, &bi, (int[]){0}, mx_zeros(MX_SHAPE(2, 1, 4), MX_FLOAT32), MX_SCATTER_ADD), "mx_scatter: indices must");
  /* axes */
  CHECK_ERROR(mx_take(a, ii, 2), "mx_take: axis 2 is out of range");
  CHECK_ERROR(mx_take(a, ii, -3), "mx_take: axis -3");
  CHECK_ERROR(mx_take_along_axis(a, mx_zeros(MX_SHAPE(3, 4), MX_INT32), 5), "mx_take_along_axis: axis 5");
  CHECK_ERROR(mx_scatter_along_axis(a, mx_zeros(MX_SHAPE(3, 4), MX_INT32), mx_scalar(1), -3, MX_SCATTER_ADD), "mx_scatter_along_axis: axis -3");
  CHECK_ERROR(mx_gather(a, 1, &ii, (int[]){2}, (int64_t[]){1, 1}), "mx_gather: axis 2");
  mx_array *two[2] = {ii, ii};
  CHECK_ERROR(mx_gather(a, 2, two, (int[]){0, -2}, (int64_t[]){1, 1}), "mx_gather: axis -2 is indexed twice");
  CHECK_ERROR(mx_gather(a, 3, (mx_array *[]){ii, ii, ii}, (int[]){0, 1, 1}, (int64_t[]){1, 1}), "mx_gather: 3 index arrays");
  CHECK_ERROR(mx_take(mx_scalar(1), ii, 0), "mx_take: axis 0 is out of range for an array with 0");
  CHECK_ERROR(mx_take(mx_zeros(MX_SHAPE(0, 2), MX_INT8), ii, 0), "mx_take: cannot take 2 elements from the empty axis 0");
  /* shapes */
  CHECK_ERROR(mx_gather(a, 1, &ii, (int[]){0}, (int64_t[]){1, 5}), "mx_gather: slice sizes (1,5) do not fit an array of shape (3,4)");
  CHECK_ERROR(mx_gather(a, 2, (mx_array *[]){ii, i64(3, (int64_t[]){0, 1, 2})}, (int[]){0, 1}, (int64_t[]){1, 1}),
              "mx_gather: index arrays of shapes (2) and (3) cannot be broadcast");
  CHECK_ERROR(mx_scatter(a, 1, &ii, (int[]){0}, mx_zeros(MX_SHAPE(2, 4), MX_FLOAT32), MX_SCATTER_ADD),
              "mx_scatter: updates of shape (2,4) do not match indices of shape (2)");
  CHECK_ERROR(mx_scatter(a, 1, &ii, (int[]){0}, mx_zeros(MX_SHAPE(3, 1, 4), MX_FLOAT32), MX_SCATTER_ADD), "mx_scatter: updates of shape (3,1,4)");
  CHECK_ERROR(mx_scatter(a, 1, &ii, (int[]){0}, mx_zeros(MX_SHAPE(2, 1, 5), MX_FLOAT32), MX_SCATTER_ADD), "mx_scatter: updates");
  CHECK_ERROR(mx_scatter(a, 1, &ii, (int[]){0}, mx_zeros(MX_SHAPE(2, 1, 4), MX_FLOAT32), (mx_scatter_mode)9), "mx_scatter: unknown scatter mode 9");
  mx_array *c = mx_zeros(MX_SHAPE(3), MX_COMPLEX64);
  CHECK_ERROR(mx_scatter(c, 1, &ii, (int[]){0}, mx_zeros(MX_SHAPE(2, 1), MX_COMPLEX64), MX_SCATTER_MAX), "mx_scatter: max/min scatter of complex64");
  CHECK_ERROR(mx_scatter_along_axis(c, ii, mx_zeros(MX_SHAPE(2), MX_COMPLEX64), 0, MX_SCATTER_MIN), "mx_scatter_along_axis: max/min");
  CHECK_ERROR(mx_take_along_axis(a, ii, 0), "mx_take_along_axis: indices of shape (2) must have as many dimensions as the array of shape (3,4)");
  CHECK_ERROR(mx_take_along_axis(a, mx_zeros(MX_SHAPE(2, 3), MX_INT32), 0), "mx_take_along_axis: indices of shape (2,3) do not broadcast");
  CHECK_ERROR(mx_take_along_axis(a, mx_zeros(MX_SHAPE(2, 3), MX_INT32), MX_AXIS_NONE), "mx_take_along_axis: indices must be 1-d with MX_AXIS_NONE");
  CHECK_ERROR(mx_put_along_axis(a, mx_zeros(MX_SHAPE(2, 3), MX_INT32), mx_scalar(1), 0), "mx_put_along_axis: indices of shape (2,3) do not match");
  CHECK_ERROR(mx_put_along_axis(a, mx_zeros(MX_SHAPE(2, 4), MX_INT32), mx_zeros(MX_SHAPE(3, 4), MX_FLOAT32), 0),
              "mx_put_along_axis: values of shape (3,4) cannot be broadcast to the indexed shape (2,4)");
  CHECK_ERROR(mx_slice_update(a, mx_zeros(MX_SHAPE(3), MX_FLOAT32), 2, (int64_t[]){0, 0}, (int64_t[]){2, 2}, NULL),
              "mx_slice_update: update of shape (3) cannot be broadcast to the slice of shape (2,2)");
  CHECK_ERROR(mx_slice_update(a, mx_scalar(1), 1, (int64_t[]){0}, (int64_t[]){2}, (int64_t[]){0}), "mx_slice_update: step is 0 on axis 0");
  CHECK_ERROR(mx_slice_update(a, mx_scalar(1), 3, NULL, NULL, NULL), "mx_slice_update: 3 axes sliced on an array with 2");
  /* errors propagate */
  CHECK_ERROR(mx_take(mx_take(a, fi, 0), ii, 0), "mx_take: indices must have an integer dtype");
}

TEST(numpy_examples) {
  mx_array *a = mx_array_new((int32_t[]){10, 20, 30, 40}, MX_SHAPE(4), MX_INT32);
  check_values(mx_take(a, i64(3, (int64_t[]){-1, 0, 2}), 0), 3, (double[]){40, 10, 30}, "take");
  mx_array *m = mx_reshape(mx_arange(0, 12, 1, MX_INT64), MX_SHAPE(3, 4));
  mx_array *t = mx_take(m, mx_array_new((int8_t[]){3, -4, 1, 1}, MX_SHAPE(2, 2), MX_INT8), 1);
  CHECK(mx_array_ndim(t) == 3 && mx_array_shape(t)[0] == 3 && mx_array_shape(t)[1] == 2);
  check_values(t, 12, (double[]){3, 0, 1, 1, 7, 4, 5, 5, 11, 8, 9, 9}, "take axis 1");
  /* take_along_axis with argmax-style indices */
  mx_array *ix = mx_array_new((int64_t[]){1, 3, 0}, MX_SHAPE(3, 1), MX_INT64);
  check_values(mx_take_along_axis(m, ix, 1), 3, (double[]){1, 7, 8}, "take_along_axis");
  /* repeated indices: scatter add accumulates, put_along_axis keeps the last write */
  mx_array *z = mx_zeros(MX_SHAPE(5), MX_FLOAT32);
  mx_array *idx = i64(5, (int64_t[]){0, 1, 0, -1, 0});
  mx_array *u = f32(MX_SHAPE(5, 1), (float[]){1, 2, 3, 4, 5});
  check_values(mx_scatter(z, 1, &idx, (int[]){0}, u, MX_SCATTER_ADD), 5, (double[]){9, 2, 0, 0, 4}, "scatter add");
  check_values(mx_scatter(z, 1, &idx, (int[]){0}, u, MX_SCATTER_ASSIGN), 5, (double[]){5, 2, 0, 0, 4}, "scatter assign");
  check_values(mx_scatter(mx_ones(MX_SHAPE(5), MX_FLOAT32), 1, &idx, (int[]){0}, u, MX_SCATTER_PROD), 5,
               (double[]){15, 2, 1, 1, 4}, "scatter prod");
  check_values(mx_put_along_axis(z, i64(3, (int64_t[]){1, 1, 2}), f32(MX_SHAPE(3), (float[]){5, 6, 7}), 0), 5,
               (double[]){0, 6, 7, 0, 0}, "put_along_axis last write wins");
  check_values(mx_scatter_along_axis(z, idx, f32(MX_SHAPE(5), (float[]){1, 2, 3, 4, 5}), 0, MX_SCATTER_MAX), 5,
               (double[]){5, 2, 0, 0, 4}, "scatter_along_axis max");
  /* put_along_axis with indices broadcast over the other axis, values a scalar */
  mx_array *p = mx_put_along_axis(mx_zeros(MX_SHAPE(2, 3), MX_INT16), mx_array_new((int64_t[]){2}, MX_SHAPE(1, 1), MX_INT64),
                                  mx_scalar(7), 1);
  check_values(p, 6, (double[]){0, 0, 7, 0, 0, 7}, "put_along_axis broadcast");
  /* gather with no index arrays: the block at the origin */
  mx_array *g = mx_gather(m, 0, NULL, NULL, (int64_t[]){2, 2});
  CHECK(mx_array_ndim(g) == 2);
  check_values(g, 4, (double[]){0, 1, 4, 5}, "gather n=0");
  /* a 5-d array indexed by 4-d indices along axis 2: an 8-d result */
  mx_array *big = mx_reshape(mx_arange(0, 2 * 3 * 4 * 2 * 2, 1, MX_INT32), MX_SHAPE(2, 3, 4, 2, 2));
  mx_array *i4 = mx_reshape(mx_array_new((int16_t[]){3, 0}, MX_SHAPE(2), MX_INT16), MX_SHAPE(1, 2, 1, 1));
  mx_array *t8 = mx_take(big, i4, 2);
  CHECK(mx_array_ndim(t8) == 8);
  CHECK_CLOSE(mx_array_get_f64(t8, (int64_t[]){1, 2, 0, 1, 0, 0, 1, 0}), 1 * 48 + 2 * 16 + 0 * 4 + 1 * 2 + 0, 0, 0);
  CHECK_CLOSE(mx_array_get_f64(t8, (int64_t[]){1, 2, 0, 0, 0, 0, 1, 1}), 1 * 48 + 2 * 16 + 3 * 4 + 1 * 2 + 1, 0, 0);
  /* take from a 0-d array */
  check_values(mx_take(mx_scalar_typed(3.5, MX_FLOAT64), i64(2, (int64_t[]){0, -1}), MX_AXIS_NONE), 2,
               (double[]){3.5, 3.5}, "take 0-d");
}

TEST(slice_update_cases) {
  mx_array *a = mx_arange(0, 6, 1, MX_INT32);
  /* a float update is cast to the array's dtype (truncation, as NumPy assignment) */
  check_values(mx_slice_update(a, mx_scalar(2.7), 1, (int64_t[]){1}, (int64_t[]){3}, NULL), 6,
               (double[]){0, 2, 2, 3, 4, 5}, "cast");
  check_values(mx_slice_update(a, mx_array_new((int32_t[]){7, 8, 9}, MX_SHAPE(3), MX_INT32), 1,
                               (int64_t[]){MX_END}, (int64_t[]){MX_END}, (int64_t[]){-2}),
               6, (double[]){0, 9, 2, 8, 4, 7}, "negative step");
  /* a step too large to add to anything: one element */
  check_values(mx_slice_update(a, mx_scalar_int(-1), 1, (int64_t[]){2}, (int64_t[]){MX_END}, (int64_t[]){INT64_MAX}),
               6, (double[]){0, 1, -1, 3, 4, 5}, "huge step");
  check_values(mx_slice(a, 1, (int64_t[]){MX_END}, (int64_t[]){MX_END}, (int64_t[]){INT64_MIN}), 1, (double[]){5}, "INT64_MIN step");
  /* an empty slice changes nothing; a full slice is the update */
  check_values(mx_slice_update(a, mx_scalar_int(9), 1, (int64_t[]){4}, (int64_t[]){2}, NULL), 6,
               (double[]){0, 1, 2, 3, 4, 5}, "empty slice");
  check_values(mx_slice_update(a, mx_scalar_int(9), 1, NULL, NULL, NULL), 6, (double[]){9, 9, 9, 9, 9, 9}, "full");
  /* updating in a loop: each step may reuse the previous buffer */
  mx_array *x = mx_keep(mx_zeros(MX_SHAPE(8), MX_FLOAT32));
  for (int i = 0; i < 8; i++) {
    mx_scope s = mx_scope_begin();
    mx_array *y = mx_slice_update(x, mx_scalar(i * 10.0), 1, (int64_t[]){i}, (int64_t[]){i + 1}, NULL);
    CHECK_OK(y);
    x = mx_keep(y);
    mx_scope_end(s);
  }
  check_values(x, 8, (double[]){0, 10, 20, 30, 40, 50, 60, 70}, "loop");
}

TEST(large_gather_and_scatter_match_loops) {
  enum { V = 1000, D = 64, N = 100000 };
  float *table = malloc(sizeof(float) * V * D), *upd = malloc(sizeof(float) * N * D);
  int32_t *idx = malloc(sizeof(int32_t) * N);
  for (int i = 0; i < V * D; i++) table[i] = (float)(i % 977) * 0.5f;
  for (int i = 0; i < N * D; i++) upd[i] = (float)((i * 7) % 13) - 6.0f;
  for (int i = 0; i < N; i++) idx[i] = (i * 7919) % V - (i % 2 ? V : 0);
  mx_array *t = mx_array_new(table, MX_SHAPE(V, D), MX_FLOAT32);
  mx_array *ix = mx_array_new(idx, MX_SHAPE(N), MX_INT32);
  const float *g = mx_array_data(mx_take(t, ix, 0));
  int bad = 0;
  for (int i = 0; g && i < N && bad < 5; i++) {
    int row = (idx[i] + V) % V;
    for (int j = 0; j < D; j++)
      if (g[i * D + j] != table[row * D + j] && bad++ < 5) FAIL("gather [%d, %d]", i, j);
  }
  CHECK(g != NULL);
  /* embedding-gradient scatter add: rows accumulate in index order */
  double *want = calloc(V * D, sizeof(double));
  for (int i = 0; i < N; i++)
    for (int j = 0; j < D; j++) want[((idx[i] + V) % V) * D + j] += upd[i * D + j];
  mx_array *u = mx_array_new(upd, MX_SHAPE(N, 1, D), MX_FLOAT32);
  const float *s = mx_array_data(mx_scatter(mx_zeros(MX_SHAPE(V, D), MX_FLOAT32), 1, &ix, (int[]){0}, u, MX_SCATTER_ADD));
  CHECK(s != NULL);
  for (int i = 0; s && i < V * D && bad < 5; i++)
    if (fabs(s[i] - want[i]) > 1e-3 && bad++ < 5) FAIL("scatter add [%d] = %g, want %g", i, s[i], want[i]);
  free(table);
  free(upd);
  free(idx);
  free(want);
}
