/* test_smoke.c — the first end-to-end checks: build a graph, evaluate it, read it back. */
#include "harness.h"

TEST(add_and_read_back) {
  float a[] = {1, 2, 3, 4, 5, 6};
  mx_array *x = mx_array_new(a, MX_SHAPE(2, 3), MX_FLOAT32);
  mx_array *y = mx_add(x, mx_scalar(1.5));
  CHECK_OK(y);
  const float *d = mx_array_data(y);
  CHECK(d != NULL);
  for (int i = 0; i < 6; i++) CHECK_CLOSE(d[i], a[i] + 1.5, 0, 0);
  CHECK_INT(mx_array_dtype(y), MX_FLOAT32);
}

TEST(sum_exp) {
  mx_array *x = mx_arange(0, 10, 1, MX_FLOAT32);
  mx_array *s = mx_sum(mx_exp(x), MX_ALL_AXES, false);
  double want = 0;
  for (int i = 0; i < 10; i++) want += exp(i);
  CHECK_CLOSE(mx_item_f64(s), want, 1e-6, 0);
}

TEST(transpose_view_print) {
  mx_array *x = mx_reshape(mx_arange(0, 6, 1, MX_INT32), MX_SHAPE(2, 3));
  mx_array *t = mx_transpose(x, MX_ALL_AXES);
  char *s = mx_array_to_string(t);
  CHECK_STR(s, "array([[0, 3],\n       [1, 4],\n       [2, 5]], dtype=int32)");
  free(s);
}
