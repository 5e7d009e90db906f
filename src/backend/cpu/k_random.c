/* k_random.c — (in progress) CPU kernels of the random family. */
#include "cpu.h"

void mxi_cpu_register_random(mx_kernel_fn *k) { (void)k; }
