/* families.h — each op family's registration: fills in its primitives' registry entries (shape
 * rules, views, params release). Called once by the library's top level (src/init.c). */
#ifndef MX_OPS_FAMILIES_H
#define MX_OPS_FAMILIES_H

#include "../core/registry.h"

void mxi_register_creation(mx_prim_info *t);
void mxi_register_unary(mx_prim_info *t);
void mxi_register_binary(mx_prim_info *t);
void mxi_register_reduce(mx_prim_info *t);
void mxi_register_scan(mx_prim_info *t);
void mxi_register_layout(mx_prim_info *t);
void mxi_register_join(mx_prim_info *t);
void mxi_register_indexing(mx_prim_info *t);
void mxi_register_sort(mx_prim_info *t);
void mxi_register_linalg(mx_prim_info *t);
void mxi_register_nn(mx_prim_info *t);
void mxi_register_conv(mx_prim_info *t);
void mxi_register_conv_grad(mx_prim_info *t); /* called by mxi_register_conv */
void mxi_register_random(mx_prim_info *t);
void mxi_register_quant(mx_prim_info *t);

#endif
