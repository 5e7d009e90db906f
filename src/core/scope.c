/* scope.c — ownership by scopes (autorelease pools): every new array goes to the innermost
 * open scope of its thread, and ending the scope releases it. */
#include <pthread.h>
#include <stdlib.h>

#include "internal.h"
#include "mx/device.h"

typedef struct scope_vec {
  mx_array **v;
  size_t n, cap;
} scope_vec;

/* scopes[0] is the root scope, never ended by mx_scope_end. */
static _Thread_local scope_vec *scopes;
static _Thread_local int depth, cap_scopes;

/* At thread exit the bookkeeping goes if no scope still owns an array. Arrays left in a scope
 * stay (another thread may still use them; mx_shutdown releases them before exit). */
static pthread_key_t exit_key;
static pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;
static bool exit_key_ok;

static void free_scopes(void) {
  for (int d = 0; d < cap_scopes; d++) free(scopes[d].v);
  free(scopes);
  scopes = NULL;
  depth = cap_scopes = 0;
}

static void at_thread_exit(void *unused) {
  (void)unused;
  for (int d = 0; d < cap_scopes; d++)
    if (scopes[d].n) return;
  if (scopes) free_scopes();
}

static void make_exit_key(void) { exit_key_ok = pthread_key_create(&exit_key, at_thread_exit) == 0; }

static scope_vec *current(void) {
  if (!scopes) {
    cap_scopes = 16;
    scopes = calloc((size_t)cap_scopes, sizeof *scopes);
    if (!scopes) abort();
    pthread_once(&exit_key_once, make_exit_key);
    if (exit_key_ok) pthread_setspecific(exit_key, (void *)1);
  }
  return &scopes[depth];
}

static void push(scope_vec *s, mx_array *a) {
  if (s->n == s->cap) {
    s->cap = s->cap ? s->cap * 2 : 256;
    s->v = realloc(s->v, s->cap * sizeof *s->v);
    if (!s->v) abort();
  }
  s->v[s->n++] = a;
}

mx_array *mxi_own(mx_array *a) {
  push(current(), a);
  return a;
}

mx_scope mx_scope_begin(void) {
  current();
  if (depth + 1 == cap_scopes) {
    scopes = realloc(scopes, (size_t)cap_scopes * 2 * sizeof *scopes);
    if (!scopes) abort();
    for (int i = cap_scopes; i < cap_scopes * 2; i++) scopes[i] = (scope_vec){0};
    cap_scopes *= 2;
  }
  depth++;
  return (mx_scope){depth};
}

static void drain(scope_vec *s) {
  /* newest first: consumers go before the arrays they hold */
  while (s->n > 0) mx_release(s->v[--s->n]);
}

void mx_scope_end(mx_scope s) {
  if (s.depth <= 0) return;
  while (depth >= s.depth) {
    drain(&scopes[depth]);
    depth--;
  }
}

mx_array *mx_keep(mx_array *a) {
  if (!a) return a;
  current();
  if (depth == 0) return a; /* the root scope is the outermost owner already */
  a->refcount++;
  push(&scopes[depth - 1], a);
  return a;
}

void mx_shutdown(void) {
  mxi_eval_free_thread();
  if (!scopes) return;
  for (int d = depth; d >= 0; d--) {
    drain(&scopes[d]);
  }
  free_scopes();
  mx_clear_error();
  mx_memory_clear_cache(mx_cpu_device());
}
