/* linalg.c — (in progress) constructors and registry entries of the linalg family. */
#include "util.h"

void mxi_register_linalg(mx_prim_info *t) { (void)t; }
