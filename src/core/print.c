/* print.c — NumPy-style repr: "array([[1, 2],\n       [3, 4]], dtype=int32)". Floats print
 * with the fewest digits (at most 8) that read back to the same value, one width per array;
 * arrays over 1000 elements are summarized with "..." (NumPy's defaults). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "internal.h"

/* A growing string; out of memory sets failed and drops further writes, checked at the end. */
typedef struct sbuf {
  char *s;
  size_t n, cap;
  bool failed;
} sbuf;

static void put(sbuf *b, const char *t, size_t len) {
  if (b->failed || !t) {
    b->failed = true;
    return;
  }
  if (b->n + len + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (b->n + len + 1 > cap) cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s) {
      b->failed = true;
      return;
    }
    b->s = s;
    b->cap = cap;
  }
  memcpy(b->s + b->n, t, len);
  b->n += len;
  b->s[b->n] = 0;
}
static void puts_(sbuf *b, const char *t) { put(b, t, t ? strlen(t) : 0); }

/* b's string, or NULL (and b freed) if any write failed. */
static char *finish(sbuf *b) {
  if (!b->failed) return b->s;
  free(b->s);
  return NULL;
}

enum { EDGE = 3, THRESHOLD = 1000, LINEWIDTH = 75 };

typedef struct fmt {
  mx_dtype dt;
  bool summarize;
  bool sci;      /* scientific notation */
  int prec;      /* digits after the point (fixed) or in the mantissa (sci) */
  int width;     /* of every element */
} fmt;

/* Does printing x with prec digits read back to x in dtype dt? */
static bool round_trips(double x, mx_dtype dt, bool sci, int prec) {
  char t[64];
  snprintf(t, sizeof t, sci ? "%.*e" : "%.*f", prec, x);
  double y = strtod(t, NULL);
  unsigned char a[8], b[8];
  mxi_store_f64(a, dt == MX_COMPLEX64 ? MX_FLOAT32 : dt, x);
  mxi_store_f64(b, dt == MX_COMPLEX64 ? MX_FLOAT32 : dt, y);
  return memcmp(a, b, mx_dtype_size(dt == MX_COMPLEX64 ? MX_FLOAT32 : dt)) == 0;
}

static int digits_needed(double x, mx_dtype dt, bool sci) {
  for (int p = 0; p < 8; p++)
    if (round_trips(x, dt, sci, p)) return p;
  return 8;
}

/* Fixed notation prints each value with its own fewest digits and pads the fraction with
 * spaces to f->prec, so decimal points line up ("1.5", "2. "); scientific notation uses f->prec
 * digits for all (NumPy's maxprec mode). */
static void format_float(char *t, size_t len, double x, const fmt *f) {
  if (isnan(x)) {
    snprintf(t, len, "nan");
  } else if (isinf(x)) {
    snprintf(t, len, x > 0 ? "inf" : "-inf");
  } else if (f->sci) {
    snprintf(t, len, "%#.*e", f->prec, x);
  } else {
    int d = digits_needed(x, f->dt, false);
    if (d > f->prec) d = f->prec;
    snprintf(t, len, "%#.*f", d, x);
    size_t k = strlen(t);
    for (int i = d; i < f->prec && k + 1 < len; i++) t[k++] = ' ';
    t[k] = 0;
  }
}

static void format_elem(char *t, size_t len, const char *p, const fmt *f) {
  mx_dtype dt = f->dt;
  if (dt == MX_BOOL) {
    snprintf(t, len, *(const uint8_t *)p ? "True" : "False");
  } else if (dt == MX_UINT64) {
    snprintf(t, len, "%llu", (unsigned long long)*(const uint64_t *)p);
  } else if (mx_dtype_is_integer(dt)) {
    snprintf(t, len, "%lld", (long long)mxi_load_i64(p, dt));
  } else if (dt == MX_COMPLEX64) {
    const float *z = (const float *)p;
    char re[40], im[40];
    format_float(re, sizeof re, z[0], f);
    format_float(im, sizeof im, fabsf(z[1]), f);
    snprintf(t, len, "%s%s%sj", re, (z[1] < 0 || (z[1] == 0 && signbit(z[1]))) ? "-" : "+", im);
  } else {
    format_float(t, len, mxi_load_f64(p, dt), f);
  }
}

typedef struct walk {
  const mx_array *a;
  const char *base;
} walk;

/* Calls visit on every element shown (respecting summarization). */
static void for_shown(const walk *w, const fmt *f, int axis, int64_t off,
                      void (*visit)(const char *p, void *ctx), void *ctx) {
  const mx_array *a = w->a;
  if (axis == a->ndim) {
    visit(w->base + off, ctx);
    return;
  }
  int64_t n = a->shape[axis];
  bool cut = f->summarize && n > 2 * EDGE;
  for (int64_t i = 0; i < n; i++) {
    if (cut && i == EDGE) i = n - EDGE;
    for_shown(w, f, axis + 1, off + i * a->strides[axis], visit, ctx);
  }
}

typedef struct stats {
  const fmt *f;
  bool any_finite, all_int;
  double max_abs, min_abs;
  int prec;
  int width;
} stats;

static void gather_stats(const char *p, void *ctx) {
  stats *s = ctx;
  double vals[2];
  int nv = 1;
  if (s->f->dt == MX_COMPLEX64) {
    vals[0] = ((const float *)p)[0];
    vals[1] = ((const float *)p)[1];
    nv = 2;
  } else {
    vals[0] = mxi_load_f64(p, s->f->dt);
  }
  for (int i = 0; i < nv; i++) {
    double x = vals[i];
    if (!isfinite(x)) continue;
    double ax = fabs(x);
    if (!s->any_finite || ax > s->max_abs) s->max_abs = ax;
    if (ax != 0 && (s->min_abs == 0 || ax < s->min_abs)) s->min_abs = ax;
    s->any_finite = true;
    if (x != floor(x)) s->all_int = false;
  }
}

static void gather_prec(const char *p, void *ctx) {
  stats *s = ctx;
  double vals[2] = {0, 0};
  int nv = 1;
  if (s->f->dt == MX_COMPLEX64) {
    vals[0] = ((const float *)p)[0];
    vals[1] = ((const float *)p)[1];
    nv = 2;
  } else {
    vals[0] = mxi_load_f64(p, s->f->dt);
  }
  for (int i = 0; i < nv; i++)
    if (isfinite(vals[i])) {
      int d = digits_needed(vals[i], s->f->dt, s->f->sci);
      if (d > s->prec) s->prec = d;
    }
}

static void gather_width(const char *p, void *ctx) {
  stats *s = ctx;
  char t[96];
  format_elem(t, sizeof t, p, s->f);
  int w = (int)strlen(t);
  if (w > s->width) s->width = w;
}

static void choose_format(const walk *w, fmt *f) {
  stats s = {.f = f, .all_int = true};
  if (mx_dtype_is_inexact(f->dt)) {
    for_shown(w, f, 0, 0, gather_stats, &s);
    f->sci = s.any_finite && (s.max_abs >= 1e16 || (s.min_abs > 0 && s.min_abs < 1e-4) ||
                              (s.min_abs > 0 && s.max_abs / s.min_abs > 1e3 && !s.all_int));
    if (!f->sci && s.all_int) {
      f->prec = 0;
    } else {
      for_shown(w, f, 0, 0, gather_prec, &s);
      f->prec = s.prec;
    }
  }
  s.width = 0;
  for_shown(w, f, 0, 0, gather_width, &s);
  f->width = s.width;
}

/* NumPy's _formatArray: each block is built as a string whose first line starts with its
 * hanging indent, which is then replaced by '['; a line wraps when the next word would pass the
 * width (one less per nesting level, and one less again for the ',' after inner elements). */
static void extend_line(sbuf *s, sbuf *line, const char *word, int width, const char *hang) {
  if ((int)(line->n + strlen(word)) > width && line->n > strlen(hang)) {
    size_t k = line->n;
    while (k > 0 && line->s[k - 1] == ' ') k--;
    put(s, line->s, k);
    puts_(s, "\n");
    line->n = 0;
    puts_(line, hang);
  }
  puts_(line, word);
}

/* NULL when out of memory. */
static char *block(const walk *w, const fmt *f, int axis, int64_t off, const char *hang, int width) {
  const mx_array *a = w->a;
  int64_t n = a->shape[axis];
  bool cut = f->summarize && n > 2 * EDGE;
  size_t hl = strlen(hang);
  char *next_hang = malloc(hl + 2);
  if (!next_hang) return NULL;
  memcpy(next_hang, hang, hl);
  next_hang[hl] = ' ';
  next_hang[hl + 1] = 0;
  sbuf s = {0};
  put(&s, "", 0);
  if (axis == a->ndim - 1) {
    sbuf line = {0};
    puts_(&line, hang);
    for (int64_t i = 0; i < n; i++) {
      if (cut && i == EDGE) {
        extend_line(&s, &line, "...", width - 1, hang);
        puts_(&line, ", ");
        i = n - EDGE;
      }
      char t[96], word[128];
      format_elem(t, sizeof t, w->base + off + i * a->strides[axis], f);
      snprintf(word, sizeof word, "%*s", f->width, t);
      extend_line(&s, &line, word, i + 1 < n ? width - 1 : width, hang);
      if (i + 1 < n) puts_(&line, ", ");
    }
    put(&s, line.failed ? NULL : line.s, line.n);
    free(line.s);
  } else {
    int blank = a->ndim - axis - 1;
    for (int64_t i = 0; i < n; i++) {
      if (cut && i == EDGE) {
        puts_(&s, hang);
        puts_(&s, "...,");
        for (int k = 0; k < blank; k++) puts_(&s, "\n");
        i = n - EDGE;
      }
      char *nested = block(w, f, axis + 1, off + i * a->strides[axis], next_hang, width - 1);
      puts_(&s, hang);
      puts_(&s, nested);
      free(nested);
      if (i + 1 < n) {
        puts_(&s, ",");
        for (int k = 0; k < blank; k++) puts_(&s, "\n");
      }
    }
  }
  free(next_hang);
  sbuf r = {0};
  puts_(&r, "[");
  puts_(&r, s.failed ? NULL : s.s + (s.n >= hl ? hl : s.n));
  puts_(&r, "]");
  free(s.s);
  return finish(&r);
}

static bool dtype_implied(mx_dtype dt) {
  return dt == MX_FLOAT64 || dt == MX_INT64 || dt == MX_BOOL;
}

/* ", shape=(2, 3)" in Python's tuple style. */
static void shape_tuple(sbuf *b, const mx_array *a) {
  char t[32];
  puts_(b, "shape=(");
  for (int i = 0; i < a->ndim; i++) {
    snprintf(t, sizeof t, i ? ", %lld" : "%lld", (long long)a->shape[i]);
    puts_(b, t);
  }
  puts_(b, a->ndim == 1 ? ",)" : ")");
}

static char *to_string(mx_array *a) {
  sbuf b = {0};
  if (!a || a->error) {
    puts_(&b, "array(<error: ");
    puts_(&b, a ? a->error : "NULL");
    puts_(&b, ">)");
    return finish(&b);
  }
  const char *base = mx_array_data(a);
  if (!base) {
    puts_(&b, "array(<error: ");
    puts_(&b, mx_last_error() ? mx_last_error() : "evaluation failed");
    puts_(&b, ">)");
    return finish(&b);
  }
  base -= a->offset; /* strides are applied from the buffer's start */
  walk w = {a, base};
  fmt f = {.dt = (mx_dtype)a->dtype, .summarize = a->size > THRESHOLD};
  puts_(&b, "array(");
  bool show_shape = (a->size == 0 && a->ndim != 1) || f.summarize;
  if (a->size == 0) {
    puts_(&b, "[]");
  } else {
    choose_format(&w, &f);
    if (a->ndim == 0) {
      char t[96];
      format_elem(t, sizeof t, base + a->offset, &f);
      puts_(&b, t);
    } else {
      char *s = block(&w, &f, 0, a->offset, "       ", LINEWIDTH - 1);
      puts_(&b, s);
      free(s);
    }
  }
  bool show_dtype = !dtype_implied(f.dt) || (a->size == 0 && f.dt != MX_FLOAT64);
  if (!show_dtype && !show_shape) {
    puts_(&b, ")");
    return finish(&b);
  }
  puts_(&b, ",");
  sbuf extra = {0};
  if (show_shape) shape_tuple(&extra, a);
  if (show_shape && show_dtype) puts_(&extra, ", ");
  if (show_dtype) {
    puts_(&extra, "dtype=");
    puts_(&extra, mx_dtype_name(f.dt));
  }
  puts_(&extra, ")");
  const char *nl = b.failed ? NULL : strrchr(b.s, '\n');
  size_t last = nl ? b.n - (size_t)(nl + 1 - b.s) : b.n;
  puts_(&b, last + extra.n + 1 > LINEWIDTH ? "\n      " : " ");
  puts_(&b, extra.failed ? NULL : extra.s);
  free(extra.s);
  return finish(&b);
}

char *mx_array_to_string(mx_array *a) {
  char *s = to_string(a);
  if (!s) mxi_record_oom("array_to_string", "formatting the array");
  return s;
}

void mx_array_print(FILE *fp, mx_array *a) {
  char *s = mx_array_to_string(a);
  fputs(s ? s : "array(<error: out of memory while formatting the array>)", fp);
  fputc('\n', fp);
  free(s);
}
