/* pool.c — the caching allocator's bookkeeping (pool.h): size classes, free lists, live blocks,
 * statistics, a limit, stream-ordered reuse for multi-stream use and canary guards. Plain C: the
 * device calls go through the allocator interface. */
#include "pool.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct blk {
  void *ptr;
  size_t size;   /* block size */
  size_t req;    /* bytes requested (the guard starts there) */
  int stream;    /* free blocks: the stream that last used it (MXI_POOL_SHARED: several) */
  uint64_t epoch; /* free blocks: the pool's epoch when freed; any stream may take it after */
  struct blk *next;
} blk;

#define NSMALL (MXI_POOL_SMALL_MAX / MXI_POOL_SMALL_ROUND) /* classes 512, 1024, ..., 1 MiB */
#define NBUCKETS 4096                                      /* live-block hash table */

struct mxi_pool {
  pthread_mutex_t mu;
  mxi_pool_allocator a;
  bool guard;
  blk *small[NSMALL]; /* free blocks by exact small class */
  blk *large;         /* free large blocks, ascending size */
  blk *shared;        /* freed after use by several streams: held until the next synchronize */
  uint64_t epoch;     /* counts mxi_pool_synchronized calls */
  blk *live[NBUCKETS];
  size_t nlive;
  mxi_pool_stats st;
};

size_t mxi_pool_round(size_t n) {
  if (n == 0) n = 1;
  if (n <= MXI_POOL_SMALL_MAX) return (n + MXI_POOL_SMALL_ROUND - 1) & ~(MXI_POOL_SMALL_ROUND - 1);
  size_t r = (n + MXI_POOL_LARGE_ROUND - 1) & ~(MXI_POOL_LARGE_ROUND - 1);
  return r < n ? 0 : r; /* 0: overflow */
}

static size_t hash_ptr(const void *p) {
  uint64_t x = (uint64_t)(uintptr_t)p;
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  return (size_t)(x % NBUCKETS);
}

mxi_pool *mxi_pool_new(mxi_pool_allocator a, bool guard) {
  mxi_pool *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  pthread_mutex_init(&p->mu, NULL);
  p->a = a;
  p->guard = guard && a.fill_guard && a.check_guard;
  return p;
}

/* ---- free lists (called with the lock held) ---- */

static void cache_put(mxi_pool *p, blk *b) {
  if (b->size <= MXI_POOL_SMALL_MAX) {
    size_t c = b->size / MXI_POOL_SMALL_ROUND - 1;
    b->next = p->small[c];
    p->small[c] = b;
  } else {
    blk **at = &p->large;
    while (*at && (*at)->size < b->size) at = &(*at)->next;
    b->next = *at;
    *at = b;
  }
  p->st.cached += b->size;
}

/* Stream order makes a block safe for the stream that last used it; any stream may take it once
 * the device synchronized after its free. */
static bool usable(const mxi_pool *p, const blk *b, int stream) {
  return b->epoch != p->epoch || (b->stream == stream && stream != MXI_POOL_SHARED);
}

/* A cached block for a request of class size on stream: the exact small class, or the smallest
 * large block that wastes at most an eighth (more would strand memory behind small requests). */
static blk *cache_take(mxi_pool *p, size_t size, int stream) {
  blk **at = size <= MXI_POOL_SMALL_MAX ? &p->small[size / MXI_POOL_SMALL_ROUND - 1] : &p->large;
  for (; *at; at = &(*at)->next) {
    if ((*at)->size < size) continue;
    if ((*at)->size - size > size / 8) break; /* ascending: the rest waste more */
    if (!usable(p, *at, stream)) continue;
    blk *b = *at;
    *at = b->next;
    p->st.cached -= b->size;
    return b;
  }
  return NULL;
}

static void free_list(mxi_pool *p, blk **head) {
  while (*head) {
    blk *b = *head;
    *head = b->next;
    p->a.free(p->a.ctx, b->ptr, b->size);
    p->st.device_frees++;
    p->st.cached -= b->size;
    free(b);
  }
}

static void clear_locked(mxi_pool *p) {
  for (size_t c = 0; c < NSMALL; c++) free_list(p, &p->small[c]);
  free_list(p, &p->large);
}

/* ---- live blocks ---- */

static void live_put(mxi_pool *p, blk *b) {
  size_t h = hash_ptr(b->ptr);
  b->next = p->live[h];
  p->live[h] = b;
  p->nlive++;
}

static blk *live_take(mxi_pool *p, const void *ptr) {
  for (blk **at = &p->live[hash_ptr(ptr)]; *at; at = &(*at)->next)
    if ((*at)->ptr == ptr) {
      blk *b = *at;
      *at = b->next;
      p->nlive--;
      return b;
    }
  return NULL;
}

static void check_guard(mxi_pool *p, const blk *b) {
  if (!p->guard || b->req >= b->size) return;
  if (!p->a.check_guard(p->a.ctx, (const char *)b->ptr + b->req, b->size - b->req))
    p->st.guard_violations++;
}

/* ---- the interface ---- */

void *mxi_pool_alloc(mxi_pool *p, size_t nbytes, int stream, mxi_pool_status *status) {
  size_t want = p->guard ? nbytes + MXI_POOL_GUARD_BYTES : nbytes;
  size_t size = want < nbytes ? 0 : mxi_pool_round(want);
  if (size == 0) {
    *status = MXI_POOL_OOM;
    return NULL;
  }
  pthread_mutex_lock(&p->mu);
  if (p->st.limit && p->st.active + size > p->st.limit) {
    pthread_mutex_unlock(&p->mu);
    *status = MXI_POOL_LIMIT;
    return NULL;
  }
  blk *b = cache_take(p, size, stream);
  if (b) {
    p->st.cache_hits++;
  } else {
    void *ptr = p->a.alloc(p->a.ctx, size);
    if (!ptr) { /* give the cache back and try once more */
      clear_locked(p);
      ptr = p->a.alloc(p->a.ctx, size);
    }
    if (ptr) p->st.device_allocs++;
    b = ptr ? malloc(sizeof *b) : NULL;
    if (!b) {
      if (ptr) {
        p->a.free(p->a.ctx, ptr, size);
        p->st.device_frees++;
      }
      pthread_mutex_unlock(&p->mu);
      *status = MXI_POOL_OOM;
      return NULL;
    }
    b->ptr = ptr;
    b->size = size;
  }
  b->req = nbytes;
  if (p->guard) p->a.fill_guard(p->a.ctx, (char *)b->ptr + nbytes, b->size - nbytes);
  live_put(p, b);
  p->st.active += b->size;
  p->st.requested += nbytes;
  if (p->st.active > p->st.peak) p->st.peak = p->st.active;
  pthread_mutex_unlock(&p->mu);
  *status = MXI_POOL_OK;
  return b->ptr;
}

bool mxi_pool_free(mxi_pool *p, void *ptr, int last_stream) {
  if (!ptr) return false;
  pthread_mutex_lock(&p->mu);
  blk *b = live_take(p, ptr);
  if (!b) {
    pthread_mutex_unlock(&p->mu);
    return false;
  }
  check_guard(p, b);
  p->st.active -= b->size;
  p->st.requested -= b->req;
  b->stream = last_stream;
  b->epoch = p->epoch;
  if (last_stream == MXI_POOL_SHARED) { /* off the free lists, so no search walks past it */
    b->next = p->shared;
    p->shared = b;
    p->st.cached += b->size;
  } else {
    cache_put(p, b);
  }
  pthread_mutex_unlock(&p->mu);
  return true;
}

void mxi_pool_synchronized(mxi_pool *p) {
  pthread_mutex_lock(&p->mu);
  p->epoch++;
  while (p->shared) {
    blk *b = p->shared;
    p->shared = b->next;
    p->st.cached -= b->size;
    cache_put(p, b);
  }
  pthread_mutex_unlock(&p->mu);
}

void mxi_pool_clear_cache(mxi_pool *p) {
  pthread_mutex_lock(&p->mu);
  clear_locked(p);
  pthread_mutex_unlock(&p->mu);
}

void mxi_pool_destroy(mxi_pool *p) {
  if (!p) return;
  pthread_mutex_lock(&p->mu);
  clear_locked(p);
  free_list(p, &p->shared);
  for (size_t h = 0; h < NBUCKETS; h++)
    while (p->live[h]) {
      blk *b = p->live[h];
      p->live[h] = b->next;
      p->a.free(p->a.ctx, b->ptr, b->size);
      free(b);
    }
  pthread_mutex_unlock(&p->mu);
  pthread_mutex_destroy(&p->mu);
  free(p);
}

void mxi_pool_stats_get(mxi_pool *p, mxi_pool_stats *out) {
  pthread_mutex_lock(&p->mu);
  *out = p->st;
  pthread_mutex_unlock(&p->mu);
}

void mxi_pool_reset_peak(mxi_pool *p) {
  pthread_mutex_lock(&p->mu);
  p->st.peak = p->st.active;
  pthread_mutex_unlock(&p->mu);
}

void mxi_pool_set_limit(mxi_pool *p, size_t limit) {
  pthread_mutex_lock(&p->mu);
  p->st.limit = limit;
  pthread_mutex_unlock(&p->mu);
}

size_t mxi_pool_check_guards(mxi_pool *p) {
  pthread_mutex_lock(&p->mu);
  for (size_t h = 0; h < NBUCKETS; h++)
    for (blk *b = p->live[h]; b; b = b->next) {
      size_t before = p->st.guard_violations;
      check_guard(p, b);
      if (p->st.guard_violations != before) /* report each overwrite once: re-arm the canary */
        p->a.fill_guard(p->a.ctx, (char *)b->ptr + b->req, b->size - b->req);
    }
  size_t v = p->st.guard_violations;
  pthread_mutex_unlock(&p->mu);
  return v;
}
