/* test_sweep_creation.c — the op sweep for the creation primitives ARANGE (mx_arange,
 * mx_linspace), EYE and TRI over every dtype (each accepts all of them): float64 references
 * converted by mx's conversion rules, NumPy's edge cases (empty ranges, negative and fractional
 * steps, values a dtype cannot hold, k beyond either edge, non-square, zero-size), sizes that take
 * several threads, and the argument errors. */
#include "sweep.h"

/* ---- arange and linspace: element i is start + i * step in float64 (linspace's last is stop) ---- */

typedef struct range_case {
  bool linspace;
  double start, stop, step; /* linspace: step is num */
  mx_dtype dt;
} range_case;

static mx_array *b_range(const void *p) {
  const range_case *c = p;
  return c->linspace ? mx_linspace(c->start, c->stop, (int64_t)c->step, c->dt)
                     : mx_arange(c->start, c->stop, c->step, c->dt);
}

static ref_array *r_range(const void *p) {
  const range_case *c = p;
  int64_t n;
  double step;
  if (c->linspace) {
    n = (int64_t)c->step;
    step = n > 1 ? (c->stop - c->start) / (double)(n - 1) : 0;
  } else {
    double len = ceil((c->stop - c->start) / c->step); /* NumPy's length */
    n = len > 0 ? (int64_t)len : 0;
    step = c->step;
  }
  ref_array *r = ref_new(1, &n, c->dt);
  for (int64_t i = 0; i < n; i++)
    ref_set_converted(r, i, c->linspace && n > 1 && i == n - 1 ? c->stop : c->start + (double)i * step);
  return r;
}

TEST(sweep_arange_linspace) {
  static const double args[][4] = {
      /* linspace?, start, stop, step (linspace: num) */
      {0, 0, 10, 1},      {0, 10, 0, -3},   {0, 0, -1, 1},     {0, 3, 3, 1},     {0, 1, 2, 0.25},
      {0, 0, 1, 0.1},     {0, -5, 5, 1},    {0, 0.5, 5, 1},    {0, -2.5, 2.5, 0.5},
      {0, 100, 300, 7},   /* past int8's and uint8's range: saturates */
      {0, 2040, 2060, 1}, /* float16 and bfloat16 stop holding every integer */
      {0, 0, 100000, 1},  /* several threads */
      {0, 4e9, 4.3e9, 1e7}, /* past 32-bit ranges */
      {1, 0, 1, 7},       {1, 0, 1, 0},     {1, 3, 9, 1},      {1, 1, 0, 5},     {1, -1, 1, 2},
      {1, 0, 1, 1000},
  };
  for (int dti = 0; dti < MX_NUM_DTYPES; dti++)
    for (size_t a = 0; a < sizeof args / sizeof args[0]; a++) {
      range_case c = {args[a][0] != 0, args[a][1], args[a][2], args[a][3], (mx_dtype)dti};
      char label[128];
      snprintf(label, sizeof label, "%s(%g, %g, %g, %s)", c.linspace ? "linspace" : "arange",
               c.start, c.stop, c.step, mx_dtype_name(c.dt));
      sweep_case_run(&(sweep_case){.label = label, .build = b_range, .ref = r_range, .ctx = &c});
    }
}

/* ---- eye and tri: n x m, ones where column - row == k (eye) or <= k (tri) ---- */

typedef struct eye_case {
  bool tri;
  int64_t n, m;
  int k;
  mx_dtype dt;
} eye_case;

static mx_array *b_eye(const void *p) {
  const eye_case *c = p;
  return c->tri ? mx_tri(c->n, c->m, c->k, c->dt) : mx_eye(c->n, c->m, c->k, c->dt);
}

static ref_array *r_eye(const void *p) {
  const eye_case *c = p;
  ref_array *r = ref_new(2, (int64_t[]){c->n, c->m}, c->dt);
  for (int64_t i = 0; i < c->n; i++)
    for (int64_t j = 0; j < c->m; j++)
      ref_set_converted(r, i * c->m + j, c->tri ? j - i <= c->k : j - i == c->k);
  return r;
}

TEST(sweep_eye_tri) {
  static const int64_t args[][3] = {
      {3, 3, 0},  {3, 4, 1},  {4, 3, -1}, {5, 5, -4}, {5, 5, -5}, {3, 3, 10}, {3, 3, -10},
      {0, 0, 0},  {0, 5, 0},  {5, 0, 2},  {1, 1, 0},  {1, 7, 6},  {7, 1, -6}, {200, 300, 7},
      {300, 200, -150},
  };
  for (int tri = 0; tri < 2; tri++)
    for (int dti = 0; dti < MX_NUM_DTYPES; dti++)
      for (size_t a = 0; a < sizeof args / sizeof args[0]; a++) {
        eye_case c = {tri != 0, args[a][0], args[a][1], (int)args[a][2], (mx_dtype)dti};
        char label[96];
        snprintf(label, sizeof label, "%s(%lld, %lld, %d, %s)", tri ? "tri" : "eye", (long long)c.n,
                 (long long)c.m, c.k, mx_dtype_name(c.dt));
        sweep_case_run(&(sweep_case){.label = label, .build = b_eye, .ref = r_eye, .ctx = &c});
      }
}

TEST(creation_errors) {
  CHECK_ERROR(mx_arange(0, 1, 0, MX_FLOAT32), "mx_arange: start 0, stop 1 and step 0 must be finite and step nonzero");
  CHECK_ERROR(mx_arange(0, INFINITY, 1, MX_FLOAT32), "must be finite");
  CHECK_ERROR(mx_arange(NAN, 1, 1, MX_FLOAT32), "must be finite");
  CHECK_ERROR(mx_arange(0, 1e300, 1, MX_FLOAT32), "too many");
  CHECK_ERROR(mx_arange(0, 1, 1, (mx_dtype)99), "mx_arange: invalid dtype 99");
  CHECK_ERROR(mx_linspace(0, 1, -1, MX_FLOAT32), "mx_linspace: num -1 is negative");
  CHECK_ERROR(mx_eye(-1, 3, 0, MX_FLOAT32), "mx_eye: n -1 and m 3 must be non-negative");
  CHECK_ERROR(mx_tri(3, -2, 0, MX_FLOAT32), "mx_tri: n 3 and m -2 must be non-negative");
  CHECK_ERROR(mx_eye(2, 2, 0, (mx_dtype)-1), "mx_eye: invalid dtype");
  CHECK_ERROR(mx_identity(-3, MX_INT32), "must be non-negative");
}
