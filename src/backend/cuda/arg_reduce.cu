// arg_reduce.cu — ARGMAX and ARGMIN along one axis: the index of the first extreme, a NaN being
// the extreme (the first NaN wins), as k_reduce.c. A contiguous axis is scanned by a warp or a
// block per output; a strided one by a thread per output (neighbouring outputs read neighbouring
// memory).
#include "convert.cuh"
#include "reduce_util.cuh"

template <typename C> struct arg_val {
  C v;
  long long i; // -1: nothing seen
};

// The better of two candidates; ties and two NaNs keep the smaller index.
template <typename C, bool MAX> struct arg_better {
  __device__ __forceinline__ arg_val<C> operator()(arg_val<C> a, arg_val<C> b) const {
    if (a.i < 0) return b;
    if (b.i < 0) return a;
    bool an = a.v != a.v, bn = b.v != b.v;
    if (an || bn) return (an && bn) ? (a.i < b.i ? a : b) : (an ? a : b);
    if (MAX ? a.v > b.v : a.v < b.v) return a;
    if (MAX ? b.v > a.v : b.v < a.v) return b;
    return a.i < b.i ? a : b;
  }
};

// arg_val is two words: shuffle each
template <typename C> __device__ __forceinline__ arg_val<C> shfl_down(arg_val<C> x, int off) {
  arg_val<C> r;
  r.v = __shfl_down_sync(0xffffffffu, x.v, off);
  r.i = __shfl_down_sync(0xffffffffu, x.i, off);
  return r;
}

template <int G, typename C, typename F>
__device__ __forceinline__ arg_val<C> group_best(arg_val<C> v, F better, arg_val<C> *scratch) {
#pragma unroll
  for (int off = 16; off > 0; off >>= 1) v = better(v, shfl_down(v, off));
  if (G == 32) return v;
  int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  if (warp == 0) {
    v = lane < MXC_THREADS / 32 ? scratch[lane] : arg_val<C>{C(0), -1};
#pragma unroll
    for (int off = 16; off > 0; off >>= 1) v = better(v, shfl_down(v, off));
  }
  return v;
}

struct arg_geom {
  int ndim, axis;
  int64_t shape[MX_MAX_DIMS], strides[MX_MAX_DIMS];
  int64_t nout, n, s; // outputs, axis length, axis byte stride
};

__device__ __forceinline__ int64_t arg_offset(const arg_geom &g, int64_t o) {
  int64_t off = 0;
  for (int i = g.ndim - 1; i >= 0; i--) {
    if (i == g.axis) continue;
    off += (o % g.shape[i]) * g.strides[i];
    o /= g.shape[i];
  }
  return off;
}

template <typename T> __device__ __forceinline__ typename mxc_num<T>::C arg_load(const char *p) {
  return mxc_num<T>::ld(*reinterpret_cast<const T *>(p));
}

template <typename T, bool MAX, int G>
__global__ void arg_rows(const char *in, arg_geom g, int64_t *out) {
  typedef typename mxc_num<T>::C C;
  __shared__ arg_val<C> scratch[MXC_THREADS / 32];
  int64_t o = (int64_t)blockIdx.x * (MXC_THREADS / G) + threadIdx.x / G;
  int lane = threadIdx.x % G;
  arg_val<C> best{C(0), -1};
  arg_better<C, MAX> better;
  if (o < g.nout) {
    const char *base = in + arg_offset(g, o);
    for (int64_t i = lane; i < g.n; i += G) best = better(best, arg_val<C>{arg_load<T>(base + i * g.s), i});
  }
  best = group_best<G>(best, better, scratch);
  if (lane == 0 && o < g.nout) out[o] = best.i;
}

template <typename T, bool MAX> __global__ void arg_cols(const char *in, arg_geom g, int64_t *out) {
  typedef typename mxc_num<T>::C C;
  int64_t o = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (o >= g.nout) return;
  const char *base = in + arg_offset(g, o);
  arg_better<C, MAX> better;
  arg_val<C> best{C(0), -1};
  for (int64_t i = 0; i < g.n; i++) best = better(best, arg_val<C>{arg_load<T>(base + i * g.s), i});
  out[o] = best.i;
}

template <typename T, bool MAX> static mx_status run(mx_array *out, mx_array *x, int axis) {
  mxc_ctx c;
  if (!mxc_begin(out, &c)) return MX_ERROR;
  const char *in = (const char *)mxc_read(&c, x);
  if (!in) return MX_ERROR;
  int64_t *o = (int64_t *)mxc_write(&c, NULL, 0);
  if (!o) return MX_ERROR;
  arg_geom g;
  g.ndim = x->ndim;
  g.axis = axis;
  for (int i = 0; i < x->ndim; i++) {
    g.shape[i] = x->shape[i];
    g.strides[i] = x->strides[i];
  }
  g.n = x->shape[axis];
  g.s = x->strides[axis];
  g.nout = out->size;
  if (g.nout == 0) return MX_OK;
  if (g.s != (int64_t)sizeof(T) && g.n > 1) {
    arg_cols<T, MAX><<<mxc_blocks(g.nout, MXC_THREADS), MXC_THREADS, 0, c.s>>>(in, g, o);
  } else if (g.n >= 2048) {
    arg_rows<T, MAX, MXC_THREADS><<<mxc_blocks(g.nout, 1), MXC_THREADS, 0, c.s>>>(in, g, o);
  } else {
    arg_rows<T, MAX, 32><<<mxc_blocks(g.nout, MXC_THREADS / 32), MXC_THREADS, 0, c.s>>>(in, g, o);
  }
  return mxc_launched(&c, mxi_prims[out->prim].name) ? MX_OK : MX_ERROR;
}

static mx_status k_arg(mx_array *out, mx_array *const *in, int n, const mx_params *p) {
  bool is_max = out->prim == MX_PRIM_ARGMAX;
  int axis = p->reduce.axes[0];
  switch (in[0]->dtype) {
    MXC_CASE(MX_BOOL, uint8_t, return is_max ? run<T, true>(out, in[0], axis) : run<T, false>(out, in[0], axis))
    MXC_CASES_INT(return is_max ? run<T, true>(out, in[0], axis) : run<T, false>(out, in[0], axis))
    MXC_CASES_FLOAT(return is_max ? run<T, true>(out, in[0], axis) : run<T, false>(out, in[0], axis))
    default: return mxc_unsupported(out);
  }
  return MX_ERROR;
}

static bool supports(const mx_array *node) { return mxc_is_real((mx_dtype)node->in[0]->dtype); }

void mxc_register_arg_reduce(mx_kernel_fn *k, mxc_supports_fn *s) {
  k[MX_PRIM_ARGMAX] = k[MX_PRIM_ARGMIN] = k_arg;
  s[MX_PRIM_ARGMAX] = s[MX_PRIM_ARGMIN] = supports;
}
