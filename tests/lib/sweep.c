/* sweep.c — runs one op of the sweep over dtypes and shape families. With MX_SWEEP_DEVICE=cuda
 * (the *_cuda ctest registrations) every case also runs on the CUDA stream and is compared with
 * the CPU stream's result (backend parity, DESIGN §8); without a GPU those runs skip. With
 * MX_SWEEP_RECORD=file each case's graph is only built and its nodes recorded for the support
 * report (tests/support_report.c): which primitive x dtypes the sweep reaches, and who runs them. */
#include "core/backend.h"
#include "core/convert.h"
#include "sweep.h"

#include <complex.h>

/* ---- backend parity ---- */

typedef enum { PARITY_UNKNOWN, PARITY_OFF, PARITY_ON, PARITY_SKIP } parity_state;
static parity_state parity = PARITY_UNKNOWN;

static parity_state parity_mode(void) {
  if (parity != PARITY_UNKNOWN) return parity;
  const char *dev = getenv("MX_SWEEP_DEVICE");
  if (!dev || strcmp(dev, "cuda") != 0) return parity = PARITY_OFF;
  if (mx_device_count(MX_CUDA) == 0) {
    return parity = PARITY_SKIP;
  }
  char d[160];
  mx_device_describe((mx_device){MX_CUDA, 0}, d, sizeof d);
  const char *g = getenv("MX_CUDA_GUARD");
  printf("parity sweep on %s against the CPU%s\n", d,
         g && strcmp(g, "0") ? ", guard bytes after every device allocation" : "");
  return parity = PARITY_ON;
}

/* Writes past the end of device allocations seen so far (guard mode), 0 otherwise. */
static size_t guard_violations(void) {
  mx_backend *be = mxi_backend(MX_CUDA);
  return be && be->guard_violations ? be->guard_violations(be->ctx, 0) : 0;
}

/* Largest normalized squared error (sum (g - c)^2 / sum c^2 over finite elements) CUDA may differ
 * from the CPU by, per dtype, before the op's tolerance scale: a few ulps of disagreement in
 * transcendental functions and summation order, nothing systematic. */
static double nmse_max(mx_dtype dt) {
  switch (dt) {
    case MX_FLOAT16: return 1e-5;
    case MX_BFLOAT16: return 3e-4;
    case MX_FLOAT32: case MX_COMPLEX64: return 1e-9;
    case MX_FLOAT64: return 1e-20;
    default: return 0;
  }
}

/* CUDA's result gpu against the CPU's cpu: the same errors, shape and dtype; integers and bool
 * exactly; floats with NaN and +-inf in the same places, each element within four times the
 * dtype's tolerance of the CPU's, and a normalized error within nmse_max. */
static void parity_check(mx_array *gpu, mx_array *cpu, double tol_scale, const char *label) {
  if (mx_is_error(cpu) || mx_is_error(gpu)) {
    if (mx_is_error(cpu) != mx_is_error(gpu))
      FAIL("%s [parity]: cpu %s, cuda %s", label, mx_is_error(cpu) ? mx_array_error(cpu) : "ok",
           mx_is_error(gpu) ? mx_array_error(gpu) : "ok");
    mx_clear_error();
    return;
  }
  ref_array *c = ref_from(cpu), *g = ref_from(gpu);
  if (!c || !g) {
    ref_free(c);
    ref_free(g);
    return;
  }
  bool same = c->dtype == g->dtype && c->ndim == g->ndim;
  for (int i = 0; same && i < c->ndim; i++) same = c->shape[i] == g->shape[i];
  if (!same) {
    FAIL("%s [parity]: cuda's shape or dtype differs from the cpu's", label);
    ref_free(c);
    ref_free(g);
    return;
  }
  mx_dtype dt = c->dtype;
  bool exact = !mx_dtype_is_inexact(dt);
  double rtol, atol;
  ref_tolerance(dt, &rtol, &atol);
  rtol *= 4 * tol_scale;
  atol *= 4 * tol_scale;
  double num = 0, den = 0;
  int bad = 0;
  for (int64_t i = 0; i < c->size; i++) {
    for (int part = 0; part < (c->im ? 2 : 1); part++) {
      double cv = part ? c->im[i] : c->re[i], gv = part ? g->im[i] : g->re[i];
      bool ok;
      if (exact) {
        ok = (c->iv && g->iv) ? c->iv[i] == g->iv[i] : cv == gv;
      } else if (isnan(cv) || isnan(gv) || isinf(cv) || isinf(gv)) {
        ok = (isnan(cv) && isnan(gv)) || cv == gv; /* same NaN / inf placement */
      } else {
        ok = fabs(gv - cv) <= atol + rtol * fabs(cv);
        num += (gv - cv) * (gv - cv);
        den += cv * cv;
      }
      if (!ok && bad++ < 5)
        FAIL("%s [parity]: element %lld%s: cuda %.17g, cpu %.17g", label, (long long)i,
             part ? " (imag)" : "", gv, cv);
    }
  }
  if (bad > 5) FAIL("%s [parity]: %d elements differ in all", label, bad);
  double nmse = den > 0 ? num / den : num;
  double lim = nmse_max(dt) * tol_scale * tol_scale;
  if (!exact && nmse > lim) FAIL("%s [parity]: normalized error %.3g above %.3g", label, nmse, lim);
  ref_free(c);
  ref_free(g);
}

bool sweep_shapes(unsigned f, int nin, mx_shape *s) {
  mx_shape one;
  switch (f) {
    case SH_SCALAR: one = MX_SCALAR_SHAPE; break;
    case SH_EMPTY: one = MX_SHAPE(0, 3); break;
    case SH_VECTOR: one = MX_SHAPE(7); break;
    case SH_MATRIX: one = MX_SHAPE(5, 6); break;
    case SH_3D: one = MX_SHAPE(3, 4, 5); break;
    case SH_TRANSPOSED: one = MX_SHAPE(6, 5); break; /* made a view below */
    case SH_STRIDED: one = MX_SHAPE(5, 6); break;    /* made a view below */
    case SH_LARGE: one = MX_SHAPE(200, 600); break;
    case SH_BROADCAST:
      if (nin == 1) return false;
      s[0] = MX_SHAPE(5, 1);
      s[1] = MX_SHAPE(6);
      if (nin == 3) s[2] = MX_SHAPE(4, 1, 1);
      return true;
    default: return false;
  }
  for (int i = 0; i < nin; i++) s[i] = one;
  return true;
}

/* ---- support records: "prim signature view cpu cuda" per node, e.g. "exp float32 0 1 1" ---- */

static FILE *record_file(void) {
  static FILE *f;
  static bool opened;
  if (!opened) {
    opened = true;
    const char *path = getenv("MX_SWEEP_RECORD");
    if (path && *path && !(f = fopen(path, "a"))) {
      fprintf(stderr, "sweep: cannot open MX_SWEEP_RECORD=%s\n", path);
      exit(1);
    }
  }
  return f;
}

/* The dtypes of a node: "float32" when its inputs and output share one, else "in,in->out". */
static void signature(const mx_array *a, char *buf, size_t len) {
  bool same = true;
  for (int i = 0; i < a->nin; i++) same &= a->in[i]->dtype == a->dtype;
  if (same) {
    snprintf(buf, len, "%s", mx_dtype_name((mx_dtype)a->dtype));
    return;
  }
  size_t k = 0;
  for (int i = 0; i < a->nin && k < len; i++)
    k += (size_t)snprintf(buf + k, len - k, "%s%s", i ? "," : "", mx_dtype_name((mx_dtype)a->in[i]->dtype));
  if (k < len) snprintf(buf + k, len - k, "->%s", mx_dtype_name((mx_dtype)a->dtype));
}

/* Every node of root's graph not yet evaluated (sweep graphs are small: a linear visited list). */
static void record_graph(mx_array *root, FILE *f) {
  enum { MAXN = 512 };
  mx_array *todo[MAXN], *seen[MAXN];
  int ntodo = 0, nseen = 0;
  todo[ntodo++] = root;
  mx_backend *cpu = mxi_backend(MX_CPU), *cuda = mxi_backend(MX_CUDA);
  while (ntodo > 0) {
    mx_array *a = todo[--ntodo];
    bool dup = false;
    for (int i = 0; i < nseen && !dup; i++) dup = seen[i] == a;
    if (dup || a->buf || a->prim == MX_PRIM_NONE || a->error || nseen == MAXN) continue;
    seen[nseen++] = a;
    char sig[200];
    signature(a, sig, sizeof sig);
    bool view = mxi_prims[a->prim].view != NULL; /* core lays views out: no kernel needed */
    fprintf(f, "%s %s %d %d %d\n", mxi_prims[a->prim].name, sig, view,
            view || mxi_backend_runs(cpu, a), cuda ? (view || mxi_backend_runs(cuda, a)) : -1);
    for (int i = 0; i < a->nin && ntodo < MAXN; i++) todo[ntodo++] = a->in[i];
  }
}

/* Makes input k of family f: an mx array and its float64 copy with the same logical values. */
static void make_input(unsigned f, mx_shape shape, mx_dtype dt, domain d, uint64_t seed,
                       mx_array **out, ref_array **rout) {
  if (f == SH_TRANSPOSED) {
    /* base [rows, cols] transposed -> logical shape [cols, rows] = shape */
    ref_array *base = ref_new_shape(MX_SHAPE(shape.dims[1], shape.dims[0]), dt);
    ref_fill(base, d, seed);
    mx_array *b = ref_to_mx(base);
    *out = mx_transpose(b, MX_ALL_AXES);
    ref_array *r = ref_new_shape(shape, dt);
    for (int64_t i = 0; i < shape.dims[0]; i++)
      for (int64_t j = 0; j < shape.dims[1]; j++) {
        r->re[i * shape.dims[1] + j] = base->re[j * shape.dims[0] + i];
        if (r->im) r->im[i * shape.dims[1] + j] = base->im[j * shape.dims[0] + i];
        if (r->iv) r->iv[i * shape.dims[1] + j] = base->iv[j * shape.dims[0] + i];
      }
    r->exact = base->exact;
    ref_free(base);
    *rout = r;
    return;
  }
  if (f == SH_STRIDED) {
    /* base [2*rows, cols + 3]; take rows ::2 and columns reversed from cols-1+... */
    int64_t R = shape.dims[0], C = shape.dims[1];
    ref_array *base = ref_new_shape(MX_SHAPE(2 * R, C + 3), dt);
    ref_fill(base, d, seed);
    mx_array *b = ref_to_mx(base);
    int64_t start[2] = {0, C}, stop[2] = {MX_END, 0}, step[2] = {2, -1};
    *out = mx_slice(b, 2, start, stop, step); /* rows 0,2,..; columns C, C-1, ..., 1 */
    ref_array *r = ref_new_shape(shape, dt);
    for (int64_t i = 0; i < R; i++)
      for (int64_t j = 0; j < C; j++) {
        int64_t src = (2 * i) * (C + 3) + (C - j);
        r->re[i * C + j] = base->re[src];
        if (r->im) r->im[i * C + j] = base->im[src];
        if (r->iv) r->iv[i * C + j] = base->iv[src];
      }
    r->exact = base->exact;
    ref_free(base);
    *rout = r;
    return;
  }
  ref_array *r = ref_new_shape(shape, dt);
  ref_fill(r, d, seed);
  *out = ref_to_mx(r);
  *rout = r;
}

/* Elementwise reference with broadcasting. */
static ref_array *elementwise_ref(const sweep_op *op, ref_array *const *in, int nin, mx_dtype odt) {
  int nd = 0;
  int64_t shape[MX_MAX_DIMS];
  for (int k = 0; k < nin; k++)
    if (in[k]->ndim > nd) nd = in[k]->ndim;
  for (int i = 0; i < nd; i++) {
    shape[i] = 1;
    for (int k = 0; k < nin; k++) {
      int j = i - (nd - in[k]->ndim);
      if (j >= 0 && in[k]->shape[j] != 1) shape[i] = in[k]->shape[j];
    }
  }
  ref_array *r = ref_new(nd, shape, odt);
  mx_dtype idt = in[0]->dtype;
  bool int_in = idt == MX_BOOL || mx_dtype_is_integer(idt);
  int bits = idt == MX_BOOL ? 1 : (int)mx_dtype_size(idt) * 8;
  bool is_signed = mx_dtype_is_signed(idt);
  bool use_int = int_in && ((nin == 1 && op->refi1) || (nin == 2 && op->refi2));
  int64_t idx[MX_MAX_DIMS];
  for (int64_t f = 0; f < r->size; f++) {
    ref_unflat(r, f, idx);
    double re[3], im[3];
    int64_t iv[3];
    for (int k = 0; k < nin; k++) {
      int64_t off = 0;
      for (int j = 0; j < in[k]->ndim; j++) {
        int i = j + (nd - in[k]->ndim);
        off = off * in[k]->shape[j] + (in[k]->shape[j] == 1 ? 0 : idx[i]);
      }
      re[k] = in[k]->re[off];
      im[k] = in[k]->im ? in[k]->im[off] : 0;
      iv[k] = in[k]->iv ? in[k]->iv[off] : mxi_sat_int64_t(re[k]);
    }
    if (use_int) {
      int64_t v = nin == 1 ? op->refi1(iv[0], bits, is_signed) : op->refi2(iv[0], iv[1], bits, is_signed);
      int obits = odt == MX_BOOL ? 1 : (int)mx_dtype_size(odt) * 8;
      bool osigned = mx_dtype_is_signed(odt);
      if (obits == 1) {
        v = v != 0;
      } else if (obits < 64) { /* wrap to the output width */
        uint64_t m = (uint64_t)v & ((1ull << obits) - 1);
        v = (osigned && (m >> (obits - 1))) ? (int64_t)(m | ~((1ull << obits) - 1)) : (int64_t)m;
      }
      r->re[f] = osigned ? (double)v : (double)(uint64_t)v;
      if (r->iv) r->iv[f] = v;
      r->exact = r->iv != NULL;
    } else if (op->ref1c && (in[0]->im || odt == MX_COMPLEX64)) {
      double orr, oi;
      op->ref1c(re[0], im[0], &orr, &oi);
      r->re[f] = orr;
      if (r->im) r->im[f] = oi;
    } else if (op->ref2c && (in[0]->im || odt == MX_COMPLEX64)) {
      double x[2] = {re[0], im[0]}, y[2] = {re[1], im[1]}, o[2];
      op->ref2c(x, y, o);
      r->re[f] = o[0];
      if (r->im) r->im[f] = o[1];
    } else if (op->ref1) {
      r->re[f] = op->ref1(re[0]);
    } else if (op->ref2) {
      r->re[f] = op->ref2(re[0], re[1]);
    }
  }
  return r;
}

static const unsigned families[] = {SH_SCALAR, SH_EMPTY, SH_VECTOR, SH_MATRIX, SH_3D,
                                    SH_TRANSPOSED, SH_STRIDED, SH_BROADCAST, SH_LARGE};
static const char *family_name(unsigned f) {
  switch (f) {
    case SH_SCALAR: return "scalar";
    case SH_EMPTY: return "empty";
    case SH_VECTOR: return "vector";
    case SH_MATRIX: return "matrix";
    case SH_3D: return "3d";
    case SH_TRANSPOSED: return "transposed";
    case SH_STRIDED: return "strided";
    case SH_BROADCAST: return "broadcast";
    default: return "large";
  }
}

/* The stream state of a run: parity mode, the saved default stream and the two streams. */
typedef struct run_streams {
  parity_state pm;
  mx_stream saved, gpu, cpu;
} run_streams;

/* False (after marking the test skipped) when parity was asked for but cannot run. Otherwise
 * makes the CUDA stream the default in parity mode: every node then runs where eval sends it,
 * on CUDA exactly when the backend's supports claims it, else on the CPU. */
static bool streams_begin(run_streams *rs) {
  rs->pm = parity_mode();
  if (rs->pm == PARITY_SKIP) {
    mxt_skip("parity sweep: MX_SWEEP_DEVICE=cuda but no CUDA device is usable here (no GPU, no "
             "driver, or mx built without CUDA)");
    return false;
  }
  rs->saved = mx_default_stream();
  rs->gpu = mx_device_stream((mx_device){MX_CUDA, 0});
  rs->cpu = mx_device_stream(mx_cpu_device());
  if (rs->pm == PARITY_ON) mx_set_default_stream(rs->gpu);
  return true;
}

static void streams_end(const run_streams *rs) {
  if (rs->pm == PARITY_ON) mx_set_default_stream(rs->saved);
}

/* Builds one case: on the default stream, and in parity mode first on the CPU stream (*on_cpu).
 * In record mode the graph is recorded and NULL returned: the case is done. */
static mx_array *case_build(const run_streams *rs, mx_array *(*build)(const void *), const void *ctx,
                            mx_array **on_cpu, size_t *guards0) {
  *guards0 = rs->pm == PARITY_ON ? guard_violations() : 0;
  *on_cpu = NULL;
  if (rs->pm == PARITY_ON) { /* the same op from the same inputs, on the CPU stream */
    mx_set_default_stream(rs->cpu);
    *on_cpu = build(ctx);
    mx_set_default_stream(rs->gpu);
  }
  mx_array *got = build(ctx);
  if (record_file()) { /* the report wants the graph, not its values */
    record_graph(got, record_file());
    return NULL;
  }
  return got;
}

/* Checks a built case against want (NULL: no value check) and, in parity mode, against the CPU. */
static void case_check(const run_streams *rs, mx_array *got, mx_array *on_cpu, size_t guards0,
                       const ref_array *want, double tol, const char *label) {
  if (want) ref_check(got, want, tol, label);
  if (rs->pm == PARITY_ON) {
    parity_check(got, on_cpu, tol, label);
    size_t guards = guard_violations();
    if (guards != guards0)
      FAIL("%s [parity]: %zu write(s) past the end of a device allocation", label, guards - guards0);
  }
}

typedef struct op_ctx {
  const sweep_op *op;
  mx_array *const *in;
} op_ctx;
static mx_array *op_build(const void *p) {
  const op_ctx *c = p;
  return c->op->build(c->in);
}

void sweep_run(const sweep_op *op) {
  run_streams rs;
  if (!streams_begin(&rs)) return;
  unsigned shapes = op->shapes ? op->shapes : SH_ALL;
  for (int dti = 0; dti < MX_NUM_DTYPES; dti++) {
    mx_dtype dt = (mx_dtype)dti;
    mx_scope scope = mx_scope_begin();
    if (!(op->dtypes & DT(dt))) {
      /* rejected dtype: a clear error, never a crash or garbage */
      mx_array *in[3];
      for (int k = 0; k < op->nin; k++) in[k] = mx_zeros(MX_SHAPE(2, 3), dt);
      mx_array *r = op->build(in);
      if (!mx_is_error(r))
        FAIL("%s(%s): accepted a dtype it should reject (result %s)", op->name, mx_dtype_name(dt),
             mx_dtype_name(mx_array_dtype(r)));
      else if (!strstr(mx_array_error(r), "mx_"))
        FAIL("%s(%s): error message does not name the op: %s", op->name, mx_dtype_name(dt),
             mx_array_error(r));
      mx_clear_error();
      mx_scope_end(scope);
      continue;
    }
    mx_dtype odt = op->out_dtype ? op->out_dtype(dt) : dt;
    for (size_t fi = 0; fi < sizeof families / sizeof families[0]; fi++) {
      unsigned f = families[fi];
      if (!(shapes & f)) continue;
      mx_shape s[3];
      if (!sweep_shapes(f, op->nin, s)) continue;
      mx_array *in[3];
      ref_array *rin[3];
      for (int k = 0; k < op->nin; k++) {
        domain d = (op->int_dom_dtypes & DT(dt)) ? DOM_INT_EDGE : op->dom[k];
        make_input(f, s[k], dt, d, (uint64_t)(fi * 131 + (unsigned)k * 17 + (unsigned)dti * 7 + 1),
                   &in[k], &rin[k]);
      }
      op_ctx oc = {op, in};
      mx_array *on_cpu;
      size_t guards0;
      mx_array *got = case_build(&rs, op_build, &oc, &on_cpu, &guards0);
      if (got) {
        ref_array *want = op->ref ? op->ref(rin, odt) : elementwise_ref(op, rin, op->nin, odt);
        char label[160];
        snprintf(label, sizeof label, "%s(%s, %s)", op->name, mx_dtype_name(dt), family_name(f));
        double tol = op->tol > 0 ? op->tol : 1;
        if ((dt == MX_FLOAT16 || dt == MX_BFLOAT16) && op->tol_half > 0) tol = op->tol_half;
        case_check(&rs, got, on_cpu, guards0, want, tol, label);
        ref_free(want);
      }
      for (int k = 0; k < op->nin; k++) ref_free(rin[k]);
    }
    mx_scope_end(scope);
  }
  streams_end(&rs);
}

void sweep_case_run(const sweep_case *c) {
  run_streams rs;
  if (!streams_begin(&rs)) return;
  mx_scope scope = mx_scope_begin();
  mx_array *on_cpu;
  size_t guards0;
  mx_array *got = case_build(&rs, c->build, c->ctx, &on_cpu, &guards0);
  if (got) {
    ref_array *want = c->ref ? c->ref(c->ctx) : NULL;
    case_check(&rs, got, on_cpu, guards0, want, c->tol > 0 ? c->tol : 1, c->label);
    if (c->check && !mx_is_error(got)) c->check(got, c->ctx, c->label);
    ref_free(want);
  }
  mx_scope_end(scope);
  streams_end(&rs);
}
