// elementwise.cuh — the elementwise machinery every unary, binary and cast family instantiates:
// kernels (a contiguous path with 16-byte vector loads and scalar operands broadcast, and a general
// strided path over up to 8 merged dims with 32-bit index math when it fits) and their launchers.
// The output is always a fresh row-major buffer (or a donated input of the same layout).
#ifndef MX_CUDA_ELEMENTWISE_CUH
#define MX_CUDA_ELEMENTWISE_CUH

#include "../common/dims.h"
#include "common.cuh"
#include "dtypes.cuh"

// Inputs broadcast to the output's shape, dims merged where every operand allows it.
struct mxc_layout {
  int ndim; // 0: a single element
  int64_t shape[MX_MAX_DIMS];
  int64_t st[3][MX_MAX_DIMS]; // byte strides of the inputs (0 on broadcast dims)
  bool use32;                 // every index and byte offset fits in 32 bits
};

static inline void mxc_make_layout(mxc_layout *l, const mx_array *out, int nin, mx_array *const *in) {
  int nd = out->ndim;
  int64_t *sp[3];
  for (int k = 0; k < nin; k++) {
    int off = nd - in[k]->ndim;
    for (int i = 0; i < nd; i++) {
      int j = i - off;
      l->st[k][i] = (j < 0 || in[k]->shape[j] == 1) ? 0 : in[k]->strides[j];
    }
    sp[k] = l->st[k];
  }
  for (int i = 0; i < nd; i++) l->shape[i] = out->shape[i];
  int m = l->ndim = mxi_merge_dims(nd, l->shape, nin, sp);
  // 32-bit index math when the element count and every input's reach fit
  int64_t reach = out->size;
  for (int k = 0; k < nin; k++) {
    int64_t r = 0;
    for (int i = 0; i < m; i++) r += (l->shape[i] - 1) * (l->st[k][i] < 0 ? -l->st[k][i] : l->st[k][i]);
    if (r > reach) reach = r;
  }
  l->use32 = reach < ((int64_t)1 << 31) && out->size < ((int64_t)1 << 31);
}

// Input k is contiguous (stride = size) or one broadcast element (stride 0) in a <= 1-dim layout.
static inline bool mxc_layout_flat(const mxc_layout *l, int nin, const size_t *sizes, bool *scalar) {
  if (l->ndim > 1) return false;
  for (int k = 0; k < nin; k++) {
    int64_t s = l->ndim == 0 ? 0 : l->st[k][0];
    scalar[k] = s == 0;
    if (s != 0 && s != (int64_t)sizes[k]) return false;
  }
  return true;
}

template <typename I>
__device__ __forceinline__ void mxc_offsets(const mxc_layout &L, I i, int nin, I *off) {
  for (int k = 0; k < nin; k++) off[k] = 0;
  for (int d = L.ndim - 1; d >= 0; d--) {
    I sz = (I)L.shape[d], idx = i % sz;
    i /= sz;
    for (int k = 0; k < nin; k++) off[k] += idx * (I)L.st[k][d];
  }
}

template <typename T, int N> struct alignas(sizeof(T) * N) mxc_pack {
  T v[N];
};

// ---- kernels ----

template <int VEC, typename Out, typename In, typename F>
__global__ void mxc_ew1_flat(Out *o, const In *a, bool sa, bool aligned, int64_t n, F f) {
  int64_t i = ((int64_t)blockIdx.x * blockDim.x + threadIdx.x) * VEC;
  if (i >= n) return;
  if (aligned && i + VEC <= n && !sa) {
    mxc_pack<In, VEC> x = *reinterpret_cast<const mxc_pack<In, VEC> *>(a + i);
    mxc_pack<Out, VEC> y;
#pragma unroll
    for (int k = 0; k < VEC; k++) y.v[k] = f(x.v[k]);
    *reinterpret_cast<mxc_pack<Out, VEC> *>(o + i) = y;
  } else {
    int64_t end = i + VEC < n ? i + VEC : n;
    for (; i < end; i++) o[i] = f(a[sa ? 0 : i]);
  }
}

template <typename Out, typename In, typename F>
__global__ void mxc_ew1_strided(Out *o, const char *a, mxc_layout L, int64_t n, F f) {
  int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step) {
    int64_t off;
    if (L.use32) {
      int32_t o32;
      mxc_offsets<int32_t>(L, (int32_t)i, 1, &o32);
      off = o32;
    } else {
      mxc_offsets<int64_t>(L, i, 1, &off);
    }
    o[i] = f(*reinterpret_cast<const In *>(a + off));
  }
}

template <int VEC, typename Out, typename In, typename F>
__global__ void mxc_ew2_flat(Out *o, const In *a, const In *b, bool sa, bool sb, bool aligned, int64_t n,
                             F f) {
  int64_t i = ((int64_t)blockIdx.x * blockDim.x + threadIdx.x) * VEC;
  if (i >= n) return;
  if (aligned && i + VEC <= n) {
    mxc_pack<In, VEC> x, y;
    if (sa) {
#pragma unroll
      for (int k = 0; k < VEC; k++) x.v[k] = a[0];
    } else {
      x = *reinterpret_cast<const mxc_pack<In, VEC> *>(a + i);
    }
    if (sb) {
#pragma unroll
      for (int k = 0; k < VEC; k++) y.v[k] = b[0];
    } else {
      y = *reinterpret_cast<const mxc_pack<In, VEC> *>(b + i);
    }
    mxc_pack<Out, VEC> r;
#pragma unroll
    for (int k = 0; k < VEC; k++) r.v[k] = f(x.v[k], y.v[k]);
    *reinterpret_cast<mxc_pack<Out, VEC> *>(o + i) = r;
  } else {
    int64_t end = i + VEC < n ? i + VEC : n;
    for (; i < end; i++) o[i] = f(a[sa ? 0 : i], b[sb ? 0 : i]);
  }
}

template <typename Out, typename In, typename F>
__global__ void mxc_ew2_strided(Out *o, const char *a, const char *b, mxc_layout L, int64_t n, F f) {
  int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step) {
    int64_t off[2];
    if (L.use32) {
      int32_t o32[2];
      mxc_offsets<int32_t>(L, (int32_t)i, 2, o32);
      off[0] = o32[0];
      off[1] = o32[1];
    } else {
      mxc_offsets<int64_t>(L, i, 2, off);
    }
    o[i] = f(*reinterpret_cast<const In *>(a + off[0]), *reinterpret_cast<const In *>(b + off[1]));
  }
}

// ---- launchers ----

template <typename Out, typename In> constexpr int mxc_vec() {
  return 16 / (sizeof(Out) > sizeof(In) ? sizeof(Out) : sizeof(In)) > 0
             ? 16 / (sizeof(Out) > sizeof(In) ? sizeof(Out) : sizeof(In))
             : 1;
}

static inline bool mxc_aligned(const void *p, size_t bytes) { return ((uintptr_t)p % bytes) == 0; }

// out = f(x) elementwise; donation allowed when the storage sizes match.
template <typename Out, typename In, typename F>
mx_status mxc_run_unary(mx_array *out, mx_array *x, F f) {
  mxc_ctx c;
  if (!mxc_begin(out, &c)) return MX_ERROR;
  const char *a = (const char *)mxc_read(&c, x);
  if (!a) return MX_ERROR;
  Out *o = (Out *)mxc_write(&c, &x, 1);
  if (!o) return MX_ERROR;
  int64_t n = out->size;
  if (n == 0) return MX_OK;
  mxc_layout L;
  mxc_make_layout(&L, out, 1, &x);
  size_t sz = sizeof(In);
  bool sa;
  if (mxc_layout_flat(&L, 1, &sz, &sa)) {
    constexpr int V = mxc_vec<Out, In>();
    bool al = mxc_aligned(a, V * sizeof(In)) && mxc_aligned(o, V * sizeof(Out));
    mxc_ew1_flat<V, Out, In, F><<<mxc_blocks(n, (int64_t)MXC_THREADS * V), MXC_THREADS, 0, c.s>>>(
        o, (const In *)a, sa, al, n, f);
  } else {
    mxc_ew1_strided<Out, In, F><<<mxc_grid_capped(&c, n, MXC_THREADS), MXC_THREADS, 0, c.s>>>(o, a, L, n, f);
  }
  return mxc_launched(&c, mxi_prims[out->prim].name) ? MX_OK : MX_ERROR;
}

// out = f(x, y) with x, y of one dtype broadcast to out's shape.
template <typename Out, typename In, typename F>
mx_status mxc_run_binary(mx_array *out, mx_array *const *in, F f) {
  mxc_ctx c;
  if (!mxc_begin(out, &c)) return MX_ERROR;
  const char *a = (const char *)mxc_read(&c, in[0]);
  const char *b = a ? (const char *)mxc_read(&c, in[1]) : NULL;
  if (!b) return MX_ERROR;
  Out *o = (Out *)mxc_write(&c, in, 2);
  if (!o) return MX_ERROR;
  int64_t n = out->size;
  if (n == 0) return MX_OK;
  mxc_layout L;
  mxc_make_layout(&L, out, 2, in);
  size_t sz[2] = {sizeof(In), sizeof(In)};
  bool sc[2];
  if (mxc_layout_flat(&L, 2, sz, sc)) {
    constexpr int V = mxc_vec<Out, In>();
    bool al = (sc[0] || mxc_aligned(a, V * sizeof(In))) && (sc[1] || mxc_aligned(b, V * sizeof(In))) &&
              mxc_aligned(o, V * sizeof(Out));
    mxc_ew2_flat<V, Out, In, F><<<mxc_blocks(n, (int64_t)MXC_THREADS * V), MXC_THREADS, 0, c.s>>>(
        o, (const In *)a, (const In *)b, sc[0], sc[1], al, n, f);
  } else {
    mxc_ew2_strided<Out, In, F><<<mxc_grid_capped(&c, n, MXC_THREADS), MXC_THREADS, 0, c.s>>>(o, a, b, L, n, f);
  }
  return mxc_launched(&c, mxi_prims[out->prim].name) ? MX_OK : MX_ERROR;
}

// ---- functor adapters: storage -> compute -> storage ----

template <typename T, typename Op> struct mxc_map1 { // same dtype in and out
  __device__ __forceinline__ T operator()(T x) const {
    return mxc_num<T>::st(Op::f(mxc_num<T>::ld(x)));
  }
};
template <typename T, typename Op> struct mxc_pred1 { // bool out
  __device__ __forceinline__ mxc_bool operator()(T x) const { return mxc_bool{(uint8_t)Op::f(mxc_num<T>::ld(x))}; }
};
template <typename T, typename Op> struct mxc_map2 {
  __device__ __forceinline__ T operator()(T x, T y) const {
    return mxc_num<T>::st(Op::f(mxc_num<T>::ld(x), mxc_num<T>::ld(y)));
  }
};
template <typename T, typename Op> struct mxc_pred2 {
  __device__ __forceinline__ mxc_bool operator()(T x, T y) const {
    return mxc_bool{(uint8_t)Op::f(mxc_num<T>::ld(x), mxc_num<T>::ld(y))};
  }
};

// A family's launcher table entry.
typedef mx_status (*mxc_ew_fn)(mx_array *out, mx_array *const *in);

template <typename T, typename Op> mx_status mxc_unary_same(mx_array *out, mx_array *const *in) {
  return mxc_run_unary<T, T>(out, in[0], mxc_map1<T, Op>());
}
template <typename T, typename Op> mx_status mxc_unary_pred(mx_array *out, mx_array *const *in) {
  return mxc_run_unary<mxc_bool, T>(out, in[0], mxc_pred1<T, Op>());
}
template <typename T, typename Op> mx_status mxc_binary_same(mx_array *out, mx_array *const *in) {
  return mxc_run_binary<T, T>(out, in, mxc_map2<T, Op>());
}
template <typename T, typename Op> mx_status mxc_binary_pred(mx_array *out, mx_array *const *in) {
  return mxc_run_binary<mxc_bool, T>(out, in, mxc_pred2<T, Op>());
}

#endif
