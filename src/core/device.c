/* device.c — devices, streams and memory statistics through the backend tables. */
#include <stdio.h>

#include "backend.h"
#include "stream.h"

static _Thread_local bool have_stream;
static _Thread_local mx_stream current;

mx_device mx_cpu_device(void) { return (mx_device){MX_CPU, 0}; }

int mx_device_count(mx_device_type type) {
  if (type == MX_CPU) return 1;
  mx_backend *be = mxi_backend(type);
  return be && be->device_count ? be->device_count() : 0;
}

mx_device mx_default_device(void) {
  if (mx_device_count(MX_CUDA) > 0) return (mx_device){MX_CUDA, 0};
  return mx_cpu_device();
}

bool mx_device_equal(mx_device a, mx_device b) { return a.type == b.type && a.index == b.index; }

void mx_device_describe(mx_device d, char *buf, size_t len) {
  mx_backend *be = mxi_backend(d.type);
  if (d.type == MX_CPU) {
    snprintf(buf, len, "cpu");
  } else if (be && be->describe && d.index >= 0 && d.index < mx_device_count(d.type)) {
    be->describe(d.index, buf, len);
  } else {
    snprintf(buf, len, "cuda:%d (not available)", d.index);
  }
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
  if (s.device.type != MX_CPU && (s.device.index < 0 || s.device.index >= mx_device_count(s.device.type))) {
    mxi_record_error("mx_set_default_stream: no such device");
    return;
  }
  current = s;
  have_stream = true;
}

mx_stream mx_new_stream(mx_device d) {
  mx_backend *be = mxi_backend(d.type);
  if (d.type == MX_CPU || !be || !be->new_stream) return mx_device_stream(d);
  int idx = be->new_stream(d.index);
  return (mx_stream){d, idx < 0 ? 0 : idx};
}

mx_status mx_synchronize(mx_stream s) {
  mx_backend *be = mxi_backend(s.device.type);
  if (!be || !be->synchronize) return MX_OK; /* CPU work is synchronous */
  return be->synchronize(s.device.index, s.index);
}

mx_status mx_memory_stats_get(mx_device d, mx_memory_stats *out) {
  if (d.type == MX_CPU) {
    mxi_host_stats(out);
    return MX_OK;
  }
  mx_backend *be = mxi_backend(d.type);
  if (!be || !be->memory_stats || d.index >= mx_device_count(d.type)) return MX_ERROR;
  be->memory_stats(d.index, out);
  return MX_OK;
}

void mx_memory_reset_peak(mx_device d) {
  mx_backend *be = mxi_backend(d.type);
  if (d.type == MX_CPU)
    mxi_host_reset_peak();
  else if (be && be->reset_peak)
    be->reset_peak(d.index);
}

void mx_memory_set_limit(mx_device d, size_t limit) {
  mx_backend *be = mxi_backend(d.type);
  if (d.type == MX_CPU)
    mxi_host_set_limit(limit);
  else if (be && be->set_limit)
    be->set_limit(d.index, limit);
}

void mx_memory_clear_cache(mx_device d) {
  mx_backend *be = mxi_backend(d.type);
  if (d.type == MX_CPU)
    mxi_host_clear_cache();
  else if (be && be->clear_cache)
    be->clear_cache(d.index);
}
