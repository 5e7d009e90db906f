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

void mxi_record_error(const char *msg) {
  if (!has_error) {
    snprintf(last_error, sizeof last_error, "%s", msg);
    has_error = true;
  }
  if (handler) handler(msg, handler_ctx);
}

static mx_array *error_array(char *msg) {
  mx_array *a = mxi_array_alloc(0);
  a->error = msg;
  a->dtype = MX_FLOAT32;
  return mxi_own(a);
}

mx_array *mxi_error(const char *op, const char *fmt, ...) {
  char msg[1024];
  int k = snprintf(msg, sizeof msg, "mx_%s: ", op);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg + k, sizeof msg - (size_t)k, fmt, ap);
  va_end(ap);
  mxi_record_error(msg);
  char *copy = strdup(msg);
  if (!copy) abort();
  return error_array(copy);
}

mx_array *mx_error_new(const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt ? fmt : "error", ap);
  va_end(ap);
  mxi_record_error(msg);
  char *copy = strdup(msg);
  if (!copy) abort();
  return error_array(copy);
}

mx_status mx_error_report(const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt ? fmt : "error", ap);
  va_end(ap);
  mxi_record_error(msg);
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

mx_array *mxi_error_from(const mx_array *src) {
  char *copy = strdup(src->error);
  if (!copy) abort();
  return error_array(copy);
}

mx_array *mxi_check_inputs(const char *op, int n, mx_array *const *in) {
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
