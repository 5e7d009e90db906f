// memory.cu — unified memory without managed memory: the pool's device allocator, the pinned
// staging ring, the backend table's buffer operations (a buffer's device copy is an mxc_block
// handle that records which streams wrote and read it) and the device pointers kernels get for
// their inputs and outputs. Core decides when data moves and which output takes over an input's
// buffer; this file orders every stream's access to each block.
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

// ---- blocks: a buffer's device copy and its streams ----

// The handle core keeps in mx_buffer.dev for this backend.
struct mxc_block {
  void *ptr;
  mxc_device *dev;
  int writer;       // the stream of the last write: readers on other streams wait for it
  uint32_t readers; // streams that read the block since that write (bit per stream index)
};

static uint32_t stream_bit(int s) { return 1u << s; }

// A node's stream index as a valid stream of d (an index from another process's numbering or a
// stream not created is stream 0).
static int stream_of(mxc_device *d, int s) { return s >= 0 && s < d->nstreams.load() ? s : 0; }

// Makes stream `to` wait for the work enqueued so far on stream `from` (same device).
static cudaError_t wait_stream(mxc_device *d, int to, int from) {
  if (from == to) return cudaSuccess;
  cudaEvent_t ev;
  cudaError_t e = cudaEventCreateWithFlags(&ev, cudaEventDisableTiming);
  if (e == cudaSuccess) {
    e = cudaEventRecord(ev, d->streams[from]);
    if (e == cudaSuccess) e = cudaStreamWaitEvent(d->streams[to], ev, 0);
    mxc_cleanup(cudaEventDestroy(ev)); // released once the wait completes
  }
  return e;
}

// Orders a read of k on stream s after k's last write.
static cudaError_t order_read(mxc_block *k, int s) {
  cudaError_t e = wait_stream(k->dev, s, k->writer);
  if (e == cudaSuccess) k->readers |= stream_bit(s);
  return e;
}

// Orders a write of k on stream s after every queued read and write of k on other streams (a
// donated input's buffer, a re-upload into an existing block): write-after-read across streams.
static cudaError_t order_write(mxc_block *k, int s) {
  cudaError_t e = wait_stream(k->dev, s, k->writer);
  for (int r = 0; r < MXC_MAX_STREAMS && e == cudaSuccess; r++)
    if ((k->readers & stream_bit(r)) && r != s) e = wait_stream(k->dev, s, r);
  if (e == cudaSuccess) {
    k->writer = s;
    k->readers = 0;
  }
  return e;
}

// The one stream that used k, or MXI_POOL_SHARED: how soon the pool may hand the memory out again.
static int last_stream(const mxc_block *k) {
  return (k->readers & ~stream_bit(k->writer)) ? MXI_POOL_SHARED : k->writer;
}

// Waits for every stream of d; the pool may then give any block to any stream.
static bool sync_all(mxc_device *d) {
  cudaError_t e = cudaSuccess;
  int n = d->nstreams.load();
  for (int s = 0; s < n && e == cudaSuccess; s++) e = cudaStreamSynchronize(d->streams[s]);
  if (e != cudaSuccess) {
    cudaGetLastError();
    return false;
  }
  mxi_pool_synchronized(d->pool);
  return true;
}

// Pool memory for nbytes used first on stream s; on failure writes a reason a user can act on.
static void *pool_get(mxc_device *d, size_t nbytes, int s, char *err, size_t errlen) {
  mxi_pool_status st;
  void *p = mxi_pool_alloc(d->pool, nbytes, s, &st);
  if (!p && st == MXI_POOL_OOM && sync_all(d)) p = mxi_pool_alloc(d->pool, nbytes, s, &st);
  if (p) return p;
  mxi_pool_stats ps;
  mxi_pool_stats_get(d->pool, &ps);
  if (st == MXI_POOL_LIMIT)
    snprintf(err, errlen, "memory limit of %zu bytes on cuda:%d reached (%zu bytes in use)", ps.limit,
             d->index, ps.active);
  else
    snprintf(err, errlen, "out of memory on cuda:%d (%zu bytes in use, device has %zu)", d->index,
             ps.active, d->total_mem);
  return NULL;
}

// Restores the calling thread's current device on scope exit: a copy for another GPU must not
// leave later launches on the wrong device.
struct device_scope {
  int prev = -1;
  explicit device_scope(int dev) {
    if (cudaGetDevice(&prev) != cudaSuccess) {
      cudaGetLastError();
      prev = -1;
    }
    if (prev != dev) mxc_cleanup(cudaSetDevice(dev));
  }
  ~device_scope() {
    int now = -1;
    if (prev >= 0 && cudaGetDevice(&now) == cudaSuccess && now != prev) mxc_cleanup(cudaSetDevice(prev));
  }
};

// ---- the backend table's buffer operations ----

void *mxc_buffer_alloc(void *ctx, int device, size_t nbytes, int stream, char *err, size_t errlen) {
  mxc_device *d = mxc_dev(device);
  if (!d) {
    snprintf(err, errlen, "cuda:%d is not available", device);
    return NULL;
  }
  mxc_block *k = (mxc_block *)malloc(sizeof *k);
  if (!k) {
    snprintf(err, errlen, "out of host memory for a device block's header");
    return NULL;
  }
  int s = stream_of(d, stream);
  if (!(k->ptr = pool_get(d, nbytes, s, err, errlen))) {
    free(k);
    return NULL;
  }
  k->dev = d;
  k->writer = s;
  k->readers = 0;
  return k;
}

void mxc_buffer_free(void *ctx, void *handle) {
  mxc_block *k = (mxc_block *)handle;
  mxi_pool_free(k->dev->pool, k->ptr, last_stream(k));
  free(k);
}

mx_status mxc_buffer_copy_in(void *ctx, void *handle, const void *host, size_t nbytes, int stream,
                             char *err, size_t errlen) {
  mxc_block *k = (mxc_block *)handle;
  mxc_device *d = k->dev;
  int s = stream_of(d, stream);
  device_scope on(d->index);
  cudaError_t e = order_write(k, s);
  if (e == cudaSuccess) e = upload(d, d->streams[s], k->ptr, host, nbytes);
  if (e == cudaSuccess) return MX_OK;
  cudaGetLastError();
  snprintf(err, errlen, "copying %zu bytes to cuda:%d failed: %s", nbytes, d->index, cudaGetErrorString(e));
  return MX_ERROR;
}

mx_status mxc_buffer_copy_out(void *ctx, void *handle, void *host, size_t nbytes) {
  mxc_block *k = (mxc_block *)handle;
  mxc_device *d = k->dev;
  device_scope on(d->index);
  // in the order of the last write; download returns once that stream reached the copy
  cudaError_t e = download(d, d->streams[stream_of(d, k->writer)], host, k->ptr, nbytes);
  if (e == cudaSuccess) return MX_OK;
  char msg[300];
  snprintf(msg, sizeof msg, "mx: copying an array from cuda:%d to the host failed (a kernel before it may "
           "have failed): %s", d->index, cudaGetErrorString(e));
  cudaGetLastError();
  mxi_record_error(msg);
  return MX_ERROR;
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
  c->sidx = stream_of(c->dev, out->stream.index);
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

void *mxc_dev_ptr(const mx_array *x) { return (char *)((mxc_block *)x->buf->dev)->ptr + x->offset; }

const void *mxc_read(mxc_ctx *c, mx_array *x) {
  mx_buffer *b = x->buf;
  if (!b) {
    mxi_kernel_fail(c->out, "an input has no data (internal)");
    return NULL;
  }
  // eval made the node's inputs current here; compact copies made inside a kernel are too
  char why[300] = "";
  if (!mxi_buffer_to_device(b, mxc_backend(), c->dev->index, c->sidx, why, sizeof why)) {
    char s[MXI_SHAPE_STR_LEN];
    mxi_kernel_fail(c->out, "%s (an input of shape %s)", why, shape_str(s, sizeof s, x));
    return NULL;
  }
  if (!mxc_ok(c, order_read((mxc_block *)b->dev, c->sidx), "ordering streams (cudaStreamWaitEvent)"))
    return NULL;
  return mxc_dev_ptr(x);
}

void *mxc_write(mxc_ctx *c, mx_array *const *in, int n) {
  mxc_block *k = (mxc_block *)mxi_out_alloc_device(c->out, in, n, mxc_backend(), c->dev->index, c->sidx);
  if (!k) return NULL;
  if (!mxc_ok(c, order_write(k, c->sidx), "ordering streams (cudaStreamWaitEvent)")) return NULL;
  return k->ptr;
}

void *mxc_scratch(mxc_ctx *c, size_t nbytes) {
  char why[300] = "";
  void *p = pool_get(c->dev, nbytes, c->sidx, why, sizeof why);
  if (!p) {
    char s[MXI_SHAPE_STR_LEN];
    mxi_kernel_fail(c->out, "%s allocating %zu bytes of scratch space (output %s %s)", why, nbytes,
                    shape_str(s, sizeof s, c->out), mx_dtype_name((mx_dtype)c->out->dtype));
  }
  return p;
}

void mxc_scratch_free(mxc_ctx *c, void *p) {
  if (p) mxi_pool_free(c->dev->pool, p, c->sidx);
}

mx_status mxc_unsupported(mx_array *out) {
  mxi_kernel_fail(out, "the cuda kernel does not take %s (internal: supports() should have sent this node "
                  "to the CPU)", mx_dtype_name((mx_dtype)(out->nin > 0 ? out->in[0]->dtype : out->dtype)));
  return MX_ERROR;
}
