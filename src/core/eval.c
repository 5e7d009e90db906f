/* eval.c — evaluation: orders the graph iteratively, runs each node on its backend, frees each
 * intermediate after its last use, donates buffers nobody else holds, detaches results.
 *
 * Intermediates: an array computed on the way to the targets is freed after its last consumer
 * ran when nothing but its creating scope (and its consumers in this eval) refers to it. It keeps
 * its graph, so reading it later recomputes it; mx_keep/mx_retain it, or evaluate it together
 * with the targets (mx_eval_many), to keep its value (docs/evaluation.md). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"

typedef struct frame {
  mx_array *a;
  int next;
} frame;

typedef struct vec {
  void *v;
  size_t n, cap;
} vec;

static _Thread_local vec order, stack; /* reused between evals: no allocation per eval */
static _Atomic uint32_t epoch_counter;
_Thread_local uint64_t mxi_nodes_run; /* for tests: how many nodes evaluation ran */

/* The vectors are freed when their thread exits (a key destructor: _Thread_local alone has
 * none) and by mx_shutdown; a thread that evaluates and exits leaks nothing. */
static pthread_key_t exit_key;
static pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;
static bool exit_key_ok;

void mxi_eval_free_thread(void) {
  free(order.v);
  free(stack.v);
  order = stack = (vec){0};
}

static void at_thread_exit(void *unused) {
  (void)unused;
  mxi_eval_free_thread();
}

static void make_exit_key(void) { exit_key_ok = pthread_key_create(&exit_key, at_thread_exit) == 0; }

static bool vec_push(vec *s, const void *item, size_t size) {
  if (s->n == s->cap) {
    if (!order.v && !stack.v) { /* this thread's first allocation: free it at thread exit */
      pthread_once(&exit_key_once, make_exit_key);
      if (exit_key_ok) pthread_setspecific(exit_key, (void *)1);
    }
    size_t cap = s->cap ? s->cap * 2 : 256;
    void *v = realloc(s->v, cap * size);
    if (!v) return false;
    s->v = v;
    s->cap = cap;
  }
  memcpy((char *)s->v + s->n * size, item, size);
  s->n++;
  return true;
}

static bool push_frame(mx_array *a) {
  frame f = {a, 0};
  return vec_push(&stack, &f, sizeof f);
}

/* Post-order DFS from root, marking with ep and counting each node's consumers in this eval.
 * False when out of memory (nothing has run yet). */
static bool collect(mx_array *root, uint32_t ep) {
  stack.n = 0;
  root->epoch = ep;
  root->uses = 0;
  root->scratch = 0;
  if (!push_frame(root)) return false;
  while (stack.n > 0) {
    frame *f = &((frame *)stack.v)[stack.n - 1];
    if (f->next < f->a->nin) {
      mx_array *x = f->a->in[f->next++];
      if (x->epoch != ep) {
        x->epoch = ep;
        x->uses = 0;
        x->scratch = 0;
        if (!x->buf && !x->error && !push_frame(x)) return false; /* moves stack.v: f is stale */
      }
      x->uses++;
    } else {
      mx_array *a = f->a;
      stack.n--;
      if (!vec_push(&order, &a, sizeof a)) return false;
    }
  }
  return true;
}

static bool freeable(const mx_array *x) {
  return (x->scratch & MXI_SCR_COMPUTED) && !(x->scratch & MXI_SCR_TARGET) &&
         x->refcount <= x->uses + 1;
}

static void fail(mx_array *a, const char *msg) { mxi_set_error(a, msg); }

static void run_view(mx_array *a) {
  mx_array *in = a->in[0];
  const mx_prim_info *info = &mxi_prims[a->prim];
  a->buf = in->buf;
  mxi_buffer_retain(a->buf);
  if (info->view(a, in, a->params)) return;
  mxi_buffer_release(a->buf);
  a->buf = NULL;
  mx_array *tmp = mxi_contiguous_copy(in, NULL, a);
  if (!tmp) return;
  a->buf = tmp->buf;
  mxi_buffer_retain(a->buf);
  bool ok = info->view(a, tmp, a->params);
  mx_release(tmp);
  if (!ok) {
    mxi_buffer_release(a->buf);
    a->buf = NULL;
    mxi_kernel_fail(a, "internal: view of a contiguous array failed");
  }
}

static void run_node(mx_array *a, mx_backend *backend) {
  if (a->prim == MX_PRIM_NONE) { /* only a vmap placeholder is an unevaluated leaf */
    fail(a, "mx_eval: cannot evaluate an array that depends on a vmapped input inside the "
            "vmapped function (its values exist only per example)");
    return;
  }
  for (int i = 0; i < a->nin; i++)
    if (a->in[i]->error) {
      fail(a, a->in[i]->error);
      return;
    }
  if (mxi_prims[a->prim].view) run_view(a);
  else mxi_run_kernel(a, backend);
  if (a->error) {
    mxi_record_error(a->error);
    if (a->buf) {
      mxi_buffer_release(a->buf);
      a->buf = NULL;
    }
  }
}

/* Counts a's uses of its inputs off their pending counts, then flags those whose buffer a may
 * take: a is their last use (pending reached 0) and nobody else holds them. Two passes over the
 * inputs, so a node with n inputs costs O(n) even when inputs repeat. */
static void mark_donors(mx_array *a) {
  for (int i = 0; i < a->nin; i++) a->in[i]->pending--;
  for (int i = 0; i < a->nin; i++) {
    mx_array *x = a->in[i];
    if (x->pending == 0 && x->buf && x->buf->refcount == 1 && freeable(x)) x->scratch |= MXI_SCR_DONATE;
  }
}

/* Frees inputs that a was the last use of (mark_donors counted the uses). */
static void after_node(mx_array *a) {
  for (int i = 0; i < a->nin; i++) {
    mx_array *x = a->in[i];
    x->scratch &= (uint8_t)~MXI_SCR_DONATE;
    if (x->pending == 0 && x->buf && freeable(x)) {
      mxi_buffer_release(x->buf);
      x->buf = NULL;
    }
  }
}

mx_status mx_eval_many(int n, mx_array *const *arrays) {
  if (n < 0 || (n > 0 && !arrays)) {
    mxi_record_error(n < 0 ? "mx_eval_many: negative count" : "mx_eval_many: arrays is NULL");
    return MX_ERROR;
  }
  mx_status status = MX_OK;
  uint32_t ep = atomic_fetch_add(&epoch_counter, 1) + 1;
  order.n = 0;
  /* Targets are walked last to first: gradients come in forward (parameter) order, and the
   * backward pass reaches the last parameters first, so this schedules each gradient right
   * where its inputs become ready and their memory can go (checkpointing relies on it). */
  for (int i = n - 1; i >= 0; i--) {
    mx_array *t = arrays[i];
    if (!t) {
      mxi_record_error("mx_eval: array is NULL");
      status = MX_ERROR;
      continue;
    }
    if (t->error) { /* reported when it was made */
      mxi_note_error(t->error);
      status = MX_ERROR;
      continue;
    }
    if (t->buf || t->epoch == ep) continue;
    if (!collect(t, ep)) {
      mxi_record_error("mx_eval: out of memory while ordering the graph (nothing was computed)");
      return MX_ERROR;
    }
  }
  for (int i = 0; i < n; i++)
    if (arrays[i] && arrays[i]->epoch == ep) arrays[i]->scratch |= MXI_SCR_TARGET;

  mx_array **nodes = order.v;
  size_t count = order.n;
  mx_backend *used[MXI_MAX_BACKENDS] = {0}; /* device backends that queued work: synchronized below */
  for (size_t i = 0; i < count; i++) nodes[i]->pending = nodes[i]->uses;
  for (size_t i = 0; i < count; i++) {
    mx_array *a = nodes[i];
    mark_donors(a);
    mx_backend *be = a->prim != MX_PRIM_NONE && !mxi_prims[a->prim].view ? mxi_backend_for(a) : NULL;
    if (be && be->synchronize && (unsigned)be->type < MXI_MAX_BACKENDS) used[be->type] = be;
    run_node(a, be);
    mxi_nodes_run++;
    a->scratch |= MXI_SCR_COMPUTED;
    after_node(a);
  }
  /* Results that keep their data drop their graph; freed intermediates keep theirs. Forward
   * order: detaching a node releases only nodes before it, which are not visited again. */
  for (size_t i = 0; i < count; i++) {
    mx_array *a = nodes[i];
    a->scratch = 0;
    if ((a->buf || a->error) && !mxi_is_traced(a)) mxi_detach(a);
  }
  /* Device work was only enqueued: wait for it, so that errors show here and timing is honest. */
  for (int t = 0; t < MXI_MAX_BACKENDS; t++)
    if (used[t] && used[t]->synchronize(used[t]->ctx, -1, -1) != MX_OK) status = MX_ERROR;
  for (int i = 0; i < n; i++)
    if (arrays[i] && arrays[i]->error && status == MX_OK) status = MX_ERROR;
  return status;
}

mx_status mx_eval(mx_array *a) { return mx_eval_many(1, &a); }
