/* test_probe_threads.c — mx from many threads (issue 10): the CPU pool's job handoff under
 * back-to-back jobs from several user threads (run under ThreadSanitizer by `make tsan`, which
 * reported the unsynchronized job copy), and threads that evaluate and exit leaking nothing. */
#define _GNU_SOURCE 1
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>

#include "backend/cpu/cpu.h"
#include "harness.h"

/* ---- the pool: every item of every job runs exactly once, with its own job's context ---- */
#define ITEMS 4096
typedef struct pjob {
  int id;
  _Atomic int hits[ITEMS];
  _Atomic int wrong; /* items run with another job's context */
} pjob;

static void mark(void *ctx, int64_t lo, int64_t hi) {
  pjob *j = ctx;
  for (int64_t i = lo; i < hi; i++) atomic_fetch_add_explicit(&j->hits[i], 1, memory_order_relaxed);
}

typedef struct caller {
  int jobs, bad;
} caller;

static void *run_jobs(void *arg) {
  caller *c = arg;
  pjob *j = malloc(sizeof *j);
  for (int k = 0; k < c->jobs; k++) {
    j->id = k;
    for (int i = 0; i < ITEMS; i++) atomic_init(&j->hits[i], 0);
    mxi_parallel_for(ITEMS, 16 + k % 64, mark, j); /* a different chunking each time */
    for (int i = 0; i < ITEMS; i++) c->bad += atomic_load(&j->hits[i]) != 1;
  }
  free(j);
  return NULL;
}

TEST(pool_runs_back_to_back_jobs_from_several_threads_exactly_once) {
  enum { CALLERS = 4 };
  pthread_t t[CALLERS];
  caller c[CALLERS];
  for (int i = 0; i < CALLERS; i++) {
    c[i] = (caller){.jobs = 400};
    pthread_create(&t[i], NULL, run_jobs, &c[i]);
  }
  for (int i = 0; i < CALLERS; i++) {
    pthread_join(t[i], NULL);
    CHECK_INT(c[i].bad, 0);
  }
}

/* Real ops too: large enough to be split over the pool, from several threads at once. */
static void *sum_ops(void *arg) {
  double *got = arg;
  for (int k = 0; k < 20; k++) {
    mx_scope s = mx_scope_begin();
    mx_array *x = mx_arange(0, 1 << 16, 1, MX_FLOAT64);
    *got = mx_item_f64(mx_sum(mx_multiply(mx_add(x, mx_scalar(1)), mx_scalar(2)), MX_ALL_AXES, false));
    mx_scope_end(s);
  }
  mx_shutdown();
  return NULL;
}

TEST(ops_from_several_threads_agree) {
  enum { N = 4 };
  pthread_t t[N];
  double got[N];
  for (int i = 0; i < N; i++) pthread_create(&t[i], NULL, sum_ops, &got[i]);
  double n = 1 << 16, want = n * (n + 1); /* 2 * sum of 1..n */
  for (int i = 0; i < N; i++) {
    pthread_join(t[i], NULL);
    CHECK_CLOSE(got[i], want, 0, 0);
  }
}

/* ---- threads that evaluate and exit leak nothing ---- */
typedef struct evaljob {
  bool shutdown; /* end with mx_shutdown (else just return) */
} evaljob;

static void *eval_and_exit(void *arg) {
  const evaljob *e = arg;
  mx_scope s = mx_scope_begin();
  mx_array *x = mx_zeros(MX_SHAPE(4), MX_FLOAT32);
  for (int i = 0; i < 3000; i++) x = mx_add(x, mx_scalar(1)); /* a 3000-node chain */
  mx_eval(x);
  mx_scope_end(s);
  if (e->shutdown) mx_shutdown();
  return NULL;
}

static size_t heap_in_use(void) {
  struct mallinfo2 mi = mallinfo2(); /* every arena, the threads' too */
  return mi.uordblks + mi.hblkhd;
}

static void spawn(int n, const evaljob *e) {
  for (int i = 0; i < n; i++) {
    pthread_t t;
    pthread_create(&t, NULL, eval_and_exit, (void *)e);
    pthread_join(t, NULL);
  }
}

TEST(threads_that_evaluate_and_exit_leak_nothing) {
  /* Each thread's eval vectors hold about 3000 x (8 + 16) bytes: 72 KB a thread, 14 MB for 200
   * threads if they leaked. Under ASan mallinfo2 sees nothing and LeakSanitizer checks instead. */
  for (int variant = 0; variant < 2; variant++) {
    evaljob e = {.shutdown = variant == 1};
    spawn(20, &e); /* warm up: arenas, the pool, caches */
    size_t before = heap_in_use();
    spawn(200, &e);
    size_t after = heap_in_use();
    long long grew = (long long)after - (long long)before;
    printf("    %s: heap grew by %lld bytes over 200 threads\n",
           e.shutdown ? "with mx_shutdown" : "plain exit", grew);
    CHECK(grew < (1 << 20));
  }
}
