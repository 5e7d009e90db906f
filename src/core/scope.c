/* scope.c — ownership by scopes (autorelease pools): every new array goes to the innermost
 * open scope of its thread, and ending the scope releases it. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "mx/device.h"

typedef struct scope_vec {
  mx_array **v;
  size_t n, cap;
} scope_vec;

/* scopes[0] is the root scope, never ended by mx_scope_end. The first 16 levels need no
 * allocation, so that there is always a scope to own an array. */
enum { LOCAL_SCOPES = 16 };
static _Thread_local scope_vec local_scopes[LOCAL_SCOPES];
static _Thread_local scope_vec *scopes;
static _Thread_local int depth, cap_scopes;

/* At thread exit the bookkeeping goes if no scope still owns an array. Arrays left in a scope
 * stay (another thread may still use them; mx_shutdown releases them before exit). */
static pthread_key_t exit_key;
static pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;
static bool exit_key_ok;

static void free_scopes(void) {
  for (int d = 0; d < cap_scopes; d++) {
    free(scopes[d].v);
    scopes[d] = (scope_vec){0};
  }
  if (scopes != local_scopes) free(scopes);
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
    cap_scopes = LOCAL_SCOPES;
    scopes = local_scopes;
    pthread_once(&exit_key_once, make_exit_key);
    if (exit_key_ok) pthread_setspecific(exit_key, (void *)1);
  }
  return &scopes[depth];
}

static bool push(scope_vec *s, mx_array *a) {
  if (s->n == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 256;
    mx_array **v = realloc(s->v, cap * sizeof *v);
    if (!v) return false;
    s->v = v;
    s->cap = cap;
  }
  s->v[s->n++] = a;
  return true;
}

mx_array *mxi_own(mx_array *a) {
  if (push(current(), a)) return a;
  mx_release(a); /* the static error: a new error array would need this scope too */
  mxi_record_oom("scope", "recording a new array in the current scope");
  return &mxi_oom_array;
}

mx_scope mx_scope_begin(void) {
  current();
  if (depth + 1 == cap_scopes) {
    size_t bytes = (size_t)cap_scopes * 2 * sizeof *scopes;
    scope_vec *grown = scopes == local_scopes ? malloc(bytes) : realloc(scopes, bytes);
    if (!grown) { /* no new level: arrays go to the current scope, ending this one is a no-op */
      mxi_record_oom("scope_begin", "opening a scope");
      return (mx_scope){0};
    }
    if (scopes == local_scopes) memcpy(grown, local_scopes, sizeof local_scopes);
    scopes = grown;
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
  if (a == &mxi_oom_array) return a;
  if (!push(&scopes[depth - 1], a)) { /* a stays in its scope: the caller gets the static error */
    mxi_record_oom("keep", "moving an array to the enclosing scope");
    return &mxi_oom_array;
  }
  a->refcount++;
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
