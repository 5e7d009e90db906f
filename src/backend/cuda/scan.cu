// scan.cu — CUMSUM, CUMPROD, CUMMAX, CUMMIN and LOGCUMSUMEXP along one axis, with k_scan.c's
// semantics: integer sums and products wrap in uint64, float32 sums and products and
// logcumsumexp accumulate in float64, float16/bfloat16 in float32 (half.h's rounding), max/min
// propagate NaN. The array is seen as lines along the axis (common/lines.h). Many lines whose
// output is strided along the axis: a thread per line, scanning sequentially as the CPU does
// (neighbouring threads touch neighbouring memory). Otherwise a warp per line up to 1024
// elements and a block per line above, the running prefix carried from chunk to chunk.
#include <cub/block/block_scan.cuh>
#include <cub/warp/warp_scan.cuh>

#include <cuda/std/limits>
#include <type_traits>

#include "common.cuh"
#include "dtypes.cuh"
#include "../common/lines.h"

// ---- accumulators: lift an element, merge two accumulators (associative), store ----
template <typename T> struct sp; // sum / prod: accumulator A and output type of input type T
#define SP(T, ACC, OUT, LD, ST)                                          \
  template <> struct sp<T> {                                             \
    typedef ACC A;                                                       \
    typedef OUT Out;                                                     \
    static __device__ __forceinline__ A ld(T x) { return LD; }           \
    static __device__ __forceinline__ Out st(A a) { return ST; }         \
  };
SP(mxc_bool, uint64_t, int64_t, (uint64_t)(x.v != 0), (int64_t)a)
SP(uint8_t, uint64_t, uint64_t, (uint64_t)x, a)
SP(uint16_t, uint64_t, uint64_t, (uint64_t)x, a)
SP(uint32_t, uint64_t, uint64_t, (uint64_t)x, a)
SP(uint64_t, uint64_t, uint64_t, x, a)
SP(int8_t, uint64_t, int64_t, (uint64_t)(int64_t)x, (int64_t)a) // two's complement: wrapping
SP(int16_t, uint64_t, int64_t, (uint64_t)(int64_t)x, (int64_t)a)
SP(int32_t, uint64_t, int64_t, (uint64_t)(int64_t)x, (int64_t)a)
SP(int64_t, uint64_t, int64_t, (uint64_t)x, (int64_t)a)
SP(mxc_f16, float, mxc_f16, mxc_num<mxc_f16>::ld(x), mxc_num<mxc_f16>::st(a))
SP(mxc_bf16, float, mxc_bf16, mxc_num<mxc_bf16>::ld(x), mxc_num<mxc_bf16>::st(a))
SP(float, double, float, (double)x, (float)a)
SP(double, double, double, x, a)

template <typename T, bool PROD> struct op_sp {
  typedef typename sp<T>::A A;
  typedef typename sp<T>::Out Out;
  static __device__ __forceinline__ A ident() { return A(PROD ? 1 : 0); }
  static __device__ __forceinline__ A lift(T x) { return sp<T>::ld(x); }
  static __device__ __forceinline__ A merge(A a, A b) { return PROD ? a * b : a + b; }
  static __device__ __forceinline__ Out store(A a) { return sp<T>::st(a); }
};

template <typename C> __device__ __forceinline__ bool is_nan(C x) {
  if constexpr (std::is_floating_point<C>::value) return x != x;
  else return false;
}

// max / min keep the element type (float for halves); NaN is absorbing, the identity is the
// dtype's lowest / highest value (bool: 0 / 1, floats: -inf / inf)
template <typename T, bool MAX> struct op_ext {
  typedef typename mxc_num<T>::C A;
  typedef T Out;
  static __device__ __forceinline__ A ident() {
    if constexpr (std::is_same<T, mxc_bool>::value) return MAX ? 0 : 1;
    else if constexpr (std::is_floating_point<A>::value)
      return MAX ? -cuda::std::numeric_limits<A>::infinity() : cuda::std::numeric_limits<A>::infinity();
    else return MAX ? cuda::std::numeric_limits<A>::lowest() : cuda::std::numeric_limits<A>::max();
  }
  static __device__ __forceinline__ A lift(T x) { return mxc_num<T>::ld(x); }
  static __device__ __forceinline__ A merge(A a, A b) {
    return ((MAX ? b > a : b < a) || is_nan(b)) ? b : a;
  }
  static __device__ __forceinline__ Out store(A a) { return mxc_num<T>::st(a); }
};

// logcumsumexp: k_scan's online state, the running max m and s = sum(exp(x - m)); the value is
// m + log(s), the identity (-inf, 0). An element v is the state (v, 1) ((NaN, NaN) for NaN), so
// merging it is the CPU's lse_add step.
template <typename C> struct lse_state {
  C m, s;
};
__device__ __forceinline__ float ex(float x) { return expf(x); }
__device__ __forceinline__ double ex(double x) { return exp(x); }
__device__ __forceinline__ float lg(float x) { return logf(x); }
__device__ __forceinline__ double lg(double x) { return log(x); }

template <typename T> struct op_lse {
  typedef typename mxc_num<T>::C H; // float for halves
  typedef typename std::conditional<std::is_same<T, float>::value, double, H>::type C;
  typedef lse_state<C> A;
  typedef T Out;
  static __device__ __forceinline__ A ident() { return A{-cuda::std::numeric_limits<C>::infinity(), C(0)}; }
  static __device__ __forceinline__ A lift(T x) {
    C v = (C)mxc_num<T>::ld(x);
    return A{v, v != v ? v : C(1)};
  }
  static __device__ __forceinline__ A merge(A a, A b) {
    if (b.s == 0) return a; // an empty state
    if (a.s == 0) return b;
    if (b.m == a.m) {
      a.s += b.s;
    } else if (b.m < a.m) {
      a.s += b.s * ex(b.m - a.m);
    } else { // a larger maximum, or NaN: rescale
      a.s = a.s * ex(a.m - b.m) + b.s;
      a.m = b.m;
    }
    return a;
  }
  static __device__ __forceinline__ Out store(A a) { return mxc_num<T>::st((H)(a.m + lg(a.s))); }
};

template <typename Op> struct merge_fn {
  __device__ __forceinline__ typename Op::A operator()(const typename Op::A &a, const typename Op::A &b) const {
    return Op::merge(a, b);
  }
};

// ---- kernels ----
struct scan_geom {
  mxi_lines L;
  bool reverse, inclusive;
};

// Element k of a line in scan order: its index along the axis.
__device__ __forceinline__ int64_t at(const scan_geom &g, int64_t k) { return g.reverse ? g.L.n - 1 - k : k; }

template <typename T> __device__ __forceinline__ T load(const char *p, const scan_geom &g, int64_t k) {
  return *reinterpret_cast<const T *>(p + at(g, k) * g.L.in_step);
}
template <typename Op> __device__ __forceinline__ void store(char *p, const scan_geom &g, int64_t k, typename Op::A a) {
  *reinterpret_cast<typename Op::Out *>(p + at(g, k) * g.L.out_step) = Op::store(a);
}

// Each element is loaded before it is stored, so a donated input (out == in) is fine.
template <typename T, typename Op> __global__ void scan_cols(const char *in, char *out, scan_geom g) {
  int64_t l = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (l >= g.L.nlines) return;
  int64_t io, oo;
  mxi_lines_offsets(&g.L, l, &io, &oo);
  typename Op::A acc = Op::ident();
  for (int64_t k = 0; k < g.L.n; k++) {
    typename Op::A x = Op::lift(load<T>(in + io, g, k));
    if (!g.inclusive) store<Op>(out + oo, g, k, acc);
    acc = Op::merge(acc, x);
    if (g.inclusive) store<Op>(out + oo, g, k, acc);
  }
}

template <typename T, typename Op> __global__ void scan_warps(const char *in, char *out, scan_geom g) {
  typedef typename Op::A A;
  typedef cub::WarpScan<A> WS;
  __shared__ typename WS::TempStorage tmp[MXC_THREADS / 32];
  int w = threadIdx.x / 32, lane = threadIdx.x % 32;
  int64_t l = (int64_t)blockIdx.x * (MXC_THREADS / 32) + w;
  if (l >= g.L.nlines) return; // the whole warp leaves: no block-wide barrier below
  int64_t io, oo;
  mxi_lines_offsets(&g.L, l, &io, &oo);
  merge_fn<Op> f;
  A carry = Op::ident();
  for (int64_t k0 = 0; k0 < g.L.n; k0 += 32) {
    int64_t k = k0 + lane;
    A x = k < g.L.n ? Op::lift(load<T>(in + io, g, k)) : Op::ident(), r, agg;
    if (g.inclusive) {
      WS(tmp[w]).InclusiveScan(x, r, f, agg);
      r = f(carry, r);
    } else {
      WS(tmp[w]).ExclusiveScan(x, r, f, agg);
      r = lane == 0 ? carry : f(carry, r); // lane 0's exclusive output is undefined
    }
    if (k < g.L.n) store<Op>(out + oo, g, k, r);
    carry = f(carry, agg);
    __syncwarp();
  }
}

// The running prefix of a block's line; CUB calls it from warp 0 with each tile's total.
template <typename Op> struct prefix_op {
  typename Op::A run;
  __device__ __forceinline__ typename Op::A operator()(typename Op::A tile) {
    typename Op::A old = run;
    run = Op::merge(run, tile);
    return old;
  }
};

#define ITEMS 4
template <typename T, typename Op> __global__ void scan_blocks(const char *in, char *out, scan_geom g) {
  typedef typename Op::A A;
  typedef cub::BlockScan<A, MXC_THREADS> BS;
  __shared__ typename BS::TempStorage tmp;
  merge_fn<Op> f;
  for (int64_t l = blockIdx.x; l < g.L.nlines; l += gridDim.x) {
    int64_t io, oo;
    mxi_lines_offsets(&g.L, l, &io, &oo);
    prefix_op<Op> pre{Op::ident()};
    for (int64_t k0 = 0; k0 < g.L.n; k0 += MXC_THREADS * ITEMS) {
      int64_t kb = k0 + (int64_t)threadIdx.x * ITEMS;
      A x[ITEMS];
#pragma unroll
      for (int j = 0; j < ITEMS; j++) x[j] = kb + j < g.L.n ? Op::lift(load<T>(in + io, g, kb + j)) : Op::ident();
      if (g.inclusive) BS(tmp).InclusiveScan(x, x, f, pre);
      else BS(tmp).ExclusiveScan(x, x, f, pre);
#pragma unroll
      for (int j = 0; j < ITEMS; j++)
        if (kb + j < g.L.n) store<Op>(out + oo, g, kb + j, x[j]);
      __syncthreads(); // tmp is reused by the next tile
    }
  }
}

// ---- launchers ----
template <typename T, typename Op>
static mx_status run(mx_array *out, mx_array *const *in, int n, const mx_params *p) {
  mx_array *a = in[0];
  mxc_ctx c;
  if (!mxc_begin(out, &c)) return MX_ERROR;
  const char *src = (const char *)mxc_read(&c, a);
  if (!src) return MX_ERROR;
  char *dst = (char *)mxc_write(&c, in, 1);
  if (!dst) return MX_ERROR;
  if (out->size == 0) return MX_OK;
  scan_geom g;
  mxi_lines_plan(&g.L, a->ndim, a->shape, a->strides, out->strides, p->scan.axis);
  g.reverse = p->scan.reverse;
  g.inclusive = p->scan.inclusive;
  int64_t osz = (int64_t)sizeof(typename Op::Out), lines = g.L.nlines;
  if (lines >= 1024 && (g.L.out_step != osz || g.L.n <= 16)) {
    scan_cols<T, Op><<<mxc_blocks(lines, MXC_THREADS), MXC_THREADS, 0, c.s>>>(src, dst, g);
  } else if (g.L.n <= 1024) {
    scan_warps<T, Op><<<mxc_blocks(lines, MXC_THREADS / 32), MXC_THREADS, 0, c.s>>>(src, dst, g);
  } else {
    scan_blocks<T, Op><<<mxc_grid_capped(&c, lines, 1), MXC_THREADS, 0, c.s>>>(src, dst, g);
  }
  return mxc_launched(&c, mxi_prims[out->prim].name) ? MX_OK : MX_ERROR;
}

template <typename T> static mx_status by_prim(mx_array *out, mx_array *const *in, int n, const mx_params *p) {
  switch (out->prim) {
    case MX_PRIM_CUMSUM: return run<T, op_sp<T, false>>(out, in, n, p);
    case MX_PRIM_CUMPROD: return run<T, op_sp<T, true>>(out, in, n, p);
    case MX_PRIM_CUMMAX: return run<T, op_ext<T, true>>(out, in, n, p);
    case MX_PRIM_CUMMIN: return run<T, op_ext<T, false>>(out, in, n, p);
    case MX_PRIM_LOGCUMSUMEXP:
      if constexpr (std::is_floating_point<typename mxc_num<T>::C>::value) return run<T, op_lse<T>>(out, in, n, p);
      break;
    default: break;
  }
  return mxc_unsupported(out);
}

static mx_status k_scan(mx_array *out, mx_array *const *in, int n, const mx_params *p) {
  switch (in[0]->dtype) {
    MXC_CASES_BOOL(return by_prim<T>(out, in, n, p))
    MXC_CASES_INT(return by_prim<T>(out, in, n, p))
    MXC_CASES_FLOAT(return by_prim<T>(out, in, n, p))
    default: return mxc_unsupported(out);
  }
  return MX_ERROR;
}

// The accumulators' output types must be the shape rule's dtype; logcumsumexp is for floats.
template <typename T> static bool out_fits(const mx_array *node) {
  bool sp_out = node->prim == MX_PRIM_CUMSUM || node->prim == MX_PRIM_CUMPROD;
  if (node->prim == MX_PRIM_LOGCUMSUMEXP && !std::is_floating_point<typename mxc_num<T>::C>::value) return false;
  return mx_dtype_size((mx_dtype)node->dtype) == (sp_out ? sizeof(typename sp<T>::Out) : sizeof(T));
}

static bool supports(const mx_array *node) {
  switch (node->in[0]->dtype) {
    MXC_CASES_BOOL(return out_fits<T>(node))
    MXC_CASES_INT(return out_fits<T>(node))
    MXC_CASES_FLOAT(return out_fits<T>(node))
    default: return false; // complex64: the CPU
  }
  return false;
}

void mxc_register_scan(mx_kernel_fn *k, mxc_supports_fn *s) {
  const mx_prim prims[] = {MX_PRIM_CUMSUM, MX_PRIM_CUMPROD, MX_PRIM_CUMMAX, MX_PRIM_CUMMIN, MX_PRIM_LOGCUMSUMEXP};
  for (mx_prim p : prims) {
    k[p] = k_scan;
    s[p] = supports;
  }
}
