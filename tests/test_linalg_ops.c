/* test_linalg_ops.c — the products composed from matmul (addmm, outer, inner, tensordot,
 * tensordot_axes) and trace, each against naive float64 references, over every dtype, with
 * their error cases. */
#include "linalg_ref.h"

static domain dom_of(mx_dtype dt) {
  return dt == MX_BOOL ? DOM_ANY : mx_dtype_is_integer(dt) ? DOM_INT_EDGE : DOM_FINITE;
}

/* Reshapes a reference in place (row-major data is unchanged). */
static void ref_reshape(ref_array *r, int nd, const int64_t *dims) {
  r->ndim = nd;
  for (int i = 0; i < nd; i++) r->shape[i] = dims[i];
}

/* tensordot reference: permute to [free_a, contracted] and [contracted, free_b], multiply as
 * matrices with the naive reference, restore the free axes. */
static ref_array *ref_tensordot(const ref_array *a, const ref_array *b, int n, const int *xa,
                                const int *xb, double **sumabs, int64_t *kout) {
  bool ca[MX_MAX_DIMS] = {false}, cb[MX_MAX_DIMS] = {false};
  for (int i = 0; i < n; i++) ca[xa[i]] = cb[xb[i]] = true;
  int pa[MX_MAX_DIMS], pb[MX_MAX_DIMS], k = 0, no = 0;
  int64_t out[2 * MX_MAX_DIMS], fa = 1, fb = 1, kk = 1;
  for (int i = 0; i < a->ndim; i++)
    if (!ca[i]) { pa[k++] = i; out[no++] = a->shape[i]; fa *= a->shape[i]; }
  for (int i = 0; i < n; i++) { pa[k++] = xa[i]; kk *= a->shape[xa[i]]; }
  k = 0;
  for (int i = 0; i < n; i++) pb[k++] = xb[i];
  for (int i = 0; i < b->ndim; i++)
    if (!cb[i]) { pb[k++] = i; out[no++] = b->shape[i]; fb *= b->shape[i]; }
  ref_array *ta = lt_permute(a, pa), *tb = lt_permute(b, pb);
  ref_reshape(ta, 2, (int64_t[]){fa, kk});
  ref_reshape(tb, 2, (int64_t[]){kk, fb});
  ref_array *r = lt_ref_matmul(ta, tb, a->dtype, sumabs);
  ref_reshape(r, no, out);
  ref_free(ta);
  ref_free(tb);
  *kout = kk;
  return r;
}

static void check_tensordot(mx_shape sa, mx_shape sb, int n, const int *xa, const int *xb,
                            mx_dtype dt, bool use_n, uint64_t seed) {
  mx_scope s = mx_scope_begin();
  ref_array *ra, *rb;
  mx_array *a = lt_rand(sa, dt, dom_of(dt), seed, &ra), *b = lt_rand(sb, dt, dom_of(dt), seed + 7, &rb);
  int na[MX_MAX_DIMS], nb[MX_MAX_DIMS];
  for (int i = 0; i < n; i++) {
    na[i] = xa[i] < 0 ? xa[i] + sa.ndim : xa[i];
    nb[i] = xb[i] < 0 ? xb[i] + sb.ndim : xb[i];
  }
  double *sumabs;
  int64_t K;
  ref_array *want = ref_tensordot(ra, rb, n, na, nb, &sumabs, &K);
  mx_array *got = use_n ? mx_tensordot(a, b, n) : mx_tensordot_axes(a, b, n, xa, xb);
  char label[96];
  snprintf(label, sizeof label, "tensordot %s n=%d ndim %d,%d", mx_dtype_name(dt), n, sa.ndim, sb.ndim);
  lt_check(got, want, sumabs, K, label);
  free(sumabs);
  ref_free(want);
  ref_free(ra);
  ref_free(rb);
  mx_scope_end(s);
}

TEST(tensordot_all_dtypes) {
  for (int d = 0; d < MX_NUM_DTYPES; d++) {
    mx_dtype dt = (mx_dtype)d;
    check_tensordot(MX_SHAPE(3, 4, 5), MX_SHAPE(4, 5, 2), 2, (int[]){1, 2}, (int[]){0, 1}, dt, true, 1);
    check_tensordot(MX_SHAPE(3, 4, 5), MX_SHAPE(5, 2), 1, (int[]){2}, (int[]){0}, dt, true, 2);
    check_tensordot(MX_SHAPE(3, 4), MX_SHAPE(5), 0, NULL, NULL, dt, true, 3); /* outer */
    check_tensordot(MX_SHAPE(3, 4, 5), MX_SHAPE(5, 6, 3), 2, (int[]){0, -1}, (int[]){2, 0}, dt, false, 4);
    check_tensordot(MX_SHAPE(2, 3), MX_SHAPE(3, 2), 2, (int[]){0, 1}, (int[]){1, 0}, dt, false, 5); /* full */
    check_tensordot(MX_SHAPE(4, 0), MX_SHAPE(0, 3), 1, (int[]){1}, (int[]){0}, dt, false, 6);     /* K = 0 */
  }
}

TEST(inner_outer_all_dtypes) {
  for (int d = 0; d < MX_NUM_DTYPES; d++) {
    mx_dtype dt = (mx_dtype)d;
    mx_scope s = mx_scope_begin();
    ref_array *ra, *rb;
    /* inner: last axes */
    mx_array *a = lt_rand(MX_SHAPE(2, 3, 5), dt, dom_of(dt), 11, &ra);
    mx_array *b = lt_rand(MX_SHAPE(4, 5), dt, dom_of(dt), 12, &rb);
    double *sumabs;
    int64_t K;
    ref_array *want = ref_tensordot(ra, rb, 1, (int[]){2}, (int[]){1}, &sumabs, &K);
    lt_check(mx_inner(a, b), want, sumabs, K, "inner");
    free(sumabs);
    ref_free(want);
    /* outer of the flattened inputs: out[i, j] = a.flat[i] * b.flat[j] */
    want = ref_new_shape(MX_SHAPE(ra->size, rb->size), dt);
    double *mags = malloc(sizeof(double) * (size_t)want->size);
    for (int64_t i = 0; i < ra->size; i++)
      for (int64_t j = 0; j < rb->size; j++) {
        int64_t o = i * rb->size + j;
        mags[o] = cabs(ref_cmplx(ra->re[i], ra->im ? ra->im[i] : 0)) *
                  cabs(ref_cmplx(rb->re[j], rb->im ? rb->im[j] : 0));
        if (dt == MX_BOOL) want->re[o] = ra->re[i] != 0 && rb->re[j] != 0;
        else if (mx_dtype_is_integer(dt)) lt_set_int(want, o, (uint64_t)lt_ival(ra, i) * (uint64_t)lt_ival(rb, j));
        else {
          double complex z = ref_cmplx(ra->re[i], ra->im ? ra->im[i] : 0) * ref_cmplx(rb->re[j], rb->im ? rb->im[j] : 0);
          want->re[o] = creal(z);
          if (want->im) want->im[o] = cimag(z);
        }
      }
    lt_check(mx_outer(a, b), want, mags, 1, "outer");
    free(mags);
    ref_free(want);
    ref_free(ra);
    ref_free(rb);
    mx_scope_end(s);
  }
  /* inner with a scalar multiplies */
  mx_array *v = mx_arange(0, 4, 1, MX_FLOAT32);
  CHECK_CLOSE(mx_item_f64(mx_sum(mx_inner(v, mx_scalar(2)), MX_ALL_AXES, false)), 12, 0, 0);
  CHECK_CLOSE(mx_item_f64(mx_inner(v, v)), 14, 0, 0);
}

TEST(addmm_values) {
  const mx_dtype dts[] = {MX_FLOAT32, MX_FLOAT64, MX_FLOAT16, MX_BFLOAT16, MX_COMPLEX64, MX_INT32};
  for (size_t d = 0; d < sizeof dts / sizeof dts[0]; d++) {
    mx_dtype dt = dts[d];
    mx_scope s = mx_scope_begin();
    ref_array *ra, *rb, *rc;
    mx_array *a = lt_rand(MX_SHAPE(5, 7), dt, DOM_FINITE, 1, &ra);
    mx_array *b = lt_rand(MX_SHAPE(7, 3), dt, DOM_FINITE, 2, &rb);
    mx_array *c = lt_rand(MX_SHAPE(3), dt, DOM_FINITE, 3, &rc); /* broadcast over rows */
    double alpha = mx_dtype_is_integer(dt) ? 3 : 0.5, beta = mx_dtype_is_integer(dt) ? -2 : 1.5;
    double *sumabs;
    ref_array *want = lt_ref_matmul(ra, rb, dt, &sumabs);
    for (int64_t i = 0; i < want->size; i++) {
      int64_t j = i % 3;
      want->re[i] = alpha * want->re[i] + beta * rc->re[j];
      if (want->im) want->im[i] = alpha * want->im[i] + beta * rc->im[j];
      sumabs[i] = fabs(alpha) * sumabs[i] + fabs(beta) * cabs(ref_cmplx(rc->re[j], rc->im ? rc->im[j] : 0));
      /* a@b, alpha*(a@b) and beta*c each round to the storage type: scale the bound from the
       * float32 compute epsilon to the output's */
      sumabs[i] *= lt_eps_out(dt) / lt_eps_compute(dt);
    }
    char label[64];
    snprintf(label, sizeof label, "addmm %s", mx_dtype_name(dt));
    lt_check(mx_addmm(c, a, b, alpha, beta), want, sumabs, 9, label);
    free(sumabs);
    ref_free(want);
    ref_free(ra);
    ref_free(rb);
    ref_free(rc);
    mx_scope_end(s);
  }
  /* beta = 0 ignores c's values, NaN included */
  mx_array *a = mx_ones(MX_SHAPE(2, 2), MX_FLOAT32);
  mx_array *r = mx_addmm(mx_full(MX_SHAPE(2, 2), NAN, MX_FLOAT32), a, a, 1, 0);
  CHECK_CLOSE(mx_item_f64(mx_sum(r, MX_ALL_AXES, false)), 8, 0, 0);
  CHECK_ERROR(mx_addmm(mx_ones(MX_SHAPE(3, 3), MX_FLOAT32), a, a, 1, 1), "mx_addmm: c of shape (3,3)");
  CHECK_ERROR(mx_addmm(a, a, mx_ones(MX_SHAPE(3, 2), MX_FLOAT32), 1, 1), "mx_addmm: shapes (2,2) and (3,2)");
}

TEST(trace_values) {
  for (int d = 0; d < MX_NUM_DTYPES; d++) {
    mx_dtype dt = (mx_dtype)d;
    mx_scope s = mx_scope_begin();
    ref_array *ra;
    mx_array *a = lt_rand(MX_SHAPE(3, 4, 5), dt, dom_of(dt) == DOM_INT_EDGE ? DOM_ANY : dom_of(dt), 5, &ra);
    /* trace over axes (2, 0) with offset 1: sum_i a[i, j, i + 1] for each j */
    int64_t idx[3];
    double want[4] = {0}, wanti[4] = {0};
    for (int64_t j = 0; j < 4; j++)
      for (int64_t i = 0; i < 3 && i + 1 < 5; i++) {
        idx[0] = i;
        idx[1] = j;
        idx[2] = i + 1;
        int64_t f = ref_flat(ra, idx);
        want[j] += ra->re[f];
        if (ra->im) wanti[j] += ra->im[f];
      }
    mx_array *t = mx_trace(a, -1, 2, 0); /* diagonal a[i, j, k] with k = i + 1 */
    mx_dtype odt = dt == MX_BOOL || (mx_dtype_is_integer(dt) && mx_dtype_size(dt) < 8)
                       ? (mx_dtype_is_signed(dt) || dt == MX_BOOL ? MX_INT64 : MX_UINT64)
                       : dt;
    CHECK_INT(mx_array_dtype(t), odt);
    CHECK_INT(mx_array_ndim(t), 1);
    for (int64_t j = 0; j < 4; j++) {
      mx_array *e = mx_slice_axis(t, 0, j, j + 1, 1);
      double tol = dt == MX_FLOAT16 ? 1e-2 : dt == MX_BFLOAT16 ? 5e-2 : 1e-5;
      CHECK_CLOSE(mx_item_f64(mx_real(mx_squeeze(e, MX_ALL_AXES))), want[j], tol, tol);
      if (ra->im) CHECK_CLOSE(mx_item_f64(mx_imag(mx_squeeze(e, MX_ALL_AXES))), wanti[j], tol, tol);
    }
    ref_free(ra);
    mx_scope_end(s);
  }
  CHECK_CLOSE(mx_item_f64(mx_trace(mx_eye(4, 4, 0, MX_FLOAT32), 0, 0, 1)), 4, 0, 0);
  CHECK_ERROR(mx_trace(mx_ones(MX_SHAPE(3), MX_FLOAT32), 0, 0, 1), "mx_trace: axes 0 and 1");
  CHECK_ERROR(mx_trace(mx_ones(MX_SHAPE(3, 3), MX_FLOAT32), 0, 1, 1), "mx_trace");
}

TEST(tensordot_errors) {
  mx_array *a = mx_ones(MX_SHAPE(2, 3), MX_FLOAT32), *b = mx_ones(MX_SHAPE(4, 2), MX_FLOAT32);
  CHECK_ERROR(mx_tensordot(a, b, 1), "mx_tensordot: shapes (2,3) and (4,2)");
  CHECK_ERROR(mx_tensordot(a, b, 3), "mx_tensordot: cannot contract 3 axes");
  CHECK_ERROR(mx_tensordot(a, b, -1), "mx_tensordot");
  CHECK_ERROR(mx_tensordot_axes(a, b, 1, (int[]){5}, (int[]){0}), "out of range");
  CHECK_ERROR(mx_tensordot_axes(a, a, 2, (int[]){0, 0}, (int[]){0, 1}), "repeats an axis");
  CHECK_ERROR(mx_inner(a, b), "mx_inner: shapes (2,3) and (4,2)");
  mx_array *big = mx_ones(MX_SHAPE(1, 1, 1, 1, 1), MX_FLOAT32);
  CHECK_ERROR(mx_tensordot(big, big, 0), "at most 8");
  CHECK(mx_array_shape(mx_tensordot_axes(a, b, 1, (int[]){0}, (int[]){1}))[0] == 3);
}
