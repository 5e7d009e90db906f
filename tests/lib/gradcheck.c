/* gradcheck.c — finite differences, jvp/vjp consistency and vmap-vs-loop for one op. */
#include "gradcheck.h"

static mx_array *make_input(const grad_case *c, int k, uint64_t seed, ref_array **rout) {
  mx_dtype dt = c->constant[k] && c->dtypes[k] ? c->dtypes[k] : MX_FLOAT64;
  ref_array *r = ref_new_shape(c->shapes[k], dt);
  ref_fill(r, c->dom[k] ? c->dom[k] : DOM_FINITE, seed);
  mx_array *a = ref_to_mx(r);
  if (rout)
    *rout = r;
  else
    ref_free(r);
  return a;
}

typedef struct fctx {
  const grad_case *c;
  mx_array *const *all; /* every input; the differentiated ones are replaced */
  int *map;             /* differentiated input j -> case input index */
  int nd;
} fctx;

static void call_op(void *p, int n_in, mx_array **in, int n_out, mx_array **out) {
  fctx *f = p;
  (void)n_in;
  (void)n_out;
  mx_array *args[4];
  for (int k = 0; k < f->c->nin; k++) args[k] = f->all[k];
  for (int j = 0; j < f->nd; j++) args[f->map[j]] = in[j];
  out[0] = f->c->build(args);
}

static double dot(mx_array *a, mx_array *b) {
  return mx_item_f64(mx_sum(mx_multiply(mx_astype(a, MX_FLOAT64), mx_astype(b, MX_FLOAT64)), MX_ALL_AXES, false));
}

static void check_grads(const grad_case *c, mx_array **inputs) {
  int map[4], nd = 0;
  for (int k = 0; k < c->nin; k++)
    if (!c->constant[k]) map[nd++] = k;
  fctx ctx = {c, inputs, map, nd};
  mx_function *f = mx_function_new(call_op, &ctx, nd, 1);
  mx_array *primals[4];
  for (int j = 0; j < nd; j++) primals[j] = inputs[map[j]];
  mx_array *y;
  if (mx_call(f, nd, primals, 1, &y) != MX_OK) {
    FAIL("%s: forward failed: %s", c->name, mx_array_error(y));
    mx_function_free(f);
    return;
  }
  /* cotangent W and tangents V: fixed random values */
  ref_array *wr = ref_new(mx_array_ndim(y), mx_array_shape(y), MX_FLOAT64);
  ref_fill(wr, DOM_FINITE, 99);
  mx_array *w = mx_astype(ref_to_mx(wr), mx_array_dtype(y));
  ref_free(wr);
  mx_array *outs[1], *vj[4], *jv[1], *tan[4];
  if (mx_vjp(f, nd, primals, &w, 1, outs, vj) != MX_OK) {
    FAIL("%s: vjp failed: %s", c->name, mx_last_error());
    mx_clear_error();
    mx_function_free(f);
    return;
  }
  for (int j = 0; j < nd; j++) tan[j] = make_input(c, map[j], 50 + (uint64_t)j, NULL);
  if (mx_jvp(f, nd, primals, tan, 1, outs, jv) != MX_OK) {
    FAIL("%s: jvp failed: %s", c->name, mx_last_error());
    mx_clear_error();
    mx_function_free(f);
    return;
  }
  /* ⟨jvp(v), w⟩ = Σ ⟨v_j, vjp_j(w)⟩ */
  double lhs = dot(jv[0], w), rhs = 0;
  for (int j = 0; j < nd; j++) rhs += dot(tan[j], vj[j]);
  if (!(fabs(lhs - rhs) <= 1e-9 * (1 + fabs(lhs))))
    FAIL("%s: <jvp(v), u> = %.12g but <v, vjp(u)> = %.12g", c->name, lhs, rhs);
  /* central differences of s(x) = <op(x), w> in float64 */
  double tol = c->fd_tol > 0 ? c->fd_tol : 1e-6;
  for (int j = 0; j < nd; j++) {
    mx_array *x = primals[j];
    int64_t n = mx_array_size(x);
    const double *g = mx_array_data(mx_astype(vj[j], MX_FLOAT64));
    if (!g) {
      FAIL("%s: gradient %d failed: %s", c->name, j, mx_last_error());
      mx_clear_error();
      continue;
    }
    double *xv = malloc((size_t)(n ? n : 1) * sizeof *xv);
    mx_array_copy_to(x, xv, (size_t)n, MX_FLOAT64);
    int bad = 0;
    for (int64_t i = 0; i < n && bad < 3; i++) {
      double h = 1e-6 * (1 + fabs(xv[i])), s[2];
      for (int side = 0; side < 2; side++) {
        mx_scope sc = mx_scope_begin();
        double *xp = malloc((size_t)n * sizeof *xp);
        memcpy(xp, xv, (size_t)n * sizeof *xp);
        xp[i] += side ? -h : h;
        mx_array *args[4];
        for (int k = 0; k < c->nin; k++) args[k] = inputs[k];
        args[map[j]] = mx_array_new(xp, mx_array_shape_of(x), MX_FLOAT64);
        s[side] = dot(c->build(args), w);
        free(xp);
        mx_scope_end(sc);
      }
      double fd = (s[0] - s[1]) / (2 * h);
      if (!(fabs(fd - g[i]) <= tol * (1 + fabs(fd)))) {
        FAIL("%s: d/dx%d[%lld]: vjp %.10g, finite difference %.10g", c->name, j, (long long)i, g[i], fd);
        bad++;
      }
    }
    free(xv);
  }
  mx_function_free(f);
}

/* vmap with the batch on axis 1 of every batched input (axis 0 for 1-D inputs... the last axis
 * for 0-d examples is axis 0), against stacking the op over the examples. */
static void check_vmap(const grad_case *c) {
  const int B = 3;
  mx_array *batched[4], *examples[3][4];
  int axes[4];
  for (int k = 0; k < c->nin; k++) {
    int nd = c->shapes[k].ndim;
    axes[k] = nd >= 1 ? 1 : 0; /* not the leading axis when there is a choice */
    for (int b = 0; b < B; b++) examples[b][k] = make_input(c, k, 300 + (uint64_t)(b * 7 + k), NULL);
    if (c->constant[k] && k > 0) { /* constant inputs stay unbatched, as a mask or index would */
      batched[k] = examples[0][k];
      for (int b = 1; b < B; b++) examples[b][k] = examples[0][k];
      axes[k] = MX_UNBATCHED;
      continue;
    }
    mx_array *list[3] = {examples[0][k], examples[1][k], examples[2][k]};
    batched[k] = mx_stack(B, list, axes[k]);
  }
  int identity[4] = {0, 1, 2, 3};
  fctx ctx = {c, batched, identity, c->nin};
  mx_function *f = mx_function_new(call_op, &ctx, c->nin, 1);
  mx_function *vf = mx_vmap_fn(f, axes, NULL);
  mx_array *got;
  if (mx_call(vf, c->nin, batched, 1, &got) != MX_OK) {
    FAIL("%s: vmap failed: %s", c->name, mx_array_error(got));
    mx_clear_error();
  } else {
    mx_array *res[3];
    for (int b = 0; b < B; b++) res[b] = c->build(examples[b]);
    mx_array *want = mx_stack(B, res, 0);
    ref_array *wr = ref_from(want);
    if (wr) {
      char label[128];
      snprintf(label, sizeof label, "%s: vmap(in_axes=1) vs loop", c->name);
      ref_check(got, wr, 1, label);
      ref_free(wr);
    }
  }
  mx_function_free(vf);
  mx_function_free(f);
}

void gradcheck_run(const grad_case *c) {
  mx_scope s = mx_scope_begin();
  mx_array *inputs[4];
  for (int k = 0; k < c->nin; k++) inputs[k] = make_input(c, k, 7 + (uint64_t)k * 13, NULL);
  check_grads(c, inputs);
  if (c->transpose_first && mx_array_ndim(inputs[0]) >= 2) {
    /* the same values through a transposed view */
    mx_array *t = mx_contiguous(mx_transpose(inputs[0], MX_ALL_AXES));
    mx_eval(t);
    inputs[0] = mx_transpose(t, MX_ALL_AXES);
    check_grads(c, inputs);
  }
  if (!c->skip_vmap) check_vmap(c);
  mx_scope_end(s);
}
