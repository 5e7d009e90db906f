/* nn.c — (in progress) constructors and registry entries of the nn family. */
#include "util.h"

void mxi_register_nn(mx_prim_info *t) { (void)t; }
