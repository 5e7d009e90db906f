/* test_common_plans.c — the plans and scalar rules in src/backend/common that the CPU and the CUDA
 * backend both run, checked directly: dimension merging, the reduction's axes, convolution
 * geometry and its tap maps, and the integer/float semantics of scalar.h and saturate.h. */
#include <math.h>
#include <stdint.h>

#include "backend/common/conv_geom.h"
#include "backend/common/dims.h"
#include "backend/common/reduce_plan.h"
#include "backend/common/scalar.h"
#include "core/saturate.h"
#include "harness.h"

TEST(merge_dims) {
  /* row-major [2, 3, 4] in bytes of 4: one dim; size-1 dims drop out */
  int64_t sh[4] = {2, 1, 3, 4}, st[4] = {48, 999, 16, 4};
  CHECK_INT(mxi_merge_dims1(4, sh, st), 1);
  CHECK_INT(sh[0], 24);
  CHECK_INT(st[0], 4);
  /* a second operand broadcast along the middle dim blocks that merge only */
  int64_t s2[3] = {2, 3, 4}, a[3] = {12, 4, 1}, b[3] = {4, 0, 1};
  int64_t *sp[2] = {a, b};
  CHECK_INT(mxi_merge_dims(3, s2, 2, sp), 3);
  int64_t s3[3] = {2, 3, 4}, c[3] = {12, 4, 1}, d[3] = {0, 0, 1};
  int64_t *sq[2] = {c, d};
  CHECK_INT(mxi_merge_dims(3, s3, 2, sq), 2); /* the outer two merge: both walk them alike */
  CHECK_INT(s3[0], 6);
  CHECK_INT(c[0], 4);
  CHECK_INT(d[0], 0);
  int64_t one[2] = {1, 1}, os[2] = {8, 8};
  CHECK_INT(mxi_merge_dims1(2, one, os), 0); /* one element */
}

TEST(reduce_axes) {
  /* [4, 5, 6] transposed to read axis 2 outermost: reduce axes {0, 2}, keep axis 1 */
  int64_t shape[3] = {4, 5, 6}, strides[3] = {1, 4, 20};
  int axes[2] = {0, 2};
  mxi_red_axes P;
  mxi_red_axes_make(&P, 3, shape, strides, 2, axes);
  CHECK_INT(P.nk, 1);
  CHECK_INT(P.nout, 5);
  CHECK_INT(P.nred, 24);
  CHECK_INT(P.nr, 2);
  CHECK_INT(P.rstride[1], 1); /* densest innermost */
  CHECK_INT(P.rshape[1], 4);
}

TEST(conv_geometry) {
  CHECK_INT(mxi_conv_out_len(10, 3, 1, 0, 0, 1), 8);
  CHECK_INT(mxi_conv_out_len(10, 3, 2, 1, 1, 1), 5);
  CHECK_INT(mxi_conv_out_len(11, 3, 1, 0, 0, 5), 1);
  CHECK_INT(mxi_conv_out_len(4, 3, 1, 0, 0, 2), -1); /* dilated span 5 > 4 */
  /* 2-D: x [2, 7, 9, 6], w [4, 3, 2, 3] (groups 2), stride (2, 1), pad (1, 0), dilation (1, 2) */
  mx_params p = {0};
  p.conv.nspatial = 2;
  p.conv.stride[0] = 2, p.conv.stride[1] = 1;
  p.conv.pad_lo[0] = 1, p.conv.pad_hi[0] = 1;
  p.conv.dilation[0] = 1, p.conv.dilation[1] = 2;
  p.conv.groups = 2;
  int64_t x[4] = {2, 7, 9, 6}, w[4] = {4, 3, 2, 3};
  int64_t c[4] = {2, mxi_conv_out_len(7, 3, 2, 1, 1, 1), mxi_conv_out_len(9, 2, 1, 0, 0, 2), 4};
  mxi_conv_geom g;
  mxi_conv_geom_init(&g, x, c, w, &p);
  CHECK_INT(g.oh, 4);
  CHECK_INT(g.ow, 7);
  CHECK_INT(g.cin_g, 3);
  CHECK_INT(g.cout_g, 2);
  CHECK_INT(g.kp, 18);
  CHECK(!mxi_conv_pointwise(&g));
  /* tap and untap are inverse wherever the tap lands inside the input */
  int hits = 0;
  for (int64_t oy = 0; oy < g.oh; oy++)
    for (int64_t ox = 0; ox < g.ow; ox++)
      for (int64_t th = 0; th < g.kh; th++)
        for (int64_t tw = 0; tw < g.kw; tw++) {
          int64_t y, xx, by, bx;
          if (!mxi_conv_tap(&g, oy, ox, th, tw, &y, &xx)) continue;
          hits++;
          CHECK(mxi_conv_untap(&g, y, xx, th, tw, &by, &bx) && by == oy && bx == ox);
        }
  CHECK(hits > 0);
  int64_t by, bx;
  CHECK(!mxi_conv_untap(&g, 0, 0, 0, 0, &by, &bx)); /* row 0 + pad 1 is odd: stride 2 misses it */
  /* 1-D is 2-D with H = 1 */
  mx_params q = {0};
  q.conv.nspatial = 1;
  q.conv.stride[0] = q.conv.dilation[0] = q.conv.groups = 1;
  int64_t x1[3] = {1, 5, 2}, w1[3] = {3, 1, 2}, c1[3] = {1, 5, 3};
  mxi_conv_geom_init(&g, x1, c1, w1, &q);
  CHECK(g.ih == 1 && g.oh == 1 && g.kh == 1 && g.sh == 1 && g.iw == 5);
  CHECK(mxi_conv_pointwise(&g));
}

TEST(integer_semantics) {
  CHECK_INT(mxi_fdiv_int32_t(-7, 2), -4);
  CHECK_INT(mxi_mod_int32_t(-7, 2), 1);
  CHECK_INT(mxi_mod_int32_t(7, -2), -1);
  CHECK_INT(mxi_fdiv_int8_t(5, 0), 0);
  CHECK_INT(mxi_mod_uint8_t(5, 0), 0);
  CHECK_INT(mxi_fdiv_int8_t(INT8_MIN, -1), INT8_MIN); /* wraps, no trap */
  CHECK_INT(mxi_fdiv_int64_t(INT64_MIN, -1), INT64_MIN);
  CHECK_INT(mxi_mod_int64_t(INT64_MIN, -1), 0);
  CHECK_INT(mxi_ipow_int32_t(3, 4), 81);
  CHECK_INT(mxi_ipow_int32_t(-1, -3), -1);
  CHECK_INT(mxi_ipow_int32_t(2, -1), 0);
  CHECK_INT(mxi_ipow_uint8_t(2, 9), 0); /* 512 wraps to 0 */
  CHECK_INT(mxi_shl_int32_t(1, 31), INT32_MIN);
  CHECK_INT(mxi_shl_int32_t(1, 32), 0);
  CHECK_INT(mxi_shl_int32_t(1, -1), 0);
  CHECK_INT(mxi_shr_int32_t(-8, 40), -1);
  CHECK_INT(mxi_shr_int16_t(-8, 1), -4);
  CHECK_INT(mxi_shr_uint16_t(0x8000, 16), 0);
}

TEST(float_semantics) {
  CHECK(mxi_fdiv_double(-7.0, 2.0) == -4.0);
  CHECK(mxi_mod_double(-7.0, 2.0) == 1.0);
  CHECK(mxi_mod_double(7.0, -2.0) == -1.0);
  CHECK(signbit(mxi_mod_double(4.0, -2.0))); /* a zero remainder takes the divisor's sign */
  CHECK(isnan(mxi_mod_float(1.0f, 0.0f)));
  CHECK(isinf(mxi_fdiv_float(1.0f, 0.0f)));
  CHECK(isnan(mxi_max_float(NAN, 1.0f)) && isnan(mxi_max_float(1.0f, NAN)));
  CHECK(isnan(mxi_min_double(NAN, 1.0)) && isnan(mxi_min_double(1.0, NAN)));
  CHECK(mxi_max_double(-0.5, 2.0) == 2.0);
  CHECK(mxi_round_float(2.5f) == 2.0f && mxi_round_float(3.5f) == 4.0f);
  CHECK(mxi_round_double(-0.5) == 0.0 && signbit(mxi_round_double(-0.5)));
}

TEST(saturating_casts) {
  CHECK_INT(mxi_sat_int8_t(300.7), INT8_MAX);
  CHECK_INT(mxi_sat_int8_t(-1e9), INT8_MIN);
  CHECK_INT(mxi_sat_int32_t(-2.9), -2); /* truncates toward zero */
  CHECK_INT(mxi_sat_uint8_t(-3.0), 0);
  CHECK_INT(mxi_sat_int16_t(NAN), 0);
  CHECK(mxi_sat_int64_t(9.3e18) == INT64_MAX);
  CHECK(mxi_sat_uint64_t(2e19) == UINT64_MAX);
  CHECK(mxi_sat_uint64_t(NAN) == 0);
}
