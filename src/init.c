/* init.c — the library's top level, the one file that knows every layer: at load time it has each
 * op family and the transformations fill in the primitive registry and registers the backends
 * (CUDA lazily: its runtime starts when a program first asks for a CUDA device or stream). */
#include "backend/backends.h"
#include "ops/families.h"
#include "transforms/rules.h"

#ifdef MX_HAVE_CUDA
static void start_cuda(void) {
  mx_backend *b = mxi_cuda_backend_init();
  if (b) mxi_register_backend(b);
}
#endif

__attribute__((constructor)) static void mx_library_init(void) {
  mx_prim_info *t = mxi_prims;
  mxi_register_creation(t);
  mxi_register_unary(t);
  mxi_register_binary(t);
  mxi_register_reduce(t);
  mxi_register_scan(t);
  mxi_register_layout(t);
  mxi_register_join(t);
  mxi_register_indexing(t);
  mxi_register_sort(t);
  mxi_register_linalg(t);
  mxi_register_nn(t);
  mxi_register_conv(t);
  mxi_register_random(t);
  mxi_register_quant(t);
  mxi_register_transforms(t);
  mxi_register_backend(mxi_cpu_backend_init());
#ifdef MX_HAVE_CUDA
  mxi_register_backend_lazy(MX_CUDA, start_cuda);
#endif
}
