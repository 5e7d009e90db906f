/* test_join.c — the join family's hand-checked cases (dtype promotion over every pair, weak
 * scalars, many and empty pieces, mixed layouts, extreme shifts, 8-d inputs) and its error
 * paths: error arrays naming the op and the shapes, and the program keeps running. */
#include "harness.h"

/* Reads a as float64 values. */
static void read_f64(mx_array *a, double *out, size_t cap) {
  if (!CHECK(mx_array_copy_to(a, out, cap, MX_FLOAT64) == MX_OK)) memset(out, 0, cap * sizeof *out);
}

TEST(concatenate_promotes_every_dtype_pair) {
  int32_t v[2] = {1, 0};
  mx_array *base = mx_array_new(v, MX_SHAPE(2), MX_INT32);
  for (int i = 0; i < MX_NUM_DTYPES; i++)
    for (int j = 0; j < MX_NUM_DTYPES; j++) {
      mx_scope s = mx_scope_begin();
      mx_array *in[2] = {mx_astype(base, (mx_dtype)i), mx_flip(mx_astype(base, (mx_dtype)j), MX_ALL_AXES)};
      mx_array *r = mx_concatenate(2, in, 0);
      CHECK_INT(mx_array_dtype(r), mx_promote_types((mx_dtype)i, (mx_dtype)j));
      double got[4];
      read_f64(r, got, 4);
      CHECK(got[0] == 1 && got[1] == 0 && got[2] == 0 && got[3] == 1);
      mx_scope_end(s);
    }
}

TEST(concatenate_weak_scalars_defer) {
  int8_t v[2] = {-3, 4};
  mx_array *a = mx_array_new(v, MX_SHAPE(2), MX_INT8);
  mx_array *in[2] = {a, mx_scalar_int(7)};
  mx_array *r = mx_concatenate(2, in, MX_AXIS_NONE);
  CHECK_INT(mx_array_dtype(r), MX_INT8);
  double got[3];
  read_f64(r, got, 3);
  CHECK(got[0] == -3 && got[1] == 4 && got[2] == 7);
  in[1] = mx_scalar(2.5);
  r = mx_concatenate(2, in, MX_AXIS_NONE);
  CHECK_INT(mx_array_dtype(r), MX_FLOAT32);
  read_f64(r, got, 3);
  CHECK(got[0] == -3 && got[1] == 4 && got[2] == 2.5);
}

TEST(concatenate_many_and_empty_pieces) {
  enum { N = 300 };
  mx_array *parts[N];
  for (int k = 0; k < N; k++) parts[k] = mx_full(MX_SHAPE(2, k % 3), k, MX_INT16); /* some (2,0) */
  mx_array *r = mx_concatenate(N, parts, 1);
  CHECK_INT(mx_array_dim(r, 1), N); /* 0 + 1 + 2 per three pieces */
  const int16_t *d = mx_array_data(r);
  if (CHECK(d != NULL)) {
    int64_t col = 0;
    bool ok = true;
    for (int k = 0; k < N; k++)
      for (int c = 0; c < k % 3; c++, col++) ok &= d[col] == k && d[N + col] == k;
    CHECK(ok);
  }
  mx_array *one[1] = {mx_zeros(MX_SHAPE(0, 4), MX_FLOAT32)};
  r = mx_concatenate(1, one, 0);
  CHECK_OK(r);
  CHECK_INT(mx_array_size(r), 0);
}

/* Inputs of different layouts in one concatenate: transposed, broadcast, reversed, contiguous. */
TEST(concatenate_mixed_layouts) {
  mx_array *m = mx_reshape(mx_arange(0, 12, 1, MX_INT32), MX_SHAPE(3, 4));
  mx_array *parts[4] = {
      mx_transpose(mx_reshape(mx_arange(100, 106, 1, MX_INT32), MX_SHAPE(2, 3)), MX_ALL_AXES),
      mx_broadcast_to(mx_reshape(mx_arange(50, 53, 1, MX_INT32), MX_SHAPE(3, 1)), MX_SHAPE(3, 2)),
      mx_flip(m, MX_AXES(1)),
      m,
  };
  mx_array *r = mx_concatenate(4, parts, 1); /* [3, 2 + 2 + 4 + 4] */
  const int32_t *d = mx_array_data(r);
  if (!CHECK(d != NULL)) return;
  for (int i = 0; i < 3; i++) {
    const int32_t want[12] = {100 + i, 103 + i, 50 + i, 50 + i, 4 * i + 3, 4 * i + 2, 4 * i + 1, 4 * i,
                              4 * i, 4 * i + 1, 4 * i + 2, 4 * i + 3};
    for (int j = 0; j < 12; j++) CHECK_INT(d[i * 12 + j], want[j]);
  }
}

TEST(split_parts_and_unstack_shapes) {
  mx_array *a = mx_reshape(mx_arange(0, 24, 1, MX_INT32), MX_SHAPE(4, 6));
  mx_array *p[3];
  CHECK_INT(mx_split(a, 3, 1, 3, p), 3);
  for (int k = 0; k < 3; k++) {
    CHECK_INT(mx_array_dim(p[k], 0), 4);
    CHECK_INT(mx_array_dim(p[k], 1), 2);
    int64_t idx[2] = {3, 1};
    CHECK_CLOSE(mx_array_get_f64(p[k], idx), 18 + 2 * k + 1, 0, 0);
  }
  mx_array *q[1];
  CHECK_INT(mx_split_at(a, 0, NULL, 0, 1, q), 1); /* no indices: one part, the whole array */
  CHECK_INT(mx_array_size(q[0]), 24);
  mx_array *u[4];
  CHECK_INT(mx_unstack(a, 0, 4, u), 4);
  for (int k = 0; k < 4; k++) {
    CHECK_INT(mx_array_ndim(u[k]), 1);
    int64_t idx[1] = {5};
    CHECK_CLOSE(mx_array_get_f64(u[k], idx), 6 * k + 5, 0, 0);
  }
  mx_array *e[2];
  mx_split(mx_zeros(MX_SHAPE(0, 3), MX_INT8), 2, 0, 2, e); /* 0 splits into empty parts */
  CHECK_INT(mx_array_size(e[0]), 0);
  CHECK_INT(mx_array_size(e[1]), 0);
}

TEST(roll_extreme_shifts) {
  mx_array *a = mx_arange(0, 5, 1, MX_INT64);
  const int64_t shifts[] = {INT64_MIN, INT64_MAX, 5, -5, 0, 12, -12};
  for (size_t i = 0; i < sizeof shifts / sizeof shifts[0]; i++) {
    mx_array *r = mx_roll(a, shifts[i], 0);
    const int64_t *d = mx_array_data(r);
    if (!CHECK(d != NULL)) continue;
    int64_t s = shifts[i] % 5;
    for (int64_t j = 0; j < 5; j++) CHECK_INT(d[j], ((j - s) % 5 + 5) % 5);
  }
  mx_array *z = mx_roll(mx_scalar_typed(4, MX_INT32), 3, MX_AXIS_NONE); /* 0-d stays 0-d */
  CHECK_INT(mx_array_ndim(z), 0);
  CHECK_INT(mx_item_i64(z), 4);
}

TEST(pad_empty_and_partial) {
  /* constant padding of an empty array: all constant */
  int64_t lo[2] = {1, 1}, hi[2] = {0, 2};
  mx_array *r = mx_pad(mx_zeros(MX_SHAPE(0, 3), MX_FLOAT32), 2, lo, hi, MX_PAD_CONSTANT, 9);
  CHECK_INT(mx_array_dim(r, 0), 1);
  CHECK_INT(mx_array_dim(r, 1), 6);
  double got[6];
  read_f64(r, got, 6);
  for (int i = 0; i < 6; i++) CHECK(got[i] == 9);
  /* edge mode along a non-empty axis of an empty array: still empty, no error */
  int64_t lo2[2] = {0, 2}, hi2[2] = {0, 1};
  r = mx_pad(mx_zeros(MX_SHAPE(0, 3), MX_FLOAT32), 2, lo2, hi2, MX_PAD_EDGE, 0);
  CHECK_OK(r);
  CHECK_INT(mx_array_dim(r, 1), 6);
  /* complex constant: real part, imaginary 0; bool: nonzero is true */
  r = mx_pad(mx_zeros(MX_SHAPE(1), MX_COMPLEX64), 1, lo, hi, MX_PAD_CONSTANT, 1.5);
  const float *c = mx_array_data(r);
  if (CHECK(c != NULL)) CHECK(c[0] == 1.5f && c[1] == 0 && c[2] == 0 && c[3] == 0);
  r = mx_pad(mx_zeros(MX_SHAPE(1), MX_BOOL), 1, lo, hi, MX_PAD_CONSTANT, 0.25);
  const uint8_t *b = mx_array_data(r);
  if (CHECK(b != NULL)) CHECK(b[0] == 1 && b[1] == 0);
  /* no padding: the array itself */
  mx_array *x = mx_ones(MX_SHAPE(2, 2), MX_INT8);
  int64_t zero[2] = {0, 0};
  CHECK(mx_pad(x, 2, zero, zero, MX_PAD_EDGE, 0) == x);
}

TEST(tile_and_repeat_shapes) {
  mx_array *a = mx_ones(MX_SHAPE(2, 1, 3), MX_FLOAT32);
  mx_array *t = mx_tile(a, MX_SHAPE(2)); /* reps shorter than ndim: padded with leading ones */
  CHECK_INT(mx_array_ndim(t), 3);
  CHECK_INT(mx_array_dim(t, 2), 6);
  t = mx_tile(mx_scalar_typed(5, MX_INT32), MX_SHAPE(2, 2)); /* 0-d */
  CHECK_INT(mx_array_size(t), 4);
  CHECK_INT(mx_item_i64(mx_sum(t, MX_ALL_AXES, false)), 20);
  mx_array *r = mx_repeat(mx_scalar_typed(5, MX_INT32), 3, MX_AXIS_NONE);
  CHECK_INT(mx_array_ndim(r), 1);
  CHECK_INT(mx_array_size(r), 3);
  /* an 8-d array: the per-axis path (no room for inserted axes) */
  mx_array *b = mx_reshape(mx_arange(0, 256, 1, MX_INT32), MX_SHAPE(2, 2, 2, 2, 2, 2, 2, 2));
  mx_array *tb = mx_tile(b, MX_SHAPE(1, 1, 1, 1, 1, 1, 2, 3));
  CHECK_INT(mx_array_size(tb), 256 * 6);
  int64_t idx[8] = {1, 1, 1, 1, 1, 1, 3, 5};
  CHECK_CLOSE(mx_array_get_f64(tb, idx), 255, 0, 0);
  mx_array *rb = mx_repeat(b, 2, 7);
  int64_t idx2[8] = {1, 0, 0, 0, 0, 0, 0, 3};
  CHECK_CLOSE(mx_array_get_f64(rb, idx2), 129, 0, 0);
}

/* ---- error paths: error arrays naming the op; the program keeps running ---- */

TEST(errors_concatenate_stack) {
  mx_array *a = mx_zeros(MX_SHAPE(2, 3), MX_FLOAT32), *b = mx_zeros(MX_SHAPE(3, 3), MX_FLOAT32);
  mx_array *ab[2] = {a, b};
  CHECK_ERROR(mx_concatenate(2, ab, 1), "mx_concatenate:");
  CHECK_ERROR(mx_concatenate(2, ab, 1), "(2,3)");
  CHECK_ERROR(mx_concatenate(2, ab, 1), "(3,3)");
  CHECK_OK(mx_concatenate(2, ab, 0));
  CHECK_ERROR(mx_concatenate(2, ab, 2), "mx_concatenate: axis 2 is out of range");
  CHECK_ERROR(mx_concatenate(2, ab, -3), "mx_concatenate: axis -3");
  CHECK_ERROR(mx_concatenate(0, ab, 0), "mx_concatenate:");
  mx_array *v[2] = {a, mx_zeros(MX_SHAPE(6), MX_FLOAT32)};
  CHECK_ERROR(mx_concatenate(2, v, 0), "mx_concatenate:");
  mx_array *s[2] = {mx_scalar(1), mx_scalar(2)};
  CHECK_ERROR(mx_concatenate(2, s, 0), "mx_concatenate: zero-dimensional");
  CHECK_OK(mx_concatenate(2, s, MX_AXIS_NONE));
  mx_array *bad = mx_reshape(a, MX_SHAPE(7));
  mx_array *e[2] = {a, bad};
  CHECK_ERROR(mx_concatenate(2, e, 0), "mx_reshape:"); /* the first error propagates */
  CHECK_ERROR(mx_stack(2, ab, 0), "mx_stack:");
  CHECK_ERROR(mx_stack(2, ab, 0), "(3,3)");
  mx_array *aa[2] = {a, a};
  CHECK_OK(mx_stack(2, aa, 2));
  CHECK_ERROR(mx_stack(2, aa, 3), "mx_stack: axis 3");
  CHECK_ERROR(mx_stack(0, aa, 0), "mx_stack:");
  mx_array *big = mx_zeros(MX_SHAPE(1, 1, 1, 1, 1, 1, 1, 1), MX_INT8);
  mx_array *bb[2] = {big, big};
  CHECK_ERROR(mx_stack(2, bb, 0), "mx_stack:");
}

TEST(errors_split) {
  mx_array *a = mx_zeros(MX_SHAPE(5, 6), MX_INT32);
  mx_array *p[4];
  CHECK_INT(mx_split(a, 4, 0, 4, p), -1);
  for (int k = 0; k < 4; k++) CHECK_ERROR(p[k], "mx_split: an array of shape (5,6) cannot be split into 4");
  mx_split(a, 2, 2, 4, p);
  CHECK_ERROR(p[0], "mx_split: axis 2");
  CHECK_ERROR(p[1], "mx_split: axis 2");
  mx_clear_error();
  mx_split(a, 0, 0, 4, p);
  CHECK_ERROR(p[3], "mx_split: sections must be at least 1 (got 0)");
  /* out too small, or no out at all: an error, never a write past cap */
  mx_array *two[2] = {NULL, NULL};
  CHECK_INT(mx_split(a, 3, 1, 2, two), -1);
  CHECK_ERROR(two[1], "mx_split: out has room for 2 arrays, the split makes 3");
  CHECK_INT(mx_split(a, 2, 0, 2, NULL), -1);
  CHECK(mx_last_error() && strstr(mx_last_error(), "mx_split: out must hold cap arrays (got cap 2, out NULL)"));
  mx_clear_error();
  CHECK_INT(mx_unstack(a, 1, 2, two), -1);
  CHECK_ERROR(two[0], "mx_unstack: out has room for 2 arrays, the split makes 6");
  CHECK_INT(mx_split_at(a, 2, (int64_t[]){1, 2}, 0, 2, two), -1);
  CHECK_ERROR(two[1], "mx_split_at: out has room for 2 arrays, the split makes 3");
  int64_t idx[2] = {1, 2};
  mx_split_at(a, 2, idx, -3, 4, p);
  for (int k = 0; k < 3; k++) CHECK_ERROR(p[k], "mx_split_at: axis -3");
  mx_split_at(a, -1, idx, 0, 4, p);
  CHECK_ERROR(p[0], "mx_split_at: indices must hold n >= 0 entries (got n = -1)");
  mx_unstack(mx_scalar(1), 0, 4, p);
  CHECK_ERROR(p[0], "mx_unstack: axis 0 is out of range");
  mx_split(mx_reshape(a, MX_SHAPE(4)), 2, 0, 4, p); /* an error input propagates to every part */
  CHECK_ERROR(p[0], "mx_reshape:");
  CHECK_ERROR(p[1], "mx_reshape:");
}

TEST(errors_tile_repeat_pad_roll) {
  mx_array *a = mx_zeros(MX_SHAPE(2, 3), MX_FLOAT32);
  CHECK_ERROR(mx_tile(a, MX_SHAPE(2, -1)), "mx_tile: negative repetition -1");
  mx_shape many = {.ndim = 9};
  CHECK_ERROR(mx_tile(a, many), "mx_tile:");
  CHECK_ERROR(mx_repeat(a, -2, 0), "mx_repeat: repeats -2 is negative");
  CHECK_ERROR(mx_repeat(a, 2, 2), "mx_repeat: axis 2");
  CHECK_ERROR(mx_repeat(mx_scalar(1), 2, 0), "mx_repeat: axis 0");
  CHECK_ERROR(mx_tile(a, MX_SHAPE(INT64_MAX / 2, 3)), "mx_tile: result is too large");
  CHECK_ERROR(mx_tile(a, MX_SHAPE(1LL << 40, 1LL << 40)), "mx_tile: result is too large");
  CHECK_ERROR(mx_repeat(a, INT64_MAX / 2, 1), "mx_repeat: result is too large");
  CHECK_ERROR(mx_repeat(a, 1LL << 62, 0), "mx_repeat: result is too large");
  int64_t lo[3] = {1, -1, 0}, hi[3] = {0, 0, 0};
  CHECK_ERROR(mx_pad(a, 2, lo, hi, MX_PAD_CONSTANT, 0), "mx_pad: negative pad width");
  CHECK_ERROR(mx_pad(a, 2, hi, lo, MX_PAD_CONSTANT, 0), "(2,3)");
  CHECK_ERROR(mx_pad(a, 3, hi, hi, MX_PAD_CONSTANT, 0), "mx_pad: widths for 3 axes given for an array of shape (2,3)");
  CHECK_ERROR(mx_pad(a, -1, hi, hi, MX_PAD_CONSTANT, 0), "mx_pad:");
  CHECK_ERROR(mx_pad(a, 1, NULL, hi, MX_PAD_CONSTANT, 0), "mx_pad:");
  CHECK_ERROR(mx_pad(a, 1, hi, hi, (mx_pad_mode)7, 0), "mx_pad: unknown mode");
  int64_t one[2] = {1, 0};
  CHECK_ERROR(mx_pad(mx_zeros(MX_SHAPE(0, 3), MX_INT8), 2, one, one, MX_PAD_EDGE, 0),
              "mx_pad: edge mode cannot extend the empty axis 0");
  int64_t huge[1] = {INT64_MAX};
  CHECK_ERROR(mx_pad(a, 1, huge, hi, MX_PAD_CONSTANT, 0), "mx_pad:");
  int64_t big2[2] = {1LL << 40, 1LL << 40};
  CHECK_ERROR(mx_pad(a, 2, big2, big2, MX_PAD_CONSTANT, 0), "mx_pad: result is too large");
  CHECK_ERROR(mx_roll(a, 1, 2), "mx_roll: axis 2");
  CHECK_ERROR(mx_roll(mx_scalar(1), 1, 0), "mx_roll:");
  CHECK_ERROR(mx_roll(mx_reshape(a, MX_SHAPE(4)), 1, 0), "mx_reshape:");
  /* the library still works after all of these */
  CHECK_OK(mx_pad(a, 2, one, one, MX_PAD_EDGE, 0));
}
