/* join.c — (in progress) constructors and registry entries of the join family. */
#include "util.h"

void mxi_register_join(mx_prim_info *t) { (void)t; }
