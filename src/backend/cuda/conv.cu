// conv.cu — CONV, CONV_GRAD_INPUT and CONV_GRAD_WEIGHT (channels-last, 1 or 2 spatial axes) as
// im2col + cuBLASLt GEMM (conv_plan.h): the column buffer is built on the device in pooled scratch,
// a chunk of whole images at a time (at most about 256 MiB), and each chunk is one GEMM batched
// over the groups. The input gradient gathers the column buffer back (col2im as a gather: each
// input element sums its own contributions, so it is deterministic and needs no atomics).
// float16/bfloat16 operands are converted to float32 on the device and the result rounded once,
// as on the CPU; float64 computes in float64; other dtypes run on the CPU.
#include <type_traits>

#include "dtypes.cuh"
#include "gemm.cuh"

extern "C" {
#include "conv_plan.h"
}

// An operand's shape and byte strides, to read it in row-major order.
struct nd_view {
  int ndim;
  int64_t shape[MX_MAX_DIMS], strides[MX_MAX_DIMS];
};

#define GRID_LOOP(i, n) \
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += (int64_t)gridDim.x * blockDim.x)

// dst[i] = element i (row-major) of the operand, in the compute type.
template <typename T>
__global__ void dense_kernel(const char *src, nd_view v, typename mxc_num<T>::C *dst, int64_t n) {
  GRID_LOOP(i, n) {
    int64_t rem = i, off = 0;
    for (int d = v.ndim - 1; d >= 0; d--) {
      off += (rem % v.shape[d]) * v.strides[d];
      rem /= v.shape[d];
    }
    dst[i] = mxc_num<T>::ld(*reinterpret_cast<const T *>(src + off));
  }
}

// The column buffer of the chunk starting at image n0; xs: x's byte strides (batch, h, w, channel).
template <typename T>
__global__ void im2col_kernel(const char *x, int64_t xs0, int64_t xs1, int64_t xs2, int64_t xs3, mxi_cv_plan p,
                              int64_t n0, typename mxc_num<T>::C *cols, int64_t n) {
  typedef typename mxc_num<T>::C C;
  GRID_LOOP(e, n) {
    int64_t b, y, xx, ch;
    C v = 0;
    if (mxi_cv_im2col_src(&p, e, &b, &y, &xx, &ch))
      v = mxc_num<T>::ld(*reinterpret_cast<const T *>(x + (n0 + b) * xs0 + y * xs1 + xx * xs2 + ch * xs3));
    cols[e] = v;
  }
}

// Input gradient of the chunk's images (dx: its first element): each element sums, tap by tap,
// the column entries that read it (the CPU's order).
template <typename T>
__global__ void col2im_kernel(const typename mxc_num<T>::C *cols, mxi_cv_plan p, T *dx, int64_t n) {
  typedef typename mxc_num<T>::C C;
  const int64_t hw = p.g.ih * p.g.iw;
  GRID_LOOP(e, n) {
    int64_t ch = e % p.g.cin, pix = e / p.g.cin, b = pix / hw, y = (pix % hw) / p.g.iw, x = pix % p.g.iw;
    C s = 0;
    for (int64_t th = 0; th < p.g.kh; th++)
      for (int64_t tw = 0; tw < p.g.kw; tw++) {
        int64_t k = mxi_cv_col2im_src(&p, b, y, x, ch, th, tw);
        if (k >= 0) s += cols[k];
      }
    dx[e] = mxc_num<T>::st(s);
  }
}

// dst[i] = src[i] rounded to the storage type (half outputs computed in float32).
template <typename T> __global__ void store_kernel(const float *src, T *dst, int64_t n) {
  GRID_LOOP(i, n) dst[i] = mxc_num<T>::st(src[i]);
}

// ---- launchers ----

template <typename T> using compute_t = typename mxc_num<T>::C;

static bool whole_elements(const mx_array *a) {
  const int64_t esz = (int64_t)mx_dtype_size((mx_dtype)a->dtype);
  bool ok = a->offset % esz == 0;
  for (int i = 0; i < a->ndim; i++) ok &= a->strides[i] % esz == 0;
  return ok;
}

// a's values as a dense row-major compute-type array: a's own memory when it is one (*owned
// NULL), else a converted copy in scratch (*owned). NULL on failure (error on c->out).
template <typename T>
static const compute_t<T> *dense(mxc_ctx *c, mx_array *a, const char *pa, void **owned) {
  typedef compute_t<T> C;
  *owned = NULL;
  if (std::is_same<T, C>::value && mxi_is_row_contiguous(a)) return reinterpret_cast<const C *>(pa);
  C *d = (C *)mxc_scratch(c, (size_t)a->size * sizeof(C));
  if (!d) return NULL;
  *owned = d;
  nd_view v;
  memset(&v, 0, sizeof v);
  v.ndim = a->ndim;
  for (int i = 0; i < a->ndim; i++) {
    v.shape[i] = a->shape[i];
    v.strides[i] = a->strides[i];
  }
  dense_kernel<T><<<mxc_grid_capped(c, a->size, MXC_THREADS), MXC_THREADS, 0, c->s>>>(pa, v, d, a->size);
  return mxc_launched(c, "conv_dense") ? d : NULL;
}

template <typename T> static bool store(mxc_ctx *c, const void *src, T *dst, int64_t n) {
  store_kernel<T><<<mxc_grid_capped(c, n, MXC_THREADS), MXC_THREADS, 0, c->s>>>((const float *)src, dst, n);
  return mxc_launched(c, "conv_store");
}

// Everything one node needs: its operands on the device and the scratch it holds.
template <typename T> struct conv_run {
  typedef compute_t<T> C;
  mxc_ctx *c;
  mxi_cv_kind kind;
  mxi_cv_plan p;
  mx_array *const *in; // the node's inputs, named in errors
  const char *x;       // the input (CONV, GRAD_WEIGHT), read through its strides
  int64_t xs[4];
  const C *w, *cot;    // dense weight / cotangent, as the kind needs
  T *o;
  bool same;           // the storage dtype is the compute dtype
  bool direct;         // pointwise: x (or dx) stands in for the column buffer
  C *cols, *stage;     // column buffer; float32 results of half outputs
};

template <typename T> static bool im2col(conv_run<T> *r, int64_t n0, int64_t ni) {
  const mxi_cv_plan &p = r->p;
  int64_t n = ni * p.g.oh * p.g.ow * p.row;
  im2col_kernel<T><<<mxc_grid_capped(r->c, n, MXC_THREADS), MXC_THREADS, 0, r->c->s>>>(
      r->x, r->xs[0], r->xs[1], r->xs[2], r->xs[3], p, n0, r->cols, n);
  return mxc_launched(r->c, "conv_im2col");
}

// Chunk t: im2col (unless direct), the GEMM, and the gather or store its kind needs.
template <typename T> static bool chunk(conv_run<T> *r, int64_t t) {
  typedef compute_t<T> C;
  const mxi_cv_plan &p = r->p;
  const mx_dtype ct = std::is_same<C, double>::value ? MX_FLOAT64 : MX_FLOAT32;
  int64_t n0, ni;
  mxi_cv_chunk(&p, t, &n0, &ni);
  const int64_t xo = n0 * p.g.ih * p.g.iw * p.g.cin, co = n0 * p.g.oh * p.g.ow * p.g.cout;
  const C *xd = reinterpret_cast<const C *>(r->x) + xo; // direct only: x is dense, compute type
  mxi_mm_gemm g;
  mxi_cv_gemm(&p, r->kind, ni, &g);
  switch (r->kind) {
    case MXI_CV_CONV: {
      if (!r->direct && !im2col(r, n0, ni)) return false;
      C *dst = r->same ? reinterpret_cast<C *>(r->o) + co : r->stage;
      if (!mxc_gemm(r->c, ct, &g, r->direct ? xd : r->cols, r->w, dst, false, r->in)) return false;
      return r->same || store<T>(r->c, r->stage, r->o + co, ni * p.g.oh * p.g.ow * p.g.cout);
    }
    case MXI_CV_GRAD_INPUT: {
      C *dst = r->direct ? reinterpret_cast<C *>(r->o) + xo : r->cols;
      if (!mxc_gemm(r->c, ct, &g, r->cot + co, r->w, dst, false, r->in)) return false;
      if (r->direct) return true;
      int64_t n = ni * p.g.ih * p.g.iw * p.g.cin;
      col2im_kernel<T><<<mxc_grid_capped(r->c, n, MXC_THREADS), MXC_THREADS, 0, r->c->s>>>(r->cols, p, r->o + xo, n);
      return mxc_launched(r->c, "conv_col2im");
    }
    default: { // GRAD_WEIGHT: chunks after the first add into dW
      if (!r->direct && !im2col(r, n0, ni)) return false;
      C *dst = r->same ? reinterpret_cast<C *>(r->o) : r->stage;
      return mxc_gemm(r->c, ct, &g, r->cot + co, r->direct ? xd : r->cols, dst, t > 0, r->in);
    }
  }
}

// ops: the inputs (compacted where their strides were not whole elements).
template <typename T>
static bool run(mxc_ctx *c, mxi_cv_kind kind, mx_array *const *ops, mx_array *const *in, const mx_params *prm) {
  typedef compute_t<T> C;
  mx_array *out = c->out;
  const char *p0 = NULL, *p1 = NULL;
  if (ops[0]->size > 0 && !(p0 = (const char *)mxc_read(c, ops[0]))) return false;
  if (ops[1]->size > 0 && !(p1 = (const char *)mxc_read(c, ops[1]))) return false;
  T *o = (T *)mxc_write(c, NULL, 0); // never donated: inputs are read while out is written
  if (!o) return false;
  if (out->size == 0) return true;
  // Every output is a sum of products of one element of each input: none, when one is empty.
  if (ops[0]->size == 0 || ops[1]->size == 0)
    return mxc_ok(c, cudaMemsetAsync(o, 0, mx_array_nbytes(out), c->s), "cudaMemsetAsync");
  conv_run<T> r;
  memset(&r, 0, sizeof r);
  r.c = c;
  r.kind = kind;
  r.in = in;
  r.o = o;
  r.same = std::is_same<T, C>::value;
  mx_array *x = kind == MXI_CV_GRAD_INPUT ? out : ops[0];
  mx_array *cot = kind == MXI_CV_CONV ? out : kind == MXI_CV_GRAD_INPUT ? ops[0] : ops[1];
  mx_array *w = kind == MXI_CV_GRAD_WEIGHT ? out : ops[1];
  mxi_cv_plan_init(&r.p, x, cot, w, prm, sizeof(C), MXI_CV_CHUNK_BYTES);
  const bool pointwise = mxi_conv_pointwise(&r.p.g);
  void *own_w = NULL, *own_c = NULL;
  bool ok = true;
  if (kind == MXI_CV_GRAD_INPUT) {
    r.direct = pointwise && r.same;
    ok = (r.cot = dense<T>(c, ops[0], p0, &own_c)) && (r.w = dense<T>(c, ops[1], p1, &own_w));
  } else {
    r.x = p0;
    const int ns = prm->conv.nspatial;
    r.xs[0] = x->strides[0];
    r.xs[1] = ns == 2 ? x->strides[1] : 0;
    r.xs[2] = x->strides[ns];
    r.xs[3] = x->strides[ns + 1];
    r.direct = pointwise && r.same && mxi_is_row_contiguous(x);
    if (kind == MXI_CV_CONV) ok = (r.w = dense<T>(c, ops[1], p1, &own_w)) != NULL;
    else ok = (r.cot = dense<T>(c, ops[1], p1, &own_c)) != NULL;
  }
  if (ok && !r.direct)
    ok = (r.cols = (C *)mxc_scratch(c, (size_t)(r.p.imgs * r.p.g.oh * r.p.g.ow * r.p.row) * sizeof(C))) != NULL;
  if (ok && !r.same && kind != MXI_CV_GRAD_INPUT) {
    int64_t n = kind == MXI_CV_CONV ? r.p.imgs * r.p.g.oh * r.p.g.ow * r.p.g.cout : out->size;
    ok = (r.stage = (C *)mxc_scratch(c, (size_t)n * sizeof(C))) != NULL;
  }
  for (int64_t t = 0; ok && t < r.p.chunks; t++) ok = chunk(&r, t);
  if (ok && !r.same && kind == MXI_CV_GRAD_WEIGHT) ok = store<T>(c, r.stage, o, out->size);
  // scratch goes back in stream order: later work on this stream runs after these kernels
  mxc_scratch_free(c, r.stage);
  mxc_scratch_free(c, r.cols);
  mxc_scratch_free(c, own_c);
  mxc_scratch_free(c, own_w);
  return ok;
}

template <typename T> static mx_status launch(mx_array *out, mx_array *const *in, const mx_params *prm) {
  mxi_cv_kind kind = out->prim == MX_PRIM_CONV               ? MXI_CV_CONV
                     : out->prim == MX_PRIM_CONV_GRAD_INPUT ? MXI_CV_GRAD_INPUT
                                                             : MXI_CV_GRAD_WEIGHT;
  mxc_ctx c;
  if (!mxc_begin(out, &c)) return MX_ERROR;
  mx_array *ops[2] = {in[0], in[1]}, *copies[2] = {NULL, NULL};
  bool ok = true;
  for (int i = 0; i < 2 && ok; i++)
    if (!whole_elements(in[i])) { // a byte-reinterpreted view: read a compact copy instead
      ok = (copies[i] = mxi_contiguous_copy(in[i], mxc_backend(), out)) != NULL;
      if (ok) ops[i] = copies[i];
    }
  if (ok) ok = run<T>(&c, kind, ops, in, prm);
  for (int i = 0; i < 2; i++)
    if (copies[i]) mx_release(copies[i]);
  return ok ? MX_OK : MX_ERROR;
}

static mx_status k_conv(mx_array *out, mx_array *const *in, int n, const mx_params *p) {
  switch (out->dtype) {
    MXC_CASES_FLOAT(return launch<T>(out, in, p))
    default: return mxc_unsupported(out);
  }
  return MX_ERROR;
}

static bool supports(const mx_array *node) { return mxc_is_float((mx_dtype)node->dtype); }

void mxc_register_conv(mx_kernel_fn *k, mxc_supports_fn *s) {
  k[MX_PRIM_CONV] = k[MX_PRIM_CONV_GRAD_INPUT] = k[MX_PRIM_CONV_GRAD_WEIGHT] = k_conv;
  s[MX_PRIM_CONV] = s[MX_PRIM_CONV_GRAD_INPUT] = s[MX_PRIM_CONV_GRAD_WEIGHT] = supports; // complex64: CPU
}
