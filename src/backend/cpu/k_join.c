/* k_join.c — (in progress) CPU kernels of the join family. */
#include "cpu.h"

void mxi_cpu_register_join(mx_kernel_fn *k) { (void)k; }
