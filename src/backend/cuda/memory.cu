// memory.cu — unified memory without managed memory: the pool's device allocator, the pinned
// staging ring, the buffer hooks core calls (to_host, free_device), and the device pointers kernels
// get for their inputs (uploading on demand) and outputs (allocated or donated).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.cuh"

#define PINNED_BYTES ((size_t)64 << 20)

// ---- the pool's view of the device ----

static void *pool_alloc(void *ctx, size_t size) {
  mxc_device *d = (mxc_device *)ctx;
  void *p = NULL;
  if (cudaSetDevice(d->index) != cudaSuccess || cudaMalloc(&p, size) != cudaSuccess) {
    cudaGetLastError(); // out of memory is not sticky: clear it so later calls work
    return NULL;
  }
  return p;
}

static void pool_free(void *ctx, void *ptr, size_t size) {
  (void)size;
  mxc_device *d = (mxc_device *)ctx;
  if (cudaSetDevice(d->index) != cudaSuccess || cudaFree(ptr) != cudaSuccess) {
    fprintf(stderr, "mx: warning: cudaFree failed on cuda:%d: %s\n", d->index,
            cudaGetErrorString(cudaGetLastError()));
  }
}

// Guard mode is a debugging aid: it synchronizes the whole device around every fill and check.
static void guard_fill(void *ctx, void *ptr, size_t len) {
  mxc_device *d = (mxc_device *)ctx;
  // the legacy stream does not order our non-blocking streams: synchronize on both sides
  if (cudaSetDevice(d->index) != cudaSuccess || cudaDeviceSynchronize() != cudaSuccess || cudaMemset(ptr, MXI_POOL_GUARD_BYTE, len) != cudaSuccess ||
      cudaDeviceSynchronize() != cudaSuccess)
    cudaGetLastError();
}

static bool guard_check(void *ctx, const void *ptr, size_t len) {
  mxc_device *d = (mxc_device *)ctx;
  unsigned char *buf = (unsigned char *)malloc(len);
  bool ok = buf != NULL;
  if (ok && (cudaSetDevice(d->index) != cudaSuccess || cudaDeviceSynchronize() != cudaSuccess ||
             cudaMemcpy(buf, ptr, len, cudaMemcpyDeviceToHost) != cudaSuccess)) {
    cudaGetLastError();
    ok = false;
  }
  for (size_t i = 0; ok && i < len; i++) ok = buf[i] == MXI_POOL_GUARD_BYTE;
  free(buf);
  return ok;
}

// ---- the staging ring's fences are CUDA events on the stream of the copy ----

// The ring's callbacks cannot fail: a failure is kept in fence_err for the transfer to report.
static void fence_record(void *ctx, int slot) {
  mxc_device *d = (mxc_device *)ctx;
  cudaError_t e = cudaEventRecord(d->fences[slot], d->fence_stream);
  if (e != cudaSuccess && d->fence_err == cudaSuccess) d->fence_err = e;
}
static void fence_wait(void *ctx, int slot) {
  mxc_device *d = (mxc_device *)ctx;
  cudaError_t e = cudaEventSynchronize(d->fences[slot]);
  if (e != cudaSuccess && d->fence_err == cudaSuccess) d->fence_err = e;
}

bool mxc_memory_init(mxc_device *d) {
  mxi_pool_allocator a = {d, pool_alloc, pool_free, guard_fill, guard_check};
  d->pool = mxi_pool_new(a, d->guard);
  return d->pool != NULL;
}

// Pinned memory and events on first use: a program that never moves data pays nothing.
static bool staging_ready(mxc_device *d) {
  if (d->pinned) return true;
  if (d->pinned_failed) return false;
  d->pinned_failed = true; // until it worked: do not retry on every transfer
  if (cudaHostAlloc((void **)&d->pinned, PINNED_BYTES, cudaHostAllocPortable) != cudaSuccess) {
    cudaGetLastError();
    d->pinned = NULL;
    return false;
  }
  for (int i = 0; i < MXI_RING_SLOTS; i++)
    if (cudaEventCreateWithFlags(&d->fences[i], cudaEventDisableTiming) != cudaSuccess) {
      cudaGetLastError();
      for (int k = 0; k < i; k++) mxc_cleanup(cudaEventDestroy(d->fences[k]));
      mxc_cleanup(cudaFreeHost(d->pinned));
      d->pinned = NULL;
      return false;
    }
  d->pinned_size = PINNED_BYTES;
  d->pinned_failed = false;
  mxi_ring_init(&d->ring, PINNED_BYTES, mxi_ring_fences{d, fence_record, fence_wait});
  return true;
}

void mxc_memory_release_deferred(mxc_device *d) { mxi_pool_release_deferred(d->pool); }

// Host -> device in stream order. The source is copied into pinned memory before this returns,
// so the caller may free it; the DMA runs behind the stream's earlier work.
static cudaError_t upload(mxc_device *d, cudaStream_t s, void *dst, const void *src, size_t n) {
  pthread_mutex_lock(&d->mu);
  cudaError_t e = cudaSuccess;
  if (!staging_ready(d)) { // no pinned memory: a synchronous copy is still correct
    e = cudaStreamSynchronize(s);
    if (e == cudaSuccess) e = cudaMemcpy(dst, src, n, cudaMemcpyHostToDevice);
  } else {
    d->fence_err = cudaSuccess;
    size_t chunk = mxi_ring_chunk(&d->ring);
    for (size_t at = 0; at < n && e == cudaSuccess; at += chunk) {
      size_t len = n - at < chunk ? n - at : chunk;
      size_t off = mxi_ring_reserve(&d->ring, len);
      memcpy(d->pinned + off, (const char *)src + at, len);
      e = cudaMemcpyAsync((char *)dst + at, d->pinned + off, len, cudaMemcpyHostToDevice, s);
      d->fence_stream = s;
      mxi_ring_commit(&d->ring, off, len);
    }
    if (e == cudaSuccess) e = d->fence_err;
  }
  pthread_mutex_unlock(&d->mu);
  if (e == cudaSuccess) d->h2d += n;
  return e;
}

// Device -> host, pipelined through two pinned regions; returns when dst holds the data.
static cudaError_t download(mxc_device *d, cudaStream_t s, void *dst, const void *src, size_t n) {
  pthread_mutex_lock(&d->mu);
  cudaError_t e = cudaSuccess;
  if (!staging_ready(d)) {
    e = cudaStreamSynchronize(s);
    if (e == cudaSuccess) e = cudaMemcpy(dst, src, n, cudaMemcpyDeviceToHost);
  } else {
    d->fence_err = cudaSuccess;
    size_t chunk = mxi_ring_chunk(&d->ring), at = 0;
    int pend_slot = -1;
    size_t pend_off = 0, pend_len = 0, pend_at = 0;
    while (e == cudaSuccess && (at < n || pend_slot >= 0)) {
      int slot = -1;
      size_t off = 0, len = 0, here = at;
      if (at < n) { // start the next piece before copying out the previous one
        len = n - at < chunk ? n - at : chunk;
        off = mxi_ring_reserve(&d->ring, len);
        e = cudaMemcpyAsync(d->pinned + off, (const char *)src + at, len, cudaMemcpyDeviceToHost, s);
        d->fence_stream = s;
        slot = mxi_ring_commit(&d->ring, off, len);
        at += len;
      }
      if (pend_slot >= 0) {
        mxi_ring_wait(&d->ring, pend_slot);
        memcpy((char *)dst + pend_at, d->pinned + pend_off, pend_len);
      }
      pend_slot = slot;
      pend_off = off;
      pend_len = len;
      pend_at = here;
    }
    if (e == cudaSuccess) e = d->fence_err;
    if (e == cudaSuccess) e = cudaStreamSynchronize(s); // surfaces an asynchronous copy error
  }
  pthread_mutex_unlock(&d->mu);
  if (e == cudaSuccess) d->d2h += n;
  return e;
}

void mxc_upload(mxc_device *d, cudaStream_t s, void *dst, const void *src, size_t n) {
  if (upload(d, s, dst, src, n) != cudaSuccess) cudaGetLastError();
}
bool mxc_download(mxc_device *d, cudaStream_t s, void *dst, const void *src, size_t n) {
  if (download(d, s, dst, src, n) == cudaSuccess) return true;
  cudaGetLastError();
  return false;
}

// ---- the hooks core calls ----

static bool sync_streams(mxc_device *d) {
  cudaError_t e = cudaSetDevice(d->index);
  int n = d->nstreams.load();
  for (int s = 0; s < n && e == cudaSuccess; s++) e = cudaStreamSynchronize(d->streams[s]);
  if (e == cudaSuccess) return true;
  char msg[300];
  snprintf(msg, sizeof msg, "mx: copying an array to the host: a kernel failed on cuda:%d: %s",
           d->index, cudaGetErrorString(e));
  cudaGetLastError();
  mxi_record_error(msg);
  return false;
}

// The host copy of a device-born buffer: wait for the device, then download.
static bool hook_to_host(mx_buffer *b) {
  mxc_device *d = mxc_dev(b->dev_index);
  if (!d || !b->dev || !b->dev_valid || !sync_streams(d)) return false;
  if (!mxi_buffer_ensure_host_alloc(b)) {
    mxi_record_error("mx: out of host memory copying an array from the GPU");
    return false;
  }
  int s = b->dev_stream >= 0 && b->dev_stream < d->nstreams.load() ? b->dev_stream : 0;
  if (!mxc_download(d, d->streams[s], b->host, b->dev, b->nbytes)) {
    mxi_record_error("mx: copying an array from the GPU to the host failed");
    return false;
  }
  b->host_valid = true;
  return true;
}

static void hook_free_device(mx_buffer *b) {
  mxc_device *d = mxc_dev(b->dev_index);
  // With several streams the block may still be read by queued work on another one: it waits in
  // the deferred list until the next full synchronize. One stream orders reuse by itself.
  if (d) mxi_pool_free(d->pool, b->dev, d->nstreams.load() > 1);
  b->dev = NULL;
  b->dev_valid = false;
}

void mxc_install_hooks() {
  static const mx_device_hooks hooks = {hook_to_host, hook_free_device};
  mxi_set_device_hooks(&hooks);
}

// ---- kernels' access to their operands ----

static const char *shape_str(char *buf, size_t len, const mx_array *a) {
  return mxi_shape_str(buf, len, a->ndim, a->shape);
}

bool mxc_begin(mx_array *out, mxc_ctx *c) {
  c->out = out;
  c->dev = mxc_dev(out->stream.device.index);
  if (!c->dev) {
    mxi_kernel_fail(out, "cuda:%d is not available", out->stream.device.index);
    return false;
  }
  c->sidx = out->stream.index >= 0 && out->stream.index < c->dev->nstreams.load() ? out->stream.index : 0;
  c->s = c->dev->streams[c->sidx];
  return mxc_ok(c, cudaSetDevice(c->dev->index), "cudaSetDevice");
}

bool mxc_ok(mxc_ctx *c, cudaError_t e, const char *what) {
  if (e == cudaSuccess) return true;
  cudaGetLastError();
  char s[MXI_SHAPE_STR_LEN];
  mxi_kernel_fail(c->out, "%s failed on cuda:%d (output %s %s): %s", what, c->dev ? c->dev->index : -1,
                  shape_str(s, sizeof s, c->out), mx_dtype_name((mx_dtype)c->out->dtype),
                  cudaGetErrorString(e));
  return false;
}

bool mxc_launched(mxc_ctx *c, const char *kernel) { return mxc_ok(c, cudaGetLastError(), kernel); }

// A pool block for nbytes on c's device; on failure fails out with a message a user can act on.
static void *device_alloc(mxc_ctx *c, size_t nbytes, const char *what) {
  mxc_device *d = c->dev;
  mxi_pool_status st;
  void *p = mxi_pool_alloc(d->pool, nbytes, &st);
  if (!p && st == MXI_POOL_OOM && d->nstreams.load() > 1 && sync_streams(d)) {
    mxi_pool_release_deferred(d->pool); // blocks other streams were done with
    p = mxi_pool_alloc(d->pool, nbytes, &st);
  }
  if (p) return p;
  mxi_pool_stats ps;
  mxi_pool_stats_get(d->pool, &ps);
  char s[MXI_SHAPE_STR_LEN];
  if (st == MXI_POOL_LIMIT)
    mxi_kernel_fail(c->out, "memory limit of %zu bytes on cuda:%d reached allocating %zu bytes for %s "
                    "(output %s %s; %zu bytes in use)", ps.limit, d->index, nbytes, what,
                    shape_str(s, sizeof s, c->out), mx_dtype_name((mx_dtype)c->out->dtype), ps.active);
  else
    mxi_kernel_fail(c->out, "out of memory on cuda:%d allocating %zu bytes for %s (output %s %s; "
                    "%zu bytes in use, device has %zu)", d->index, nbytes, what,
                    shape_str(s, sizeof s, c->out), mx_dtype_name((mx_dtype)c->out->dtype), ps.active,
                    d->total_mem);
  return NULL;
}

// Makes c's stream wait for the work of stream `from` (same device) enqueued so far.
static bool wait_stream(mxc_ctx *c, int from) {
  if (from == c->sidx || from < 0 || from >= c->dev->nstreams.load()) return true;
  cudaEvent_t ev;
  cudaError_t e = cudaEventCreateWithFlags(&ev, cudaEventDisableTiming);
  if (e == cudaSuccess) {
    e = cudaEventRecord(ev, c->dev->streams[from]);
    if (e == cudaSuccess) e = cudaStreamWaitEvent(c->s, ev, 0);
    mxc_cleanup(cudaEventDestroy(ev)); // released once the wait completes
  }
  return mxc_ok(c, e, "ordering streams (cudaStreamWaitEvent)");
}

const void *mxc_read(mxc_ctx *c, mx_array *x) {
  mx_buffer *b = x->buf;
  if (!b) {
    mxi_kernel_fail(c->out, "an input has no data (internal)");
    return NULL;
  }
  if (b->dev && b->dev_valid && b->dev_index == c->dev->index) {
    if (!wait_stream(c, b->dev_stream)) return NULL;
    return (const char *)b->dev + x->offset;
  }
  if (!b->host_valid && !mxi_buffer_host(b)) { // current on another GPU: through the host
    mxi_kernel_fail(c->out, "could not move an input from cuda:%d", b->dev_index);
    return NULL;
  }
  if (b->dev && b->dev_index != c->dev->index) {
    mxc_device *other = mxc_dev(b->dev_index);
    if (other) mxi_pool_free(other->pool, b->dev, other->nstreams.load() > 1);
    b->dev = NULL;
    b->dev_valid = false;
  }
  if (!b->dev && !(b->dev = device_alloc(c, b->nbytes, "an input's device copy"))) return NULL;
  b->dev_index = c->dev->index;
  cudaError_t e = upload(c->dev, c->s, b->dev, b->host, b->nbytes);
  if (!mxc_ok(c, e, "uploading an input (cudaMemcpyAsync)")) return NULL;
  b->dev_valid = true;
  b->dev_stream = c->sidx;
  return (const char *)b->dev + x->offset;
}

void *mxc_write(mxc_ctx *c, mx_array *const *in, int n) {
  mx_array *out = c->out;
  for (int i = 0; i < n; i++) {
    mx_array *x = in[i];
    if (x && mxi_can_donate(out, x, true) && x->buf->dev_index == c->dev->index) {
      // Eval drops x right after this node (its last use): out takes the buffer over.
      out->buf = x->buf;
      mxi_buffer_retain(out->buf);
      out->buf->host_valid = false; // the kernel overwrites the device copy
      out->buf->dev_stream = c->sidx;
      x->scratch &= (uint8_t)~MXI_SCR_DONATE;
      mxi_set_row_strides(out);
      return out->buf->dev;
    }
  }
  size_t nbytes = mx_array_nbytes(out);
  mx_buffer *b = (mx_buffer *)calloc(1, sizeof *b);
  if (!b) {
    mxi_kernel_fail(out, "out of host memory for a buffer header");
    return NULL;
  }
  if (!(b->dev = device_alloc(c, nbytes, "the output"))) {
    free(b);
    return NULL;
  }
  b->refcount = 1;
  b->nbytes = nbytes;
  b->dev_index = c->dev->index;
  b->dev_stream = c->sidx;
  b->dev_valid = true; // in stream order: every later reader waits for the kernel
  out->buf = b;
  mxi_set_row_strides(out);
  return b->dev;
}

void *mxc_scratch(mxc_ctx *c, size_t nbytes) { return device_alloc(c, nbytes, "scratch space"); }

void mxc_scratch_free(mxc_ctx *c, void *p) {
  if (p) mxi_pool_free(c->dev->pool, p, c->dev->nstreams.load() > 1);
}

mx_status mxc_cpu_fallback(mx_array *out, mx_array *const *in, int n, const mx_params *p) {
  static std::atomic<bool> warned[MX_NUM_PRIMS][MX_NUM_DTYPES];
  mx_dtype dt = (mx_dtype)(n > 0 ? in[0]->dtype : out->dtype);
  if (!warned[out->prim][dt].exchange(true))
    fprintf(stderr, "mx: warning: %s has no cuda kernel for %s; running it on the CPU\n",
            mxi_prims[out->prim].name, mx_dtype_name(dt));
  mx_kernel_fn k = mxi_cpu_backend.kernels[out->prim];
  if (!k) {
    mxi_kernel_fail(out, "no kernel for dtype %s on any backend", mx_dtype_name(dt));
    return MX_ERROR;
  }
  return k(out, in, n, p);
}
