/* test_dtype.c — promotion rules (docs/dtypes.md), weak scalars, casting semantics, and the
 * integer semantics mx defines where C leaves them undefined. */
#include "core/half.h"
#include "harness.h"

TEST(promotion_table) {
  struct { mx_dtype a, b, want; } cases[] = {
      {MX_BOOL, MX_INT8, MX_INT8},        {MX_UINT8, MX_INT8, MX_INT16},
      {MX_UINT16, MX_INT16, MX_INT32},    {MX_UINT32, MX_INT32, MX_INT64},
      {MX_UINT8, MX_INT32, MX_INT32},     {MX_UINT64, MX_INT64, MX_FLOAT32},
      {MX_UINT8, MX_UINT32, MX_UINT32},   {MX_INT64, MX_FLOAT16, MX_FLOAT16},
      {MX_FLOAT16, MX_BFLOAT16, MX_FLOAT32}, {MX_FLOAT32, MX_FLOAT64, MX_FLOAT64},
      {MX_BFLOAT16, MX_FLOAT32, MX_FLOAT32}, {MX_FLOAT64, MX_COMPLEX64, MX_COMPLEX64},
      {MX_INT32, MX_COMPLEX64, MX_COMPLEX64}, {MX_BOOL, MX_BOOL, MX_BOOL},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    CHECK_INT(mx_promote_types(cases[i].a, cases[i].b), cases[i].want);
    CHECK_INT(mx_promote_types(cases[i].b, cases[i].a), cases[i].want); /* symmetric */
  }
  /* the op result follows the table */
  mx_array *r = mx_add(mx_ones(MX_SHAPE(2), MX_UINT8), mx_ones(MX_SHAPE(2), MX_INT8));
  CHECK_INT(mx_array_dtype(r), MX_INT16);
}

TEST(weak_scalars_take_the_array_dtype) {
  mx_array *h = mx_ones(MX_SHAPE(2), MX_FLOAT16);
  CHECK_INT(mx_array_dtype(mx_multiply(h, mx_scalar(0.5))), MX_FLOAT16);
  CHECK_INT(mx_array_dtype(mx_add(mx_scalar_int(3), h)), MX_FLOAT16);
  mx_array *i8 = mx_ones(MX_SHAPE(2), MX_INT8);
  CHECK_INT(mx_array_dtype(mx_add(i8, mx_scalar_int(3))), MX_INT8);
  CHECK_INT(mx_array_dtype(mx_add(i8, mx_scalar(0.5))), MX_FLOAT32);
  CHECK_INT(mx_array_dtype(mx_add(mx_ones(MX_SHAPE(2), MX_BOOL), mx_scalar_int(1))), MX_INT32);
  CHECK_INT(mx_array_dtype(mx_scalar(1)), MX_FLOAT32);
  CHECK_INT(mx_array_dtype(mx_scalar_int(1)), MX_INT32);
  CHECK_INT(mx_array_dtype(mx_scalar_int(1LL << 40)), MX_INT64);
  /* a typed scalar is not weak */
  CHECK_INT(mx_array_dtype(mx_multiply(h, mx_scalar_typed(2, MX_FLOAT32))), MX_FLOAT32);
  /* weak op weak stays weak */
  mx_array *w = mx_multiply(mx_scalar(2), mx_scalar(3));
  CHECK_INT(mx_array_dtype(mx_add(h, w)), MX_FLOAT16);
}

TEST(float_to_int_saturates) {
  float v[] = {NAN, INFINITY, -INFINITY, 1e10f, -1e10f, 3.99f, -3.99f, 127.5f};
  mx_array *x = mx_array_new(v, MX_SHAPE(8), MX_FLOAT32);
  const int8_t *i8 = mx_array_data(mx_astype(x, MX_INT8));
  int8_t want8[] = {0, 127, -128, 127, -128, 3, -3, 127};
  for (int i = 0; i < 8; i++) CHECK_INT(i8[i], want8[i]);
  const uint16_t *u16 = mx_array_data(mx_astype(x, MX_UINT16));
  uint16_t wantu[] = {0, 65535, 0, 65535, 0, 3, 0, 127};
  for (int i = 0; i < 8; i++) CHECK_INT(u16[i], wantu[i]);
  const int64_t *i64 = mx_array_data(mx_astype(x, MX_INT64));
  CHECK(i64[1] == INT64_MAX && i64[2] == INT64_MIN && i64[0] == 0);
}

TEST(int_narrowing_wraps_and_bool_cast) {
  int32_t v[] = {300, -1, 65536 + 5, 0};
  mx_array *x = mx_array_new(v, MX_SHAPE(4), MX_INT32);
  const uint8_t *u8 = mx_array_data(mx_astype(x, MX_UINT8));
  CHECK(u8[0] == 44 && u8[1] == 255 && u8[2] == 5);
  const uint8_t *b = mx_array_data(mx_astype(x, MX_BOOL));
  CHECK(b[0] == 1 && b[1] == 1 && b[3] == 0);
  const float *c = mx_array_data(mx_astype(mx_scalar_complex(2.5f, -7), MX_FLOAT32));
  CHECK_CLOSE(c[0], 2.5, 0, 0);
}

TEST(half_conversions_round_to_nearest_even) {
  CHECK_INT(mxi_f32_to_f16(1.0f), 0x3c00);
  CHECK_INT(mxi_f32_to_f16(65504.0f), 0x7bff);
  CHECK_INT(mxi_f32_to_f16(65520.0f), 0x7c00);       /* rounds to inf */
  CHECK_INT(mxi_f32_to_f16(5.9604645e-08f), 0x0001); /* smallest subnormal */
  CHECK_INT(mxi_f32_to_f16(2.9802322e-08f), 0x0000); /* half of it: ties to even (0) */
  CHECK_INT(mxi_f32_to_f16(1.0009765625f), 0x3c01);
  CHECK_INT(mxi_f32_to_f16(1.00048828125f), 0x3c00); /* tie -> even */
  CHECK(isnan(mxi_f16_to_f32(mxi_f32_to_f16(NAN))));
  for (uint32_t h = 0; h < 0x7c00; h++) /* every finite half round-trips */
    if (mxi_f32_to_f16(mxi_f16_to_f32((uint16_t)h)) != h) {
      FAIL("f16 0x%04x does not round-trip", h);
      break;
    }
  CHECK_INT(mxi_f32_to_bf16(1.0f), 0x3f80);
  CHECK_INT(mxi_f32_to_bf16(1.00390625f), 0x3f80);  /* tie -> even */
  CHECK_INT(mxi_f32_to_bf16(1.01171875f), 0x3f82);  /* tie -> even (up) */
  CHECK(isnan(mxi_bf16_to_f32(mxi_f32_to_bf16(NAN))));
}

TEST(int64_overflow_wraps) {
  int64_t v[] = {INT64_MAX, INT64_MIN};
  mx_array *x = mx_array_new(v, MX_SHAPE(2), MX_INT64);
  const int64_t *s = mx_array_data(mx_add(x, mx_scalar_int(1)));
  CHECK(s[0] == INT64_MIN && s[1] == INT64_MIN + 1);
  const int64_t *n = mx_array_data(mx_negative(x));
  CHECK(n[1] == INT64_MIN);
  const int64_t *a = mx_array_data(mx_abs(x));
  CHECK(a[1] == INT64_MIN);
  const int64_t *q = mx_array_data(mx_floor_divide(x, mx_scalar_int(-1)));
  CHECK(q[1] == INT64_MIN);
  const int64_t *m = mx_array_data(mx_multiply(x, mx_scalar_int(2)));
  CHECK(m[0] == -2);
}

TEST(integer_division_by_zero_and_shifts) {
  int32_t a[] = {7, -7, 0, 5};
  int32_t b[] = {0, 0, 0, 2};
  mx_array *x = mx_array_new(a, MX_SHAPE(4), MX_INT32), *y = mx_array_new(b, MX_SHAPE(4), MX_INT32);
  const int32_t *fd = mx_array_data(mx_floor_divide(x, y));
  const int32_t *md = mx_array_data(mx_remainder(x, y));
  CHECK(fd[0] == 0 && fd[1] == 0 && fd[3] == 2);
  CHECK(md[0] == 0 && md[1] == 0 && md[3] == 1);
  const float *td = mx_array_data(mx_divide(x, y)); /* true division: float32 IEEE */
  CHECK(isinf(td[0]) && td[0] > 0 && isinf(td[1]) && td[1] < 0 && isnan(td[2]));
  CHECK_INT(mx_item_i64(mx_floor_divide(mx_scalar_int(-7), mx_scalar_int(2))), -4);
  CHECK_INT(mx_item_i64(mx_remainder(mx_scalar_int(-7), mx_scalar_int(2))), 1);
  CHECK_INT(mx_item_i64(mx_remainder(mx_scalar_int(7), mx_scalar_int(-2))), -1);
  CHECK_INT(mx_item_i64(mx_left_shift(mx_scalar_int(1), mx_scalar_int(40))), 0);
  CHECK_INT(mx_item_i64(mx_right_shift(mx_scalar_int(-8), mx_scalar_int(40))), -1);
  CHECK_INT(mx_item_i64(mx_right_shift(mx_scalar_int(-8), mx_scalar_int(1))), -4);
  CHECK_INT(mx_item_i64(mx_power(mx_scalar_int(2), mx_scalar_int(-1))), 0);
  CHECK_INT(mx_item_i64(mx_power(mx_scalar_int(-1), mx_scalar_int(-3))), -1);
  CHECK_INT(mx_item_i64(mx_power(mx_scalar_int(2), mx_scalar_int(40))), 0); /* int32 wraps */
}

TEST(float_edge_semantics) {
  CHECK(isnan(mx_item_f64(mx_maximum(mx_scalar(NAN), mx_scalar(1)))));
  CHECK(isnan(mx_item_f64(mx_minimum(mx_scalar(1), mx_scalar(NAN)))));
  CHECK_CLOSE(mx_item_f64(mx_round(mx_array_new((float[]){2.5f}, MX_SHAPE(1), MX_FLOAT32))), 2, 0, 0);
  CHECK_CLOSE(mx_item_f64(mx_round(mx_array_new((float[]){-3.5f}, MX_SHAPE(1), MX_FLOAT32))), -4, 0, 0);
  CHECK_CLOSE(mx_item_f64(mx_remainder(mx_scalar(-7), mx_scalar(3))), 2, 0, 0);
  CHECK(isinf(mx_item_f64(mx_floor_divide(mx_scalar(1), mx_scalar(0)))));
  CHECK(isnan(mx_item_f64(mx_remainder(mx_scalar(1), mx_scalar(0)))));
  CHECK(signbit(mx_item_f64(mx_negative(mx_scalar(0)))));
  CHECK_CLOSE(mx_item_f64(mx_sign(mx_scalar(-0.0))), 0, 0, 0);
  CHECK(isnan(mx_item_f64(mx_sign(mx_scalar(NAN)))));
  CHECK_CLOSE(mx_item_f64(mx_logaddexp(mx_scalar(-INFINITY), mx_scalar(-INFINITY))), -INFINITY, 0, 0);
  CHECK_CLOSE(mx_item_f64(mx_exp(mx_scalar(-100))), (float)exp(-100.0), 0, 0); /* float32 subnormal */
  CHECK_CLOSE(mx_item_f64(mx_exp(mx_scalar(89))), INFINITY, 0, 0);
  CHECK_CLOSE(mx_item_f64(mx_log(mx_scalar(0))), -INFINITY, 0, 0);
  CHECK(isnan(mx_item_f64(mx_log(mx_scalar(-1)))));
  CHECK_CLOSE(mx_item_f64(mx_log(mx_scalar(1e-40))), log(1e-40), 1e-6, 0); /* subnormal input */
}

TEST(nan_to_num_isclose_array_equal) {
  float v[] = {NAN, INFINITY, -INFINITY, 1};
  mx_array *x = mx_array_new(v, MX_SHAPE(4), MX_FLOAT32);
  const float *r = mx_array_data(mx_nan_to_num(x, 0, NULL, NULL));
  CHECK(r[0] == 0 && r[1] == 3.4028234663852886e38f && r[2] == -3.4028234663852886e38f && r[3] == 1);
  double big = 9;
  const float *r2 = mx_array_data(mx_nan_to_num(x, -1, &big, NULL));
  CHECK(r2[0] == -1 && r2[1] == 9);
  mx_array *y = mx_array_new((float[]){NAN, INFINITY, -INFINITY, 1.00001f}, MX_SHAPE(4), MX_FLOAT32);
  const uint8_t *c = mx_array_data(mx_isclose(x, y, 1e-4, 0, false));
  CHECK(!c[0] && c[1] && c[2] && c[3]);
  CHECK(mx_item_bool(mx_allclose(x, y, 1e-4, 0, true)));
  CHECK(!mx_item_bool(mx_array_equal(x, y, true)));
  CHECK(mx_item_bool(mx_array_equal(x, x, true)));
  CHECK(!mx_item_bool(mx_array_equal(x, x, false)));
  CHECK(!mx_item_bool(mx_array_equal(x, mx_ones(MX_SHAPE(3), MX_FLOAT32), false)));
  const uint8_t *n = mx_array_data(mx_nan_to_num(mx_ones(MX_SHAPE(1), MX_BOOL), 0, NULL, NULL));
  CHECK(n[0] == 1);
}

TEST(clip_and_where) {
  mx_array *x = mx_arange(-3, 4, 1, MX_INT32);
  const int32_t *c = mx_array_data(mx_clip(x, mx_scalar_int(-1), mx_scalar_int(2)));
  int32_t want[] = {-1, -1, -1, 0, 1, 2, 2};
  for (int i = 0; i < 7; i++) CHECK_INT(c[i], want[i]);
  const int32_t *lo = mx_array_data(mx_clip(x, NULL, mx_scalar_int(0)));
  CHECK(lo[6] == 0 && lo[0] == -3);
  mx_array *w = mx_where(mx_greater(x, mx_scalar_int(0)), x, mx_scalar(0.5));
  CHECK_INT(mx_array_dtype(w), MX_FLOAT32);
  CHECK_CLOSE(mx_array_get_f64(w, (int64_t[]){0}), 0.5, 0, 0);
  CHECK_CLOSE(mx_array_get_f64(w, (int64_t[]){6}), 3, 0, 0);
}
