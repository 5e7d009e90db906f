/* backends.h — each backend's entry point, called once by the library's top level (src/init.c). */
#ifndef MX_BACKEND_BACKENDS_H
#define MX_BACKEND_BACKENDS_H

#include "../core/backend.h"

/* The CPU backend's table, its kernels registered (cpu/backend.c). */
mx_backend *mxi_cpu_backend_init(void);

#ifdef MX_HAVE_CUDA
/* The CUDA backend's table (cuda/backend.cu): its kernels registered and its devices found; a
 * table with no devices where no GPU is usable, so that what it supports can still be asked. NULL
 * only when out of memory. */
mx_backend *mxi_cuda_backend_init(void);
#endif

#endif
