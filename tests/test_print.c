/* test_print.c — NumPy-style repr: the strings NumPy 2.x prints for the same arrays. */
#include "harness.h"

static void check_repr(mx_array *a, const char *want) {
  char *s = mx_array_to_string(a);
  CHECK_STR(s, want);
  free(s);
}

static mx_array *f32(const float *v, mx_shape s) { return mx_array_new(v, s, MX_FLOAT32); }

TEST(print_floats) {
  check_repr(f32((float[]){1.5f, 2, 3}, MX_SHAPE(3)), "array([1.5, 2. , 3. ], dtype=float32)");
  check_repr(mx_astype(mx_reshape(mx_arange(0, 24, 1, MX_INT32), MX_SHAPE(2, 3, 4)), MX_FLOAT32),
             "array([[[ 0.,  1.,  2.,  3.],\n        [ 4.,  5.,  6.,  7.],\n        [ 8.,  9., 10., 11.]],\n\n"
             "       [[12., 13., 14., 15.],\n        [16., 17., 18., 19.],\n        [20., 21., 22., 23.]]], dtype=float32)");
  check_repr(f32((float[]){NAN, INFINITY, -1.5f}, MX_SHAPE(3)), "array([ nan,  inf, -1.5], dtype=float32)");
  check_repr(f32((float[]){0.1f, 0.25f, 1e-5f}, MX_SHAPE(3)), "array([1.0e-01, 2.5e-01, 1.0e-05], dtype=float32)");
  check_repr(f32((float[]){1e20f, 1}, MX_SHAPE(2)), "array([1.e+20, 1.e+00], dtype=float32)");
  check_repr(f32((float[]){-0.0f, 0.0f}, MX_SHAPE(2)), "array([-0.,  0.], dtype=float32)");
  check_repr(mx_array_new((double[]){1, 2}, MX_SHAPE(2), MX_FLOAT64), "array([1., 2.])");
  check_repr(mx_scalar_typed(0.1, MX_FLOAT16), "array(0.1, dtype=float16)");
  check_repr(mx_scalar_typed(3.5, MX_FLOAT32), "array(3.5, dtype=float32)");
  check_repr(mx_full(MX_SHAPE(1, 30), 0.5, MX_FLOAT32),
             "array([[0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5,\n"
             "        0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5,\n"
             "        0.5, 0.5, 0.5, 0.5]], dtype=float32)");
}

TEST(print_ints_bools_complex) {
  check_repr(mx_reshape(mx_arange(1, 5, 1, MX_INT32), MX_SHAPE(2, 2)), "array([[1, 2],\n       [3, 4]], dtype=int32)");
  check_repr(mx_array_new((int64_t[]){-1, 200}, MX_SHAPE(2), MX_INT64), "array([ -1, 200])");
  check_repr(mx_array_new((uint8_t[]){255}, MX_SHAPE(1), MX_UINT8), "array([255], dtype=uint8)");
  check_repr(mx_array_new((uint8_t[]){1, 0}, MX_SHAPE(2), MX_BOOL), "array([ True, False])");
  check_repr(mx_array_new((float[]){1, 2, 3, -1}, MX_SHAPE(2), MX_COMPLEX64), "array([1.+2.j, 3.-1.j], dtype=complex64)");
}

TEST(print_empty_and_summarized) {
  check_repr(mx_zeros(MX_SHAPE(0, 3), MX_FLOAT32), "array([], shape=(0, 3), dtype=float32)");
  check_repr(mx_zeros(MX_SHAPE(0), MX_INT32), "array([], dtype=int32)");
  check_repr(mx_arange(0, 1100, 1, MX_INT32),
             "array([   0,    1,    2, ..., 1097, 1098, 1099],\n      shape=(1100,), dtype=int32)");
}

TEST(print_views_and_errors) {
  mx_array *x = mx_reshape(mx_arange(0, 6, 1, MX_INT32), MX_SHAPE(2, 3));
  check_repr(mx_transpose(x, MX_ALL_AXES), "array([[0, 3],\n       [1, 4],\n       [2, 5]], dtype=int32)");
  mx_array *e = mx_reshape(x, MX_SHAPE(4));
  char *s = mx_array_to_string(e);
  CHECK(strstr(s, "error") && strstr(s, "mx_reshape"));
  free(s);
  mx_clear_error();
}
