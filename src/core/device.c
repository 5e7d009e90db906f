/* device.c — devices, streams and memory statistics, each answered by the device type's backend
 * table (the host backend answers for MX_CPU). */
#include <stdio.h>

#include "backend.h"
#include "stream.h"

static _Thread_local bool have_stream;
static _Thread_local mx_stream current;

mx_device mx_cpu_device(void) { return (mx_device){MX_CPU, 0}; }

int mx_device_count(mx_device_type type) {
  mx_backend *be = mxi_backend(type);
  return be && be->device_count ? be->device_count(be->ctx) : 0;
}

/* The backend of d when d names one of its devices, else NULL. */
static mx_backend *backend_of(mx_device d) {
  mx_backend *be = mxi_backend(d.type);
  return be && d.index >= 0 && d.index < mx_device_count(d.type) ? be : NULL;
}

mx_device mx_default_device(void) {
  if (mx_device_count(MX_CUDA) > 0) return (mx_device){MX_CUDA, 0};
  return mx_cpu_device();
}

bool mx_device_equal(mx_device a, mx_device b) { return a.type == b.type && a.index == b.index; }

void mx_device_describe(mx_device d, char *buf, size_t len) {
  mx_backend *be = backend_of(d);
  if (be && be->describe) be->describe(be->ctx, d.index, buf, len);
  else snprintf(buf, len, "%s:%d (not available)", d.type == MX_CPU ? "cpu" : "cuda", d.index);
}

mx_stream mx_device_stream(mx_device d) { return (mx_stream){d, 0}; }

mx_stream mxi_current_stream(void) {
  if (!have_stream) {
    current = mx_device_stream(mx_default_device());
    have_stream = true;
  }
  return current;
}
mx_stream mx_default_stream(void) { return mxi_current_stream(); }

void mx_set_default_stream(mx_stream s) {
  if (!backend_of(s.device)) {
    mxi_record_error("mx_set_default_stream: no such device");
    return;
  }
  current = s;
  have_stream = true;
}

mx_stream_scope mx_stream_scope_begin(mx_stream s) {
  mx_stream_scope scope = {mxi_current_stream()};
  mx_set_default_stream(s); /* a bad stream records the error and leaves the current one */
  return scope;
}

void mx_stream_scope_end(mx_stream_scope scope) {
  current = scope.previous;
  have_stream = true;
}

mx_stream mx_new_stream(mx_device d) {
  mx_backend *be = backend_of(d);
  if (!be || !be->new_stream) return mx_device_stream(d); /* the host runs one ordered queue */
  int idx = be->new_stream(be->ctx, d.index);
  return (mx_stream){d, idx < 0 ? 0 : idx};
}

mx_status mx_synchronize(mx_stream s) {
  mx_backend *be = backend_of(s.device);
  if (!be || !be->synchronize) return MX_OK; /* host work is synchronous */
  return be->synchronize(be->ctx, s.device.index, s.index);
}

mx_status mx_memory_stats_get(mx_device d, mx_memory_stats *out) {
  mx_backend *be = backend_of(d);
  if (!be || !be->memory_stats) return MX_ERROR;
  be->memory_stats(be->ctx, d.index, out);
  return MX_OK;
}

void mx_memory_reset_peak(mx_device d) {
  mx_backend *be = backend_of(d);
  if (be && be->reset_peak) be->reset_peak(be->ctx, d.index);
}

void mx_memory_set_limit(mx_device d, size_t limit) {
  mx_backend *be = backend_of(d);
  if (be && be->set_limit) be->set_limit(be->ctx, d.index, limit);
}

void mx_memory_clear_cache(mx_device d) {
  mx_backend *be = backend_of(d);
  if (be && be->clear_cache) be->clear_cache(be->ctx, d.index);
}
