/* index_offsets.c — what the index kernels (k_indexing.c, k_scatter.c) share: the index arrays
 * of GATHER and SCATTER turned into byte offsets, checking every index before any data moves, in
 * parallel over index positions; the walk of the along-axis kernels. */
#include "index_util.h"

#include "../common/index_errors.h"

typedef struct offsets_task {
  const mxi_index_set *s;
  mxi_walk w; /* over I: operands are the index arrays, then extra */
  const char *base[MX_MAX_DIMS];
  int64_t *offs, *xoffs;
  _Atomic int64_t bad; /* the first position with a bad index */
} offsets_task;

/* The offset of position w in the target; false on a bad index (*k_bad: which array). */
static bool position_offset(const offsets_task *t, const mxi_walk *w, int64_t *off, int *k_bad) {
  const mxi_index_set *s = t->s;
  int64_t o = 0;
  for (int k = 0; k < s->n; k++) {
    int ax = s->axes[k];
    int64_t v;
    bool loaded = mxi_load_index(t->base[k] + w->off[k], (mx_dtype)s->idx[k]->dtype, &v);
    if (!mxi_norm_index(loaded, &v, s->dims[ax], s->block[ax])) {
      *k_bad = k;
      return false;
    }
    o += v * s->strides[ax];
  }
  *off = o;
  return true;
}

static void offsets_range(void *arg, int64_t lo, int64_t hi) {
  offsets_task *t = arg;
  mxi_walk w = t->w;
  mxi_walk_seek(&w, lo);
  int x = t->s->n; /* extra's operand */
  for (int64_t f = lo; f < hi; f++) {
    int k;
    if (!position_offset(t, &w, &t->offs[f], &k)) {
      mxi_note_bad(&t->bad, f);
      return; /* positions grow: the first bad one of this range is found */
    }
    if (t->xoffs) t->xoffs[f] = w.off[x];
    mxi_walk_next(&w);
  }
}

bool mxi_index_offsets(mx_array *out, const mxi_index_set *s, int64_t nI, int64_t *offs,
                       int64_t *xoffs) {
  offsets_task t = {.s = s, .offs = offs, .xoffs = s->extra ? xoffs : NULL};
  atomic_init(&t.bad, INT64_MAX);
  const mx_array *shape_of = s->n > 0 ? s->idx[0] : NULL;
  t.w.nd = shape_of ? shape_of->ndim : 0;
  t.w.nops = s->n + (s->extra ? 1 : 0);
  for (int i = 0; i < t.w.nd; i++) t.w.shape[i] = shape_of->shape[i];
  for (int k = 0; k < s->n; k++) {
    t.base[k] = mxi_host_ptr(s->idx[k]);
    for (int i = 0; i < t.w.nd; i++) t.w.strides[k][i] = s->idx[k]->strides[i];
  }
  if (s->extra)
    for (int i = 0; i < t.w.nd; i++) t.w.strides[s->n][i] = s->extra->strides[i];
  if (nI == 0) return true;
  mxi_parallel_for(nI, 1 << 14, offsets_range, &t);
  int64_t bad = atomic_load(&t.bad);
  if (bad == INT64_MAX) return true;

  mxi_walk w = t.w;
  mxi_walk_seek(&w, bad);
  int64_t off;
  int k = 0;
  position_offset(&t, &w, &off, &k);
  int ax = s->axes[k];
  mxi_index_fail(out, s->op, k, ax, s->dims[ax], s->block[ax], t.base[k] + w.off[k],
                 s->idx[k]->dtype);
  return false;
}

void mxi_along_walk(mxi_walk *w, const int64_t *shape, int nd, int ax, int nops,
                    mx_array *const *ops) {
  w->nd = 0;
  w->nops = nops;
  for (int i = 0; i < nd; i++) {
    if (i == ax) continue;
    w->shape[w->nd] = shape[i];
    for (int k = 0; k < nops; k++) w->strides[k][w->nd] = ops[k]->strides[i];
    w->nd++;
  }
}
