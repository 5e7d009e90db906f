/* buffer.c — reference-counted memory with a host copy and/or a device copy, and the host
 * allocator: large blocks are cached for reuse (a training loop allocates the same sizes every
 * step, and fresh large blocks cost page faults), with statistics and an optional limit. */
#define _DEFAULT_SOURCE /* madvise */
#include <pthread.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "backend.h"

static _Atomic size_t host_active, host_peak, host_limit;

/* ---- the cache of large host blocks ---- */
#define CACHE_MIN ((size_t)64 << 10) /* smaller blocks go straight to malloc, which caches them */
#define CACHE_SLOTS 256

static struct {
  pthread_mutex_t mu;
  struct {
    size_t size;
    void *ptr;
  } blocks[CACHE_SLOTS];
  int n;
  size_t bytes, limit;
} cache = {.mu = PTHREAD_MUTEX_INITIALIZER};

static size_t cache_limit(void) {
  if (!cache.limit) { /* a quarter of physical memory, at most 4 GiB */
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    size_t ram = pages > 0 && page > 0 ? (size_t)pages * (size_t)page : (size_t)8 << 30;
    cache.limit = ram / 4 < ((size_t)4 << 30) ? ram / 4 : (size_t)4 << 30;
  }
  return cache.limit;
}

static size_t block_size(size_t nbytes) {
  size_t r = (nbytes + 63) & ~(size_t)63; /* aligned_alloc wants a multiple of the alignment */
  if (r >= CACHE_MIN) r = (r + 4095) & ~(size_t)4095;
  return r ? r : 64;
}

static void *host_alloc(size_t size) {
  if (size >= CACHE_MIN) {
    pthread_mutex_lock(&cache.mu);
    for (int i = cache.n - 1; i >= 0; i--)
      if (cache.blocks[i].size == size) {
        void *p = cache.blocks[i].ptr;
        cache.blocks[i] = cache.blocks[--cache.n];
        cache.bytes -= size;
        pthread_mutex_unlock(&cache.mu);
        return p;
      }
    pthread_mutex_unlock(&cache.mu);
  }
  void *p = aligned_alloc(64, size);
  if (!p && cache.n > 0) { /* out of memory: give the cache back and try once more */
    mxi_host_clear_cache();
    p = aligned_alloc(64, size);
  }
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  /* Large fresh blocks ask for transparent huge pages (as NumPy does): first-touch faults on
   * 4 KiB pages cost about 35 ms per 64 MiB, more than a memory-bound kernel on that block. */
  if (p && size >= ((size_t)4 << 20)) {
    size_t page = 4096, start = ((size_t)p + page - 1) & ~(page - 1);
    madvise((void *)start, ((size_t)p + size - start) & ~(page - 1), MADV_HUGEPAGE);
  }
#endif
  return p;
}

static void host_free(void *p, size_t size) {
  if (size >= CACHE_MIN) {
    pthread_mutex_lock(&cache.mu);
    if (size <= cache_limit()) {
      while (cache.n == CACHE_SLOTS || cache.bytes + size > cache_limit()) { /* evict oldest */
        free(cache.blocks[0].ptr);
        cache.bytes -= cache.blocks[0].size;
        memmove(&cache.blocks[0], &cache.blocks[1], (size_t)(--cache.n) * sizeof cache.blocks[0]);
      }
      cache.blocks[cache.n].size = size;
      cache.blocks[cache.n++].ptr = p;
      cache.bytes += size;
      pthread_mutex_unlock(&cache.mu);
      return;
    }
    pthread_mutex_unlock(&cache.mu);
  }
  free(p);
}

void mxi_host_clear_cache(void) {
  pthread_mutex_lock(&cache.mu);
  for (int i = 0; i < cache.n; i++) free(cache.blocks[i].ptr);
  cache.n = 0;
  cache.bytes = 0;
  pthread_mutex_unlock(&cache.mu);
}

static void note_alloc(size_t n) {
  size_t now = atomic_fetch_add(&host_active, n) + n;
  size_t peak = atomic_load(&host_peak);
  while (now > peak && !atomic_compare_exchange_weak(&host_peak, &peak, now)) {
  }
}

/* Counts n more active bytes unless that would pass the limit: one compare-and-swap, so two
 * threads cannot both slip under it. Arrays and kernel scratch alike go through here. */
static bool reserve(size_t n) {
  size_t limit = atomic_load(&host_limit);
  if (!limit) {
    note_alloc(n);
    return true;
  }
  size_t cur = atomic_load(&host_active);
  do {
    if (n > limit || cur > limit - n) return false;
  } while (!atomic_compare_exchange_weak(&host_active, &cur, cur + n));
  size_t now = cur + n, peak = atomic_load(&host_peak);
  while (now > peak && !atomic_compare_exchange_weak(&host_peak, &peak, now)) {
  }
  return true;
}

void *mxi_scratch_alloc(size_t nbytes) {
  size_t size = block_size(nbytes);
  if (size < nbytes || !reserve(size)) return NULL;
  void *p = host_alloc(size);
  if (!p) atomic_fetch_sub(&host_active, size);
  return p;
}

void mxi_scratch_free(void *p, size_t nbytes) {
  if (!p) return;
  size_t size = block_size(nbytes);
  atomic_fetch_sub(&host_active, size);
  host_free(p, size);
}

mx_buffer *mxi_buffer_alloc_host(size_t nbytes) {
  size_t size = block_size(nbytes);
  if (size < nbytes) return NULL; /* overflow */
  if (!reserve(nbytes)) return NULL;
  void *p = host_alloc(size); /* 64-byte aligned for vector loads */
  mx_buffer *b = p ? calloc(1, sizeof *b) : NULL;
  if (!b) {
    if (p) host_free(p, size);
    atomic_fetch_sub(&host_active, nbytes);
    return NULL;
  }
  b->refcount = 1;
  b->nbytes = nbytes;
  b->host = p;
  b->host_valid = true;
  return b;
}

mx_buffer *mxi_buffer_wrap(void *data, size_t nbytes, void (*free_fn)(void *, void *), void *ctx) {
  mx_buffer *b = calloc(1, sizeof *b);
  if (!b) return NULL;
  b->refcount = 1;
  b->nbytes = nbytes;
  b->host = data;
  b->host_valid = true;
  b->user_memory = true;
  b->free_fn = free_fn;
  b->free_ctx = ctx;
  return b;
}

void mxi_buffer_retain(mx_buffer *b) { b->refcount++; }

void mxi_buffer_release(mx_buffer *b) {
  if (!b || --b->refcount > 0) return;
  if (b->dev) b->dev_backend->buffer_free(b->dev_backend->ctx, b->dev);
  if (b->user_memory) {
    if (b->free_fn) b->free_fn(b->host, b->free_ctx);
  } else if (b->host) {
    host_free(b->host, block_size(b->nbytes));
    atomic_fetch_sub(&host_active, b->nbytes);
  }
  free(b);
}

void *mxi_buffer_host(mx_buffer *b) {
  if (b->host_valid) return b->host;
  if (!b->dev_valid || !b->dev) return NULL;
  if (!mxi_buffer_ensure_host_alloc(b)) {
    mxi_record_error("mx: out of host memory copying an array from the device");
    return NULL;
  }
  mx_backend *be = b->dev_backend;
  if (be->buffer_copy_out(be->ctx, b->dev, b->host, b->nbytes) != MX_OK) return NULL;
  b->host_valid = true;
  return b->host;
}

mx_buffer *mxi_buffer_new_device(mx_backend *be, int device, void *dev, size_t nbytes) {
  mx_buffer *b = calloc(1, sizeof *b);
  if (!b) return NULL;
  b->refcount = 1;
  b->nbytes = nbytes;
  b->dev_backend = be;
  b->dev_device = device;
  b->dev = dev;
  b->dev_valid = true; /* in stream order: every later reader waits for the writing kernel */
  return b;
}

bool mxi_buffer_to_device(mx_buffer *b, mx_backend *be, int device, int stream, char *err,
                          size_t errlen) {
  bool here = b->dev && b->dev_backend == be && b->dev_device == device;
  if (here && b->dev_valid) return true;
  if (!mxi_buffer_host(b)) { /* current elsewhere only (another device): through the host */
    snprintf(err, errlen, "could not copy the data from %s:%d to the host",
             b->dev_backend ? b->dev_backend->name : "?", b->dev_device);
    return false;
  }
  if (b->dev && !here) { /* a stale copy on another device: give it back */
    b->dev_backend->buffer_free(b->dev_backend->ctx, b->dev);
    b->dev = NULL;
    b->dev_valid = false;
  }
  if (!b->dev) {
    b->dev = be->buffer_alloc(be->ctx, device, b->nbytes, stream, err, errlen);
    if (!b->dev) return false;
    b->dev_backend = be;
    b->dev_device = device;
  }
  if (be->buffer_copy_in(be->ctx, b->dev, b->host, b->nbytes, stream, err, errlen) != MX_OK)
    return false;
  b->dev_valid = true;
  return true;
}

void mxi_host_stats(mx_memory_stats *out) {
  memset(out, 0, sizeof *out);
  out->active = atomic_load(&host_active);
  out->peak = atomic_load(&host_peak);
  out->limit = atomic_load(&host_limit);
  pthread_mutex_lock(&cache.mu);
  out->cached = cache.bytes;
  pthread_mutex_unlock(&cache.mu);
}
void mxi_host_reset_peak(void) { atomic_store(&host_peak, atomic_load(&host_active)); }
void mxi_host_set_limit(size_t limit) { atomic_store(&host_limit, limit); }

/* Host memory the CUDA backend fills from the device: accounted like any host buffer. */
bool mxi_buffer_ensure_host_alloc(mx_buffer *b) {
  if (b->host) return true;
  b->host = host_alloc(block_size(b->nbytes));
  if (!b->host) return false;
  note_alloc(b->nbytes);
  return true;
}
