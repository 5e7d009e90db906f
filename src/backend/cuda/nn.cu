// nn.cu — fused row kernels for SOFTMAX, LOG_SOFTMAX, LAYER_NORM and RMS_NORM over the last axis
// (k_nn.c's semantics: float16/bfloat16 compute in float32, norms take x - mean in float64).
// A warp per row for rows up to 1024 elements, a block per row above; a row up to 32 (warp) or
// 16 (block) values per thread stays in registers across the passes, longer rows are re-read.
#include "reduce_util.cuh"
#include "dtypes.cuh"

struct nn_geom {
  int ndim; // of x
  int64_t shape[MX_MAX_DIMS], strides[MX_MAX_DIMS];
  int64_t rows, n, s; // s: byte stride along the row
  int64_t ws, bs;     // byte strides of weight and bias
};

__device__ __forceinline__ int64_t row_offset(const nn_geom &g, int64_t r) {
  int64_t off = 0;
  for (int i = g.ndim - 2; i >= 0; i--) {
    off += (r % g.shape[i]) * g.strides[i];
    r /= g.shape[i];
  }
  return off;
}

struct add_d {
  __device__ __forceinline__ double operator()(double a, double b) const { return a + b; }
};
template <typename C> struct max_c {
  __device__ __forceinline__ C operator()(C a, C b) const { return (b > a || b != b) ? b : a; }
};

// Combines v over the row's G threads; every thread gets the result.
template <int G, typename V, typename F>
__device__ __forceinline__ V row_allreduce(V v, F f, V *scratch) {
  v = mxc_group_reduce<G>(v, f, scratch);
  if (G == 32) return __shfl_sync(0xffffffffu, v, 0);
  if (threadIdx.x == 0) scratch[0] = v;
  __syncthreads();
  v = scratch[0];
  __syncthreads();
  return v;
}

enum { K_SOFTMAX, K_LOG_SOFTMAX, K_LAYER_NORM, K_RMS_NORM };

template <typename T, int KIND, int G, int R>
__global__ void rows_kernel(const char *x, T *out, const char *w, const char *b, nn_geom g, double eps) {
  typedef typename mxc_num<T>::C C; // float, or double for float64
  __shared__ double dscratch[MXC_THREADS / 32];
  __shared__ C cscratch[MXC_THREADS / 32];
  int64_t row = (int64_t)blockIdx.x * (MXC_THREADS / G) + threadIdx.x / G;
  int lane = threadIdx.x % G;
  bool active = row < g.rows;
  const char *base = x + (active ? row_offset(g, row) : 0);
  const int64_t n = active ? g.n : 0, s = g.s;
  const bool cached = g.n <= (int64_t)G * R;
  auto load = [&](int64_t i) -> C { return mxc_num<T>::ld(*reinterpret_cast<const T *>(base + i * s)); };
  C v[R];
  if (cached) {
#pragma unroll
    for (int k = 0; k < R; k++) {
      int64_t i = lane + (int64_t)k * G;
      v[k] = i < n ? load(i) : C(0);
    }
  }
  // calls f(value, index) for the row elements this thread owns
  auto each = [&](auto f) {
    if (cached) {
#pragma unroll
      for (int k = 0; k < R; k++) {
        int64_t i = lane + (int64_t)k * G;
        if (i < n) f(v[k], i);
      }
    } else {
      for (int64_t i = lane; i < n; i += G) f(load(i), i);
    }
  };
  T *o = out + (active ? row * g.n : 0);
  if (KIND == K_SOFTMAX || KIND == K_LOG_SOFTMAX) {
    C m = -INFINITY;
    each([&](C a, int64_t) { m = (a > m || a != a) ? a : m; });
    m = row_allreduce<G>(m, max_c<C>(), cscratch);
    C part = 0;
    each([&](C a, int64_t) { part += exp(a - m); });
    double sum = row_allreduce<G>((double)part, add_d(), dscratch);
    if (KIND == K_SOFTMAX) {
      C inv = (C)(1.0 / sum);
      each([&](C a, int64_t i) { o[i] = mxc_num<T>::st(exp(a - m) * inv); });
    } else {
      C ls = (C)log(sum);
      each([&](C a, int64_t i) { o[i] = mxc_num<T>::st((a - m) - ls); });
    }
  } else {
    double mu = 0;
    if (KIND == K_LAYER_NORM) {
      C part = 0;
      each([&](C a, int64_t) { part += a; });
      mu = row_allreduce<G>((double)part, add_d(), dscratch) / (double)g.n;
    }
    double q = 0;
    each([&](C a, int64_t) {
      double d = (double)a - mu;
      q += d * d;
    });
    double var = row_allreduce<G>(q, add_d(), dscratch) / (double)g.n;
    C r = (C)(1.0 / sqrt(var + eps));
    each([&](C a, int64_t i) {
      C y = (C)((double)a - mu) * r;
      if (w) y *= mxc_num<T>::ld(*reinterpret_cast<const T *>(w + i * g.ws));
      if (b) y += mxc_num<T>::ld(*reinterpret_cast<const T *>(b + i * g.bs));
      o[i] = mxc_num<T>::st(y);
    });
  }
}

template <typename T, int KIND>
static void launch(mxc_ctx *c, const char *x, T *o, const char *w, const char *b, const nn_geom &g, double eps) {
  if (g.n <= 1024)
    rows_kernel<T, KIND, 32, 32><<<mxc_blocks(g.rows, MXC_THREADS / 32), MXC_THREADS, 0, c->s>>>(x, o, w, b, g, eps);
  else
    rows_kernel<T, KIND, MXC_THREADS, 16><<<mxc_blocks(g.rows, 1), MXC_THREADS, 0, c->s>>>(x, o, w, b, g, eps);
}

template <typename T> static mx_status run(mx_array *out, mx_array *const *in, int nin, const mx_params *p) {
  mxc_ctx c;
  if (!mxc_begin(out, &c)) return MX_ERROR;
  mx_array *x = in[0];
  const char *px = (const char *)mxc_read(&c, x), *pw = NULL, *pb = NULL;
  if (!px) return MX_ERROR;
  nn_geom g;
  memset(&g, 0, sizeof g);
  mx_prim prim = (mx_prim)out->prim;
  bool is_norm = prim == MX_PRIM_LAYER_NORM || prim == MX_PRIM_RMS_NORM;
  if (is_norm) {
    int k = 1;
    if (p->norm.has_weight && k < nin) {
      g.ws = in[k]->strides[0];
      if (!(pw = (const char *)mxc_read(&c, in[k++]))) return MX_ERROR;
    }
    if (prim == MX_PRIM_LAYER_NORM && p->norm.has_bias && k < nin) {
      g.bs = in[k]->strides[0];
      if (!(pb = (const char *)mxc_read(&c, in[k++]))) return MX_ERROR;
    }
  }
  T *o = (T *)mxc_write(&c, in, 1);
  if (!o) return MX_ERROR;
  if (out->size == 0) return MX_OK;
  g.ndim = x->ndim;
  for (int i = 0; i < x->ndim; i++) {
    g.shape[i] = x->shape[i];
    g.strides[i] = x->strides[i];
  }
  g.n = x->shape[x->ndim - 1];
  g.s = x->strides[x->ndim - 1];
  g.rows = out->size / g.n;
  // the CPU adds float32 eps for float32 rows: the same number here
  double eps = is_norm ? (x->dtype == MX_FLOAT64 ? p->norm.eps : (double)(float)p->norm.eps) : 0;
  switch (prim) {
    case MX_PRIM_SOFTMAX: launch<T, K_SOFTMAX>(&c, px, o, pw, pb, g, eps); break;
    case MX_PRIM_LOG_SOFTMAX: launch<T, K_LOG_SOFTMAX>(&c, px, o, pw, pb, g, eps); break;
    case MX_PRIM_LAYER_NORM: launch<T, K_LAYER_NORM>(&c, px, o, pw, pb, g, eps); break;
    default: launch<T, K_RMS_NORM>(&c, px, o, pw, pb, g, eps); break;
  }
  return mxc_launched(&c, mxi_prims[prim].name) ? MX_OK : MX_ERROR;
}

static mx_status k_rows(mx_array *out, mx_array *const *in, int n, const mx_params *p) {
  switch (in[0]->dtype) {
    MXC_CASES_FLOAT(return run<T>(out, in, n, p))
    default: return mxc_unsupported(out);
  }
  return MX_ERROR;
}

static bool supports(const mx_array *node) { return mxc_is_float((mx_dtype)node->in[0]->dtype); }

void mxc_register_nn(mx_kernel_fn *k, mxc_supports_fn *s) {
  const mx_prim prims[] = {MX_PRIM_SOFTMAX, MX_PRIM_LOG_SOFTMAX, MX_PRIM_LAYER_NORM, MX_PRIM_RMS_NORM};
  for (mx_prim p : prims) {
    k[p] = k_rows;
    s[p] = supports;
  }
}
