/* test_cuda_plan.c — the CUDA matmul's mapping onto cuBLASLt (src/backend/cuda/matmul_plan.c),
 * checked without a GPU: each plan runs through a host model of cuBLASLt's column-major,
 * strided-batched GEMM on the operands' own memory (every access bounds-checked) and must
 * reproduce the CPU's matmul, for plain, transposed, batched, broadcast, sliced and vector cases. */
#include "backend/cuda/matmul_plan.h"
#include "harness.h"

typedef struct region {
  const double *base;
  int64_t n; /* elements in the buffer */
  bool oob;
} region;

static double at(region *r, const double *p) {
  int64_t i = p - r->base;
  if (i < 0 || i >= r->n) {
    r->oob = true;
    return 0;
  }
  return *p;
}

/* cuBLASLt's D = op(A) op(B), column-major, batch strides in elements. */
static void model(const mxi_mm_plan *p, const double *A, region *ra, const double *B, region *rb, double *C) {
  int64_t m = p->m, n = p->n, k = p->k;
  for (int64_t t = 0; t < p->batch; t++) {
    const double *a = A + t * p->sa, *b = B + t * p->sb;
    double *c = C + t * p->sc;
    for (int64_t i = 0; i < m; i++)
      for (int64_t j = 0; j < n; j++) {
        double s = 0;
        for (int64_t l = 0; l < k; l++) {
          double x = p->a.trans ? at(ra, a + l + i * p->a.ld) : at(ra, a + i + l * p->a.ld);
          double y = p->b.trans ? at(rb, b + j + l * p->b.ld) : at(rb, b + l + j * p->b.ld);
          s += x * y;
        }
        c[i + j * p->ldc] = s;
      }
  }
}

/* cuBLASLt's own checks on the layouts it is given */
static bool layouts_valid(const mxi_mm_plan *p) {
  bool ok = p->a.trans ? (p->a.rows == p->k && p->a.cols == p->m) : (p->a.rows == p->m && p->a.cols == p->k);
  ok &= p->b.trans ? (p->b.rows == p->n && p->b.cols == p->k) : (p->b.rows == p->k && p->b.cols == p->n);
  ok &= p->a.ld >= (p->a.rows > 1 ? p->a.rows : 1) && p->b.ld >= (p->b.rows > 1 ? p->b.rows : 1);
  return ok && p->batch >= 1;
}

static mx_array *seq(mx_shape s, double scale) {
  int64_t n = 1;
  for (int i = 0; i < s.ndim; i++) n *= s.dims[i];
  return mx_reshape(mx_multiply(mx_sin(mx_arange(1, (double)n + 1, 1, MX_FLOAT64)), mx_scalar(scale)), s);
}

/* Plans a @ b, runs the plan through the model, compares with mx_matmul (CPU). expect_plan:
 * whether the operands should be usable as they are (no copies). */
static void check_plan(const char *label, mx_array *a, mx_array *b, bool expect_plan, bool loop_broadcast) {
  mx_array *want = mx_matmul(a, b);
  if (!CHECK_OK(want) || mx_eval(a) != MX_OK || mx_eval(b) != MX_OK) return;
  /* an output buffer laid out as the backend allocates it: row-major */
  mx_array *out = mx_zeros(mx_array_shape_of(want), MX_FLOAT64);
  mx_eval(out);
  mxi_mm_plan p;
  memset(&p, 0, sizeof p);
  bool planned = mxi_mm_plan_make(&p, a, b, out, loop_broadcast);
  if (planned != expect_plan) {
    FAIL("%s: plan %s, expected %s", label, planned ? "made" : "refused", expect_plan ? "made" : "refused");
    return;
  }
  if (!planned) return;
  if (loop_broadcast && p.batch > 1 && (p.sa == 0 || p.sb == 0)) {
    FAIL("%s: a batch stride of 0 for cuBLASLt although asked not to", label);
    return;
  }
  if (!layouts_valid(&p)) {
    FAIL("%s: invalid layouts m=%lld n=%lld k=%lld a(%d %lldx%lld ld %lld) b(%d %lldx%lld ld %lld)", label,
         (long long)p.m, (long long)p.n, (long long)p.k, p.a.trans, (long long)p.a.rows, (long long)p.a.cols,
         (long long)p.a.ld, p.b.trans, (long long)p.b.rows, (long long)p.b.cols, (long long)p.b.ld);
    return;
  }
  const double *pa = mxi_host_ptr(a), *pb = mxi_host_ptr(b);
  double *pc = mxi_host_ptr(out);
  region ra = {(const double *)a->buf->host, (int64_t)(a->buf->nbytes / 8), false};
  region rb = {(const double *)b->buf->host, (int64_t)(b->buf->nbytes / 8), false};
  for (int64_t t = 0; t < p.calls; t++) {
    int64_t oa, ob, oc;
    mxi_mm_plan_call(&p, t, &oa, &ob, &oc);
    if (oc + p.batch * p.sc > out->size) {
      FAIL("%s: call %lld writes past the output", label, (long long)t);
      return;
    }
    model(&p, pb + oa, &rb, pa + ob, &ra, pc + oc); /* cuBLASLt's A is mx's b */
  }
  CHECK(!ra.oob && !rb.oob);
  const double *g = mx_array_data(out), *w = mx_array_data(want);
  int64_t n = mx_array_size(want);
  int bad = 0;
  for (int64_t i = 0; i < n; i++)
    if (fabs(g[i] - w[i]) > 1e-12 * (1 + fabs(w[i])) && bad++ < 3)
      FAIL("%s: element %lld: plan %.17g, cpu %.17g", label, (long long)i, g[i], w[i]);
}

/* every case both ways: broadcast batches as cuBLASLt strides of 0, and looped on the host */
static void check_case(const char *label, mx_array *a, mx_array *b, bool expect_plan) {
  check_plan(label, a, b, expect_plan, false);
  char l2[160];
  snprintf(l2, sizeof l2, "%s (broadcast looped)", label);
  check_plan(l2, a, b, expect_plan, true);
}

TEST(plan_plain_and_transposed) {
  mx_array *a = seq(MX_SHAPE(5, 7), 1), *b = seq(MX_SHAPE(7, 3), 0.5);
  check_case("plain", a, b, true);
  mx_array *at = mx_transpose(seq(MX_SHAPE(7, 5), 1), MX_ALL_AXES);
  mx_array *bt = mx_transpose(seq(MX_SHAPE(3, 7), 2), MX_ALL_AXES);
  check_case("a transposed", at, b, true);
  check_case("b transposed", a, bt, true);
  check_case("both transposed", at, bt, true);
  check_case("square", seq(MX_SHAPE(16, 16), 1), mx_transpose(seq(MX_SHAPE(16, 16), 3), MX_ALL_AXES), true);
}

TEST(plan_vectors_and_degenerate_axes) {
  check_case("row @ col", seq(MX_SHAPE(1, 9), 1), seq(MX_SHAPE(9, 1), 1), true);
  check_case("col @ row (K=1)", seq(MX_SHAPE(6, 1), 1), seq(MX_SHAPE(1, 4), 1), true);
  check_case("M=1", seq(MX_SHAPE(1, 8), 1), seq(MX_SHAPE(8, 5), 1), true);
  check_case("N=1", seq(MX_SHAPE(4, 8), 1), seq(MX_SHAPE(8, 1), 1), true);
  check_case("N=1 transposed", seq(MX_SHAPE(4, 8), 1), mx_transpose(seq(MX_SHAPE(1, 8), 1), MX_ALL_AXES), true);
  /* what matmul makes of 1-d operands: expanded views with a size-1 axis of any stride */
  check_case("expanded row", mx_expand_dims(seq(MX_SHAPE(8), 1), MX_AXES(0)), seq(MX_SHAPE(8, 5), 1), true);
  check_case("expanded column", seq(MX_SHAPE(4, 8), 1), mx_expand_dims(seq(MX_SHAPE(8), 1), MX_AXES(1)), true);
}

TEST(plan_batches) {
  check_case("batched", seq(MX_SHAPE(4, 5, 7), 1), seq(MX_SHAPE(4, 7, 3), 1), true);
  check_case("shared b (folded)", seq(MX_SHAPE(4, 5, 7), 1), seq(MX_SHAPE(7, 3), 1), true);
  check_case("shared a (stride 0)", seq(MX_SHAPE(5, 7), 1), seq(MX_SHAPE(4, 7, 3), 1), true);
  check_case("two batch axes merged", seq(MX_SHAPE(2, 3, 5, 7), 1), seq(MX_SHAPE(2, 3, 7, 3), 1), true);
  check_case("outer broadcast loop", seq(MX_SHAPE(2, 3, 5, 7), 1), seq(MX_SHAPE(3, 7, 3), 1), true);
  check_case("inner broadcast", seq(MX_SHAPE(2, 3, 5, 7), 1), seq(MX_SHAPE(2, 1, 7, 3), 1), true);
  check_case("size-1 batch axes", seq(MX_SHAPE(1, 4, 1, 5, 7), 1), seq(MX_SHAPE(4, 1, 7, 3), 1), true);
  mx_array *bt = mx_swapaxes(seq(MX_SHAPE(4, 3, 7), 1), -1, -2); /* batched transposed b */
  check_case("batched b transposed", seq(MX_SHAPE(4, 5, 7), 1), bt, true);
  mx_array *at = mx_transpose(seq(MX_SHAPE(7, 4, 5), 1), MX_AXES(1, 2, 0)); /* batch not outermost in memory */
  check_case("a batch strides permuted", at, seq(MX_SHAPE(4, 7, 3), 1), true);
  mx_array *fold_t = mx_transpose(seq(MX_SHAPE(4, 7, 5), 1), MX_AXES(0, 2, 1)); /* no fold: rows not chained */
  check_case("shared b, a transposed per batch", fold_t, seq(MX_SHAPE(7, 3), 1), true);
}

TEST(plan_sliced_views_and_refusals) {
  int64_t start[3] = {0, 0, 0}, stop[3] = {MX_END, MX_END, MX_END}, step[3] = {2, 1, 1};
  mx_array *sa = mx_slice(seq(MX_SHAPE(8, 5, 7), 1), 3, start, stop, step); /* every other batch */
  check_case("sliced batch", sa, seq(MX_SHAPE(4, 7, 3), 1), true);
  int64_t s2[2] = {0, 0}, e2[2] = {MX_END, MX_END}, st2[2] = {1, 2};
  mx_array *rows = mx_slice(seq(MX_SHAPE(5, 14), 1), 2, s2, e2, st2); /* column stride 2 */
  check_case("column stride 2 (needs a copy)", rows, seq(MX_SHAPE(7, 3), 1), false);
  int64_t st3[2] = {2, 1};
  mx_array *every_other_row = mx_slice(seq(MX_SHAPE(10, 7), 1), 2, s2, e2, st3); /* row stride 14 */
  check_case("row stride 2", every_other_row, seq(MX_SHAPE(7, 3), 1), true);
  mx_array *bcast = mx_broadcast_to(seq(MX_SHAPE(1, 7), 1), MX_SHAPE(5, 7)); /* row stride 0 */
  check_case("broadcast rows (needs a copy)", bcast, seq(MX_SHAPE(7, 3), 1), false);
  int64_t s4[2] = {0, 6}, e4[2] = {MX_END, MX_END}, st4[2] = {1, -1};
  mx_array *rev = mx_slice(seq(MX_SHAPE(5, 7), 1), 2, s4, e4, st4); /* reversed columns */
  check_case("reversed (needs a copy)", rev, seq(MX_SHAPE(7, 3), 1), false);
}
