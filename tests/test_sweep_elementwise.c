/* test_sweep_elementwise.c — the op sweep for unary and binary elementwise ops, where and astype:
 * every op x every dtype x shape family against float64 references; rejected dtypes must give
 * errors. */
#include <complex.h>

#include "sweep.h"

#define LN2 0.693147180559945309
#define LN10 2.30258509299404568

/* ---- expected output dtypes ---- */
static mx_dtype to_float(mx_dtype d) { return mx_dtype_is_inexact(d) ? d : MX_FLOAT32; }
static mx_dtype to_bool(mx_dtype d) { (void)d; return MX_BOOL; }
static mx_dtype complex_to_real(mx_dtype d) { return d == MX_COMPLEX64 ? MX_FLOAT32 : d; }

/* ---- builders ---- */
#define B1(fn) static mx_array *b_##fn(mx_array *const *in) { return mx_##fn(in[0]); }
#define B2(fn) static mx_array *b_##fn(mx_array *const *in) { return mx_##fn(in[0], in[1]); }
B1(abs) B1(negative) B1(sign) B1(square) B1(sqrt) B1(rsqrt) B1(reciprocal) B1(exp) B1(exp2)
B1(expm1) B1(log) B1(log2) B1(log10) B1(log1p) B1(sin) B1(cos) B1(tan) B1(arcsin) B1(arccos)
B1(arctan) B1(sinh) B1(cosh) B1(tanh) B1(arcsinh) B1(arccosh) B1(arctanh) B1(sigmoid) B1(erf)
B1(erfinv) B1(floor) B1(ceil) B1(round) B1(trunc) B1(isnan) B1(isinf) B1(isfinite)
B1(logical_not) B1(bitwise_invert) B1(real) B1(imag) B1(conjugate)
B2(add) B2(subtract) B2(multiply) B2(divide) B2(floor_divide) B2(remainder) B2(power)
B2(maximum) B2(minimum) B2(arctan2) B2(logaddexp) B2(equal) B2(not_equal) B2(less)
B2(less_equal) B2(greater) B2(greater_equal) B2(logical_and) B2(logical_or) B2(logical_xor)
B2(bitwise_and) B2(bitwise_or) B2(bitwise_xor) B2(left_shift) B2(right_shift)
static mx_array *b_where(mx_array *const *in) {
  return mx_where(mx_greater(in[0], mx_zeros_like(in[0])), in[1], in[2]);
}

/* ---- float64 references ---- */
static double r_abs(double x) { return fabs(x); }
static double r_neg(double x) { return -x; }
static double r_sign(double x) { return x > 0 ? 1 : x < 0 ? -1 : x == 0 ? 0 : x; }
static double r_square(double x) { return x * x; }
static double r_rsqrt(double x) { return 1 / sqrt(x); }
static double r_recip(double x) { return 1 / x; }
static double r_sigmoid(double x) { return 1 / (1 + exp(-x)); }
static double r_erfinv(double y) {
  if (y <= -1) return y == -1 ? -INFINITY : NAN;
  if (y >= 1) return y == 1 ? INFINITY : NAN;
  double lo = -10, hi = 10; /* bisection on erf: slow but independent of the kernel */
  for (int i = 0; i < 200; i++) {
    double mid = 0.5 * (lo + hi);
    if (erf(mid) < y) lo = mid; else hi = mid;
  }
  return 0.5 * (lo + hi);
}
static double r_round(double x) { return nearbyint(x); }
static double r_isnan(double x) { return isnan(x); }
static double r_isinf(double x) { return isinf(x); }
static double r_isfinite(double x) { return isfinite(x); }
static double r_not(double x) { return x == 0; }
static double r_id(double x) { return x; }
static double r_zero(double x) { (void)x; return 0; }

#define CX(name, expr)                                                        \
  static void name(double re, double im, double *o_re, double *o_im) {        \
    double complex z = ref_cmplx(re, im), w = (expr);                             \
    (void)z;                                                                  \
    *o_re = creal(w);                                                         \
    *o_im = cimag(w);                                                         \
  }
CX(c_abs, cabs(z)) CX(c_neg, -z) CX(c_square, z * z) CX(c_sqrt, csqrt(z)) CX(c_rsqrt, 1 / csqrt(z))
CX(c_recip, 1 / z) CX(c_exp, cexp(z)) CX(c_exp2, cexp(z * LN2)) CX(c_expm1, cexp(z) - 1)
CX(c_log, clog(z)) CX(c_log2, clog(z) / LN2) CX(c_log10, clog(z) / LN10) CX(c_log1p, clog(1 + z))
CX(c_sin, csin(z)) CX(c_cos, ccos(z)) CX(c_tan, ctan(z)) CX(c_asin, casin(z)) CX(c_acos, cacos(z))
CX(c_atan, catan(z)) CX(c_sinh, csinh(z)) CX(c_cosh, ccosh(z)) CX(c_tanh, ctanh(z))
CX(c_asinh, casinh(z)) CX(c_acosh, cacosh(z)) CX(c_atanh, catanh(z))
CX(c_sigmoid, 1 / (1 + cexp(-z))) CX(c_sign, cabs(z) == 0 ? 0 : z / cabs(z))
CX(c_isnan, isnan(re) || isnan(im)) CX(c_isinf, isinf(re) || isinf(im))
CX(c_isfinite, isfinite(re) && isfinite(im)) CX(c_not, re == 0 && im == 0)
CX(c_real, re) CX(c_imag, im) CX(c_conj, conj(z))

static double r_add(double x, double y) { return x + y; }
static double r_sub(double x, double y) { return x - y; }
static double r_mul(double x, double y) { return x * y; }
static double r_div(double x, double y) { return x / y; }
static double r_floordiv(double x, double y) { return y == 0 ? x / y : floor(x / y); }
static double r_mod(double x, double y) { return y == 0 ? NAN : x - floor(x / y) * y; }
static double r_pow(double x, double y) { return pow(x, y); }
static double r_max(double x, double y) { return isnan(x) || isnan(y) ? NAN : fmax(x, y); }
static double r_min(double x, double y) { return isnan(x) || isnan(y) ? NAN : fmin(x, y); }
static double r_atan2(double x, double y) { return atan2(x, y); }
static double r_logaddexp(double x, double y) {
  double m = fmax(x, y);
  if (isinf(m) && x == y) return m;
  return m + log1p(exp(-fabs(x - y)));
}
static double r_eq(double x, double y) { return x == y; }
static double r_ne(double x, double y) { return x != y; }
static double r_lt(double x, double y) { return x < y; }
static double r_le(double x, double y) { return x <= y; }
static double r_gt(double x, double y) { return x > y; }
static double r_ge(double x, double y) { return x >= y; }
static double r_land(double x, double y) { return x != 0 && y != 0; }
static double r_lor(double x, double y) { return x != 0 || y != 0; }
static double r_lxor(double x, double y) { return (x != 0) != (y != 0); }

static void c_add(const double *x, const double *y, double *o) { o[0] = x[0] + y[0]; o[1] = x[1] + y[1]; }
static void c_sub(const double *x, const double *y, double *o) { o[0] = x[0] - y[0]; o[1] = x[1] - y[1]; }
static void c_mul(const double *x, const double *y, double *o) {
  double complex r = ref_cmplx(x[0], x[1]) * ref_cmplx(y[0], y[1]);
  o[0] = creal(r);
  o[1] = cimag(r);
}
static void c_div(const double *x, const double *y, double *o) {
  double complex r = ref_cmplx(x[0], x[1]) / ref_cmplx(y[0], y[1]);
  o[0] = creal(r);
  o[1] = cimag(r);
}
static void c_pow(const double *x, const double *y, double *o) {
  double complex r = cpow(ref_cmplx(x[0], x[1]), ref_cmplx(y[0], y[1]));
  o[0] = creal(r);
  o[1] = cimag(r);
}
static void c_land(const double *x, const double *y, double *o) {
  o[0] = (x[0] != 0 || x[1] != 0) && (y[0] != 0 || y[1] != 0);
  o[1] = 0;
}
static void c_lor(const double *x, const double *y, double *o) {
  o[0] = (x[0] != 0 || x[1] != 0) || (y[0] != 0 || y[1] != 0);
  o[1] = 0;
}
static void c_lxor(const double *x, const double *y, double *o) {
  o[0] = (x[0] != 0 || x[1] != 0) != (y[0] != 0 || y[1] != 0);
  o[1] = 0;
}
static void c_eq(const double *x, const double *y, double *o) { o[0] = x[0] == y[0] && x[1] == y[1]; o[1] = 0; }
static void c_ne(const double *x, const double *y, double *o) { o[0] = !(x[0] == y[0] && x[1] == y[1]); o[1] = 0; }

/* integer references (exact on int64 bits; uint64 as its bit pattern; the sweep wraps results
 * to the dtype) */
#define IU(x) ((uint64_t)(x))
static int64_t i_abs(int64_t x, int b, bool s) { (void)b; return s && x < 0 ? (int64_t)(0 - IU(x)) : x; }
static int64_t i_neg(int64_t x, int b, bool s) { (void)b; (void)s; return (int64_t)(0 - IU(x)); }
static int64_t i_sign(int64_t x, int b, bool s) { (void)b; return s ? (x > 0) - (x < 0) : x != 0; }
static int64_t i_square(int64_t x, int b, bool s) { (void)b; (void)s; return (int64_t)(IU(x) * IU(x)); }
static int64_t i_invert(int64_t x, int b, bool s) { (void)s; return b == 1 ? !x : ~x; }
static int64_t i_add(int64_t x, int64_t y, int b, bool s) { (void)b; (void)s; return (int64_t)(IU(x) + IU(y)); }
static int64_t i_sub(int64_t x, int64_t y, int b, bool s) { (void)b; (void)s; return (int64_t)(IU(x) - IU(y)); }
static int64_t i_mul(int64_t x, int64_t y, int b, bool s) { (void)b; (void)s; return (int64_t)(IU(x) * IU(y)); }
static int64_t i_floordiv(int64_t x, int64_t y, int bits, bool s) {
  (void)bits;
  if (y == 0) return 0;
  if (!s) return (int64_t)(IU(x) / IU(y));
  if (y == -1) return (int64_t)(0 - IU(x));
  int64_t q = x / y;
  if (x % y != 0 && ((x < 0) != (y < 0))) q--;
  return q;
}
static int64_t i_mod(int64_t x, int64_t y, int bits, bool s) {
  (void)bits;
  if (y == 0) return 0;
  if (!s) return (int64_t)(IU(x) % IU(y));
  if (y == -1) return 0;
  int64_t r = x % y;
  if (r != 0 && ((r < 0) != (y < 0))) r += y;
  return r;
}
static int64_t i_pow(int64_t x, int64_t y, int bits, bool s) {
  (void)bits;
  if (s && y < 0) return x == 1 ? 1 : x == -1 ? ((y & 1) ? -1 : 1) : 0;
  uint64_t r = 1;
  for (uint64_t i = 0; i < IU(y) && i < 200; i++) r *= IU(x);
  return (int64_t)r;
}
static int64_t i_and(int64_t x, int64_t y, int b, bool s) { (void)b; (void)s; return x & y; }
static int64_t i_or(int64_t x, int64_t y, int b, bool s) { (void)b; (void)s; return x | y; }
static int64_t i_xor(int64_t x, int64_t y, int b, bool s) { (void)b; (void)s; return x ^ y; }
static int64_t i_shl(int64_t x, int64_t y, int bits, bool s) {
  if ((s && y < 0) || IU(y) >= (uint64_t)bits) return 0;
  return (int64_t)(IU(x) << y);
}
static int64_t i_shr(int64_t x, int64_t y, int bits, bool s) {
  if ((s && y < 0) || IU(y) >= (uint64_t)bits) return (s && x < 0) ? -1 : 0;
  return s ? x >> y : (int64_t)(IU(x) >> y);
}

#define U(nm, dts, dom0, outdt, ...) \
  {.name = #nm, .nin = 1, .dtypes = (dts), .dom = {dom0}, .build = b_##nm, .out_dtype = outdt, __VA_ARGS__}
#define BIN(nm, dts, d0, d1, outdt, ...) \
  {.name = #nm, .nin = 2, .dtypes = (dts), .dom = {d0, d1}, .build = b_##nm, .out_dtype = outdt, __VA_ARGS__}

static const sweep_op unary_ops[] = {
    U(abs, DT_ALL, DOM_ANY, complex_to_real, .ref1 = r_abs, .ref1c = c_abs, .refi1 = i_abs, .int_dom_dtypes = DT_SINT),
    U(negative, DT_ALL & ~DT_BOOL, DOM_ANY, NULL, .ref1 = r_neg, .ref1c = c_neg, .refi1 = i_neg, .int_dom_dtypes = DT_INT),
    U(sign, DT_ALL & ~DT_BOOL, DOM_ANY, NULL, .ref1 = r_sign, .ref1c = c_sign, .refi1 = i_sign, .int_dom_dtypes = DT_INT),
    U(square, DT_ALL, DOM_ANY, NULL, .ref1 = r_square, .ref1c = c_square, .refi1 = i_square, .int_dom_dtypes = DT_INT),
    U(sqrt, DT_ALL, DOM_POS, to_float, .ref1 = sqrt, .ref1c = c_sqrt),
    U(rsqrt, DT_ALL, DOM_POS, to_float, .ref1 = r_rsqrt, .ref1c = c_rsqrt),
    U(reciprocal, DT_ALL, DOM_NONZERO, to_float, .ref1 = r_recip, .ref1c = c_recip),
    U(exp, DT_ALL, DOM_SMALL, to_float, .ref1 = exp, .ref1c = c_exp),
    U(exp2, DT_ALL, DOM_SMALL, to_float, .ref1 = exp2, .ref1c = c_exp2),
    U(expm1, DT_ALL, DOM_SMALL, to_float, .ref1 = expm1, .ref1c = c_expm1, .tol = 2),
    U(log, DT_ALL, DOM_POS, to_float, .ref1 = log, .ref1c = c_log),
    U(log2, DT_ALL, DOM_POS, to_float, .ref1 = log2, .ref1c = c_log2),
    U(log10, DT_ALL, DOM_POS, to_float, .ref1 = log10, .ref1c = c_log10),
    U(log1p, DT_ALL, DOM_POS, to_float, .ref1 = log1p, .ref1c = c_log1p),
    U(sin, DT_ALL, DOM_FINITE, to_float, .ref1 = sin, .ref1c = c_sin),
    U(cos, DT_ALL, DOM_FINITE, to_float, .ref1 = cos, .ref1c = c_cos),
    U(tan, DT_ALL, DOM_UNIT, to_float, .ref1 = tan, .ref1c = c_tan),
    U(arcsin, DT_ALL, DOM_UNIT, to_float, .ref1 = asin, .ref1c = c_asin),
    U(arccos, DT_ALL, DOM_UNIT, to_float, .ref1 = acos, .ref1c = c_acos),
    U(arctan, DT_ALL, DOM_ANY, to_float, .ref1 = atan, .ref1c = c_atan),
    U(sinh, DT_ALL, DOM_SMALL, to_float, .ref1 = sinh, .ref1c = c_sinh, .tol = 2),
    U(cosh, DT_ALL, DOM_SMALL, to_float, .ref1 = cosh, .ref1c = c_cosh),
    U(tanh, DT_ALL, DOM_ANY, to_float, .ref1 = tanh, .ref1c = c_tanh),
    U(arcsinh, DT_ALL, DOM_ANY, to_float, .ref1 = asinh, .ref1c = c_asinh),
    U(arccosh, DT_ALL, DOM_GE1, to_float, .ref1 = acosh, .ref1c = c_acosh),
    U(arctanh, DT_ALL, DOM_UNIT, to_float, .ref1 = atanh, .ref1c = c_atanh),
    U(sigmoid, DT_ALL, DOM_ANY, to_float, .ref1 = r_sigmoid, .ref1c = c_sigmoid, .tol = 4), /* complex poles */
    U(erf, DT_REAL, DOM_ANY, to_float, .ref1 = erf),
    U(erfinv, DT_REAL, DOM_UNIT, to_float, .ref1 = r_erfinv, .tol = 2),
    U(floor, DT_REAL, DOM_ANY, NULL, .ref1 = floor),
    U(ceil, DT_REAL, DOM_ANY, NULL, .ref1 = ceil),
    U(round, DT_REAL, DOM_ANY, NULL, .ref1 = r_round),
    U(trunc, DT_REAL, DOM_ANY, NULL, .ref1 = trunc),
    U(isnan, DT_ALL, DOM_ANY, to_bool, .ref1 = r_isnan, .ref1c = c_isnan),
    U(isinf, DT_ALL, DOM_ANY, to_bool, .ref1 = r_isinf, .ref1c = c_isinf),
    U(isfinite, DT_ALL, DOM_ANY, to_bool, .ref1 = r_isfinite, .ref1c = c_isfinite),
    U(logical_not, DT_ALL, DOM_ANY, to_bool, .ref1 = r_not, .ref1c = c_not),
    U(bitwise_invert, DT_BOOL | DT_INT, DOM_ANY, NULL, .refi1 = i_invert, .int_dom_dtypes = DT_INT),
    U(real, DT_ALL, DOM_ANY, complex_to_real, .ref1 = r_id, .ref1c = c_real),
    U(imag, DT_ALL, DOM_ANY, complex_to_real, .ref1 = r_zero, .ref1c = c_imag),
    U(conjugate, DT_ALL, DOM_ANY, NULL, .ref1 = r_id, .ref1c = c_conj),
};

static const sweep_op binary_ops[] = {
    BIN(add, DT_ALL, DOM_ANY, DOM_ANY, NULL, .ref2 = r_add, .ref2c = c_add, .refi2 = i_add, .int_dom_dtypes = DT_INT),
    BIN(subtract, DT_ALL & ~DT_BOOL, DOM_ANY, DOM_ANY, NULL, .ref2 = r_sub, .ref2c = c_sub, .refi2 = i_sub, .int_dom_dtypes = DT_INT),
    BIN(multiply, DT_ALL, DOM_ANY, DOM_ANY, NULL, .ref2 = r_mul, .ref2c = c_mul, .refi2 = i_mul, .int_dom_dtypes = DT_INT),
    BIN(divide, DT_ALL, DOM_ANY, DOM_ANY, to_float, .ref2 = r_div, .ref2c = c_div),
    BIN(floor_divide, (DT_INT | DT_FLOAT), DOM_FINITE, DOM_NONZERO, NULL, .ref2 = r_floordiv, .refi2 = i_floordiv, .int_dom_dtypes = DT_INT),
    BIN(remainder, (DT_INT | DT_FLOAT), DOM_FINITE, DOM_NONZERO, NULL, .ref2 = r_mod, .refi2 = i_mod, .tol = 4, .int_dom_dtypes = DT_INT),
    BIN(power, DT_ALL & ~DT_BOOL, DOM_POS, DOM_SMALL, NULL, .ref2 = r_pow, .ref2c = c_pow, .refi2 = i_pow, .tol = 4),
    BIN(maximum, DT_REAL, DOM_ANY, DOM_ANY, NULL, .ref2 = r_max),
    BIN(minimum, DT_REAL, DOM_ANY, DOM_ANY, NULL, .ref2 = r_min),
    BIN(arctan2, DT_REAL, DOM_ANY, DOM_ANY, to_float, .ref2 = r_atan2),
    BIN(logaddexp, DT_REAL, DOM_ANY, DOM_ANY, to_float, .ref2 = r_logaddexp),
    BIN(equal, DT_ALL, DOM_ANY, DOM_ANY, to_bool, .ref2 = r_eq, .ref2c = c_eq),
    BIN(not_equal, DT_ALL, DOM_ANY, DOM_ANY, to_bool, .ref2 = r_ne, .ref2c = c_ne),
    BIN(less, DT_REAL, DOM_ANY, DOM_ANY, to_bool, .ref2 = r_lt),
    BIN(less_equal, DT_REAL, DOM_ANY, DOM_ANY, to_bool, .ref2 = r_le),
    BIN(greater, DT_REAL, DOM_ANY, DOM_ANY, to_bool, .ref2 = r_gt),
    BIN(greater_equal, DT_REAL, DOM_ANY, DOM_ANY, to_bool, .ref2 = r_ge),
    BIN(logical_and, DT_ALL, DOM_ANY, DOM_ANY, to_bool, .ref2 = r_land, .ref2c = c_land),
    BIN(logical_or, DT_ALL, DOM_ANY, DOM_ANY, to_bool, .ref2 = r_lor, .ref2c = c_lor),
    BIN(logical_xor, DT_ALL, DOM_ANY, DOM_ANY, to_bool, .ref2 = r_lxor, .ref2c = c_lxor),
    BIN(bitwise_and, DT_BOOL | DT_INT, DOM_ANY, DOM_ANY, NULL, .ref2 = r_land, .refi2 = i_and),
    BIN(bitwise_or, DT_BOOL | DT_INT, DOM_ANY, DOM_ANY, NULL, .ref2 = r_lor, .refi2 = i_or),
    BIN(bitwise_xor, DT_BOOL | DT_INT, DOM_ANY, DOM_ANY, NULL, .ref2 = r_lxor, .refi2 = i_xor),
    BIN(left_shift, DT_INT, DOM_ANY, DOM_SHIFT, NULL, .refi2 = i_shl),
    BIN(right_shift, DT_INT, DOM_ANY, DOM_SHIFT, NULL, .refi2 = i_shr),
};

TEST(sweep_unary) {
  for (size_t i = 0; i < sizeof unary_ops / sizeof unary_ops[0]; i++) sweep_run(&unary_ops[i]);
}

TEST(sweep_binary) {
  for (size_t i = 0; i < sizeof binary_ops / sizeof binary_ops[0]; i++) sweep_run(&binary_ops[i]);
}

static ref_array *ref_where(ref_array *const *in, mx_dtype odt) {
  int nd = 0;
  for (int k = 0; k < 3; k++) nd = in[k]->ndim > nd ? in[k]->ndim : nd;
  int64_t shape[MX_MAX_DIMS];
  for (int i = 0; i < nd; i++) {
    shape[i] = 1;
    for (int k = 0; k < 3; k++) {
      int j = i - (nd - in[k]->ndim);
      if (j >= 0 && in[k]->shape[j] != 1) shape[i] = in[k]->shape[j];
    }
  }
  ref_array *r = ref_new(nd, shape, odt);
  int64_t idx[MX_MAX_DIMS];
  for (int64_t f = 0; f < r->size; f++) {
    ref_unflat(r, f, idx);
    int64_t off[3];
    for (int k = 0; k < 3; k++) {
      off[k] = 0;
      for (int j = 0; j < in[k]->ndim; j++)
        off[k] = off[k] * in[k]->shape[j] + (in[k]->shape[j] == 1 ? 0 : idx[j + nd - in[k]->ndim]);
    }
    bool c = in[0]->re[off[0]] > 0 || (in[0]->im && in[0]->re[off[0]] == 0 && 0);
    int src = c ? 1 : 2;
    r->re[f] = in[src]->re[off[src]];
    if (r->im) r->im[f] = in[src]->im[off[src]];
  }
  return r;
}

TEST(sweep_where) {
  sweep_op op = {.name = "where", .nin = 3, .dtypes = DT_REAL, .dom = {DOM_FINITE, DOM_ANY, DOM_ANY},
                 .build = b_where, .ref = ref_where};
  sweep_run(&op);
}
