// common.cuh — what the CUDA backend's files share: the per-device context, checked CUDA calls,
// device pointers of a kernel's inputs and output, launch checks, CPU fallback.
#ifndef MX_CUDA_COMMON_CUH
#define MX_CUDA_COMMON_CUH

#include <cublasLt.h>
#include <cuda_runtime.h>
#include <pthread.h>

#include <atomic>

extern "C" {
#include "../../core/backend.h"
#include "pool.h"
#include "staging.h"
}

#define MXC_MAX_DEVICES 16
#define MXC_MAX_STREAMS 32
#define MXC_THREADS 256

struct mxc_matmul_cache; // matmul.cu

// Everything one GPU needs; the backend keeps one per device and nothing else global.
struct mxc_device {
  int index;
  char name[256];
  size_t total_mem;
  int sm_count, cc_major, cc_minor;
  size_t smem_optin; // the most shared memory a block may ask for
  pthread_mutex_t mu; // streams, staging ring, cuBLASLt handle
  cudaStream_t streams[MXC_MAX_STREAMS];
  std::atomic<int> nstreams;
  mxi_pool *pool;
  bool guard; // MX_CUDA_GUARD=1: canaries after every allocation
  // pinned staging for host <-> device copies
  char *pinned;
  size_t pinned_size;
  bool pinned_failed;
  cudaEvent_t fences[MXI_RING_SLOTS];
  cudaStream_t fence_stream; // where the next fence is recorded
  cudaError_t fence_err;     // first failure of a fence during one transfer (reported by it)
  mxi_ring ring;
  std::atomic<size_t> h2d, d2h;
  // cuBLASLt
  cublasLtHandle_t lt;
  void *lt_ws[MXC_MAX_STREAMS]; // one workspace per stream: matmuls on two streams may overlap
  size_t lt_ws_size;
  bool tf32; // MX_CUDA_TF32=1
  mxc_matmul_cache *mm_cache;
};

// The context of device i (NULL when out of range or not initialized).
mxc_device *mxc_dev(int index);
int mxc_device_count();

// ---- one kernel launch: the node's device and stream ----
struct mxc_ctx {
  mxc_device *dev;
  cudaStream_t s;
  int sidx;
  mx_array *out;
};

// The CUDA backend's table (backend.cu): kernels pass it where core asks which backend acts.
mx_backend *mxc_backend();

// Sets the device, picks the node's stream. false (error set on out) when the device is gone.
bool mxc_begin(mx_array *out, mxc_ctx *c);
// True when e is cudaSuccess; else fails out with the call, the op's shapes and CUDA's message.
bool mxc_ok(mxc_ctx *c, cudaError_t e, const char *what);
// After a launch: reports a bad configuration (the kernel's failures surface at synchronize).
bool mxc_launched(mxc_ctx *c, const char *kernel);
// x's data on c's device (its block plus x's offset), in c's stream's order after x's last write.
// Eval has made the node's inputs current on the device; anything else (a compact copy made by the
// kernel) is moved here. NULL on failure (error set on out).
const void *mxc_read(mxc_ctx *c, mx_array *x);
// Allocates out (row-major) on c's device, or takes over the buffer of one of in[0..n) that eval
// flagged for donation (core decides), ordered after every queued use of that buffer on other
// streams. The device pointer, or NULL with out failed (out of memory, naming the output). Call
// after every mxc_read.
void *mxc_write(mxc_ctx *c, mx_array *const *in, int n);
// The device address of an evaluated array whose buffer lives on a CUDA device (x's offset added).
void *mxc_dev_ptr(const mx_array *x);
// Temporary device memory for one kernel, in stream order; give it back with mxc_scratch_free.
void *mxc_scratch(mxc_ctx *c, size_t nbytes);
void mxc_scratch_free(mxc_ctx *c, void *p);
// Fails out: a node the family's supports() refused reached its kernel (an internal error: eval
// sends such nodes to the CPU).
mx_status mxc_unsupported(mx_array *out);

// The dtypes typed kernels instantiate: bool, integers and floats (complex64 runs on the CPU).
static inline bool mxc_is_real(mx_dtype dt) { return dt != MX_COMPLEX64; }
static inline bool mxc_is_float(mx_dtype dt) {
  return dt == MX_FLOAT16 || dt == MX_BFLOAT16 || dt == MX_FLOAT32 || dt == MX_FLOAT64;
}

// Best-effort cleanup calls (already on an error path, or releasing): a failure is cleared so
// that it cannot be mistaken for the next call's.
static inline void mxc_cleanup(cudaError_t e) {
  if (e != cudaSuccess) cudaGetLastError();
}

// Launch geometry: blocks for n items of per_block each; strided kernels loop over a grid capped
// at a few waves.
static inline unsigned mxc_blocks(int64_t n, int64_t per_block) {
  int64_t b = (n + per_block - 1) / per_block;
  return (unsigned)(b < 1 ? 1 : (b > 0x7fffffff ? 0x7fffffff : b));
}
static inline unsigned mxc_grid_capped(mxc_ctx *c, int64_t n, int64_t per_block) {
  int64_t b = (n + per_block - 1) / per_block, cap = (int64_t)c->dev->sm_count * 32;
  return (unsigned)(b < 1 ? 1 : (b > cap ? cap : b));
}

// ---- memory.cu ----
bool mxc_memory_init(mxc_device *d); // pool, staging
// The backend table's buffer operations (core/backend.h).
void *mxc_buffer_alloc(void *ctx, int device, size_t nbytes, int stream, char *err, size_t errlen);
void mxc_buffer_free(void *ctx, void *handle);
mx_status mxc_buffer_copy_in(void *ctx, void *handle, const void *host, size_t nbytes, int stream,
                             char *err, size_t errlen);
mx_status mxc_buffer_copy_out(void *ctx, void *handle, void *host, size_t nbytes);

// ---- kernel families: each fills its primitives' kernels k[prim] and, where a kernel covers only
// some dtypes or parameters, s[prim]: true when the kernel runs the node (the table's supports).
typedef bool (*mxc_supports_fn)(const mx_array *node);
void mxc_register_copy(mx_kernel_fn *k, mxc_supports_fn *s);
void mxc_register_creation(mx_kernel_fn *k, mxc_supports_fn *s);
void mxc_register_unary_float(mx_kernel_fn *k, mxc_supports_fn *s);
void mxc_register_unary_misc(mx_kernel_fn *k, mxc_supports_fn *s);
void mxc_register_cast(mx_kernel_fn *k, mxc_supports_fn *s);
void mxc_register_binary_arith(mx_kernel_fn *k, mxc_supports_fn *s);
void mxc_register_binary_cmp(mx_kernel_fn *k, mxc_supports_fn *s);
void mxc_register_binary_bits(mx_kernel_fn *k, mxc_supports_fn *s);
void mxc_register_where(mx_kernel_fn *k, mxc_supports_fn *s);
void mxc_register_reduce(mx_kernel_fn *k, mxc_supports_fn *s);
void mxc_register_arg_reduce(mx_kernel_fn *k, mxc_supports_fn *s);
void mxc_register_matmul(mx_kernel_fn *k, mxc_supports_fn *s);
void mxc_register_nn(mx_kernel_fn *k, mxc_supports_fn *s);
void mxc_register_random(mx_kernel_fn *k, mxc_supports_fn *s);
void mxc_register_permutation(mx_kernel_fn *k, mxc_supports_fn *s);
void mxc_register_conv(mx_kernel_fn *k, mxc_supports_fn *s);
void mxc_register_scan(mx_kernel_fn *k, mxc_supports_fn *s);
void mxc_register_sort(mx_kernel_fn *k, mxc_supports_fn *s);
void mxc_register_gather(mx_kernel_fn *k, mxc_supports_fn *s);
void mxc_register_scatter(mx_kernel_fn *k, mxc_supports_fn *s);
void mxc_register_join(mx_kernel_fn *k, mxc_supports_fn *s);
void mxc_matmul_release(mxc_device *d);

#endif
