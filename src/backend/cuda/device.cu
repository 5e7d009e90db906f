// device.cu — the per-device contexts (the backend's only state: the table's ctx points to them)
// and the device operations of the backend table: describe, streams, synchronize, memory
// statistics, limit and cache.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <new>

#include "common.cuh"

static struct {
  int n;
  mxc_device *dev[MXC_MAX_DEVICES];
} contexts;

mxc_device *mxc_dev(int index) {
  return index >= 0 && index < contexts.n ? contexts.dev[index] : NULL;
}
int mxc_device_count() { return contexts.n; }

static bool env_on(const char *name) {
  const char *v = getenv(name);
  return v && v[0] && strcmp(v, "0") != 0;
}

// A context for device i: properties, stream 0, memory pool and staging. false when the device
// cannot be used (reported once on stderr; mx then runs on the CPU).
static bool init_device(int i) {
  mxc_device *d = new (std::nothrow) mxc_device();
  if (!d) return false;
  d->index = i;
  cudaDeviceProp prop;
  cudaError_t e = cudaSetDevice(i);
  if (e == cudaSuccess) e = cudaGetDeviceProperties(&prop, i);
  if (e == cudaSuccess) e = cudaStreamCreateWithFlags(&d->streams[0], cudaStreamNonBlocking);
  if (e != cudaSuccess) {
    fprintf(stderr, "mx: warning: cuda:%d is not usable (%s); it is left out\n", i,
            cudaGetErrorString(e));
    cudaGetLastError();
    delete d;
    return false;
  }
  snprintf(d->name, sizeof d->name, "%s", prop.name);
  d->total_mem = prop.totalGlobalMem;
  d->sm_count = prop.multiProcessorCount;
  d->cc_major = prop.major;
  d->cc_minor = prop.minor;
  d->smem_optin = prop.sharedMemPerBlockOptin;
  d->nstreams = 1;
  d->guard = env_on("MX_CUDA_GUARD");
  d->tf32 = env_on("MX_CUDA_TF32");
  pthread_mutex_init(&d->mu, NULL);
  if (!mxc_memory_init(d)) {
    fprintf(stderr, "mx: warning: cuda:%d: could not set up its memory pool; it is left out\n", i);
    if (cudaStreamDestroy(d->streams[0]) != cudaSuccess) cudaGetLastError();
    delete d;
    return false;
  }
  contexts.dev[contexts.n++] = d;
  return true;
}

int mxc_init_devices() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError(); // no driver or no GPU: not an error on a CPU-only machine
    return 0;
  }
  if (n > MXC_MAX_DEVICES) n = MXC_MAX_DEVICES;
  for (int i = 0; i < n; i++) init_device(i);
  if (contexts.n > 0 && cudaSetDevice(contexts.dev[0]->index) != cudaSuccess) cudaGetLastError();
  return contexts.n;
}

// ---- the backend table's device operations ----

static int dev_count(void *ctx) { return contexts.n; }

static void dev_describe(void *ctx, int index, char *buf, size_t len) {
  mxc_device *d = mxc_dev(index);
  if (!d) {
    snprintf(buf, len, "cuda:%d (not available)", index);
    return;
  }
  snprintf(buf, len, "cuda:%d (%s, %.1f GiB, sm_%d%d)", index, d->name,
           (double)d->total_mem / (double)(1ull << 30), d->cc_major, d->cc_minor);
}

static int dev_new_stream(void *ctx, int index) {
  mxc_device *d = mxc_dev(index);
  if (!d) return -1;
  pthread_mutex_lock(&d->mu);
  int k = d->nstreams.load();
  int result = -1;
  if (k < MXC_MAX_STREAMS && cudaSetDevice(index) == cudaSuccess &&
      cudaStreamCreateWithFlags(&d->streams[k], cudaStreamNonBlocking) == cudaSuccess) {
    d->nstreams = k + 1;
    result = k;
  } else {
    cudaGetLastError();
    mxi_record_error(k >= MXC_MAX_STREAMS ? "mx_new_stream: too many streams on this device"
                                          : "mx_new_stream: could not create a CUDA stream");
  }
  pthread_mutex_unlock(&d->mu);
  return result;
}

static mx_status sync_device(mxc_device *d, int stream) {
  cudaError_t e = cudaSetDevice(d->index);
  int n = d->nstreams.load();
  for (int s = 0; s < n && e == cudaSuccess; s++)
    if (stream < 0 || s == stream) e = cudaStreamSynchronize(d->streams[s]);
  if (e != cudaSuccess) {
    char msg[400];
    snprintf(msg, sizeof msg, "mx_synchronize: a kernel failed on cuda:%d: %s (%s)", d->index,
             cudaGetErrorString(e), cudaGetErrorName(e));
    cudaGetLastError();
    mxi_record_error(msg);
    return MX_ERROR;
  }
  // Every stream is idle: blocks freed while several streams ran may go to any stream now.
  if (stream < 0) mxi_pool_synchronized(d->pool);
  return MX_OK;
}

static mx_status dev_synchronize(void *ctx, int index, int stream) {
  mx_status st = MX_OK;
  if (index < 0) {
    for (int i = 0; i < contexts.n; i++)
      if (sync_device(contexts.dev[i], -1) != MX_OK) st = MX_ERROR;
    return st;
  }
  mxc_device *d = mxc_dev(index);
  return d ? sync_device(d, stream) : MX_ERROR;
}

static void dev_memory_stats(void *ctx, int index, mx_memory_stats *out) {
  memset(out, 0, sizeof *out);
  mxc_device *d = mxc_dev(index);
  if (!d) return;
  mxi_pool_stats s;
  mxi_pool_stats_get(d->pool, &s);
  out->active = s.active;
  out->peak = s.peak;
  out->cached = s.cached;
  out->limit = s.limit;
  out->host_to_device = d->h2d.load();
  out->device_to_host = d->d2h.load();
}

static void dev_reset_peak(void *ctx, int index) {
  if (mxc_device *d = mxc_dev(index)) mxi_pool_reset_peak(d->pool);
}

static void dev_set_limit(void *ctx, int index, size_t limit) {
  if (mxc_device *d = mxc_dev(index)) mxi_pool_set_limit(d->pool, limit);
}

static void dev_clear_cache(void *ctx, int index) {
  mxc_device *d = mxc_dev(index);
  if (!d) return;
  sync_device(d, -1); // cudaFree waits anyway; this also frees the deferred blocks
  mxi_pool_clear_cache(d->pool); // the pool's free callback sets the device and checks cudaFree
}

static size_t dev_guard_violations(void *ctx, int index) {
  mxc_device *d = mxc_dev(index);
  return d ? mxi_pool_check_guards(d->pool) : 0;
}

void mxc_fill_backend_ops(mx_backend *b) {
  b->ctx = &contexts;
  b->device_count = dev_count;
  b->describe = dev_describe;
  b->new_stream = dev_new_stream;
  b->synchronize = dev_synchronize;
  b->memory_stats = dev_memory_stats;
  b->reset_peak = dev_reset_peak;
  b->set_limit = dev_set_limit;
  b->clear_cache = dev_clear_cache;
  b->guard_violations = dev_guard_violations;
  b->buffer_alloc = mxc_buffer_alloc;
  b->buffer_free = mxc_buffer_free;
  b->buffer_copy_in = mxc_buffer_copy_in;
  b->buffer_copy_out = mxc_buffer_copy_out;
}
