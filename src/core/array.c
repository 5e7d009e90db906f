/* array.c — allocation, reference counting and properties of the array object. Releasing is
 * iterative so that dropping a chain of a million nodes cannot overflow the stack. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "registry.h"

mx_array *mxi_array_alloc(int nin) {
  mx_array *a = calloc(1, sizeof *a);
  if (!a) return NULL;
  a->refcount = 1;
  a->nin = nin;
  if (nin <= 3) {
    a->in = a->inline_in;
  } else {
    a->in = calloc((size_t)nin, sizeof *a->in);
    if (!a->in) {
      free(a);
      return NULL;
    }
  }
  a->size = 1;
  return a;
}

void mxi_set_shape(mx_array *a, int ndim, const int64_t *shape) {
  a->ndim = (uint8_t)ndim;
  int64_t size = 1;
  for (int i = 0; i < ndim; i++) {
    a->shape[i] = shape[i];
    size *= shape[i];
  }
  a->size = size;
}

void mxi_set_row_strides(mx_array *a) {
  int64_t s = (int64_t)mx_dtype_size((mx_dtype)a->dtype);
  for (int i = a->ndim - 1; i >= 0; i--) {
    a->strides[i] = s;
    s *= a->shape[i] > 0 ? a->shape[i] : 1;
  }
  a->offset = 0;
}

bool mxi_is_row_contiguous(const mx_array *a) {
  int64_t s = (int64_t)mx_dtype_size((mx_dtype)a->dtype);
  for (int i = a->ndim - 1; i >= 0; i--) {
    if (a->shape[i] != 1 && a->strides[i] != s) return a->size == 0;
    s *= a->shape[i];
  }
  return true;
}

/* A work stack that lives on the C stack until it outgrows it. When it cannot grow (out of
 * memory), arrays wait on a list linked through their trace field: freeing never fails. */
typedef struct work {
  mx_array **v;
  size_t n, cap;
  mx_array *overflow;
  mx_array *local[32];
} work;

static void work_push(work *w, mx_array *x) {
  if (w->n == w->cap) {
    size_t cap = w->cap * 2;
    mx_array **v = w->v == w->local ? malloc(cap * sizeof *v) : realloc(w->v, cap * sizeof *v);
    if (!v) {
      x->trace = w->overflow;
      w->overflow = x;
      return;
    }
    if (w->v == w->local) memcpy(v, w->local, w->n * sizeof *v);
    w->v = v;
    w->cap = cap;
  }
  w->v[w->n++] = x;
}

static mx_array *work_pop(work *w) {
  if (w->n > 0) return w->v[--w->n];
  mx_array *x = w->overflow;
  if (x) w->overflow = x->trace;
  return x;
}

/* Drops the node's references; inputs that reach zero go on the work stack. */
static void drop_node(mx_array *a, work *w) {
  for (int i = 0; i < a->nin; i++) {
    mx_array *x = a->in[i];
    if (x && --x->refcount == 0) work_push(w, x);
    a->in[i] = NULL;
  }
  if (a->in != a->inline_in) free(a->in);
  a->in = a->inline_in;
  a->nin = 0;
  if (a->params && mxi_prims[a->prim].release_params) mxi_prims[a->prim].release_params(a->params);
  free(a->params);
  a->params = NULL;
}

/* Frees every array on the stack and, transitively, inputs whose last reference they held. */
static void free_pending(work *w) {
  for (mx_array *cur; (cur = work_pop(w));) {
    drop_node(cur, w);
    if (cur->buf) mxi_buffer_release(cur->buf);
    mxi_free_error(cur->error);
    free(cur);
  }
  if (w->v != w->local) free(w->v);
}

void mx_release(mx_array *a) {
  if (!a || a == &mxi_oom_array || --a->refcount > 0) return;
  work w = {.cap = 32};
  w.v = w.local;
  work_push(&w, a);
  free_pending(&w);
}

mx_array *mx_retain(mx_array *a) {
  if (a && a != &mxi_oom_array) a->refcount++;
  return a;
}

void mxi_detach(mx_array *a) {
  work w = {.cap = 32};
  w.v = w.local;
  drop_node(a, &w);
  a->prim = MX_PRIM_NONE;
  free_pending(&w);
}

/* ---- properties ---- */
mx_dtype mx_array_dtype(const mx_array *a) { return a ? (mx_dtype)a->dtype : MX_FLOAT32; }
int mx_array_ndim(const mx_array *a) { return a ? a->ndim : 0; }
const int64_t *mx_array_shape(const mx_array *a) { return a ? a->shape : NULL; }
int64_t mx_array_size(const mx_array *a) { return a ? a->size : 0; }
size_t mx_array_nbytes(const mx_array *a) {
  return a ? (size_t)a->size * mx_dtype_size((mx_dtype)a->dtype) : 0;
}
bool mx_array_is_evaluated(const mx_array *a) { return a && (a->buf || a->error); }

mx_shape mxi_shape_of(const mx_array *a) {
  mx_shape s = {.ndim = a->ndim};
  for (int i = 0; i < a->ndim; i++) s.dims[i] = a->shape[i];
  return s;
}
mx_shape mx_array_shape_of(const mx_array *a) {
  if (!a) return (mx_shape){.ndim = 0};
  return mxi_shape_of(a);
}

int64_t mx_array_dim(const mx_array *a, int axis) {
  int ax;
  if (!a || !mxi_norm_axis(axis, a->ndim, &ax)) return -1;
  return a->shape[ax];
}
