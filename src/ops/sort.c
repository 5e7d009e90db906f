/* sort.c — (in progress) constructors and registry entries of the sort family. */
#include "util.h"

void mxi_register_sort(mx_prim_info *t) { (void)t; }
