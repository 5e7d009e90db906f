// scatter.cu — SCATTER and SCATTER_ALONG_AXIS: out starts as a (its donated buffer or a copy) and
// updates are combined in by mode with atomics. The CPU applies updates in position order, so:
// - assign: the update with the highest position wins. A racing write would pick any of them, so
//   a first pass claims each destination with atomicMax(position + 1) and a second pass writes
//   only the winners (exact, by bytes: every dtype).
// - add/max/min/prod: the CPU's combine of each dtype (integers wrap, NaN propagates, float16 and
//   bfloat16 computed in float32), atomically; hardware atomics where they exist, else a CAS loop
//   on the 4- or 8-byte word holding the element. Integers are exact in any order; float sums
//   and products differ from the CPU's sequential order only by rounding.
// Indices are checked as in gather.cu; a bad one fails the node with the CPU's message.
#include <type_traits>

#include "dtypes.cuh"
#include "index.cuh"

// ---- combine ops on compute types, as cpu/k_scatter.c (bool's 0/1 make add and max an or,
// prod and min an and) ----
struct op_assign {};
struct op_add {
  template <typename C> static __device__ __forceinline__ C f(C x, C y) {
    if constexpr (std::is_integral<C>::value) return (C)((uint64_t)x + (uint64_t)y);
    else return x + y;
  }
};
struct op_prod {
  template <typename C> static __device__ __forceinline__ C f(C x, C y) {
    if constexpr (std::is_integral<C>::value) return (C)((uint64_t)x * (uint64_t)y);
    else return x * y;
  }
};
struct op_max {
  template <typename C> static __device__ __forceinline__ C f(C x, C y) {
    if constexpr (std::is_integral<C>::value) return y > x ? y : x;
    else return (y > x || y != y) ? y : x;
  }
};
struct op_min {
  template <typename C> static __device__ __forceinline__ C f(C x, C y) {
    if constexpr (std::is_integral<C>::value) return y < x ? y : x;
    else return (y < x || y != y) ? y : x;
  }
};

// *p = Op(*p, y) by compare-and-swap on the 4- or 8-byte word holding *p. Stops early when the
// value would not change (max/min that lose, NaN that stays).
template <typename T, typename Op> __device__ void cas_combine(T *p, T y) {
  typedef mxc_num<T> N;
  if constexpr (sizeof(T) == 8 || sizeof(T) == 4) {
    typedef typename std::conditional<sizeof(T) == 8, unsigned long long, unsigned>::type W;
    W *w = (W *)p, old = *(volatile W *)w, as;
    do {
      as = old;
      T x, r;
      memcpy(&x, &as, sizeof x);
      r = N::st(Op::f(N::ld(x), N::ld(y)));
      W nv;
      memcpy(&nv, &r, sizeof nv);
      if (nv == as) return;
      old = atomicCAS(w, as, nv);
    } while (old != as);
  } else {
    // 1 or 2 bytes: the aligned 32-bit word around it (device buffers are 512-byte aligned, so the
    // word stays inside the allocation; its other bytes are written back unchanged)
    uintptr_t addr = (uintptr_t)p;
    unsigned *w = (unsigned *)(addr & ~(uintptr_t)3), sh = (unsigned)(addr & 3) * 8;
    unsigned mask = (sizeof(T) == 1 ? 0xffu : 0xffffu) << sh, old = *(volatile unsigned *)w, as;
    do {
      as = old;
      unsigned bits = (as & mask) >> sh, nb = 0;
      T x, r;
      memcpy(&x, &bits, sizeof x); // little-endian: the low bytes
      r = N::st(Op::f(N::ld(x), N::ld(y)));
      memcpy(&nb, &r, sizeof r);
      unsigned nv = (as & ~mask) | (nb << sh);
      if (nv == as) return;
      old = atomicCAS(w, as, nv);
    } while (old != as);
  }
}

template <typename T>
constexpr bool is_i32 = std::is_same<T, int32_t>::value || std::is_same<T, uint32_t>::value;
template <typename T>
constexpr bool is_i64 = std::is_same<T, int64_t>::value || std::is_same<T, uint64_t>::value;

template <typename T, typename Op> __device__ __forceinline__ void combine(T *p, T y) {
  constexpr bool add = std::is_same<Op, op_add>::value;
  constexpr bool mx = std::is_same<Op, op_max>::value, mn = std::is_same<Op, op_min>::value;
  if constexpr (add && (std::is_same<T, float>::value || std::is_same<T, double>::value)) {
    atomicAdd(p, y);
  } else if constexpr (add && is_i32<T>) {
    atomicAdd((unsigned *)p, (unsigned)y); // wraps like the CPU's uint64 sum
  } else if constexpr (add && is_i64<T>) {
    atomicAdd((unsigned long long *)p, (unsigned long long)y);
  } else if constexpr ((mx || mn) && std::is_same<T, int32_t>::value) {
    if constexpr (mx) atomicMax((int *)p, (int)y); else atomicMin((int *)p, (int)y);
  } else if constexpr ((mx || mn) && std::is_same<T, uint32_t>::value) {
    if constexpr (mx) atomicMax((unsigned *)p, (unsigned)y); else atomicMin((unsigned *)p, (unsigned)y);
  } else if constexpr ((mx || mn) && std::is_same<T, int64_t>::value) {
    if constexpr (mx) atomicMax((long long *)p, (long long)y); else atomicMin((long long *)p, (long long)y);
  } else if constexpr ((mx || mn) && std::is_same<T, uint64_t>::value) {
    if constexpr (mx) atomicMax((unsigned long long *)p, (unsigned long long)y);
    else atomicMin((unsigned long long *)p, (unsigned long long)y);
  } else {
    cas_combine<T, Op>(p, y);
  }
}

// ---- SCATTER kernels: item i = (position f, block element b) ----
struct scatter_args {
  char *o;
  const char *u;
  const int64_t *offs, *uoffs; // per position (NULL: no index arrays, one position at 0)
  mxi_copy_plan bp;            // the block: out's strides, updates' strides
  int64_t n;                   // positions * block size
};

__device__ __forceinline__ void scatter_item(const scatter_args &s, int64_t i, int64_t *f, int64_t *od,
                                             int64_t *us) {
  int64_t pos = i / s.bp.n;
  mxi_copy_plan_off(&s.bp, i - pos * s.bp.n, od, us);
  if (s.offs) {
    *od += s.offs[pos];
    *us += s.uoffs[pos];
  }
  *f = pos;
}

template <typename T, typename Op> __global__ void scatter_combine(scatter_args s) {
  int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < s.n; i += step) {
    int64_t f, od, us;
    scatter_item(s, i, &f, &od, &us);
    combine<T, Op>((T *)(s.o + od), *(const T *)(s.u + us));
  }
}

// win[e] = the highest position + 1 writing element e (out is row-major from offset 0).
template <typename W> __global__ void scatter_claim(scatter_args s, W *win, int isz) {
  int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < s.n; i += step) {
    int64_t f, od, us;
    scatter_item(s, i, &f, &od, &us);
    atomicMax(&win[od / isz], (W)(f + 1));
  }
}

template <typename T, typename W> __global__ void scatter_assign(scatter_args s, const W *win) {
  int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < s.n; i += step) {
    int64_t f, od, us;
    scatter_item(s, i, &f, &od, &us);
    if (!win || win[od / (int64_t)sizeof(T)] == (W)(f + 1)) *(T *)(s.o + od) = *(const T *)(s.u + us);
  }
}

// ---- SCATTER_ALONG_AXIS kernels: one item per index (w: target out, indices, values) ----
template <typename T, typename Op>
__global__ void along_combine(char *o, const char *idx, const char *v, mxi_along w, unsigned long long *bad) {
  int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < w.n; i += step) {
    int64_t off[3], pos;
    if (mxi_along_at(&w, idx, i, off, &pos)) combine<T, Op>((T *)(o + off[0]), *(const T *)(v + off[2]));
    else mxc_note_bad(bad, pos);
  }
}

// Duplicates share a row (the other axes fixed), where a later i is a later j: the CPU's order.
template <typename W>
__global__ void along_claim(W *win, const char *idx, mxi_along w, int isz, unsigned long long *bad) {
  int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < w.n; i += step) {
    int64_t off[3], pos;
    if (mxi_along_at(&w, idx, i, off, &pos)) atomicMax(&win[off[0] / isz], (W)(i + 1));
    else mxc_note_bad(bad, pos);
  }
}

template <typename T, typename W>
__global__ void along_assign(char *o, const char *idx, const char *v, mxi_along w, const W *win) {
  int64_t step = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < w.n; i += step) {
    int64_t off[3], pos;
    if (mxi_along_at(&w, idx, i, off, &pos) && win[off[0] / (int64_t)sizeof(T)] == (W)(i + 1))
      *(T *)(o + off[0]) = *(const T *)(v + off[2]);
  }
}

// ---- launchers ----

template <typename T, typename W>
static bool claim_assign(mxc_ctx *c, const scatter_args &s, int64_t nout, unsigned grid) {
  W *win = (W *)mxc_scratch(c, (size_t)nout * sizeof(W));
  if (!win) return false;
  bool ok = mxc_ok(c, cudaMemsetAsync(win, 0, (size_t)nout * sizeof(W), c->s), "clearing claims (cudaMemsetAsync)");
  if (ok) {
    scatter_claim<W><<<grid, MXC_THREADS, 0, c->s>>>(s, win, (int)sizeof(T));
    ok = mxc_launched(c, "scatter (claim)");
  }
  if (ok) {
    scatter_assign<T, W><<<grid, MXC_THREADS, 0, c->s>>>(s, win);
    ok = mxc_launched(c, "scatter");
  }
  mxc_scratch_free(c, win);
  return ok;
}

template <typename T, typename Op>
static bool launch_scatter(mxc_ctx *c, const scatter_args &s, int64_t npos, int64_t nout) {
  unsigned grid = mxc_grid_capped(c, s.n, MXC_THREADS);
  if constexpr (!std::is_same<Op, op_assign>::value) {
    scatter_combine<T, Op><<<grid, MXC_THREADS, 0, c->s>>>(s);
    return mxc_launched(c, "scatter");
  } else {
    if (npos == 1) { // one position: its block's elements are distinct
      scatter_assign<T, unsigned><<<grid, MXC_THREADS, 0, c->s>>>(s, NULL);
      return mxc_launched(c, "scatter");
    }
    if (npos < 0xffffffffll) return claim_assign<T, unsigned>(c, s, nout, grid);
    return claim_assign<T, unsigned long long>(c, s, nout, grid);
  }
}

// Reads the node's arrays, starts out from a (donated or copied) and returns out's data.
static char *start_from_a(mxc_ctx *c, mx_array *const *in, int n, const char **ptrs) {
  for (int k = 0; k < n; k++)
    if (!(ptrs[k] = (const char *)mxc_read(c, in[k]))) return NULL;
  char *o = (char *)mxc_write(c, in, 1);
  if (o && c->out->buf != in[0]->buf && !mxc_copy_into(c, o, c->out->strides, ptrs[0], in[0])) return NULL;
  return o;
}

template <typename T, typename Op>
static mx_status run_scatter(mx_array *out, mx_array *const *in, int n, const mx_params *p) {
  mx_array *a = in[0], *u = in[1];
  int nidx = n - 2, ni = nidx > 0 ? in[2]->ndim : 0;
  const int64_t *block = u->shape + ni;
  int64_t ost[MX_MAX_DIMS], acc = sizeof(T); // out's row-major strides
  for (int i = a->ndim - 1; i >= 0; i--) {
    ost[i] = acc;
    acc *= a->shape[i];
  }
  mxi_ix_set s;
  mxi_ix_set_make(&s, nidx, in + 2, p->gather.axes, a->shape, block, ost, u);
  int host = mxc_ix_host_check(&s, in + 2);
  if (host == 0) {
    mxi_ix_fail_scatter(out, in, n, p);
    return MX_ERROR;
  }
  mxc_ctx c;
  if (!mxc_begin(out, &c)) return MX_ERROR;
  const char *ptrs[2 + MX_MAX_DIMS];
  char *o = start_from_a(&c, in, n, ptrs);
  if (!o) return MX_ERROR;
  for (int k = 0; k < nidx; k++) s.base[k] = ptrs[2 + k];
  scatter_args sa = {o, ptrs[1], NULL, NULL, {}, 0};
  mxi_copy_plan_make(&sa.bp, a->ndim, block, out->strides, u->strides + ni);
  sa.n = s.nI * sa.bp.n;
  int64_t *offs = NULL;
  unsigned long long *bad = NULL;
  bool ok = true;
  if (nidx > 0 && s.nI > 0) {
    ok = (offs = (int64_t *)mxc_scratch(&c, 2 * (size_t)s.nI * sizeof *offs)) != NULL &&
         (host > 0 || (bad = mxc_bad_word(&c))) && mxc_ix_offsets_launch(&c, &s, offs, offs + s.nI, bad);
    sa.offs = offs;
    sa.uoffs = offs + s.nI;
  }
  if (ok && sa.n > 0) ok = launch_scatter<T, Op>(&c, sa, s.nI, out->size);
  unsigned long long first = MXC_NO_BAD;
  if (bad) ok = mxc_bad_read(&c, bad, &first) && ok;
  mxc_scratch_free(&c, offs);
  if (!ok) return MX_ERROR;
  if (first == MXC_NO_BAD) return MX_OK;
  mxi_ix_fail_scatter(out, in, n, p);
  return MX_ERROR;
}

template <typename T, typename W>
static bool along_claim_assign(mxc_ctx *c, char *o, const char *const *ptrs, const mxi_along &w, int64_t nout,
                               unsigned grid, unsigned long long *bad) {
  W *win = (W *)mxc_scratch(c, (size_t)nout * sizeof(W));
  if (!win) return false;
  bool ok = mxc_ok(c, cudaMemsetAsync(win, 0, (size_t)nout * sizeof(W), c->s), "clearing claims (cudaMemsetAsync)");
  if (ok) {
    along_claim<W><<<grid, MXC_THREADS, 0, c->s>>>(win, ptrs[1], w, (int)sizeof(T), bad);
    ok = mxc_launched(c, "scatter_along_axis (claim)");
  }
  if (ok) {
    along_assign<T, W><<<grid, MXC_THREADS, 0, c->s>>>(o, ptrs[1], ptrs[2], w, win);
    ok = mxc_launched(c, "scatter_along_axis");
  }
  mxc_scratch_free(c, win);
  return ok;
}

template <typename T, typename Op>
static mx_status run_along(mx_array *out, mx_array *const *in, const mx_params *p) {
  mx_array *idx = in[1];
  mxi_along w;
  mxi_along_make(&w, p->along.axis, in[0], idx, in[2]); // out's strides (operand 0) set below
  int64_t hbad;
  int host = mxc_along_host_check(&w, idx, &hbad);
  if (host == 0) {
    mxi_ix_fail_along(out, idx, w.dim, hbad, p);
    return MX_ERROR;
  }
  mxc_ctx c;
  if (!mxc_begin(out, &c)) return MX_ERROR;
  const char *ptrs[3];
  char *o = start_from_a(&c, in, 3, ptrs);
  if (!o) return MX_ERROR;
  if (idx->size == 0) return MX_OK;
  for (int d = 0; d < out->ndim; d++) w.st[0][d] = out->strides[d];
  unsigned long long *bad = host > 0 ? NULL : mxc_bad_word(&c);
  if (host < 0 && !bad) return MX_ERROR;
  unsigned grid = mxc_grid_capped(&c, w.n, MXC_THREADS);
  bool ok;
  if constexpr (!std::is_same<Op, op_assign>::value) {
    along_combine<T, Op><<<grid, MXC_THREADS, 0, c.s>>>(o, ptrs[1], ptrs[2], w, bad);
    ok = mxc_launched(&c, "scatter_along_axis");
  } else if (w.n < 0xffffffffll) {
    ok = along_claim_assign<T, unsigned>(&c, o, ptrs, w, out->size, grid, bad);
  } else {
    ok = along_claim_assign<T, unsigned long long>(&c, o, ptrs, w, out->size, grid, bad);
  }
  unsigned long long first = MXC_NO_BAD;
  if (bad) ok = mxc_bad_read(&c, bad, &first) && ok;
  if (!ok) return MX_ERROR;
  if (first == MXC_NO_BAD) return MX_OK;
  mxi_ix_fail_along(out, idx, w.dim, (int64_t)first, p);
  return MX_ERROR;
}

template <typename T, typename Op>
static mx_status run(mx_array *out, mx_array *const *in, int n, const mx_params *p) {
  if (out->prim == MX_PRIM_SCATTER_ALONG_AXIS) return run_along<T, Op>(out, in, p);
  return run_scatter<T, Op>(out, in, n, p);
}

template <typename T> static mx_status by_mode(mx_array *out, mx_array *const *in, int n, const mx_params *p,
                                               mx_scatter_mode mode) {
  switch (mode) {
    case MX_SCATTER_ADD: return run<T, op_add>(out, in, n, p);
    case MX_SCATTER_MAX: return run<T, op_max>(out, in, n, p);
    case MX_SCATTER_MIN: return run<T, op_min>(out, in, n, p);
    case MX_SCATTER_PROD: return run<T, op_prod>(out, in, n, p);
    default: return mxc_unsupported(out);
  }
}

static mx_status k_scatter(mx_array *out, mx_array *const *in, int n, const mx_params *p) {
  mx_scatter_mode mode = out->prim == MX_PRIM_SCATTER_ALONG_AXIS ? p->along.mode : p->gather.mode;
  if (mode == MX_SCATTER_ASSIGN) { // moves bytes: every dtype
    switch (mx_dtype_size((mx_dtype)out->dtype)) {
      case 1: return run<uint8_t, op_assign>(out, in, n, p);
      case 2: return run<uint16_t, op_assign>(out, in, n, p);
      case 4: return run<uint32_t, op_assign>(out, in, n, p);
      default: return run<uint64_t, op_assign>(out, in, n, p);
    }
  }
  switch (out->dtype) {
    MXC_CASES_BOOL(return by_mode<T>(out, in, n, p, mode))
    MXC_CASES_INT(return by_mode<T>(out, in, n, p, mode))
    MXC_CASES_FLOAT(return by_mode<T>(out, in, n, p, mode))
    default: return mxc_unsupported(out);
  }
  return MX_ERROR;
}

// Assignment moves bytes (every dtype); the arithmetic modes are typed: not complex64.
static bool supports(const mx_array *node) {
  mx_scatter_mode mode = node->prim == MX_PRIM_SCATTER_ALONG_AXIS ? node->params->along.mode : node->params->gather.mode;
  if (mode == MX_SCATTER_ASSIGN) return true;
  bool known = mode == MX_SCATTER_ADD || mode == MX_SCATTER_MAX || mode == MX_SCATTER_MIN || mode == MX_SCATTER_PROD;
  return known && mxc_is_real((mx_dtype)node->dtype);
}

void mxc_register_scatter(mx_kernel_fn *k, mxc_supports_fn *s) {
  k[MX_PRIM_SCATTER] = k[MX_PRIM_SCATTER_ALONG_AXIS] = k_scatter;
  s[MX_PRIM_SCATTER] = s[MX_PRIM_SCATTER_ALONG_AXIS] = supports;
}
