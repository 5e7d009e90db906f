/* k_scan.c — the scan kernels (CUMSUM, CUMPROD, CUMMAX, CUMMIN, LOGCUMSUMEXP) along one axis.
 * The input is seen as [outer O, axis N, inner I] with any strides; the output is row-major.
 * I == 1: each line is scanned by a 1-D loop. I > 1: tiles of the inner axes are scanned
 * together, one axis step at a time, so that the inner loop runs over contiguous memory (and
 * vectorizes). Work items are (outer, tile) pairs spread over the thread pool; when there are
 * too few of them for the threads and the op is exactly associative (integers, max/min), the
 * axis is also cut into pieces scanned in two passes (piece totals, then the scan from each
 * piece's carry). Float sums stay sequential along the axis, so their results do not depend on
 * the thread count. */
#include <stdlib.h>
#include <string.h>

#include "../common/dims.h"
#include "scan_loops.h"

#define TILE 256      /* inner elements scanned together */
#define ACC_MAX 16    /* largest accumulator (double complex) */

typedef struct plan {
  const mxi_scan_fns *f;
  const char *in;
  char *out;
  int no;                                           /* merged outer dims of the input */
  int64_t oshape[MX_MAX_DIMS], ostride[MX_MAX_DIMS];
  int64_t N, s_ax;                                  /* the axis: length, input stride */
  int64_t I, si;                                    /* inner elements (one merged dim), stride */
  int64_t osz;
  bool reverse, inclusive;
  int64_t ntiles, tile_len;                         /* tile_len = min(I, TILE) */
  int64_t nchunks, chunk;                           /* axis pieces (1: no split) */
  char *totals;                                     /* per (item, piece) accumulators */
} plan;

static int64_t outer_offset(const plan *pl, int64_t o) {
  int64_t off = 0;
  for (int i = pl->no - 1; i >= 0; i--) {
    off += (o % pl->oshape[i]) * pl->ostride[i];
    o /= pl->oshape[i];
  }
  return off;
}

static int64_t item_len(const plan *pl, int64_t w) {
  int64_t j0 = (w % pl->ntiles) * TILE;
  return pl->I - j0 < TILE ? pl->I - j0 : TILE;
}

/* Scans positions [k0, k1) in scan order (reversed when pl->reverse) of work item w (outer o,
 * inner tile t) from and into acc; writes the output when write is set. */
static void segment(const plan *pl, int64_t w, int64_t k0, int64_t k1, void *acc, bool write) {
  int64_t o = w / pl->ntiles, j0 = (w % pl->ntiles) * TILE, len = item_len(pl, w);
  const char *ip = pl->in + outer_offset(pl, o) + j0 * pl->si;
  char *op = pl->out + ((o * pl->N) * pl->I + j0) * pl->osz;
  int64_t istep = pl->s_ax, ostep = pl->I * pl->osz;
  int64_t first = pl->reverse ? pl->N - 1 - k0 : k0;
  ip += first * istep;
  op += first * ostep;
  if (pl->reverse) {
    istep = -istep;
    ostep = -ostep;
  }
  if (pl->I == 1) {
    pl->f->row(ip, istep, write ? op : NULL, ostep, k1 - k0, acc, pl->inclusive);
    return;
  }
  for (int64_t k = 0; k < k1 - k0; k++)
    pl->f->cols(ip + k * istep, pl->si, write ? op + k * ostep : NULL, len, acc, pl->inclusive);
}

static void whole_items(void *arg, int64_t lo, int64_t hi) {
  const plan *pl = arg;
  _Alignas(16) unsigned char acc[TILE * ACC_MAX];
  for (int64_t w = lo; w < hi; w++) {
    pl->f->init(acc, item_len(pl, w));
    segment(pl, w, 0, pl->N, acc, true);
  }
}

/* Piece u = (item w, piece c); its accumulators live in pl->totals. */
static char *piece_acc(const plan *pl, int64_t u) {
  return pl->totals + u * pl->tile_len * (int64_t)pl->f->acc_size;
}

static void piece_range(const plan *pl, int64_t c, int64_t *k0, int64_t *k1) {
  *k0 = c * pl->chunk;
  *k1 = *k0 + pl->chunk < pl->N ? *k0 + pl->chunk : pl->N;
}

static void piece_totals(void *arg, int64_t lo, int64_t hi) {
  const plan *pl = arg;
  for (int64_t u = lo; u < hi; u++) {
    int64_t w = u / pl->nchunks, k0, k1;
    piece_range(pl, u % pl->nchunks, &k0, &k1);
    pl->f->init(piece_acc(pl, u), item_len(pl, w));
    segment(pl, w, k0, k1, piece_acc(pl, u), false);
  }
}

static void piece_scans(void *arg, int64_t lo, int64_t hi) {
  const plan *pl = arg;
  for (int64_t u = lo; u < hi; u++) {
    int64_t w = u / pl->nchunks, k0, k1;
    piece_range(pl, u % pl->nchunks, &k0, &k1);
    segment(pl, w, k0, k1, piece_acc(pl, u), true);
  }
}

/* Replaces each piece's total by its carry: the combination of the pieces before it. */
static void carries(const plan *pl, int64_t items) {
  _Alignas(16) unsigned char carry[TILE * ACC_MAX], tmp[TILE * ACC_MAX];
  size_t asz = pl->f->acc_size;
  for (int64_t w = 0; w < items; w++) {
    int64_t len = item_len(pl, w);
    pl->f->init(carry, len);
    for (int64_t c = 0; c < pl->nchunks; c++) {
      char *t = piece_acc(pl, w * pl->nchunks + c);
      memcpy(tmp, t, (size_t)len * asz);
      memcpy(t, carry, (size_t)len * asz);
      pl->f->combine(carry, tmp, len);
    }
  }
}

/* Merges dims [from, to) of a into shape/stride; returns their count. */
static int merge_dims(const mx_array *a, int from, int to, int64_t *shape, int64_t *stride) {
  memcpy(shape, a->shape + from, (size_t)(to - from) * sizeof *shape);
  memcpy(stride, a->strides + from, (size_t)(to - from) * sizeof *stride);
  return mxi_merge_dims1(to - from, shape, stride);
}

static mx_status k_scan(mx_array *out, mx_array *const *in, int n, const mx_params *p) {
  (void)n;
  mx_array *a = in[0], *copy = NULL;
  plan pl;
  memset(&pl, 0, sizeof pl);
  pl.f = mxi_scan_fns_for((mx_prim)out->prim, (mx_dtype)a->dtype);
  if (!pl.f) {
    mxi_kernel_fail(out, "no CPU loop for dtype %s", mx_dtype_name((mx_dtype)a->dtype));
    return MX_ERROR;
  }
  if (!mxi_out_alloc(out, in, 1)) return MX_ERROR;
  if (out->size == 0) return MX_OK;
  int ax = p->scan.axis;
  int64_t ish[MX_MAX_DIMS], ist[MX_MAX_DIMS];
  if (merge_dims(a, ax + 1, a->ndim, ish, ist) > 1) {
    /* inner axes that do not form one strided dim (e.g. a transposed 3-d view): copy once */
    copy = mxi_contiguous_copy(a, mxi_backend(MX_CPU), out);
    if (!copy) return MX_ERROR;
    a = copy;
    merge_dims(a, ax + 1, a->ndim, ish, ist);
  }
  pl.no = merge_dims(a, 0, ax, pl.oshape, pl.ostride);
  pl.N = a->shape[ax];
  pl.s_ax = a->strides[ax];
  pl.I = mxi_shape_size(a->ndim - ax - 1, a->shape + ax + 1);
  pl.si = pl.I > 1 ? ist[0] : 0;
  pl.osz = (int64_t)mx_dtype_size((mx_dtype)out->dtype);
  pl.reverse = p->scan.reverse;
  pl.inclusive = p->scan.inclusive;
  pl.in = mxi_host_ptr(a);
  pl.out = mxi_host_ptr(out);
  pl.tile_len = pl.I < TILE ? pl.I : TILE;
  pl.ntiles = (pl.I + TILE - 1) / TILE;
  int64_t items = mxi_shape_size(pl.no, pl.oshape) * pl.ntiles;
  int64_t work = pl.N * pl.tile_len; /* elements per item */
  int nt = mxi_num_threads();

  pl.nchunks = 1;
  if (pl.f->exact && nt > 1 && items < nt && work >= (1 << 16)) {
    int64_t c = (4 * (int64_t)nt + items - 1) / items;
    if (c > work / 8192) c = work / 8192;
    if (c > pl.N) c = pl.N;
    if (c > 1) {
      pl.chunk = (pl.N + c - 1) / c;
      pl.nchunks = (pl.N + pl.chunk - 1) / pl.chunk;
      pl.totals = malloc((size_t)(items * pl.nchunks * pl.tile_len) * pl.f->acc_size);
      if (!pl.totals) pl.nchunks = 1; /* fine: the sequential scan needs no memory */
    }
  }
  if (pl.nchunks > 1) {
    int64_t grain = (1 << 15) / (pl.chunk * pl.tile_len) + 1;
    mxi_parallel_for(items * pl.nchunks, grain, piece_totals, &pl);
    carries(&pl, items);
    mxi_parallel_for(items * pl.nchunks, grain, piece_scans, &pl);
    free(pl.totals);
  } else {
    mxi_parallel_for(items, (1 << 15) / work + 1, whole_items, &pl);
  }
  if (copy) mx_release(copy);
  return MX_OK;
}

void mxi_cpu_register_scan(mx_kernel_fn *k) {
  for (int p = MX_PRIM_CUMSUM; p <= MX_PRIM_LOGCUMSUMEXP; p++) k[p] = k_scan;
}
