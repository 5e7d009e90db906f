/* indexing.c — (in progress) constructors and registry entries of the indexing family. */
#include "util.h"

void mxi_register_indexing(mx_prim_info *t) { (void)t; }
