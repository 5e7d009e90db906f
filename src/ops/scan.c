/* scan.c — (in progress) constructors and registry entries of the scan family. */
#include "util.h"

void mxi_register_scan(mx_prim_info *t) { (void)t; }
