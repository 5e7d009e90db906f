/* einsum.c — mx_einsum with NumPy semantics, decomposed into existing primitives: repeated
 * subscripts in one operand become diagonals, indices used nowhere else are summed first, then
 * operands are contracted pairwise left to right, each pair by one matmul over its shared
 * summed indices (or a broadcast multiply when it has none), and the result is transposed to
 * the output order. Sums keep the operands' dtype as NumPy's einsum does (integers wrap; bool
 * sums are logical or). */
#include <stdio.h>
#include <string.h>

#include "util.h"

/* Labels: 'A'..'Z' are 0..25 and 'a'..'z' 26..51 (so sorting ids sorts like NumPy's implicit
 * output, uppercase first); ellipsis axes are 52.., right-aligned across operands. */
#define NLETTERS 52
#define MAX_LABELS (NLETTERS + MX_MAX_DIMS)
#define MAX_OPERANDS 64

typedef struct term {
  int n;                       /* labels (= the operand's dimensions once parsed) */
  int lab[MX_MAX_DIMS];
} term;

typedef struct spec {
  int nops;
  term in[MAX_OPERANDS];
  term out;
  int64_t size[MAX_LABELS];    /* each label's extent (broadcast: the non-1 one) */
} spec;

static int label_of(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return 26 + (c - 'a');
  return -1;
}

static char label_char(int l) {
  if (l < 26) return (char)('A' + l);
  if (l < NLETTERS) return (char)('a' + l - 26);
  return '.';
}

/* Letters of one term (spaces skipped) into lab; the position of "..." in ell (-1: none).
 * Returns false with a message. */
static bool parse_term(const char *s, size_t len, int *lab, int *n, int *ell, const char *what,
                       char *err, size_t errlen) {
  *n = 0;
  *ell = -1;
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    if (c == ' ') continue;
    if (c == '.') {
      if (!(i + 2 < len && s[i + 1] == '.' && s[i + 2] == '.')) {
        snprintf(err, errlen, "%s contains a '.' that is not part of an ellipsis '...'", what);
        return false;
      }
      if (*ell >= 0) {
        snprintf(err, errlen, "%s contains more than one ellipsis '...'", what);
        return false;
      }
      *ell = *n;
      i += 2;
      continue;
    }
    int l = label_of(c);
    if (l < 0) {
      snprintf(err, errlen, "invalid subscript '%c' in %s: subscripts must be letters", c, what);
      return false;
    }
    if (*n >= MX_MAX_DIMS) {
      snprintf(err, errlen, "too many subscripts in %s (at most %d)", what, MX_MAX_DIMS);
      return false;
    }
    lab[(*n)++] = l;
  }
  return true;
}

/* Parses subscripts against the operands into sp; false with a message. */
static bool parse(const char *subs, int n, mx_array *const *ops, spec *sp, char *err,
                  size_t errlen) {
  memset(sp, 0, sizeof *sp);
  sp->nops = n;
  const char *arrow = strstr(subs, "->");
  size_t in_len = arrow ? (size_t)(arrow - subs) : strlen(subs);
  for (const char *c = subs; *c; c++)
    if ((*c == '-' || *c == '>') && (!arrow || (c != arrow && c != arrow + 1))) {
      snprintf(err, errlen, "invalid character '%c' in subscripts \"%s\" (only one '->' allowed)",
               *c, subs);
      return false;
    }
  /* input terms */
  int nterms = 1;
  for (size_t i = 0; i < in_len; i++) nterms += subs[i] == ',';
  if (nterms != n) {
    snprintf(err, errlen, "subscripts \"%s\" name %d operand%s but %d %s given", subs, nterms,
             nterms == 1 ? "" : "s", n, n == 1 ? "was" : "were");
    return false;
  }
  int ells[MAX_OPERANDS], ell_nd[MAX_OPERANDS], max_ell = 0;
  int raw[MAX_OPERANDS][MX_MAX_DIMS], nraw[MAX_OPERANDS];
  const char *s = subs;
  for (int k = 0; k < n; k++) {
    const char *e = memchr(s, ',', (size_t)(subs + in_len - s));
    size_t len = e ? (size_t)(e - s) : (size_t)(subs + in_len - s);
    char what[48];
    snprintf(what, sizeof what, "the subscripts of operand %d", k);
    if (!parse_term(s, len, raw[k], &nraw[k], &ells[k], what, err, errlen)) return false;
    int nd = ops[k]->ndim;
    char sh[MXI_SHAPE_STR_LEN];
    if (ells[k] < 0 && nraw[k] != nd) {
      snprintf(err, errlen, "operand %d has shape %s (%d dimensions) but %d subscripts \"%.*s\"", k,
               mxi_shape_str(sh, sizeof sh, nd, ops[k]->shape), nd, nraw[k], (int)len, s);
      return false;
    }
    if (ells[k] >= 0 && nraw[k] > nd) {
      snprintf(err, errlen, "operand %d has shape %s (%d dimensions), fewer than the %d "
               "subscripts \"%.*s\"", k, mxi_shape_str(sh, sizeof sh, nd, ops[k]->shape), nd,
               nraw[k], (int)len, s);
      return false;
    }
    ell_nd[k] = ells[k] >= 0 ? nd - nraw[k] : 0;
    if (ell_nd[k] > max_ell) max_ell = ell_nd[k];
    s += len + 1;
  }
  /* expand ellipses into labels NLETTERS + j, right-aligned over max_ell axes */
  for (int k = 0; k < n; k++) {
    term *t = &sp->in[k];
    for (int i = 0; i < nraw[k]; i++) {
      if (i == ells[k])
        for (int j = max_ell - ell_nd[k]; j < max_ell; j++) t->lab[t->n++] = NLETTERS + j;
      t->lab[t->n++] = raw[k][i];
    }
    if (ells[k] == nraw[k])
      for (int j = max_ell - ell_nd[k]; j < max_ell; j++) t->lab[t->n++] = NLETTERS + j;
  }
  /* sizes: equal within an operand (diagonals), equal or 1 across operands (broadcasting) */
  int64_t seen_in[MAX_LABELS];
  for (int l = 0; l < MAX_LABELS; l++) sp->size[l] = -1;
  for (int k = 0; k < n; k++) {
    for (int l = 0; l < MAX_LABELS; l++) seen_in[l] = -1;
    for (int i = 0; i < sp->in[k].n; i++) {
      int l = sp->in[k].lab[i];
      int64_t d = ops[k]->shape[i];
      if (seen_in[l] >= 0 && seen_in[l] != d) {
        snprintf(err, errlen, "operand %d repeats subscript '%c' over dimensions of different "
                 "sizes (%lld != %lld)", k, label_char(l), (long long)seen_in[l], (long long)d);
        return false;
      }
      seen_in[l] = d;
      if (sp->size[l] < 0 || sp->size[l] == 1) {
        sp->size[l] = d;
      } else if (d != 1 && d != sp->size[l]) {
        if (l >= NLETTERS)
          snprintf(err, errlen, "the '...' dimensions of operand %d do not broadcast with the "
                   "other operands' (%lld vs %lld)", k, (long long)d, (long long)sp->size[l]);
        else
          snprintf(err, errlen, "subscript '%c' has size %lld in operand %d but %lld in an "
                   "earlier operand", label_char(l), (long long)d, k, (long long)sp->size[l]);
        return false;
      }
    }
  }
  /* output */
  int count[MAX_LABELS] = {0};
  for (int k = 0; k < n; k++)
    for (int i = 0; i < sp->in[k].n; i++) count[sp->in[k].lab[i]]++;
  term *o = &sp->out;
  if (arrow) {
    int raw_out[MX_MAX_DIMS], nout, ell;
    const char *os = arrow + 2;
    if (!parse_term(os, strlen(os), raw_out, &nout, &ell, "the output subscripts", err, errlen))
      return false;
    if (ell < 0 && max_ell > 0) {
      snprintf(err, errlen, "the operands have '...' dimensions but the output subscripts "
               "\"%s\" have no '...' to place them", os);
      return false;
    }
    bool used[MAX_LABELS] = {false};
    for (int i = 0; i <= nout; i++) {
      if (i == ell)
        for (int j = 0; j < max_ell; j++) o->lab[o->n++] = NLETTERS + j;
      if (i == nout) break;
      int l = raw_out[i];
      if (used[l]) {
        snprintf(err, errlen, "output subscript '%c' appears more than once", label_char(l));
        return false;
      }
      if (count[l] == 0) {
        snprintf(err, errlen, "output subscript '%c' does not appear in any input", label_char(l));
        return false;
      }
      used[l] = true;
      if (o->n >= MX_MAX_DIMS) break;
      o->lab[o->n++] = l;
    }
    if (nout + max_ell > MX_MAX_DIMS) {
      snprintf(err, errlen, "the output would have %d dimensions (at most %d)", nout + max_ell,
               MX_MAX_DIMS);
      return false;
    }
  } else { /* implicit: broadcast axes, then the labels used exactly once, sorted */
    int total = max_ell;
    for (int l = 0; l < NLETTERS; l++) total += count[l] == 1;
    if (total > MX_MAX_DIMS) {
      snprintf(err, errlen, "the output would have %d dimensions (at most %d)", total, MX_MAX_DIMS);
      return false;
    }
    for (int j = 0; j < max_ell; j++) o->lab[o->n++] = NLETTERS + j;
    for (int l = 0; l < NLETTERS; l++)
      if (count[l] == 1) o->lab[o->n++] = l;
  }
  return true;
}

/* ---- evaluation plan ---- */

typedef struct operand {
  mx_array *x;
  int n;
  int lab[MX_MAX_DIMS];
} operand;

static int find(const operand *o, int l) {
  for (int i = 0; i < o->n; i++)
    if (o->lab[i] == l) return i;
  return -1;
}

static void remove_at(operand *o, int i) {
  for (int j = i; j < o->n - 1; j++) o->lab[j] = o->lab[j + 1];
  o->n--;
}

/* Sums the axes of o whose labels are not marked keep. Sums stay in the operands' dtype (NumPy's
 * einsum): integers wrap, bool is logical or. */
static void sum_unkept(operand *o, const bool *keep, mx_dtype dt, bool keepdims) {
  mx_axes ax = {.n = 0};
  for (int i = 0; i < o->n; i++)
    if (!keep[o->lab[i]]) ax.ax[ax.n++] = i;
  if (ax.n == 0) return;
  if (dt == MX_BOOL) o->x = mx_any(o->x, ax, keepdims);
  else o->x = mxi_cast(mx_sum(o->x, ax, keepdims), dt);
  if (keepdims) return;
  for (int i = o->n - 1; i >= 0; i--)
    if (!keep[o->lab[i]]) remove_at(o, i);
}

/* Repeated labels in one operand select its diagonal (moved to the last axis). */
static void take_diagonals(operand *o) {
  for (int p = 0; p < o->n; p++)
    for (int q = p + 1; q < o->n; q++)
      if (o->lab[p] == o->lab[q]) {
        int l = o->lab[p];
        o->x = mx_diagonal(o->x, 0, p, q);
        remove_at(o, q);
        remove_at(o, p);
        o->lab[o->n++] = l;
        p = -1; /* rescan: positions moved */
        break;
      }
}

static mx_array *reshape_to(mx_array *x, int nd, const int64_t *dims) {
  mx_shape s = {.ndim = nd};
  memcpy(s.dims, dims, sizeof(int64_t) * (size_t)nd);
  return mx_reshape(x, s);
}

/* Contracts r with x, keeping the labels marked later (used by the output or a later operand).
 * The result's labels are: shared kept ones (batch), then r's own, then x's own. */
static bool contract_pair(operand *r, operand *x, const bool *later, mx_dtype dt, char *err,
                          size_t errlen) {
  bool keep_r[MAX_LABELS], keep_x[MAX_LABELS];
  for (int l = 0; l < MAX_LABELS; l++) keep_r[l] = keep_x[l] = later[l];
  for (int i = 0; i < r->n; i++) keep_r[r->lab[i]] |= find(x, r->lab[i]) >= 0;
  for (int i = 0; i < x->n; i++) keep_x[x->lab[i]] |= find(r, x->lab[i]) >= 0;
  sum_unkept(r, keep_r, dt, false);
  sum_unkept(x, keep_x, dt, false);
  /* a summed label of size 1 on one side and n on the other: sum the n side first */
  bool fix_r[MAX_LABELS], fix_x[MAX_LABELS];
  for (int l = 0; l < MAX_LABELS; l++) fix_r[l] = fix_x[l] = true;
  bool any_fix = false;
  for (int i = 0; i < r->n; i++) {
    int l = r->lab[i], j = find(x, l);
    if (j < 0 || later[l]) continue;
    int64_t dr = mx_array_shape(r->x)[i], dx = mx_array_shape(x->x)[j];
    if (dr != dx) {
      any_fix = true;
      if (dr > dx) fix_r[l] = false;
      else fix_x[l] = false;
    }
  }
  if (any_fix) {
    sum_unkept(r, fix_r, dt, true);
    sum_unkept(x, fix_x, dt, true);
  }
  int batch[MX_MAX_DIMS], con[MX_MAX_DIMS], fr[MX_MAX_DIMS], fx[MX_MAX_DIMS];
  int nb = 0, nc = 0, nfr = 0, nfx = 0;
  for (int i = 0; i < r->n; i++) {
    int l = r->lab[i];
    if (find(x, l) < 0) fr[nfr++] = l;
    else if (later[l]) batch[nb++] = l;
    else con[nc++] = l;
  }
  for (int i = 0; i < x->n; i++)
    if (find(r, x->lab[i]) < 0) fx[nfx++] = x->lab[i];
  int nres = nb + nfr + nfx;
  if (nres > MX_MAX_DIMS) {
    snprintf(err, errlen, "an intermediate result would have %d dimensions (at most %d); "
             "reorder the operands", nres, MX_MAX_DIMS);
    return false;
  }
  const int64_t *rs = mx_array_shape(r->x), *xs = mx_array_shape(x->x);
  mx_axes pr = {.n = 0}, px = {.n = 0};
  int64_t rd[MX_MAX_DIMS], xd[MX_MAX_DIMS], res[MX_MAX_DIMS];
  int nrd = 0, nxd = 0;
  for (int i = 0; i < nb; i++) {
    pr.ax[pr.n++] = find(r, batch[i]);
    px.ax[px.n++] = find(x, batch[i]);
    rd[nrd++] = rs[find(r, batch[i])];
    xd[nxd++] = xs[find(x, batch[i])];
  }
  int64_t m = 1, k = 1, nn = 1;
  for (int i = 0; i < nfr; i++) {
    pr.ax[pr.n++] = find(r, fr[i]);
    m *= rs[find(r, fr[i])];
  }
  for (int i = 0; i < nc; i++) {
    pr.ax[pr.n++] = find(r, con[i]);
    px.ax[px.n++] = find(x, con[i]);
    k *= rs[find(r, con[i])];
  }
  for (int i = 0; i < nfx; i++) {
    px.ax[px.n++] = find(x, fx[i]);
    nn *= xs[find(x, fx[i])];
  }
  mx_array *a = mx_transpose(r->x, pr), *b = mx_transpose(x->x, px), *out;
  if (nc == 0) { /* nothing summed: a broadcast product [batch, fr, 1..] * [batch, 1.., fx] */
    for (int i = 0; i < nfr; i++) rd[nrd++] = rs[find(r, fr[i])];
    for (int i = 0; i < nfx; i++) rd[nrd++] = 1;
    for (int i = 0; i < nfr; i++) xd[nxd++] = 1;
    for (int i = 0; i < nfx; i++) xd[nxd++] = xs[find(x, fx[i])];
    out = mx_multiply(reshape_to(a, nrd, rd), reshape_to(b, nxd, xd));
  } else { /* one matmul [batch, M, K] @ [batch, K, N] */
    rd[nrd++] = m;
    rd[nrd++] = k;
    xd[nxd++] = k;
    xd[nxd++] = nn;
    mx_array *mm = mx_matmul(reshape_to(a, nrd, rd), reshape_to(b, nxd, xd));
    int nr = 0;
    for (int i = 0; i < nb && !mx_is_error(mm); i++) res[nr++] = mx_array_shape(mm)[i];
    for (int i = 0; i < nfr; i++) res[nr++] = rs[find(r, fr[i])];
    for (int i = 0; i < nfx; i++) res[nr++] = xs[find(x, fx[i])];
    out = reshape_to(mm, nr, res);
  }
  r->x = out;
  r->n = 0;
  for (int i = 0; i < nb; i++) r->lab[r->n++] = batch[i];
  for (int i = 0; i < nfr; i++) r->lab[r->n++] = fr[i];
  for (int i = 0; i < nfx; i++) r->lab[r->n++] = fx[i];
  return true;
}

mx_array *mx_einsum(const char *subscripts, int n, mx_array *const *operands) {
  if (!subscripts) return mxi_error("einsum", "subscripts is NULL");
  if (n < 1 || n > MAX_OPERANDS || !operands)
    return mxi_error("einsum", "%d operands given (1 to %d supported)", n, MAX_OPERANDS);
  mx_array *bad = mxi_check_inputs("einsum", n, operands);
  if (bad) return bad;
  static _Thread_local spec sp; /* large: keep it off the stack */
  char err[400];
  if (!parse(subscripts, n, operands, &sp, err, sizeof err))
    return mxi_error("einsum", "%s", err);
  mx_dtype dt = (mx_dtype)operands[0]->dtype;
  for (int k = 1; k < n; k++) dt = mx_promote_types(dt, (mx_dtype)operands[k]->dtype);

  /* which operands use each label, to know what a contraction must keep */
  int last_use[MAX_LABELS];
  bool in_out[MAX_LABELS] = {false};
  for (int l = 0; l < MAX_LABELS; l++) last_use[l] = -1;
  for (int k = 0; k < n; k++)
    for (int i = 0; i < sp.in[k].n; i++) last_use[sp.in[k].lab[i]] = k;
  for (int i = 0; i < sp.out.n; i++) in_out[sp.out.lab[i]] = true;

  operand r;
  for (int k = 0; k < n; k++) {
    operand x = {.x = mxi_cast(operands[k], dt), .n = sp.in[k].n};
    memcpy(x.lab, sp.in[k].lab, sizeof x.lab);
    take_diagonals(&x);
    /* labels needed after this operand: the output's and those of later operands */
    bool later[MAX_LABELS];
    for (int l = 0; l < MAX_LABELS; l++) later[l] = in_out[l] || last_use[l] > k;
    if (k == 0) { /* labels nobody else uses are summed right away */
      r = x;
      sum_unkept(&r, later, dt, false);
      continue;
    }
    if (!contract_pair(&r, &x, later, dt, err, sizeof err))
      return mxi_error("einsum", "%s", err);
  }
  /* the single-operand case (and labels only the last operand summed) */
  sum_unkept(&r, in_out, dt, false);
  mx_axes perm = {.n = sp.out.n};
  mx_shape full = {.ndim = sp.out.n};
  for (int i = 0; i < sp.out.n; i++) {
    perm.ax[i] = find(&r, sp.out.lab[i]);
    full.dims[i] = sp.size[sp.out.lab[i]];
  }
  return mx_broadcast_to(mx_transpose(r.x, perm), full);
}
