/* test_sweep_linalg.c — mx_matmul against a float64 NumPy-semantics reference: the op sweep
 * (every dtype x shape family, both operand orders transposed), then explicit shapes (1-D
 * rules, batch broadcasting, transposed and strided views of both operands, K = 0, empty
 * batches, BLAS and threaded sizes, matrix-vector paths), NaN/inf propagation, errors, and the
 * portable GEMM called directly so it is covered where OpenBLAS exists too. */
#include "backend/cpu/gemm.h"
#include "linalg_ref.h"
#include "sweep.h"

/* ---- the sweep: a @ b^T and a^T @ b on the sweep's same-shape operand pairs ---- */
static mx_array *b_abT(mx_array *const *in) { return mx_matmul(in[0], lt_mT_mx(in[1])); }
static mx_array *b_aTb(mx_array *const *in) { return mx_matmul(lt_mT_mx(in[0]), in[1]); }

static ref_array *r_abT(ref_array *const *in, mx_dtype odt) {
  ref_array *bt = lt_mT(in[1]);
  ref_array *r = lt_ref_matmul(in[0], bt, odt, NULL);
  ref_free(bt);
  return r;
}
static ref_array *r_aTb(ref_array *const *in, mx_dtype odt) {
  ref_array *at = lt_mT(in[0]);
  ref_array *r = lt_ref_matmul(at, in[1], odt, NULL);
  ref_free(at);
  return r;
}

/* Every family but 0-d (matmul rejects it) and the broadcast pair (K mismatch by design). */
#define MM_SHAPES (SH_EMPTY | SH_VECTOR | SH_MATRIX | SH_3D | SH_TRANSPOSED | SH_STRIDED | SH_LARGE)

TEST(sweep_matmul) {
  /* DOM_UNIT keeps the large family's sums small next to the sweep's absolute tolerance;
   * integers draw their extremes so that wrapping is exercised. tol scales the dtype's default
   * (float32: rtol 2e-5, atol 1e-6) for the 600-term sums. */
  sweep_op ops[] = {
      {.name = "matmul(a, b^T)", .nin = 2, .dtypes = DT_ALL, .dom = {DOM_UNIT, DOM_UNIT},
       .build = b_abT, .ref = r_abT, .shapes = MM_SHAPES, .tol = 20, .int_dom_dtypes = DT_INT},
      {.name = "matmul(a^T, b)", .nin = 2, .dtypes = DT_ALL, .dom = {DOM_UNIT, DOM_UNIT},
       .build = b_aTb, .ref = r_aTb, .shapes = MM_SHAPES, .tol = 20, .int_dom_dtypes = DT_INT},
  };
  for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) sweep_run(&ops[i]);
}

/* ---- explicit cases ---- */

/* How an operand is presented to matmul: contiguous, a transposed view, or a strided view
 * (every other row, reversed columns: no unit stride, so BLAS needs a copy) or a row-strided
 * view (every other row: BLAS takes it with a larger leading dimension). */
typedef enum { V_PLAIN, V_TRANS, V_STRIDED, V_ROWSTEP } view_kind;

static mx_array *make_operand(mx_shape s, mx_dtype dt, view_kind v, uint64_t seed, ref_array **r) {
  domain d = dt == MX_BOOL ? DOM_ANY : mx_dtype_is_integer(dt) ? DOM_INT_EDGE : DOM_FINITE;
  int nd = s.ndim;
  if (v == V_PLAIN || nd < 2) return lt_rand(s, dt, d, seed, r);
  if (v == V_TRANS) {
    mx_shape b = s;
    b.dims[nd - 1] = s.dims[nd - 2];
    b.dims[nd - 2] = s.dims[nd - 1];
    ref_array *base;
    mx_array *x = lt_rand(b, dt, d, seed, &base);
    *r = lt_mT(base);
    ref_free(base);
    return mx_swapaxes(x, -1, -2);
  }
  /* base with twice the rows and two extra columns, sliced back to s */
  mx_shape b = s;
  b.dims[nd - 2] = 2 * s.dims[nd - 2];
  b.dims[nd - 1] = s.dims[nd - 1] + 2;
  ref_array *base;
  mx_array *x = lt_rand(b, dt, d, seed, &base);
  int64_t start[MX_MAX_DIMS], stop[MX_MAX_DIMS], step[MX_MAX_DIMS];
  for (int i = 0; i < nd; i++) {
    start[i] = MX_END;
    stop[i] = MX_END;
    step[i] = 1;
  }
  step[nd - 2] = 2;
  if (v == V_STRIDED) { /* columns C, C-1, ..., 1 */
    start[nd - 1] = s.dims[nd - 1];
    stop[nd - 1] = 0;
    step[nd - 1] = -1;
  } else {
    start[nd - 1] = 1;
    stop[nd - 1] = 1 + s.dims[nd - 1];
  }
  mx_array *view = mx_slice(x, nd, start, stop, step);
  ref_array *rr = ref_new_shape(s, dt);
  int64_t idx[MX_MAX_DIMS];
  for (int64_t f = 0; f < rr->size; f++) {
    ref_unflat(rr, f, idx);
    idx[nd - 2] *= 2;
    idx[nd - 1] = v == V_STRIDED ? s.dims[nd - 1] - idx[nd - 1] : 1 + idx[nd - 1];
    int64_t g = ref_flat(base, idx);
    rr->re[f] = base->re[g];
    if (rr->im) rr->im[f] = base->im[g];
    if (rr->iv) rr->iv[f] = base->iv[g];
  }
  rr->exact = base->exact;
  ref_free(base);
  *r = rr;
  return view;
}

static bool check_matmul_case(mx_shape sa, mx_shape sb, mx_dtype dt, view_kind va, view_kind vb,
                              uint64_t seed) {
  ref_array *ra, *rb;
  mx_array *a = make_operand(sa, dt, va, seed, &ra);
  mx_array *b = make_operand(sb, dt, vb, seed + 1000, &rb);
  double *sumabs;
  ref_array *want = lt_ref_matmul(ra, rb, dt, &sumabs);
  char label[200];
  snprintf(label, sizeof label, "matmul %s shape ndim %d x %d (K=%lld) views %d,%d",
           mx_dtype_name(dt), sa.ndim, sb.ndim, (long long)sa.dims[sa.ndim - 1], va, vb);
  bool ok = lt_check(mx_matmul(a, b), want, sumabs, sa.dims[sa.ndim - 1], label);
  free(sumabs);
  ref_free(want);
  ref_free(ra);
  ref_free(rb);
  return ok;
}

TEST(matmul_shapes_all_dtypes) {
  struct {
    mx_shape a, b;
  } cases[] = {
      {MX_SHAPE(7), MX_SHAPE(7)},                 /* 1-D . 1-D -> 0-d */
      {MX_SHAPE(7), MX_SHAPE(7, 5)},              /* 1-D @ 2-D */
      {MX_SHAPE(5, 7), MX_SHAPE(7)},              /* 2-D @ 1-D */
      {MX_SHAPE(2, 4, 5), MX_SHAPE(5)},           /* batched @ 1-D */
      {MX_SHAPE(5), MX_SHAPE(2, 5, 3)},           /* 1-D @ batched */
      {MX_SHAPE(3, 1, 4, 5), MX_SHAPE(2, 5, 6)},  /* batch broadcasting both ways */
      {MX_SHAPE(4, 3, 5), MX_SHAPE(5, 6)},        /* shared B: folded into one GEMM */
      {MX_SHAPE(4, 1, 5), MX_SHAPE(5, 6)},        /* M = 1 stack, folded */
      {MX_SHAPE(2, 5), MX_SHAPE(3, 5, 4)},        /* shared A */
      {MX_SHAPE(3, 0), MX_SHAPE(0, 4)},           /* K = 0: zeros */
      {MX_SHAPE(0, 3, 4), MX_SHAPE(4, 5)},        /* empty batch */
      {MX_SHAPE(0, 4), MX_SHAPE(4, 5)},           /* M = 0 */
      {MX_SHAPE(3, 4), MX_SHAPE(4, 0)},           /* N = 0 */
      {MX_SHAPE(2, 3, 0), MX_SHAPE(2, 0, 2)},     /* batched K = 0 */
      {MX_SHAPE(1, 1), MX_SHAPE(1, 1)},
  };
  for (int dti = 0; dti < MX_NUM_DTYPES; dti++)
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
      for (int va = V_PLAIN; va <= V_ROWSTEP; va++)
        for (int vb = V_PLAIN; vb <= V_ROWSTEP; vb++) {
          mx_scope s = mx_scope_begin();
          check_matmul_case(cases[c].a, cases[c].b, (mx_dtype)dti, (view_kind)va, (view_kind)vb,
                            (uint64_t)(c * 97 + (size_t)dti * 13 + (size_t)va * 5 + (size_t)vb));
          mx_scope_end(s);
        }
}

/* Sizes past the BLAS threading threshold and the portable GEMM's blocks (MC 96, KC 256,
 * NC 512), batched small matrices (threads over batches), and matrix-vector products (gemv). */
TEST(matmul_large) {
  struct {
    mx_shape a, b;
  } cases[] = {
      {MX_SHAPE(203, 300), MX_SHAPE(300, 129)},
      {MX_SHAPE(97, 260), MX_SHAPE(260, 520)}, /* crosses MC, KC and NC */
      {MX_SHAPE(64, 8, 9), MX_SHAPE(64, 9, 7)},
      {MX_SHAPE(300, 200), MX_SHAPE(200)},
      {MX_SHAPE(200), MX_SHAPE(200, 300)},
      {MX_SHAPE(1, 300), MX_SHAPE(300, 257)},
  };
  const mx_dtype dts[] = {MX_FLOAT32, MX_FLOAT64, MX_COMPLEX64, MX_FLOAT16, MX_BFLOAT16,
                          MX_INT32, MX_INT64, MX_UINT8, MX_BOOL};
  for (size_t d = 0; d < sizeof dts / sizeof dts[0]; d++)
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
      for (int v = V_PLAIN; v <= V_TRANS; v++) {
        mx_scope s = mx_scope_begin();
        check_matmul_case(cases[c].a, cases[c].b, dts[d], (view_kind)v, (view_kind)(1 - v),
                          (uint64_t)(c * 31 + d));
        mx_scope_end(s);
      }
}

TEST(matmul_nan_inf_propagate) {
  /* real dtypes: complex inf arithmetic (C Annex G vs BLAS) is not pinned down */
  const mx_dtype dts[] = {MX_FLOAT32, MX_FLOAT64, MX_FLOAT16, MX_BFLOAT16};
  for (size_t d = 0; d < sizeof dts / sizeof dts[0]; d++) {
    ref_array *ra, *rb;
    mx_array *a = lt_rand(MX_SHAPE(6, 5), dts[d], DOM_FINITE, 3, &ra);
    mx_array *b = lt_rand(MX_SHAPE(5, 4), dts[d], DOM_FINITE, 4, &rb);
    /* row 1 of a holds a NaN, row 3 an inf; column 2 of b an inf where row 3's inf meets it */
    ra->re[1 * 5 + 2] = NAN;
    ra->re[3 * 5 + 0] = INFINITY;
    ra->re[3 * 5 + 1] = 0;
    rb->re[1 * 4 + 2] = 1; /* a[3,1] = 0 times b[1,*] finite */
    rb->re[0 * 4 + 1] = 0; /* inf * 0: NaN at (3, 1) */
    a = ref_to_mx(ra);
    b = ref_to_mx(rb);
    double *sumabs;
    ref_array *want = lt_ref_matmul(ra, rb, dts[d], &sumabs);
    lt_check(mx_matmul(a, b), want, sumabs, 5, mx_dtype_name(dts[d]));
    free(sumabs);
    ref_free(want);
    ref_free(ra);
    ref_free(rb);
  }
}

TEST(matmul_dtype_promotion) {
  mx_array *a = mx_ones(MX_SHAPE(2, 3), MX_INT8), *b = mx_ones(MX_SHAPE(3, 2), MX_UINT8);
  CHECK_INT(mx_array_dtype(mx_matmul(a, b)), MX_INT16);
  CHECK_INT(mx_array_dtype(mx_matmul(a, mx_ones(MX_SHAPE(3), MX_FLOAT16))), MX_FLOAT16);
  mx_array *t = mx_ones(MX_SHAPE(2, 2), MX_BOOL);
  mx_array *r = mx_matmul(t, t);
  CHECK_INT(mx_array_dtype(r), MX_BOOL);
  CHECK(mx_item_bool(mx_all(r, MX_ALL_AXES, false)));
  /* int8 wraps: 3 * 100 * 1 = 300 -> 44 */
  mx_array *x = mx_full(MX_SHAPE(1, 3), 100, MX_INT8), *y = mx_ones(MX_SHAPE(3, 1), MX_INT8);
  CHECK_INT(mx_item_i64(mx_matmul(x, y)), 44);
}

TEST(matmul_errors) {
  mx_array *a = mx_ones(MX_SHAPE(2, 3), MX_FLOAT32);
  CHECK_ERROR(mx_matmul(a, mx_ones(MX_SHAPE(4, 5), MX_FLOAT32)), "mx_matmul: shapes (2,3) and (4,5)");
  CHECK_ERROR(mx_matmul(a, mx_ones(MX_SHAPE(4), MX_FLOAT32)), "mx_matmul: shapes (2,3) and (4)");
  CHECK_ERROR(mx_matmul(mx_ones(MX_SHAPE(4), MX_FLOAT32), a), "not aligned");
  CHECK_ERROR(mx_matmul(a, mx_scalar(2)), "0-d");
  CHECK_ERROR(mx_matmul(mx_ones(MX_SHAPE(2, 2, 3), MX_FLOAT32), mx_ones(MX_SHAPE(3, 3, 1), MX_FLOAT32)),
              "batch dimensions");
  CHECK_ERROR(mx_matmul(a, NULL), "mx_matmul");
  /* errors propagate */
  mx_array *bad = mx_matmul(a, mx_ones(MX_SHAPE(4, 5), MX_FLOAT32));
  CHECK_ERROR(mx_matmul(bad, a), "mx_matmul: shapes (2,3) and (4,5)");
  CHECK(mx_eval(bad) == MX_ERROR);
  mx_clear_error();
}

/* ---- the portable GEMM on its own, every dtype, blocked sizes and strided operands ---- */
TEST(gemm_portable_direct) {
  struct {
    int64_t m, n, k;
    bool ta, tb, step;
  } cases[] = {
      {1, 1, 1, 0, 0, 0},    {7, 13, 5, 0, 0, 0},   {97, 33, 257, 1, 0, 0},
      {50, 530, 20, 0, 1, 0}, {13, 17, 300, 1, 1, 1}, {6, 16, 3, 0, 0, 1},
      {5, 4, 0, 0, 0, 0},
  };
  for (int dti = 0; dti < MX_NUM_DTYPES; dti++) {
    mx_dtype dt = (mx_dtype)dti;
    size_t sz = mx_dtype_size(dt);
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
      mx_scope s = mx_scope_begin();
      int64_t M = cases[c].m, N = cases[c].n, K = cases[c].k;
      int64_t step = cases[c].step ? 3 : 1; /* every third element: no unit stride anywhere */
      ref_array *ra, *rb;
      /* storage: A as [M, K] (or [K, M] when ta), spread out by step */
      mx_array *am = lt_rand(MX_SHAPE(M * K * step + 1), dt, DOM_FINITE, (uint64_t)c + 1, &ra);
      mx_array *bm = lt_rand(MX_SHAPE(K * N * step + 1), dt, DOM_FINITE, (uint64_t)c + 50, &rb);
      if (mx_dtype_is_integer(dt)) { /* wrap-around values */
        ref_free(ra);
        ref_free(rb);
        am = lt_rand(MX_SHAPE(M * K * step + 1), dt, DOM_INT_EDGE, (uint64_t)c + 1, &ra);
        bm = lt_rand(MX_SHAPE(K * N * step + 1), dt, DOM_INT_EDGE, (uint64_t)c + 50, &rb);
      }
      const char *ap = mx_array_data(am), *bp = mx_array_data(bm);
      mxi_gemm_args g = {dt, M, N, K, ap, 0, 0, bp, 0, 0, NULL, N};
      g.rsa = cases[c].ta ? step : K * step;
      g.csa = cases[c].ta ? M * step : step;
      g.rsb = cases[c].tb ? step : N * step;
      g.csb = cases[c].tb ? K * step : step;
      /* logical operands for the reference */
      ref_array *la = ref_new_shape(MX_SHAPE(M, K), dt), *lb = ref_new_shape(MX_SHAPE(K, N), dt);
      for (int64_t i = 0; i < M; i++)
        for (int64_t p = 0; p < K; p++) {
          int64_t src = i * g.rsa + p * g.csa;
          la->re[i * K + p] = ra->re[src];
          if (la->im) la->im[i * K + p] = ra->im[src];
          if (la->iv) la->iv[i * K + p] = ra->iv[src];
        }
      for (int64_t p = 0; p < K; p++)
        for (int64_t j = 0; j < N; j++) {
          int64_t src = p * g.rsb + j * g.csb;
          lb->re[p * N + j] = rb->re[src];
          if (lb->im) lb->im[p * N + j] = rb->im[src];
          if (lb->iv) lb->iv[p * N + j] = rb->iv[src];
        }
      la->exact = ra->exact;
      lb->exact = rb->exact;
      char *cbuf = calloc((size_t)(M * N + 1), sz);
      g.c = cbuf;
      CHECK(mxi_gemm_portable(&g));
      mx_array *got = mx_array_new(cbuf, MX_SHAPE(M, N), dt);
      free(cbuf);
      double *sumabs;
      ref_array *want = lt_ref_matmul(la, lb, dt, &sumabs);
      char label[120];
      snprintf(label, sizeof label, "gemm_portable %s %lldx%lldx%lld case %zu", mx_dtype_name(dt),
               (long long)M, (long long)N, (long long)K, c);
      lt_check(got, want, sumabs, K, label);
      free(sumabs);
      ref_free(want);
      ref_free(la);
      ref_free(lb);
      ref_free(ra);
      ref_free(rb);
      mx_scope_end(s);
    }
  }
}
