/* test_alloc_failures.c — fault injection: the Nth malloc/calloc/realloc/aligned_alloc of a
 * small program fails (once, or from then on), for every N the program reaches. The program runs
 * in a forked child, which must neither crash nor abort, and must either give the right result
 * or report the failure as an error ("out of memory ..."); after a failed optimizer step the
 * model must still hold its old or its new parameters; under LeakSanitizer nothing may leak.
 * Linked with --wrap for those four (tests/CMakeLists.txt): the wrappers below see every
 * allocation the library makes. */
#define _GNU_SOURCE
#include <stdatomic.h>
#include <sys/mman.h>

#include "child.h"
#include "harness.h"

#if defined(__SANITIZE_ADDRESS__)
#define MXT_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MXT_LSAN 1
#endif
#endif
#ifdef MXT_LSAN
int __lsan_do_recoverable_leak_check(void);
#endif

/* ---- the allocation wrappers ---- */
void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__real_aligned_alloc(size_t align, size_t n);

static atomic_bool armed;          /* count (and maybe fail) allocations */
static atomic_long seen;           /* allocations while armed */
static long fail_at;               /* 1-based; 0: never fail */
static bool sticky;                /* fail every allocation from fail_at on */
static atomic_long failed;         /* allocations made to fail */

static bool inject(void) {
  if (!atomic_load(&armed)) return false;
  long k = atomic_fetch_add(&seen, 1) + 1;
  if (fail_at && (k == fail_at || (sticky && k > fail_at))) {
    atomic_fetch_add(&failed, 1);
    return true;
  }
  return false;
}

void *__wrap_malloc(size_t n) { return inject() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t n, size_t size) { return inject() ? NULL : __real_calloc(n, size); }
void *__wrap_realloc(void *p, size_t n) { return inject() ? NULL : __real_realloc(p, n); }
void *__wrap_aligned_alloc(size_t align, size_t n) { return inject() ? NULL : __real_aligned_alloc(align, n); }

static void arm(long at, bool from_then_on) {
  fail_at = at;
  sticky = from_then_on;
  atomic_store(&seen, 0);
  atomic_store(&failed, 0);
  atomic_store(&armed, true);
}
static void disarm(void) { atomic_store(&armed, false); }

/* ---- the programs: each returns true when its result is right ---- */
static bool near(mx_array *a, const double *want, int n) {
  const double *d = mx_array_data(mx_astype(a, MX_FLOAT64));
  if (!d) return false;
  for (int i = 0; i < n; i++)
    if (fabs(d[i] - want[i]) > 1e-5 * (1 + fabs(want[i]))) return false;
  return true;
}

static const double X[6] = {0.5, -1, 2, 0.25, -0.75, 1.5};

/* ops: a small graph with a matmul, a reduction, broadcasting and a view */
static bool prog_ops(void) {
  mx_array *x = mx_array_new(X, MX_SHAPE(2, 3), MX_FLOAT64);
  mx_array *y = mx_matmul(x, mx_transpose(x, MX_ALL_AXES));
  mx_array *z = mx_add(mx_sum(y, MX_AXES(1), false), mx_scalar(1));
  if (mx_eval(z) != MX_OK) return false;
  double xx[2][2] = {{0}};
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 2; j++)
      for (int k = 0; k < 3; k++) xx[i][j] += X[3 * i + k] * X[3 * j + k];
  return near(z, (double[]){xx[0][0] + xx[0][1] + 1, xx[1][0] + xx[1][1] + 1}, 2);
}

/* f(x) = sum(sin(x) * x) */
static void f_sinx(void *ctx, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)ctx; (void)n_in; (void)n_out;
  out[0] = mx_sum(mx_multiply(mx_sin(in[0]), in[0]), MX_ALL_AXES, false);
}

static bool prog_grad(void) {
  mx_function *f = mx_function_new(f_sinx, NULL, 1, 1), *g = mx_grad_fn(f, 0, NULL);
  mx_array *x = mx_array_new(X, MX_SHAPE(6), MX_FLOAT64), *gx = NULL;
  bool ok = g && mx_call(g, 1, &x, 1, &gx) == MX_OK;
  double want[6];
  for (int i = 0; i < 6; i++) want[i] = cos(X[i]) * X[i] + sin(X[i]);
  ok = ok && near(gx, want, 6);
  mx_function_free(g);
  mx_function_free(f);
  return ok;
}

/* f(x) = x * x: vjp with cotangent c is 2 x c, jvp with tangent t is 2 x t */
static void f_square(void *ctx, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)ctx; (void)n_in; (void)n_out;
  out[0] = mx_multiply(in[0], in[0]);
}

static bool prog_vjp_jvp(void) {
  mx_function *f = mx_function_new(f_square, NULL, 1, 1);
  mx_function *vf = mx_vjp_fn(f), *jf = mx_jvp_fn(f);
  mx_array *in[2] = {mx_array_new(X, MX_SHAPE(3), MX_FLOAT64), mx_array_new(X + 3, MX_SHAPE(3), MX_FLOAT64)};
  mx_array *v = NULL, *j = NULL;
  bool ok = vf && jf && mx_call(vf, 2, in, 1, &v) == MX_OK && mx_call(jf, 2, in, 1, &j) == MX_OK;
  double want[3];
  for (int i = 0; i < 3; i++) want[i] = 2 * X[i] * X[3 + i];
  ok = ok && near(v, want, 3) && near(j, want, 3);
  mx_function_free(vf);
  mx_function_free(jf);
  mx_function_free(f);
  return ok;
}

static bool prog_vmap(void) {
  mx_function *f = mx_function_new(f_sinx, NULL, 1, 1);
  mx_function *vf = mx_vmap_fn(f, (int[]){0}, (int[]){0});
  mx_array *x = mx_array_new(X, MX_SHAPE(2, 3), MX_FLOAT64), *y = NULL;
  bool ok = vf && mx_call(vf, 1, &x, 1, &y) == MX_OK;
  double want[2] = {0, 0};
  for (int i = 0; i < 6; i++) want[i / 3] += sin(X[i]) * X[i];
  ok = ok && near(y, want, 2);
  mx_function_free(vf);
  mx_function_free(f);
  return ok;
}

static mx_array *mse(void *ctx, mx_module *m, int n, mx_array **batch) {
  (void)ctx; (void)n;
  return mx_mse_loss(mx_module_forward(m, batch[0]), batch[1], MX_REDUCE_MEAN);
}

/* A linear layer with fixed weights: forward and backward (the loss and its gradients). */
static mx_module *make_linear(void) {
  mx_module *m = mx_nn_linear(3, 2, true, NULL);
  if (!m) return NULL;
  mx_module_set(m, "weight", mx_astype(mx_array_new(X, MX_SHAPE(2, 3), MX_FLOAT64), MX_FLOAT32));
  mx_module_set(m, "bias", mx_array_new((float[]){0.1f, -0.2f}, MX_SHAPE(2), MX_FLOAT32));
  mx_eval(mx_module_get(m, "weight")); /* a lazy parameter would fail for good with its eval */
  return m;
}

static mx_array *batch_x(void) { return mx_array_new((float[]){1, 2, -1, 0.5f, 0, 1}, MX_SHAPE(2, 3), MX_FLOAT32); }
static mx_array *batch_y(void) { return mx_array_new((float[]){0, 1, 1, 0}, MX_SHAPE(2, 2), MX_FLOAT32); }

/* The expected loss and gradients of the linear layer, in float64. */
static void linear_reference(double *loss, double *gw, double *gb) {
  const double xb[6] = {1, 2, -1, 0.5, 0, 1}, yb[4] = {0, 1, 1, 0}, b[2] = {0.1, -0.2};
  *loss = 0;
  for (int k = 0; k < 6; k++) gw[k] = 0;
  gb[0] = gb[1] = 0;
  for (int r = 0; r < 2; r++)
    for (int o = 0; o < 2; o++) {
      double p = b[o];
      for (int i = 0; i < 3; i++) p += X[3 * o + i] * xb[3 * r + i];
      double d = p - yb[2 * r + o];
      *loss += d * d / 4;
      gb[o] += d / 2;
      for (int i = 0; i < 3; i++) gw[3 * o + i] += d / 2 * xb[3 * r + i];
    }
}

static bool prog_module(void) {
  mx_module *m = make_linear();
  mx_array *batch[2] = {batch_x(), batch_y()}, *loss = NULL, *g[2] = {NULL, NULL};
  bool ok = m && mx_value_and_grad_module(m, mse, NULL, 2, batch, &loss, g) == MX_OK;
  double l, gw[6], gb[2];
  linear_reference(&l, gw, gb);
  ok = ok && near(loss, &l, 1) && near(g[0], gw, 6) && near(g[1], gb, 2);
  mx_module_free(m);
  return ok;
}

/* One Adam step; afterwards each parameter must be its old value or the stepped one. */
static mx_module *optim_model;
static bool prog_optim(void) {
  mx_module *m = optim_model;
  mx_optimizer *o = mx_optim_adam(0.1, 0.9, 0.999, 1e-8);
  mx_array *batch[2] = {batch_x(), batch_y()}, *loss = NULL, *g[2] = {NULL, NULL};
  bool ok = o && mx_value_and_grad_module(m, mse, NULL, 2, batch, &loss, g) == MX_OK;
  ok = ok && mx_optim_update(o, m, 2, g) == MX_OK;
  mx_optim_free(o);
  return ok;
}

/* Adam's first step moves each parameter by -lr * sign(g) (up to eps). */
static bool model_intact(mx_module *m, bool *stepped) {
  double l, gw[6], gb[2], w0[6], b0[2] = {0.1, -0.2};
  linear_reference(&l, gw, gb);
  for (int k = 0; k < 6; k++) w0[k] = X[k];
  double w1[6], b1[2];
  for (int k = 0; k < 6; k++) w1[k] = w0[k] - 0.1 * (gw[k] > 0 ? 1 : -1);
  for (int k = 0; k < 2; k++) b1[k] = b0[k] - 0.1 * (gb[k] > 0 ? 1 : -1);
  mx_array *w = mx_module_get(m, "weight"), *b = mx_module_get(m, "bias");
  if (mx_is_error(w) || mx_is_error(b)) return false;
  *stepped = near(w, w1, 6) && near(b, b1, 2);
  return *stepped || (near(w, w0, 6) && near(b, b0, 2));
}

static bool prog_print(void) {
  mx_array *x = mx_array_new((int32_t[]){1, 22, -3, 4}, MX_SHAPE(2, 2), MX_INT32);
  char *s = mx_array_to_string(x);
  bool ok = s && strcmp(s, "array([[ 1, 22],\n       [-3,  4]], dtype=int32)") == 0;
  free(s);
  return ok;
}

/* ---- the driver ---- */
typedef struct program {
  const char *name;
  bool (*run)(void);
  bool needs_model; /* prog_optim: a model built outside the injected region */
} program;

typedef struct shared { /* written by a child, read by the parent */
  long allocations;
} shared;
static shared *out;

typedef struct trial {
  const program *p;
  long at;
  bool sticky;
} trial;

/* Counts the program's allocations (no failure): the range of N to try. */
static void count_child(void *arg) {
  const program *p = arg;
  mx_clear_error();
  if (p->needs_model) optim_model = make_linear();
  arm(0, false);
  bool ok = p->run();
  disarm();
  out->allocations = atomic_load(&seen);
  if (!ok) FAIL("%s: wrong result without injected failures (%s)", p->name,
                mx_last_error() ? mx_last_error() : "no error");
}

static void trial_child(void *arg) {
  const trial *t = arg;
  mx_clear_error();
  if (t->p->needs_model) optim_model = make_linear();
  arm(t->at, t->sticky);
  bool ok = t->p->run();
  disarm();
  const char *err = mx_last_error();
  if (!ok && !(err && strstr(err, "out of memory")))
    FAIL("%s, allocation %ld failing%s: wrong result, and the error is %s", t->p->name, t->at,
         t->sticky ? " (and all after it)" : "", err ? err : "missing");
  bool stepped;
  if (t->p->needs_model && !model_intact(optim_model, &stepped))
    FAIL("%s, allocation %ld failing%s: the model lost its parameters (%s)", t->p->name, t->at,
         t->sticky ? " (and all after it)" : "", err ? err : "no error");
  if (t->p->needs_model && ok && !stepped) FAIL("%s: the step succeeded but did not move the model", t->p->name);
#ifdef MXT_LSAN
  mx_module_free(optim_model);
  mx_shutdown();
  if (__lsan_do_recoverable_leak_check())
    FAIL("%s, allocation %ld failing%s: leaked (report above)", t->p->name, t->at,
         t->sticky ? " (and all after it)" : "");
#endif
}

static const program programs[] = {
    {"ops", prog_ops, false},         {"grad", prog_grad, false},   {"vjp_jvp", prog_vjp_jvp, false},
    {"vmap", prog_vmap, false},       {"module", prog_module, false}, {"optim_step", prog_optim, true},
    {"print", prog_print, false},
};

/* Each program, every allocation failing once, and every 7th failing with all after it. */
TEST(every_allocation_failure_surfaces_as_an_error) {
  out = mmap(NULL, sizeof *out, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (!CHECK(out != MAP_FAILED)) return;
  for (size_t i = 0; i < sizeof programs / sizeof *programs; i++) {
    const program *p = &programs[i];
    out->allocations = 0;
    if (!CHECK_IN_CHILD(count_child, (void *)p, 30)) continue;
    long n = out->allocations;
    CHECK(n > 0);
    int bad = 0;
    for (long at = 1; at <= n && bad < 3; at++) {
      for (int from_then_on = 0; from_then_on <= (at % 7 == 0); from_then_on++) {
        trial t = {p, at, from_then_on};
        char what[96];
        snprintf(what, sizeof what, "%s with allocation %ld failing%s", p->name, at,
                 from_then_on ? " (and all after it)" : "");
        bad += !mxt_in_child(trial_child, &t, 30, what, __FILE__, __LINE__);
      }
    }
    printf("  %-10s %ld allocations, each made to fail%s\n", p->name, n, bad ? " (failures above)" : "");
  }
  munmap(out, sizeof *out);
}
