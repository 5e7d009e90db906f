/* test_grad_elementwise.c — gradient, forward-mode and batching checks (tests/lib/gradcheck.h)
 * for every differentiable elementwise op, with broadcasting and transposed inputs. */
#include "gradcheck.h"

#define U(fn) static mx_array *b_##fn(mx_array *const *in) { return mx_##fn(in[0]); }
#define B2(fn) static mx_array *b_##fn(mx_array *const *in) { return mx_##fn(in[0], in[1]); }
U(abs) U(negative) U(square) U(sqrt) U(rsqrt) U(reciprocal) U(exp) U(exp2) U(expm1) U(log)
U(log2) U(log10) U(log1p) U(sin) U(cos) U(tan) U(arcsin) U(arccos) U(arctan) U(sinh) U(cosh)
U(tanh) U(arcsinh) U(arccosh) U(arctanh) U(sigmoid) U(erf) U(erfinv) U(floor) U(ceil) U(round)
U(trunc) U(sign) U(real) U(conjugate)
B2(add) B2(subtract) B2(multiply) B2(divide) B2(remainder) B2(power) B2(maximum) B2(minimum)
B2(arctan2) B2(logaddexp) B2(floor_divide)
static mx_array *b_where(mx_array *const *in) { return mx_where(mx_greater(in[0], mx_scalar(0)), in[1], in[2]); }
static mx_array *b_clip(mx_array *const *in) { return mx_clip(in[0], mx_scalar(-1), mx_scalar(1.5)); }
/* ties: maximum(x, x) splits the gradient evenly, so the total stays 1 */
static mx_array *b_max_tie(mx_array *const *in) { return mx_maximum(in[0], in[0]); }

#define S(...) MX_SHAPE(__VA_ARGS__)
#define UC(fn, dm) {.name = #fn, .nin = 1, .shapes = {S(3, 4)}, .dom = {dm}, .build = b_##fn, .transpose_first = true}
#define BC(fn, d0, d1) {.name = #fn, .nin = 2, .shapes = {S(3, 4), S(4)}, .dom = {d0, d1}, .build = b_##fn, .transpose_first = true}

static const grad_case cases[] = {
    UC(abs, DOM_FINITE), UC(negative, DOM_FINITE), UC(square, DOM_FINITE), UC(sqrt, DOM_GE1),
    UC(rsqrt, DOM_GE1), UC(reciprocal, DOM_GE1), UC(exp, DOM_SMALL), UC(exp2, DOM_SMALL),
    UC(expm1, DOM_SMALL), UC(log, DOM_GE1), UC(log2, DOM_GE1), UC(log10, DOM_GE1),
    UC(log1p, DOM_GE1), UC(sin, DOM_FINITE), UC(cos, DOM_FINITE), UC(tan, DOM_UNIT),
    UC(arcsin, DOM_UNIT), UC(arccos, DOM_UNIT), UC(arctan, DOM_FINITE), UC(sinh, DOM_SMALL),
    UC(cosh, DOM_SMALL), UC(tanh, DOM_SMALL), UC(arcsinh, DOM_FINITE), UC(arccosh, DOM_GE1),
    UC(arctanh, DOM_UNIT), UC(sigmoid, DOM_FINITE), UC(erf, DOM_SMALL), UC(erfinv, DOM_UNIT),
    UC(floor, DOM_FINITE), UC(ceil, DOM_FINITE), UC(round, DOM_FINITE), UC(trunc, DOM_FINITE),
    UC(sign, DOM_FINITE), UC(real, DOM_FINITE), UC(conjugate, DOM_FINITE),
    {.name = "clip", .nin = 1, .shapes = {S(6, 2)}, .build = b_clip},
    {.name = "maximum(x, x)", .nin = 1, .shapes = {S(4)}, .build = b_max_tie},
    BC(add, DOM_FINITE, DOM_FINITE), BC(subtract, DOM_FINITE, DOM_FINITE),
    BC(multiply, DOM_FINITE, DOM_FINITE), BC(divide, DOM_FINITE, DOM_GE1),
    BC(remainder, DOM_GE1, DOM_GE1), BC(power, DOM_GE1, DOM_SMALL), BC(maximum, DOM_FINITE, DOM_FINITE),
    BC(minimum, DOM_FINITE, DOM_FINITE), BC(arctan2, DOM_FINITE, DOM_GE1),
    BC(logaddexp, DOM_FINITE, DOM_FINITE), BC(floor_divide, DOM_GE1, DOM_GE1),
    {.name = "add(scalar, matrix)", .nin = 2, .shapes = {MX_SCALAR_SHAPE, S(2, 3)}, .build = b_add},
    {.name = "multiply(col, row)", .nin = 2, .shapes = {S(3, 1), S(1, 4)}, .build = b_multiply},
    {.name = "where", .nin = 3, .shapes = {S(3, 4), S(4), S(3, 1)}, .constant = {true}, .build = b_where},
};

TEST(grad_elementwise) {
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) gradcheck_run(&cases[i]);
}

/* Second derivatives against analytic values (issue: tanh, softmax, layer_norm, matmul chains
 * are in their families' tests). */
static void f_poly(void *ctx, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)ctx; (void)n_in; (void)n_out; /* sum(x^3 + sin(x)) */
  out[0] = mx_sum(mx_add(mx_power(in[0], mx_scalar(3)), mx_sin(in[0])), MX_ALL_AXES, false);
}
static void f_sum_of(void *ctx, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)n_in; (void)n_out;
  mx_array *y;
  mx_call(ctx, 1, in, 1, &y);
  out[0] = mx_sum(y, MX_ALL_AXES, false);
}

TEST(third_derivative_through_nesting) {
  mx_function *f = mx_function_new(f_poly, NULL, 1, 1);
  mx_function *g1 = mx_grad_fn(f, 0, NULL);
  mx_function *s1 = mx_function_new(f_sum_of, g1, 1, 1);
  mx_function *g2 = mx_grad_fn(s1, 0, NULL);
  mx_function *s2 = mx_function_new(f_sum_of, g2, 1, 1);
  mx_function *g3 = mx_grad_fn(s2, 0, NULL);
  mx_array *x = mx_array_new((double[]){-1.3, 0.4, 2.1}, MX_SHAPE(3), MX_FLOAT64), *d[3];
  mx_call(g1, 1, &x, 1, &d[0]);
  mx_call(g2, 1, &x, 1, &d[1]);
  mx_call(g3, 1, &x, 1, &d[2]);
  double xs[3] = {-1.3, 0.4, 2.1};
  for (int i = 0; i < 3; i++) {
    double v = xs[i];
    CHECK_CLOSE(mx_array_get_f64(d[0], (int64_t[]){i}), 3 * v * v + cos(v), 1e-12, 1e-12);
    CHECK_CLOSE(mx_array_get_f64(d[1], (int64_t[]){i}), 6 * v - sin(v), 1e-12, 1e-12);
    CHECK_CLOSE(mx_array_get_f64(d[2], (int64_t[]){i}), 6 - cos(v), 1e-12, 1e-12);
  }
  mx_function_free(g3);
  mx_function_free(s2);
  mx_function_free(g2);
  mx_function_free(s1);
  mx_function_free(g1);
  mx_function_free(f);
}

/* astype's gradient is cast back to the input's dtype (float16 here; finite differences are
 * meaningless at float16 precision, so this one is checked by hand). */
static void f_cast_sq(void *ctx, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)ctx; (void)n_in; (void)n_out;
  out[0] = mx_sum(mx_square(mx_astype(in[0], MX_FLOAT32)), MX_ALL_AXES, false);
}

TEST(astype_gradient_keeps_input_dtype) {
  mx_function *f = mx_function_new(f_cast_sq, NULL, 1, 1), *g = mx_grad_fn(f, 0, NULL);
  mx_array *x = mx_astype(mx_array_new((float[]){0.5f, -1.5f, 3}, MX_SHAPE(3), MX_FLOAT32), MX_FLOAT16), *gx;
  CHECK(mx_call(g, 1, &x, 1, &gx) == MX_OK);
  CHECK_INT(mx_array_dtype(gx), MX_FLOAT16);
  CHECK_CLOSE(mx_array_get_f64(gx, (int64_t[]){1}), -3, 0, 0);
  CHECK_CLOSE(mx_array_get_f64(gx, (int64_t[]){2}), 6, 0, 0);
  mx_function_free(g);
  mx_function_free(f);
}
