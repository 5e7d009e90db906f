/* buffer.c — reference-counted memory with a host copy and/or a device copy, and the host
 * allocator's statistics and limit. */
#define _DEFAULT_SOURCE /* madvise */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "internal.h"

static _Atomic size_t host_active, host_peak, host_limit;
static const mx_device_hooks *hooks;

/* Large buffers ask for transparent huge pages (as NumPy does): first-touch faults on 4 KiB
 * pages cost about 35 ms per 64 MiB, more than a memory-bound kernel on that buffer. */
static void *host_alloc(size_t rounded) {
  void *p = aligned_alloc(64, rounded ? rounded : 64);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (p && rounded >= ((size_t)4 << 20)) {
    size_t page = 4096, start = ((size_t)p + page - 1) & ~(page - 1);
    madvise((void *)start, ((size_t)p + rounded - start) & ~(page - 1), MADV_HUGEPAGE);
  }
#endif
  return p;
}

void mxi_set_device_hooks(const mx_device_hooks *h) { hooks = h; }

static void note_alloc(size_t n) {
  size_t now = atomic_fetch_add(&host_active, n) + n;
  size_t peak = atomic_load(&host_peak);
  while (now > peak && !atomic_compare_exchange_weak(&host_peak, &peak, now)) {
  }
}

mx_buffer *mxi_buffer_alloc_host(size_t nbytes) {
  size_t limit = atomic_load(&host_limit);
  if (limit && atomic_load(&host_active) + nbytes > limit) return NULL;
  /* 64-byte alignment for vector loads; size rounded up as aligned_alloc requires */
  size_t rounded = (nbytes + 63) & ~(size_t)63;
  if (rounded < nbytes) return NULL; /* overflow */
  void *p = host_alloc(rounded);
  if (!p) return NULL;
  mx_buffer *b = calloc(1, sizeof *b);
  if (!b) {
    free(p);
    return NULL;
  }
  b->refcount = 1;
  b->nbytes = nbytes;
  b->host = p;
  b->host_valid = true;
  note_alloc(nbytes);
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
  if (b->dev && hooks) hooks->free_device(b);
  if (b->user_memory) {
    if (b->free_fn) b->free_fn(b->host, b->free_ctx);
  } else if (b->host) {
    free(b->host);
    atomic_fetch_sub(&host_active, b->nbytes);
  }
  free(b);
}

void *mxi_buffer_host(mx_buffer *b) {
  if (b->host_valid) return b->host;
  if (b->dev_valid && hooks && hooks->to_host(b)) return b->host;
  return NULL;
}

void mxi_host_stats(mx_memory_stats *out) {
  memset(out, 0, sizeof *out);
  out->active = atomic_load(&host_active);
  out->peak = atomic_load(&host_peak);
  out->limit = atomic_load(&host_limit);
}
void mxi_host_reset_peak(void) { atomic_store(&host_peak, atomic_load(&host_active)); }
void mxi_host_set_limit(size_t limit) { atomic_store(&host_limit, limit); }

/* Host memory the CUDA backend fills from the device: accounted like any host buffer. */
bool mxi_buffer_ensure_host_alloc(mx_buffer *b) {
  if (b->host) return true;
  size_t rounded = (b->nbytes + 63) & ~(size_t)63;
  b->host = host_alloc(rounded);
  if (!b->host) return false;
  note_alloc(b->nbytes);
  return true;
}
