/* test_sweep_transforms.c — the op sweep for the transformations' own primitives, which are views
 * whose shape rule accepts every dtype: IDENTITY (the traced input a transformation's function
 * sees; here the output of mx_jvp of f(x) = x), STOP_GRADIENT (mx_stop_gradient) and custom_vjp
 * (CUSTOM_OUT: each output of a mx_custom_vjp_fn function; here f(x) = (flip(x), x), so output 0
 * must be f's value and not the primal). Every dtype and shape family, values compared exactly. */
#include "sweep.h"

/* The float64 reference of a copy, or of a flip over every axis. */
static ref_array *copy_or_flip(const ref_array *a, mx_dtype odt, bool flip) {
  ref_array *r = ref_new(a->ndim, a->shape, odt);
  int64_t idx[MX_MAX_DIMS];
  for (int64_t f = 0; f < r->size; f++) {
    ref_unflat(r, f, idx);
    if (flip)
      for (int k = 0; k < a->ndim; k++) idx[k] = a->shape[k] - 1 - idx[k];
    int64_t s = ref_flat(a, idx);
    r->re[f] = a->re[s];
    if (r->im) r->im[f] = a->im[s];
    if (r->iv) r->iv[f] = a->iv[s];
  }
  r->exact = a->exact;
  return r;
}
static ref_array *r_copy(ref_array *const *in, mx_dtype odt) { return copy_or_flip(in[0], odt, false); }
static ref_array *r_flip(ref_array *const *in, mx_dtype odt) { return copy_or_flip(in[0], odt, true); }

/* ---- identity: mx_jvp's output of f(x) = x is the IDENTITY node of the traced x ---- */
static void f_pass(void *ctx, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)ctx; (void)n_in; (void)n_out;
  out[0] = in[0];
}
static mx_function *pass_fn;

static mx_array *b_identity(mx_array *const *in) {
  mx_array *out, *tangent;
  mx_jvp(pass_fn, 1, in, in, 1, &out, &tangent);
  return out;
}

static mx_array *b_stop_gradient(mx_array *const *in) { return mx_stop_gradient(in[0]); }

/* ---- custom_vjp: f(x) = (flip(x), x) with a backward that is never run here ---- */
static void f_flip_pass(void *ctx, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)ctx; (void)n_in; (void)n_out;
  out[0] = mx_flip(in[0], MX_ALL_AXES);
  out[1] = in[0];
}
static void vjp_unused(void *ctx, int n_in, mx_array **primals, int n_out, mx_array **outputs,
                       mx_array **cotangents, mx_array **vjps) {
  (void)ctx; (void)n_in; (void)primals; (void)n_out; (void)outputs;
  vjps[0] = cotangents[0];
}
static mx_function *custom_fn;

static mx_array *custom_out(mx_array *x, int j) {
  mx_array *out[2];
  mx_call(custom_fn, 1, &x, 2, out);
  return out[j];
}
static mx_array *b_custom0(mx_array *const *in) { return custom_out(in[0], 0); }
static mx_array *b_custom1(mx_array *const *in) { return custom_out(in[0], 1); }

TEST(sweep_transform_primitives) {
  pass_fn = mx_function_new(f_pass, NULL, 1, 1);
  mx_function *inner = mx_function_new(f_flip_pass, NULL, 1, 2);
  custom_fn = mx_custom_vjp_fn(inner, vjp_unused, NULL);
  const unsigned shapes = SH_ALL & ~SH_BROADCAST;
  sweep_op ops[] = {
      {.name = "identity (jvp output)", .nin = 1, .dtypes = DT_ALL, .dom = {DOM_ANY},
       .build = b_identity, .ref = r_copy, .shapes = shapes},
      {.name = "stop_gradient", .nin = 1, .dtypes = DT_ALL, .dom = {DOM_ANY},
       .build = b_stop_gradient, .ref = r_copy, .shapes = shapes},
      {.name = "custom_vjp output 0", .nin = 1, .dtypes = DT_ALL, .dom = {DOM_ANY},
       .build = b_custom0, .ref = r_flip, .shapes = shapes},
      {.name = "custom_vjp output 1", .nin = 1, .dtypes = DT_ALL, .dom = {DOM_ANY},
       .build = b_custom1, .ref = r_copy, .shapes = shapes},
  };
  for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) sweep_run(&ops[i]);
  mx_function_free(pass_fn);
  mx_function_free(custom_fn);
  mx_function_free(inner);
}
