/* random.c — (in progress) constructors and registry entries of the random family. */
#include "util.h"

void mxi_register_random(mx_prim_info *t) { (void)t; }
