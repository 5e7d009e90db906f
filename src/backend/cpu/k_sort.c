/* k_sort.c — (in progress) CPU kernels of the sort family. */
#include "cpu.h"

void mxi_cpu_register_sort(mx_kernel_fn *k) { (void)k; }
