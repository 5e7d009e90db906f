/* tape.c — builds the tape with one iterative post-order walk (deep graphs must not overflow the
 * stack), keeping only nodes that depend on a source. */
#include "tape.h"

#include <stdlib.h>

typedef struct frame {
  mx_array *a;
  int next;
} frame;

/* Appends a to the tape (nodes and index); false when out of memory. */
static bool append(mxi_tape *t, size_t *cap, mx_array *a) {
  if ((size_t)t->n == *cap) {
    mx_array **v = realloc(t->nodes, *cap * 2 * sizeof *v);
    if (!v) return false;
    t->nodes = v;
    *cap *= 2;
  }
  if (!mxi_ptrmap_put(&t->index, a, t->n)) return false;
  t->nodes[t->n++] = a;
  return true;
}

bool mxi_tape_build(mxi_tape *t, int n_out, mx_array *const *outs, int n_src, mx_array *const *srcs) {
  *t = (mxi_tape){0};
  mxi_ptrmap seen = {0}; /* node -> 1 if it depends on a source, 0 if not */
  size_t cap = 64, scap = 64, sn = 0;
  bool ok = mxi_ptrmap_init(&t->index) && mxi_ptrmap_init(&seen);
  t->nodes = ok ? malloc(cap * sizeof *t->nodes) : NULL;
  frame *stack = t->nodes ? malloc(scap * sizeof *stack) : NULL;
  ok = stack != NULL;
  for (int i = 0; ok && i < n_src; i++) {
    int dummy;
    if (!srcs[i] || mxi_ptrmap_get(&seen, srcs[i], &dummy)) continue;
    ok = mxi_ptrmap_put(&seen, srcs[i], 1) && append(t, &cap, srcs[i]);
  }
  for (int o = 0; ok && o < n_out; o++) {
    int v;
    if (!outs[o] || mxi_ptrmap_get(&seen, outs[o], &v)) continue;
    stack[sn++] = (frame){outs[o], 0};
    ok = mxi_ptrmap_put(&seen, outs[o], -1); /* on the stack */
    while (ok && sn > 0) {
      frame *f = &stack[sn - 1];
      if (f->next < f->a->nin) {
        mx_array *x = f->a->in[f->next++];
        if (mxi_ptrmap_get(&seen, x, &v)) continue;
        if (!(ok = mxi_ptrmap_put(&seen, x, -1))) break;
        if (sn == scap) {
          frame *grown = realloc(stack, scap * 2 * sizeof *stack);
          if (!(ok = grown != NULL)) break;
          stack = grown;
          scap *= 2;
        }
        stack[sn++] = (frame){x, 0};
        continue;
      }
      mx_array *a = f->a;
      sn--;
      bool active = false;
      for (int i = 0; i < a->nin && !active; i++) active = mxi_ptrmap_get(&seen, a->in[i], &v) && v == 1;
      ok = mxi_ptrmap_put(&seen, a, active ? 1 : 0) && (!active || append(t, &cap, a));
    }
  }
  free(stack);
  mxi_ptrmap_free(&seen);
  if (!ok) mxi_tape_free(t);
  return ok;
}

void mxi_tape_free(mxi_tape *t) {
  free(t->nodes);
  t->nodes = NULL;
  t->n = 0;
  mxi_ptrmap_free(&t->index);
}

int mxi_tape_find(const mxi_tape *t, const mx_array *a) {
  int v;
  return mxi_ptrmap_get(&t->index, a, &v) ? v : -1;
}
