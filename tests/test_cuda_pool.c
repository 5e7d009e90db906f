/* test_cuda_pool.c — the CUDA backend's caching allocator and staging ring, driven through fake
 * device memory and fake fences: runs on every machine, GPU or not. */
#include "backend/cuda/pool.h"
#include "backend/cuda/staging.h"
#include "harness.h"

/* ---- a fake device: host memory with a capacity ---- */
typedef struct fake_dev {
  size_t capacity, used;
  int allocs, frees;
} fake_dev;

static void *fake_alloc(void *ctx, size_t size) {
  fake_dev *d = ctx;
  if (d->used + size > d->capacity) return NULL;
  void *p = malloc(size);
  if (!p) return NULL;
  d->used += size;
  d->allocs++;
  return p;
}
static void fake_free(void *ctx, void *ptr, size_t size) {
  fake_dev *d = ctx;
  d->used -= size;
  d->frees++;
  free(ptr);
}
static void fake_fill(void *ctx, void *ptr, size_t len) {
  (void)ctx;
  memset(ptr, MXI_POOL_GUARD_BYTE, len);
}
static bool fake_check(void *ctx, const void *ptr, size_t len) {
  (void)ctx;
  const unsigned char *p = ptr;
  for (size_t i = 0; i < len; i++)
    if (p[i] != MXI_POOL_GUARD_BYTE) return false;
  return true;
}

static mxi_pool *fake_pool(fake_dev *d, size_t capacity, bool guard) {
  memset(d, 0, sizeof *d);
  d->capacity = capacity;
  mxi_pool_allocator a = {d, fake_alloc, fake_free, fake_fill, fake_check};
  return mxi_pool_new(a, guard);
}

#define MiB ((size_t)1 << 20)

TEST(pool_size_classes) {
  CHECK_INT(mxi_pool_round(0), 512);
  CHECK_INT(mxi_pool_round(1), 512);
  CHECK_INT(mxi_pool_round(512), 512);
  CHECK_INT(mxi_pool_round(513), 1024);
  CHECK_INT(mxi_pool_round(MiB), MiB);
  CHECK_INT(mxi_pool_round(MiB + 1), 2 * MiB);
  CHECK_INT(mxi_pool_round(5 * MiB), 6 * MiB);
  CHECK_INT(mxi_pool_round(SIZE_MAX - 10), 0); /* overflow: refused, not wrapped */
}

TEST(pool_reuses_freed_blocks) {
  fake_dev d;
  mxi_pool *p = fake_pool(&d, 64 * MiB, 0);
  mxi_pool_status st;
  void *a = mxi_pool_alloc(p, 1000, 0, &st);
  CHECK(a && st == MXI_POOL_OK);
  CHECK(mxi_pool_free(p, a, 0));
  void *b = mxi_pool_alloc(p, 900, 0, &st); /* same 1024-byte class */
  CHECK(b == a);
  void *c = mxi_pool_alloc(p, 2000, 0, &st); /* another class: a fresh block */
  CHECK(c && c != a);
  mxi_pool_stats s;
  mxi_pool_stats_get(p, &s);
  CHECK_INT(s.device_allocs, 2);
  CHECK_INT(s.cache_hits, 1);
  CHECK_INT(s.active, 1024 + 2048);
  CHECK_INT(s.requested, 900 + 2000);
  CHECK_INT(s.cached, 0);
  CHECK(!mxi_pool_free(p, (char *)c + 1, 0)); /* unknown pointer: ignored */
  mxi_pool_free(p, b, 0);
  mxi_pool_free(p, c, 0);
  mxi_pool_stats_get(p, &s);
  CHECK_INT(s.active, 0);
  CHECK_INT(s.cached, 1024 + 2048);
  CHECK_INT(s.peak, 1024 + 2048);
  mxi_pool_reset_peak(p);
  mxi_pool_stats_get(p, &s);
  CHECK_INT(s.peak, 0);
  mxi_pool_destroy(p);
  CHECK_INT(d.used, 0);
  CHECK_INT(d.allocs, d.frees);
}

TEST(pool_large_blocks_best_fit) {
  fake_dev d;
  mxi_pool *p = fake_pool(&d, 256 * MiB, 0);
  mxi_pool_status st;
  void *a = mxi_pool_alloc(p, 5 * MiB, 0, &st);   /* 6 MiB block */
  void *b = mxi_pool_alloc(p, 40 * MiB, 0, &st);  /* 40 MiB block */
  mxi_pool_free(p, a, 0);
  mxi_pool_free(p, b, 0);
  CHECK(mxi_pool_alloc(p, 6 * MiB - 100, 0, &st) == a); /* exact class */
  void *c = mxi_pool_alloc(p, 4 * MiB, 0, &st); /* 40 MiB would strand 36 MiB: a fresh block */
  CHECK(c != b);
  CHECK(mxi_pool_alloc(p, 37 * MiB, 0, &st) == b); /* 38 MiB class, 2 MiB of waste: reused */
  mxi_pool_stats s;
  mxi_pool_stats_get(p, &s);
  CHECK_INT(s.active, 6 * MiB + 4 * MiB + 40 * MiB);
  mxi_pool_destroy(p);
  CHECK_INT(d.used, 0);
}

TEST(pool_limit) {
  fake_dev d;
  mxi_pool *p = fake_pool(&d, 64 * MiB, 0);
  mxi_pool_set_limit(p, 4 * MiB);
  mxi_pool_status st;
  void *a = mxi_pool_alloc(p, 3 * MiB, 0, &st); /* 4 MiB block */
  CHECK(a && st == MXI_POOL_OK);
  CHECK(mxi_pool_alloc(p, 1, 0, &st) == NULL);
  CHECK(st == MXI_POOL_LIMIT);
  mxi_pool_free(p, a, 0);
  CHECK(mxi_pool_alloc(p, 1, 0, &st) != NULL); /* cached bytes do not count against the limit */
  mxi_pool_stats s;
  mxi_pool_stats_get(p, &s);
  CHECK_INT(s.limit, 4 * MiB);
  mxi_pool_destroy(p);
}

TEST(pool_out_of_memory_releases_cache_then_fails) {
  fake_dev d;
  mxi_pool *p = fake_pool(&d, 10 * MiB, 0);
  mxi_pool_status st;
  void *a = mxi_pool_alloc(p, 8 * MiB, 0, &st);
  CHECK(a != NULL);
  mxi_pool_free(p, a, 0); /* 8 MiB cached, 2 MiB free on the "device" */
  void *b = mxi_pool_alloc(p, 6 * MiB, 0, &st); /* 8 MiB would waste 2 MiB > 6/8: no reuse */
  CHECK(b != NULL && st == MXI_POOL_OK);     /* fit only after the cache was released */
  mxi_pool_stats s;
  mxi_pool_stats_get(p, &s);
  CHECK_INT(s.cached, 0);
  CHECK_INT(d.frees, 1);
  CHECK(mxi_pool_alloc(p, 100 * MiB, 0, &st) == NULL); /* more than the device has */
  CHECK(st == MXI_POOL_OOM);
  void *c = mxi_pool_alloc(p, 1 * MiB, 0, &st); /* and the pool still works */
  CHECK(c != NULL);
  mxi_pool_destroy(p);
  CHECK_INT(d.used, 0);
}

TEST(pool_shared_blocks_wait_for_synchronize) {
  fake_dev d;
  mxi_pool *p = fake_pool(&d, 64 * MiB, false);
  mxi_pool_status st;
  void *a = mxi_pool_alloc(p, 4096, 0, &st);
  mxi_pool_free(p, a, MXI_POOL_SHARED);
  void *b = mxi_pool_alloc(p, 4096, 0, &st);
  CHECK(b != a); /* may still be in use by another stream */
  mxi_pool_stats s;
  mxi_pool_stats_get(p, &s);
  CHECK_INT(s.cached, 4096);
  mxi_pool_clear_cache(p); /* shared blocks are not given back: the device may use them */
  CHECK_INT(d.frees, 0);
  mxi_pool_synchronized(p);
  CHECK(mxi_pool_alloc(p, 4096, 0, &st) == a);
  mxi_pool_destroy(p);
  CHECK_INT(d.used, 0);
}

/* A block freed by stream 1 while its kernels may still run goes back to stream 1 at once (stream
 * order), but to stream 0 only after the device synchronized: deciding by the block's own use, not
 * by how many streams exist at free time, keeps this right when a stream is created meanwhile. */
TEST(pool_reuse_follows_the_stream_that_used_a_block) {
  fake_dev d;
  mxi_pool *p = fake_pool(&d, 64 * MiB, false);
  mxi_pool_status st;
  void *a = mxi_pool_alloc(p, 4096, 1, &st);
  void *big = mxi_pool_alloc(p, 8 * MiB, 1, &st);
  mxi_pool_free(p, a, 1);
  mxi_pool_free(p, big, 1);
  void *b = mxi_pool_alloc(p, 4096, 0, &st);
  void *big0 = mxi_pool_alloc(p, 8 * MiB, 0, &st);
  CHECK(b != a);
  CHECK(big0 != big);
  CHECK(mxi_pool_alloc(p, 4096, 1, &st) == a);
  mxi_pool_free(p, b, 0);
  mxi_pool_synchronized(p);
  CHECK(mxi_pool_alloc(p, 4096, 2, &st) == b); /* after a synchronize: any stream */
  CHECK(mxi_pool_alloc(p, 8 * MiB, 0, &st) == big);
  mxi_pool_destroy(p);
  CHECK_INT(d.used, 0);
}

TEST(pool_guards_catch_writes_past_the_end) {
  fake_dev d;
  mxi_pool *p = fake_pool(&d, 64 * MiB, true);
  mxi_pool_status st;
  char *a = mxi_pool_alloc(p, 100, 0, &st);
  char *b = mxi_pool_alloc(p, 512, 0, &st); /* guard bytes push it to the 1024 class */
  memset(a, 1, 100);                     /* in bounds */
  memset(b, 1, 512);
  CHECK_INT(mxi_pool_check_guards(p), 0);
  a[100] = 7; /* one byte past the end */
  CHECK_INT(mxi_pool_check_guards(p), 1);
  CHECK_INT(mxi_pool_check_guards(p), 1); /* reported once: the canary was re-armed */
  b[600] = 7;
  mxi_pool_free(p, b, 0); /* checked when freed too */
  mxi_pool_stats s;
  mxi_pool_stats_get(p, &s);
  CHECK_INT(s.guard_violations, 2);
  char *c = mxi_pool_alloc(p, 512, 0, &st); /* the reused block is re-armed */
  CHECK(c == b);
  mxi_pool_free(p, c, 0);
  mxi_pool_free(p, a, 0);
  mxi_pool_stats_get(p, &s);
  CHECK_INT(s.guard_violations, 2);
  mxi_pool_destroy(p);
}

TEST(pool_clear_cache_gives_memory_back) {
  fake_dev d;
  mxi_pool *p = fake_pool(&d, 64 * MiB, 0);
  mxi_pool_status st;
  void *v[10];
  for (int i = 0; i < 10; i++) v[i] = mxi_pool_alloc(p, (size_t)(i + 1) * 300000, 0, &st);
  for (int i = 0; i < 10; i++) mxi_pool_free(p, v[i], 0);
  CHECK(d.used > 0);
  mxi_pool_clear_cache(p);
  CHECK_INT(d.used, 0);
  mxi_pool_stats s;
  mxi_pool_stats_get(p, &s);
  CHECK_INT(s.cached, 0);
  CHECK_INT(s.active, 0);
  mxi_pool_destroy(p);
}

/* ---- the staging ring with fake fences: a fence "passes" when waited for ---- */
typedef struct fake_fences {
  int recorded[MXI_RING_SLOTS], waited[MXI_RING_SLOTS];
  int nwaits;
} fake_fences;
static void fence_record(void *ctx, int slot) { ((fake_fences *)ctx)->recorded[slot]++; }
static void fence_wait(void *ctx, int slot) {
  fake_fences *f = ctx;
  f->waited[slot]++;
  f->nwaits++;
}

TEST(staging_ring_reuses_regions_after_their_fence) {
  fake_fences f;
  memset(&f, 0, sizeof f);
  mxi_ring r;
  mxi_ring_init(&r, 1000, (mxi_ring_fences){&f, fence_record, fence_wait});
  CHECK_INT(mxi_ring_chunk(&r), 250);
  size_t a = mxi_ring_reserve(&r, 250);
  int sa = mxi_ring_commit(&r, a, 250);
  size_t b = mxi_ring_reserve(&r, 250);
  int sb = mxi_ring_commit(&r, b, 250);
  CHECK_INT(a, 0);
  CHECK_INT(b, 250);
  CHECK_INT(f.nwaits, 0); /* nothing in the way yet */
  size_t c = mxi_ring_reserve(&r, 250);
  mxi_ring_commit(&r, c, 250);
  size_t d = mxi_ring_reserve(&r, 250);
  mxi_ring_commit(&r, d, 250);
  CHECK_INT(f.nwaits, 0);
  size_t e = mxi_ring_reserve(&r, 100); /* wraps onto region a: waits for a's fence only */
  CHECK_INT(e, 0);
  CHECK_INT(f.nwaits, 1);
  CHECK_INT(f.waited[sa], 1);
  mxi_ring_commit(&r, e, 100);
  size_t g = mxi_ring_reserve(&r, 200); /* [100, 300) overlaps b */
  CHECK_INT(g, 100);
  CHECK_INT(f.waited[sb], 1);
  int sg = mxi_ring_commit(&r, g, 200);
  mxi_ring_wait(&r, sg); /* waits for everything up to g, in order */
  CHECK_INT(r.count, 0);
  CHECK_INT(f.nwaits, 6);
  mxi_ring_drain(&r);
  CHECK_INT(f.nwaits, 6);
}

TEST(staging_ring_bounds_fences_in_flight) {
  fake_fences f;
  memset(&f, 0, sizeof f);
  mxi_ring r;
  mxi_ring_init(&r, (size_t)1 << 20, (mxi_ring_fences){&f, fence_record, fence_wait});
  for (int i = 0; i < 3 * MXI_RING_SLOTS; i++) { /* tiny uploads: slots run out before space */
    size_t off = mxi_ring_reserve(&r, 8);
    CHECK(off + 8 <= r.size);
    mxi_ring_commit(&r, off, 8);
    CHECK(r.count <= MXI_RING_SLOTS);
  }
  CHECK_INT(f.nwaits, 2 * MXI_RING_SLOTS);
  mxi_ring_drain(&r);
  CHECK_INT(r.count, 0);
}
