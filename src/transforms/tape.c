/* tape.c — builds the tape with one iterative post-order walk (deep graphs must not overflow the
 * stack), keeping only nodes that depend on a source. */
#include "tape.h"

#include <stdlib.h>

typedef struct frame {
  mx_array *a;
  int next;
} frame;

void mxi_tape_build(mxi_tape *t, int n_out, mx_array *const *outs, int n_src, mx_array *const *srcs) {
  mxi_ptrmap_init(&t->index);
  mxi_ptrmap seen; /* node -> 1 if it depends on a source, 0 if not */
  mxi_ptrmap_init(&seen);
  size_t cap = 64, scap = 64, sn = 0;
  t->nodes = malloc(cap * sizeof *t->nodes);
  frame *stack = malloc(scap * sizeof *stack);
  if (!t->nodes || !stack) abort();
  t->n = 0;
  for (int i = 0; i < n_src; i++) {
    int dummy;
    if (!srcs[i] || mxi_ptrmap_get(&seen, srcs[i], &dummy)) continue;
    mxi_ptrmap_put(&seen, srcs[i], 1);
    mxi_ptrmap_put(&t->index, srcs[i], t->n);
    if ((size_t)t->n == cap) {
      cap *= 2;
      t->nodes = realloc(t->nodes, cap * sizeof *t->nodes);
      if (!t->nodes) abort();
    }
    t->nodes[t->n++] = srcs[i];
  }
  for (int o = 0; o < n_out; o++) {
    int v;
    if (!outs[o] || mxi_ptrmap_get(&seen, outs[o], &v)) continue;
    stack[sn++] = (frame){outs[o], 0};
    mxi_ptrmap_put(&seen, outs[o], -1); /* on the stack */
    while (sn > 0) {
      frame *f = &stack[sn - 1];
      if (f->next < f->a->nin) {
        mx_array *x = f->a->in[f->next++];
        if (mxi_ptrmap_get(&seen, x, &v)) continue;
        mxi_ptrmap_put(&seen, x, -1);
        if (sn == scap) {
          scap *= 2;
          stack = realloc(stack, scap * sizeof *stack);
          if (!stack) abort();
          f = &stack[sn - 1];
        }
        stack[sn++] = (frame){x, 0};
        continue;
      }
      mx_array *a = f->a;
      sn--;
      bool active = false;
      for (int i = 0; i < a->nin && !active; i++) active = mxi_ptrmap_get(&seen, a->in[i], &v) && v == 1;
      mxi_ptrmap_put(&seen, a, active ? 1 : 0);
      if (active) {
        mxi_ptrmap_put(&t->index, a, t->n);
        if ((size_t)t->n == cap) {
          cap *= 2;
          t->nodes = realloc(t->nodes, cap * sizeof *t->nodes);
          if (!t->nodes) abort();
        }
        t->nodes[t->n++] = a;
      }
    }
  }
  free(stack);
  mxi_ptrmap_free(&seen);
}

void mxi_tape_free(mxi_tape *t) {
  free(t->nodes);
  mxi_ptrmap_free(&t->index);
}

int mxi_tape_find(const mxi_tape *t, const mx_array *a) {
  int v;
  return mxi_ptrmap_get(&t->index, a, &v) ? v : -1;
}
