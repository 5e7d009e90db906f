/* error.c — sticky errors: error arrays, the thread's first error message, the user handler. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static _Thread_local char last_error[1024];
static _Thread_local bool has_error;
static mx_error_handler handler;
static void *handler_ctx;

const char *mx_last_error(void) { return has_error ? last_error : NULL; }
void mx_clear_error(void) {
  has_error = false;
  last_error[0] = 0;
}
void mx_set_error_handler(mx_error_handler h, void *ctx) {
  handler = h;
  handler_ctx = ctx;
}

static _Thread_local char latest_error[1024];
const char *mxi_latest_error(void) { return latest_error[0] ? latest_error : "error"; }

void mxi_note_error(const char *msg) {
  snprintf(latest_error, sizeof latest_error, "%s", msg);
  if (!has_error) {
    snprintf(last_error, sizeof last_error, "%s", msg);
    has_error = true;
  }
}

void mxi_record_error(const char *msg) {
  mxi_note_error(msg);
  if (handler) handler(msg, handler_ctx);
}

/* The error array of last resort: out of memory even for an error array. Static, never freed
 * (mx_release and mx_retain leave it alone). */
char mxi_oom_message[] = "out of memory";
mx_array mxi_oom_array = {.refcount = 1 << 30, .dtype = MX_FLOAT32, .error = mxi_oom_message};

static char *copy_str(const char *s) { /* strdup through malloc, so a failure can be injected */
  size_t n = strlen(s) + 1;
  char *c = malloc(n);
  if (c) memcpy(c, s, n);
  return c;
}

void mxi_free_error(char *msg) {
  if (msg != mxi_oom_message) free(msg);
}

void mxi_set_error(mx_array *a, const char *msg) {
  char *copy = copy_str(msg);
  mxi_free_error(a->error);
  a->error = copy ? copy : mxi_oom_message;
}

static mx_array *error_array(const char *msg) {
  char *copy = copy_str(msg);
  mx_array *a = copy ? mxi_array_alloc(0) : NULL;
  if (!a) {
    free(copy);
    return &mxi_oom_array;
  }
  a->error = copy;
  a->dtype = MX_FLOAT32;
  return mxi_own(a);
}

mx_array *mxi_error_quiet(const char *msg) { return error_array(msg); }

mx_array *mxi_error(const char *op, const char *fmt, ...) {
  char msg[1024];
  int k = snprintf(msg, sizeof msg, "mx_%s: ", op);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg + k, sizeof msg - (size_t)k, fmt, ap);
  va_end(ap);
  mxi_record_error(msg);
  return error_array(msg);
}

/* Formats and records a message given verbatim by code built on mx. */
static void record_verbatim(char *msg, size_t cap, const char *fmt, va_list ap) {
  vsnprintf(msg, cap, fmt ? fmt : "error", ap);
  mxi_record_error(msg);
}

mx_array *mx_error_new(const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  record_verbatim(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return error_array(msg);
}

mx_status mx_error_report(const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  record_verbatim(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return MX_ERROR;
}

mx_array *mx_check_inputs(const char *op, int n, mx_array *const *in) {
  if (n > 0 && !in) return mx_error_new("%s: the input list is NULL", op ? op : "mx");
  for (int i = 0; i < n; i++) {
    if (!in[i]) return mx_error_new("%s: input %d is NULL", op ? op : "mx", i);
    if (in[i]->error) return mxi_error_from(in[i]);
  }
  return NULL;
}

const char *mx_array_shape_str(const mx_array *a, char *buf, size_t cap) {
  if (!buf || cap == 0) return buf;
  if (!a || a->error) {
    snprintf(buf, cap, "(error)");
    return buf;
  }
  return mxi_shape_str(buf, cap, a->ndim, a->shape);
}

mx_array *mxi_error_from(const mx_array *src) { return error_array(src->error); }

mx_array *mxi_oom(const char *op, const char *what) {
  return mxi_error(op, "out of memory while %s", what);
}

void mxi_record_oom(const char *fn, const char *what) {
  char msg[256];
  snprintf(msg, sizeof msg, "mx_%s: out of memory while %s", fn, what);
  mxi_record_error(msg);
}

mx_array *mxi_check_inputs(const char *op, int n, mx_array *const *in) {
  if (n > 0 && !in) return mxi_error(op, "the input list is NULL");
  for (int i = 0; i < n; i++) {
    if (!in[i]) return mxi_error(op, "input %d is NULL", i);
    if (in[i]->error) return mxi_error_from(in[i]);
  }
  return NULL;
}

bool mx_is_error(const mx_array *a) { return !a || a->error; }
const char *mx_array_error(const mx_array *a) {
  if (!a) return "NULL array";
  return a->error;
}

char *mxi_shape_str(char *buf, size_t len, int ndim, const int64_t *shape) {
  size_t k = 0;
  k += (size_t)snprintf(buf + k, len - k, "(");
  for (int i = 0; i < ndim && k < len; i++)
    k += (size_t)snprintf(buf + k, len - k, i ? ",%lld" : "%lld", (long long)shape[i]);
  if (k < len) snprintf(buf + k, len - k, ")");
  return buf;
}
