/* test_probe_shapes.c — shapes no array can have (issue 10 items 1, 2): element counts that
 * overflow int64 and dims arrays longer than MX_MAX_DIMS are errors naming the op and the shapes,
 * never a wrapped size, a crash in a kernel or a stack overflow. Each case runs in a child. */
#include <stdint.h>

#include "child.h"
#include "harness.h"

#define BIG(k) ((int64_t)1 << (k))

/* The defect: the product 2^64 wrapped to 0, so the reshape "matched" size 0 and the reduce
 * kernel then walked 2^62 rows (segfault). */
static void reshape_of_empty(void *arg) {
  (void)arg;
  mx_array *a = mx_reshape(mx_zeros(MX_SHAPE(0), MX_FLOAT32), MX_SHAPE(BIG(62), 4));
  CHECK_ERROR(a, "mx_reshape: result shape (4611686018427387904,4) is too large (input (0))");
  CHECK(mx_eval(mx_sum(a, MX_AXES(1), false)) != MX_OK);
  CHECK_ERROR(mx_reshape(mx_zeros(MX_SHAPE(0), MX_FLOAT32), MX_SHAPE(-1, BIG(62), 8)), "mx_reshape");
  CHECK_ERROR(mx_reshape(mx_zeros(MX_SHAPE(0), MX_FLOAT32), MX_SHAPE(BIG(33), BIG(33), 0)),
              "shape (8589934592,8589934592,0) is too large");
}

static void broadcast_then_reshape(void *arg) {
  (void)arg;
  mx_array *b = mx_broadcast_to(mx_scalar(1), MX_SHAPE(BIG(40) + 1, BIG(24)));
  CHECK_ERROR(b, "mx_broadcast_to: result shape (1099511627777,16777216) is too large (input ())");
  CHECK(mx_eval(mx_reshape(b, MX_SHAPE(-1))) != MX_OK);
}

/* before: evaluated "OK" as a size-0 array */
static void binary_broadcast(void *arg) {
  (void)arg;
  mx_array *x = mx_zeros(MX_SHAPE(BIG(31), 1), MX_FLOAT32), *y = mx_zeros(MX_SHAPE(1, BIG(33)), MX_FLOAT32);
  CHECK_ERROR(mx_add(x, y), "mx_add: result shape (2147483648,8589934592) is too large "
                            "(inputs (2147483648,1), (1,8589934592))");
  CHECK_ERROR(mx_multiply(x, y), "mx_multiply");
}

/* before: array([], shape=(4294967296, 4294967296)) */
static void eye_and_tri(void *arg) {
  (void)arg;
  CHECK_ERROR(mx_eye(BIG(32), BIG(32), 0, MX_FLOAT32), "mx_eye: result shape (4294967296,4294967296) is too large");
  CHECK_ERROR(mx_tri(BIG(32), BIG(32), 0, MX_FLOAT32), "mx_tri: result shape");
  CHECK_ERROR(mx_tril(mx_broadcast_to(mx_scalar(1), MX_SHAPE(BIG(28), BIG(28))), 0), "too large");
}

/* before: two (2^62+1,) views concatenated to a negative size. A view that large is now refused
 * itself; views that fit but whose lengths add past int64 are refused by concatenate. */
static void concatenate_overflow(void *arg) {
  (void)arg;
  CHECK_ERROR(mx_broadcast_to(mx_scalar(1), MX_SHAPE(BIG(62) + 1)), "too large");
  mx_array *v = mx_broadcast_to(mx_scalar(1), MX_SHAPE(BIG(55)));
  CHECK_OK(mx_array_shape_of(v).ndim == 1 ? mx_scalar(0) : NULL);
  mx_array *parts[300];
  for (int i = 0; i < 300; i++) parts[i] = v;
  CHECK_ERROR(mx_concatenate(2, parts, 0), "mx_concatenate: result shape (72057594037927936) is too large");
  CHECK_ERROR(mx_concatenate(300, parts, 0), "mx_concatenate: the concatenated axis 0 overflows int64");
  CHECK_ERROR(mx_stack(300, parts, 0), "too large");
}

TEST(overflowing_shapes_are_errors) {
  CHECK_IN_CHILD(reshape_of_empty, NULL, 60);
  CHECK_IN_CHILD(broadcast_then_reshape, NULL, 60);
  CHECK_IN_CHILD(binary_broadcast, NULL, 60);
  CHECK_IN_CHILD(eye_and_tri, NULL, 60);
  CHECK_IN_CHILD(concatenate_overflow, NULL, 60);
}

TEST(shapes_that_fit_still_work) {
  mx_array *e = mx_reshape(mx_zeros(MX_SHAPE(0), MX_FLOAT32), MX_SHAPE(BIG(20), 0, 4));
  CHECK_OK(e);
  CHECK_INT(mx_array_size(e), 0);
  mx_array *b = mx_broadcast_to(mx_scalar(2), MX_SHAPE(BIG(30), BIG(20)));
  CHECK_OK(b);
  CHECK_CLOSE(mx_array_get_f64(b, (int64_t[]){BIG(30) - 1, 5}), 2, 0, 0);
}

/* a shape whose ndim exceeds MX_MAX_DIMS: dims[] must not be read past its end */
static int too_many = 9;
static void creation_with_ndim(void *arg) {
  int nd = *(int *)arg;
  mx_shape s = {.ndim = nd};
  CHECK_ERROR(mx_zeros(s, MX_FLOAT32), "mx_zeros: ndim");
  CHECK_ERROR(mx_ones(s, MX_FLOAT32), "mx_ones: ndim");
  CHECK_ERROR(mx_full(s, 2, MX_FLOAT32), "mx_full: ndim");
  CHECK_ERROR(mx_full_array(s, mx_scalar(1)), "mx_full: ndim");
  CHECK_ERROR(mx_init_he_uniform(s, MX_FLOAT32, mx_random_key(0)), "ndim");
  CHECK_ERROR(mx_init_glorot_normal(s, 1, MX_FLOAT32, mx_random_key(0)), "ndim");
  CHECK_ERROR(mx_random_normal(mx_random_key(0), s, 0, 1, MX_FLOAT32), "ndim");
  CHECK_ERROR(mx_reshape(mx_scalar(1), s), "ndim");
  CHECK_ERROR(mx_broadcast_to(mx_scalar(1), s), "mx_broadcast_to");
  CHECK_ERROR(mx_tile(mx_scalar(1), s), "mx_tile");
  CHECK_ERROR(mx_array_new(NULL, s, MX_FLOAT32), "ndim");
}

TEST(dims_longer_than_max_dims_are_errors) {
  static int huge = 100000, negative = -1;
  CHECK_IN_CHILD(creation_with_ndim, &too_many, 60);
  CHECK_IN_CHILD(creation_with_ndim, &huge, 60);
  CHECK_IN_CHILD(creation_with_ndim, &negative, 60);
}
