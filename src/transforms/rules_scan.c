/* rules_scan.c — (in progress) vjp, jvp and vmap rules of the scan primitives. */
#include "rules.h"

void mxi_rules_scan(mx_prim_info *t) { (void)t; }
