/* pool.h — the CUDA backend's caching allocator, as plain C bookkeeping over an allocator
 * interface (cudaMalloc/cudaFree on a GPU, a fake in tests/test_cuda_pool.c), so that its logic is
 * unit-tested on machines without a GPU. One pool per device; thread-safe. */
#ifndef MX_CUDA_POOL_H
#define MX_CUDA_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Size classes: requests up to MXI_POOL_SMALL_MAX round up to a multiple of 512 bytes, larger ones
 * to a multiple of 2 MiB (fewer, reusable blocks for the activations of a training step). */
#define MXI_POOL_SMALL_ROUND ((size_t)512)
#define MXI_POOL_SMALL_MAX ((size_t)1 << 20)
#define MXI_POOL_LARGE_ROUND ((size_t)2 << 20)
/* Guard mode: bytes of canary kept after each allocation's end (at least; rounding adds more). */
#define MXI_POOL_GUARD_BYTES ((size_t)256)
#define MXI_POOL_GUARD_BYTE 0xA5

typedef struct mxi_pool_allocator {
  void *ctx;
  /* Fresh device memory of size bytes, or NULL when the device has none left. */
  void *(*alloc)(void *ctx, size_t size);
  void (*free)(void *ctx, void *ptr, size_t size);
  /* Guard mode only: fill [ptr, ptr + len) with MXI_POOL_GUARD_BYTE / check that it still holds
   * it. May be NULL when guards are never enabled. */
  void (*fill_guard)(void *ctx, void *ptr, size_t len);
  bool (*check_guard)(void *ctx, const void *ptr, size_t len);
} mxi_pool_allocator;

typedef enum mxi_pool_status {
  MXI_POOL_OK = 0,
  MXI_POOL_OOM,   /* the device has no memory left, even after the cache was released */
  MXI_POOL_LIMIT, /* the request would pass the limit set with mxi_pool_set_limit */
} mxi_pool_status;

typedef struct mxi_pool_stats {
  size_t active;     /* bytes of blocks handed out and not yet freed (block sizes) */
  size_t requested;  /* bytes asked for by those blocks' owners */
  size_t peak;       /* most active bytes since creation or the last reset */
  size_t cached;     /* bytes of free blocks kept for reuse (deferred ones included) */
  size_t limit;      /* 0: none */
  size_t device_allocs, device_frees; /* calls to the allocator */
  size_t cache_hits;
  size_t guard_violations; /* canaries found overwritten (guard mode) */
} mxi_pool_stats;

typedef struct mxi_pool mxi_pool;

/* NULL when out of host memory. guard: keep canary bytes after every allocation. */
mxi_pool *mxi_pool_new(mxi_pool_allocator a, bool guard);
/* Releases every cached block; blocks still handed out are released too (device teardown). */
void mxi_pool_destroy(mxi_pool *p);

/* The block size a request of nbytes gets (without guard bytes). */
size_t mxi_pool_round(size_t nbytes);

/* A free block may be reused at once only by the stream that last used it (stream order makes
 * that safe); other streams wait for the next mxi_pool_synchronized. MXI_POOL_SHARED marks a block
 * that several streams used: nobody reuses it before then. */
#define MXI_POOL_SHARED (-1)

/* A block of at least nbytes for use on stream (never NULL on success; nbytes 0 gets a minimal
 * block). On failure returns NULL and sets *status. A failing device allocation releases the
 * cache and retries once. */
void *mxi_pool_alloc(mxi_pool *p, size_t nbytes, int stream, mxi_pool_status *status);
/* Returns a block to the cache; last_stream is the one stream that used it, or MXI_POOL_SHARED.
 * In guard mode the canary is checked first. Unknown pointers are ignored (returns false). */
bool mxi_pool_free(mxi_pool *p, void *ptr, int last_stream);
/* Every stream of the device is idle: every cached block may go to any stream. */
void mxi_pool_synchronized(mxi_pool *p);
/* Gives every cached block back to the allocator, but those other streams may still use. */
void mxi_pool_clear_cache(mxi_pool *p);

void mxi_pool_stats_get(mxi_pool *p, mxi_pool_stats *out);
void mxi_pool_reset_peak(mxi_pool *p);
void mxi_pool_set_limit(mxi_pool *p, size_t limit);
/* Guard mode: checks the canary of every live block; returns the total violations so far. */
size_t mxi_pool_check_guards(mxi_pool *p);

#ifdef __cplusplus
}
#endif
#endif
