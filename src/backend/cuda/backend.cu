/* backend.cu — the CUDA backend's entry point: finds usable GPUs and registers the backend
 * (in progress: kernels are being added; primitives without one run on the CPU). */
#include <cuda_runtime.h>

extern "C" {
#include "../../core/backend.h"
}

static int count_devices(void) {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError(); /* no driver or no GPU: not an error for a CPU-only machine */
    return 0;
  }
  return n;
}

static mx_backend cuda_backend;

extern "C" void mxi_cuda_backend_init(void) {
  if (count_devices() <= 0) return;
  /* The kernels, memory pool and streams come with the CUDA backend issue; until then the
   * backend stays unregistered, so every array lives on the CPU. */
  (void)cuda_backend;
}
