/* pool.c — a small thread pool for data-parallel loops. The caller takes part in the work;
 * workers spin briefly before sleeping so that back-to-back kernels do not pay a wake-up each.
 * Nested calls run serially. MX_NUM_THREADS overrides the thread count. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "cpu.h"

#define MAX_THREADS 64
#define SPIN_ROUNDS 20000

typedef struct job {
  void (*fn)(void *ctx, int64_t lo, int64_t hi);
  void *ctx;
  int64_t n, chunk;
} job;

static struct {
  int nthreads;
  pthread_t threads[MAX_THREADS];
  pthread_mutex_t mu;
  pthread_cond_t wake, done_cv;
  job job;
  _Atomic uint64_t generation;
  _Atomic int64_t next;   /* next chunk start */
  _Atomic int active;     /* workers still inside the current job */
  _Atomic int sleeping;
  pthread_mutex_t call_mu; /* one parallel loop at a time from different user threads */
} pool;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static _Thread_local bool in_worker;

static void run_chunks(const job *j) {
  for (;;) {
    int64_t lo = atomic_fetch_add(&pool.next, j->chunk);
    if (lo >= j->n) break;
    int64_t hi = lo + j->chunk < j->n ? lo + j->chunk : j->n;
    j->fn(j->ctx, lo, hi);
  }
}

static void *worker(void *arg) {
  (void)arg;
  in_worker = true;
  uint64_t seen = 0;
  for (;;) {
    uint64_t g;
    int spins = 0;
    while ((g = atomic_load_explicit(&pool.generation, memory_order_acquire)) == seen) {
      if (++spins < SPIN_ROUNDS) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
        continue;
      }
      pthread_mutex_lock(&pool.mu);
      atomic_fetch_add(&pool.sleeping, 1);
      while (atomic_load(&pool.generation) == seen) pthread_cond_wait(&pool.wake, &pool.mu);
      atomic_fetch_sub(&pool.sleeping, 1);
      pthread_mutex_unlock(&pool.mu);
    }
    seen = g;
    job j = pool.job;
    run_chunks(&j);
    if (atomic_fetch_sub_explicit(&pool.active, 1, memory_order_acq_rel) == 1) {
      pthread_mutex_lock(&pool.mu);
      pthread_cond_signal(&pool.done_cv);
      pthread_mutex_unlock(&pool.mu);
    }
  }
  return NULL;
}

static void start(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  const char *env = getenv("MX_NUM_THREADS");
  if (env && atoi(env) > 0) n = atoi(env);
  if (n < 1) n = 1;
  if (n > MAX_THREADS) n = MAX_THREADS;
  pool.nthreads = (int)n;
  pthread_mutex_init(&pool.mu, NULL);
  pthread_mutex_init(&pool.call_mu, NULL);
  pthread_cond_init(&pool.wake, NULL);
  pthread_cond_init(&pool.done_cv, NULL);
  for (int i = 0; i < pool.nthreads - 1; i++) {
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&pool.threads[i], &attr, worker, NULL) != 0) {
      pool.nthreads = i + 1; /* run with the workers we have */
      pthread_attr_destroy(&attr);
      break;
    }
    pthread_attr_destroy(&attr);
  }
}

int mxi_num_threads(void) {
  pthread_once(&once, start);
  return pool.nthreads;
}

void mxi_parallel_for(int64_t n, int64_t grain, void (*fn)(void *ctx, int64_t lo, int64_t hi),
                      void *ctx) {
  if (n <= 0) return;
  if (grain < 1) grain = 1;
  int nt = mxi_num_threads();
  if (nt == 1 || n <= grain || in_worker || pthread_mutex_trylock(&pool.call_mu) != 0) {
    fn(ctx, 0, n);
    return;
  }
  int64_t chunk = (n + nt * 4 - 1) / (nt * 4);
  if (chunk < grain) chunk = grain;
  pool.job = (job){fn, ctx, n, chunk};
  atomic_store(&pool.next, 0);
  atomic_store(&pool.active, nt - 1);
  pthread_mutex_lock(&pool.mu);
  atomic_fetch_add_explicit(&pool.generation, 1, memory_order_release);
  if (atomic_load(&pool.sleeping) > 0) pthread_cond_broadcast(&pool.wake);
  pthread_mutex_unlock(&pool.mu);

  in_worker = true;
  run_chunks(&pool.job);
  in_worker = false;
  /* wait for the workers to leave the job (spin first: they finish at about the same time) */
  for (int spins = 0; atomic_load_explicit(&pool.active, memory_order_acquire) > 0; spins++) {
    if (spins < SPIN_ROUNDS) {
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
      continue;
    }
    pthread_mutex_lock(&pool.mu);
    while (atomic_load(&pool.active) > 0) pthread_cond_wait(&pool.done_cv, &pool.mu);
    pthread_mutex_unlock(&pool.mu);
    break;
  }
  pthread_mutex_unlock(&pool.call_mu);
}
