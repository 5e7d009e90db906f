/* pool.c — a small thread pool for data-parallel loops. The caller takes part in the work and
 * claims chunks like the workers; it waits only for chunks already claimed, never for a worker
 * that has not woken up yet (on a busy machine that worker may not run for milliseconds). Workers
 * spin briefly before sleeping so that back-to-back kernels do not pay a wake-up each. A job is
 * published and copied under one mutex (ThreadSanitizer-clean). Nested calls run serially.
 * MX_NUM_THREADS sets the initial thread count, mx_set_num_threads changes it: workers are
 * never destroyed, those numbered past the active count just take no chunks. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "cpu.h"

#define MAX_THREADS 64
#define SPIN_ROUNDS 4000 /* a few tens of microseconds: covers the gap between kernels */

#include "mx/device.h"

typedef struct job {
  void (*fn)(void *ctx, int64_t lo, int64_t hi);
  void *ctx;
  int64_t n, chunk;
} job;

static struct {
  int created;        /* threads that exist: the caller's (index 0) and the workers */
  _Atomic int active; /* threads that take part in a loop (mx_set_num_threads) */
  pthread_mutex_t mu;
  pthread_cond_t wake;
  job job;
  /* (generation << 32) | next chunk index: a worker holding an old job cannot claim chunks of a
   * newer one, because its compare-and-swap expects the old generation */
  _Atomic uint64_t next;
  _Atomic int64_t done; /* items finished in the current job */
  _Atomic uint32_t generation;
  _Atomic int sleeping;
  pthread_mutex_t call_mu; /* one parallel loop at a time from different user threads */
} pool;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static _Thread_local bool in_worker;

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

/* Claims and runs chunks of job j (generation gen) until none are left. */
static void run_chunks(const job *j, uint32_t gen) {
  uint64_t cur = atomic_load_explicit(&pool.next, memory_order_acquire);
  for (;;) {
    if ((uint32_t)(cur >> 32) != gen) return;
    int64_t idx = (int64_t)(cur & 0xffffffffu);
    if (idx >= j->n) return;
    int64_t hi = idx + j->chunk < j->n ? idx + j->chunk : j->n;
    if (!atomic_compare_exchange_weak_explicit(&pool.next, &cur, ((uint64_t)gen << 32) | (uint64_t)hi,
                                               memory_order_acq_rel, memory_order_acquire))
      continue; /* cur was reloaded */
    j->fn(j->ctx, idx, hi);
    atomic_fetch_add_explicit(&pool.done, hi - idx, memory_order_release);
    cur = atomic_load_explicit(&pool.next, memory_order_acquire);
  }
}

static void *worker(void *arg) {
  int index = (int)(intptr_t)arg;
  in_worker = true;
  uint32_t seen = 0;
  for (;;) {
    uint32_t g;
    int spins = 0;
    while ((g = atomic_load_explicit(&pool.generation, memory_order_acquire)) == seen) {
      if (++spins < SPIN_ROUNDS) {
        cpu_relax();
        continue;
      }
      pthread_mutex_lock(&pool.mu);
      atomic_fetch_add(&pool.sleeping, 1);
      while (atomic_load(&pool.generation) == seen) pthread_cond_wait(&pool.wake, &pool.mu);
      atomic_fetch_sub(&pool.sleeping, 1);
      pthread_mutex_unlock(&pool.mu);
    }
    /* The job and its generation are read together under the lock they are written under: a
     * late worker gets the newest job whole, never a torn mix (run_chunks then finds out
     * whether any of its chunks are left). */
    pthread_mutex_lock(&pool.mu);
    g = atomic_load_explicit(&pool.generation, memory_order_relaxed);
    job j = pool.job;
    pthread_mutex_unlock(&pool.mu);
    seen = g;
    if (index < atomic_load_explicit(&pool.active, memory_order_relaxed)) run_chunks(&j, g);
  }
  return NULL;
}

/* Creates workers until n threads exist (or creation fails); returns how many exist. */
static int grow(int n) {
  while (pool.created < n) {
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&t, &attr, worker, (void *)(intptr_t)pool.created);
    pthread_attr_destroy(&attr);
    if (rc != 0) break; /* run with the workers we have */
    pool.created++;
  }
  return pool.created;
}

static void start(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  const char *env = getenv("MX_NUM_THREADS");
  if (env && atoi(env) > 0) n = atoi(env);
  if (n < 1) n = 1;
  if (n > MAX_THREADS) n = MAX_THREADS;
  pthread_mutex_init(&pool.mu, NULL);
  pthread_mutex_init(&pool.call_mu, NULL);
  pthread_cond_init(&pool.wake, NULL);
  pool.created = 1;
  atomic_store(&pool.active, grow((int)n));
}

int mxi_num_threads(void) {
  pthread_once(&once, start);
  return atomic_load_explicit(&pool.active, memory_order_relaxed);
}

int mx_num_threads(void) { return mxi_num_threads(); }

mx_status mx_set_num_threads(int n) {
  if (n < 1 || n > MAX_THREADS) {
    mx_error_report("mx_set_num_threads: the thread count must be in [1, %d] (got %d)",
                         MAX_THREADS, n);
    return MX_ERROR;
  }
  pthread_once(&once, start);
  /* not while a loop runs: the active count is read once per loop */
  pthread_mutex_lock(&pool.call_mu);
  int have = grow(n);
  atomic_store(&pool.active, have < n ? have : n);
  pthread_mutex_unlock(&pool.call_mu);
  if (have < n) {
    mx_error_report("mx_set_num_threads: could only start %d of %d threads", have, n);
    return MX_ERROR;
  }
  return MX_OK;
}

void mxi_parallel_for(int64_t n, int64_t grain, void (*fn)(void *ctx, int64_t lo, int64_t hi),
                      void *ctx) {
  if (n <= 0) return;
  if (grain < 1) grain = 1;
  int nt = mxi_num_threads();
  if (nt == 1 || n <= grain || n > 0xffffffffLL || in_worker || pthread_mutex_trylock(&pool.call_mu) != 0) {
    fn(ctx, 0, n);
    return;
  }
  int64_t chunk = (n + nt * 4 - 1) / (nt * 4);
  if (chunk < grain) chunk = grain;
  /* Publish the job and its generation under pool.mu (workers copy them under it too). The
   * counters go first: a worker that sees the generation finds next and done already reset;
   * workers still holding the previous job fail their claims on next's generation, and none of
   * them still adds to done (the previous call waited for every claimed chunk). */
  job j = {fn, ctx, n, chunk};
  pthread_mutex_lock(&pool.mu);
  uint32_t gen = atomic_load_explicit(&pool.generation, memory_order_relaxed) + 1;
  pool.job = j;
  atomic_store_explicit(&pool.done, 0, memory_order_relaxed);
  atomic_store_explicit(&pool.next, (uint64_t)gen << 32, memory_order_release);
  atomic_store_explicit(&pool.generation, gen, memory_order_release);
  if (atomic_load(&pool.sleeping) > 0) pthread_cond_broadcast(&pool.wake);
  pthread_mutex_unlock(&pool.mu);

  in_worker = true;
  run_chunks(&j, gen);
  in_worker = false;
  /* wait for chunks other threads claimed; unclaimed ones were taken above */
  for (int spins = 0; atomic_load_explicit(&pool.done, memory_order_acquire) < n; spins++) {
    if (spins < SPIN_ROUNDS)
      cpu_relax();
    else
      sched_yield();
  }
  pthread_mutex_unlock(&pool.call_mu);
}
