// reduce.cu — SUM, PROD, MAX, MIN, ALL, ANY over any axes (k_reduce.c's semantics: floats
// accumulate in float64, integers wrap in 64 bits unless SUM asks for float64, NaN propagates
// through max/min, empty reductions give the identity). The input is seen as kept axes K and reduced axes R, merged.
// Row kernel: a warp or a block per output over R (contiguous R reads coalesce). Column kernel:
// a thread per output when the innermost kept axis is the contiguous one. Few outputs with much
// to reduce split R over blockIdx.y into partials that a last kernel combines.
#include <type_traits>

#include "convert.cuh"
#include "reduce_util.cuh"

enum { OP_SUM, OP_PROD, OP_MAX, OP_MIN, OP_ALL, OP_ANY };

template <typename A, int OP> __device__ __forceinline__ A red_init() {
  if constexpr (OP == OP_SUM || OP == OP_ANY) return A(0);
  else if constexpr (OP == OP_PROD || OP == OP_ALL) return A(1);
  else if constexpr (std::is_floating_point<A>::value) return OP == OP_MAX ? -INFINITY : INFINITY;
  else if constexpr (std::is_signed<A>::value)
    return OP == OP_MAX ? (A)(-9223372036854775807ll - 1) : (A)9223372036854775807ll;
  else return OP == OP_MAX ? A(0) : (A)~0ull;
}

template <typename A, int OP> __device__ __forceinline__ A red_step(A a, A v) {
  if constexpr (OP == OP_SUM) {
    if constexpr (std::is_floating_point<A>::value) return a + v;
    else return (A)((unsigned long long)a + (unsigned long long)v);
  } else if constexpr (OP == OP_PROD) {
    if constexpr (std::is_floating_point<A>::value) return a * v;
    else return (A)((unsigned long long)a * (unsigned long long)v);
  } else if constexpr (OP == OP_MAX) {
    return (v > a || v != v) ? v : a;
  } else if constexpr (OP == OP_MIN) {
    return (v < a || v != v) ? v : a;
  } else if constexpr (OP == OP_ALL) {
    return (A)(a && v);
  } else {
    return (A)(a || v);
  }
}

// An input element as the accumulator's type (truthiness for ALL/ANY: NaN is true, -0.0 false).
template <typename T, typename A, int OP> __device__ __forceinline__ A red_load(const char *p) {
  auto w = mxc_wide(*reinterpret_cast<const T *>(p));
  if constexpr (OP == OP_ALL || OP == OP_ANY) return (A)(w != 0);
  else return (A)w;
}

template <typename A, int OP> struct red_combine {
  __device__ __forceinline__ A operator()(A a, A b) const { return red_step<A, OP>(a, b); }
};

// Stores a into out[o] converted to the output dtype (a uniform switch).
template <typename A> __device__ __forceinline__ void red_store(void *out, int64_t o, int odt, A a) {
  switch (odt) {
    MXC_CASES_BOOL(((T *)out)[o] = mxc_store<T>(a))
    MXC_CASES_INT(((T *)out)[o] = mxc_store<T>(a))
    MXC_CASES_FLOAT(((T *)out)[o] = mxc_store<T>(a))
    default: break;
  }
}

template <typename T, typename A, int OP, int G>
__global__ void reduce_rows(const char *in, mxc_red_plan P, int64_t chunk_len, A *partial, void *out, int odt) {
  __shared__ A scratch[MXC_THREADS / 32];
  int per_block = MXC_THREADS / G;
  int64_t o = (int64_t)blockIdx.x * per_block + threadIdx.x / G;
  int lane = threadIdx.x % G;
  A acc = red_init<A, OP>();
  if (o < P.nout) {
    const char *base = in + mxc_k_offset(P, o);
    int64_t r0 = (int64_t)blockIdx.y * chunk_len, r1 = r0 + chunk_len < P.nred ? r0 + chunk_len : P.nred;
    if (P.nr == 1) {
      int64_t s = P.rstride[0];
      for (int64_t r = r0 + lane; r < r1; r += G) acc = red_step<A, OP>(acc, red_load<T, A, OP>(base + r * s));
    } else {
      for (int64_t r = r0 + lane; r < r1; r += G)
        acc = red_step<A, OP>(acc, red_load<T, A, OP>(base + mxc_r_offset(P, r)));
    }
  }
  acc = mxc_group_reduce<G>(acc, red_combine<A, OP>(), scratch);
  if (lane == 0 && o < P.nout) {
    if (partial) partial[(int64_t)blockIdx.y * P.nout + o] = acc;
    else red_store(out, o, odt, acc);
  }
}

template <typename T, typename A, int OP>
__global__ void reduce_cols(const char *in, mxc_red_plan P, int64_t chunk_len, A *partial, void *out, int odt) {
  int64_t o = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (o >= P.nout) return;
  const char *base = in + mxc_k_offset(P, o);
  int64_t r0 = (int64_t)blockIdx.y * chunk_len, r1 = r0 + chunk_len < P.nred ? r0 + chunk_len : P.nred;
  A acc = red_init<A, OP>();
  if (P.nr == 1) {
    int64_t s = P.rstride[0];
    for (int64_t r = r0; r < r1; r++) acc = red_step<A, OP>(acc, red_load<T, A, OP>(base + r * s));
  } else {
    for (int64_t r = r0; r < r1; r++) acc = red_step<A, OP>(acc, red_load<T, A, OP>(base + mxc_r_offset(P, r)));
  }
  if (partial) partial[(int64_t)blockIdx.y * P.nout + o] = acc;
  else red_store(out, o, odt, acc);
}

template <typename A, int OP>
__global__ void reduce_finish(const A *partial, int64_t chunks, int64_t nout, void *out, int odt) {
  int64_t o = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (o >= nout) return;
  A acc = red_init<A, OP>();
  for (int64_t c = 0; c < chunks; c++) acc = red_step<A, OP>(acc, partial[c * nout + o]);
  red_store(out, o, odt, acc);
}

template <typename T, typename A, int OP> static mx_status run(mx_array *out, mx_array *x, const mx_params *p) {
  mxc_ctx c;
  if (!mxc_begin(out, &c)) return MX_ERROR;
  const char *in = (const char *)mxc_read(&c, x);
  if (!in) return MX_ERROR;
  void *o = mxc_write(&c, NULL, 0);
  if (!o) return MX_ERROR;
  mxc_red_plan P;
  mxc_make_red_plan(&P, x, p->reduce.naxes, p->reduce.axes);
  if (P.nout == 0) return MX_OK;
  const int64_t esz = (int64_t)sizeof(T), waves = (int64_t)c.dev->sm_count * 4;
  bool row_contig = P.nr > 0 && P.rstride[P.nr - 1] == esz;
  bool col = !row_contig && P.nr > 0 && P.nk > 0 && P.kstride[P.nk - 1] == esz;
  int G = P.nred >= 2048 ? MXC_THREADS : 32;
  int64_t bx = col ? (P.nout + MXC_THREADS - 1) / MXC_THREADS : (P.nout + MXC_THREADS / G - 1) / (MXC_THREADS / G);
  // split R when the outputs alone would not fill the GPU and each split keeps enough to do
  int64_t min_per_chunk = col ? 64 : (int64_t)G * 8, chunks = 1;
  if (bx < waves && P.nred >= 2 * min_per_chunk) {
    chunks = (waves + bx - 1) / bx;
    if (chunks > P.nred / min_per_chunk) chunks = P.nred / min_per_chunk;
    if (chunks > 65535) chunks = 65535;
  }
  int64_t chunk_len = (P.nred + chunks - 1) / chunks;
  A *partial = NULL;
  if (chunks > 1 && !(partial = (A *)mxc_scratch(&c, (size_t)(chunks * P.nout) * sizeof(A)))) return MX_ERROR;
  dim3 grid((unsigned)bx, (unsigned)chunks);
  int odt = out->dtype;
  if (col)
    reduce_cols<T, A, OP><<<grid, MXC_THREADS, 0, c.s>>>(in, P, chunk_len, partial, o, odt);
  else if (G == 32)
    reduce_rows<T, A, OP, 32><<<grid, MXC_THREADS, 0, c.s>>>(in, P, chunk_len, partial, o, odt);
  else
    reduce_rows<T, A, OP, MXC_THREADS><<<grid, MXC_THREADS, 0, c.s>>>(in, P, chunk_len, partial, o, odt);
  bool ok = mxc_launched(&c, mxi_prims[out->prim].name);
  if (ok && partial) {
    reduce_finish<A, OP><<<mxc_blocks(P.nout, MXC_THREADS), MXC_THREADS, 0, c.s>>>(partial, chunks, P.nout, o, odt);
    ok = mxc_launched(&c, mxi_prims[out->prim].name);
  }
  mxc_scratch_free(&c, partial);
  return ok ? MX_OK : MX_ERROR;
}

// The accumulator: float64 for floats, int64 for bool and signed, uint64 for unsigned; ALL/ANY
// count truthiness in int64.
template <typename T> struct acc_of {
  typedef typename std::conditional<
      std::is_same<T, mxc_f16>::value || std::is_same<T, mxc_bf16>::value || std::is_floating_point<T>::value,
      double,
      typename std::conditional<std::is_same<T, mxc_bool>::value || std::is_signed<T>::value, long long,
                                unsigned long long>::type>::type type;
};

template <typename T> static mx_status dispatch_op(mx_array *out, mx_array *x, const mx_params *p) {
  typedef typename acc_of<T>::type A;
  switch (out->prim) {
    case MX_PRIM_SUM:
      if constexpr (!std::is_same<A, double>::value) // the mean of integers: float64, as the CPU
        if (p->reduce.to_float64) return run<T, double, OP_SUM>(out, x, p);
      return run<T, A, OP_SUM>(out, x, p);
    case MX_PRIM_PROD: return run<T, A, OP_PROD>(out, x, p);
    case MX_PRIM_MAX: return run<T, A, OP_MAX>(out, x, p);
    case MX_PRIM_MIN: return run<T, A, OP_MIN>(out, x, p);
    case MX_PRIM_ALL: return run<T, long long, OP_ALL>(out, x, p);
    default: return run<T, long long, OP_ANY>(out, x, p);
  }
}

static mx_status k_reduce(mx_array *out, mx_array *const *in, int n, const mx_params *p) {
  switch (in[0]->dtype) {
    MXC_CASES_BOOL(return dispatch_op<T>(out, in[0], p))
    MXC_CASES_INT(return dispatch_op<T>(out, in[0], p))
    MXC_CASES_FLOAT(return dispatch_op<T>(out, in[0], p))
    default: return mxc_unsupported(out);
  }
  return MX_ERROR;
}

static bool supports(const mx_array *node) { return mxc_is_real((mx_dtype)node->in[0]->dtype); }

void mxc_register_reduce(mx_kernel_fn *k, mxc_supports_fn *s) {
  const mx_prim prims[] = {MX_PRIM_SUM, MX_PRIM_PROD, MX_PRIM_MAX, MX_PRIM_MIN, MX_PRIM_ALL, MX_PRIM_ANY};
  for (mx_prim p : prims) {
    k[p] = k_reduce;
    s[p] = supports; // complex64: the CPU
  }
}
