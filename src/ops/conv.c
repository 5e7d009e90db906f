/* conv.c — (in progress) constructors and registry entries of the conv family. */
#include "util.h"

void mxi_register_conv(mx_prim_info *t) { (void)t; }
