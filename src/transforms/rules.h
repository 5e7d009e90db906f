/* rules.h — the per-primitive transformation rules stored in the registry, and helpers the rules
 * share. Rules build their results with public ops, so their output is differentiable again
 * (grad of grad) and batchable (vmap of grad). */
#ifndef MX_TRANSFORMS_RULES_H
#define MX_TRANSFORMS_RULES_H

#include "../core/registry.h"
#include "../ops/util.h"
#include "mx/transforms.h"

/* The rule types are core's (registry.h): a rule is stored with its own type. */
#define MXI_SET_VJP(t, p, f) ((t)[p].vjp = (f))
#define MXI_SET_JVP(t, p, f) ((t)[p].jvp = (f))
#define MXI_SET_VMAP(t, p, f) ((t)[p].vmap = (f))

/* ---- helpers (rule_util.c) ---- */
/* Sums x over the axes that broadcasting added or stretched, giving shape (ndim, shape). */
mx_array *mxi_unbroadcast(mx_array *x, int ndim, const int64_t *shape);
/* Unbroadcast to a's shape and cast to a's dtype: the usual last step of a vjp rule. */
mx_array *mxi_grad_like(mx_array *g, const mx_array *a);
/* Re-applies node's primitive (same params) to new inputs. */
mx_array *mxi_reapply(const mx_array *node, int n, mx_array *const *inputs);
/* x with its batch axis (ax >= 0) moved to the front, or x itself when unbatched (ax < 0). */
mx_array *mxi_batch_front(mx_array *x, int ax);
/* The fallback batching rule: the primitive applied example by example, results stacked on axis 0. */
mx_array *mxi_vmap_loop(mx_array *node, mx_array *const *inputs, const int *axes, int *out_axis);

/* The transformations' primitives and every primitive's vjp/jvp/vmap rules (register.c), called
 * once by the library's top level (src/init.c). */
void mxi_register_transforms(mx_prim_info *t);

/* ---- rule families (rules_*.c; register.c calls them all) ---- */
void mxi_rules_custom(mx_prim_info *t);
void mxi_rules_elementwise(mx_prim_info *t);
void mxi_rules_reduce(mx_prim_info *t);
void mxi_rules_layout(mx_prim_info *t);
void mxi_rules_creation(mx_prim_info *t);
void mxi_rules_join(mx_prim_info *t);
void mxi_rules_scan(mx_prim_info *t);
void mxi_rules_indexing(mx_prim_info *t);
void mxi_rules_sort(mx_prim_info *t);
void mxi_rules_linalg(mx_prim_info *t);
void mxi_rules_conv(mx_prim_info *t);
void mxi_rules_nn(mx_prim_info *t);
void mxi_rules_random(mx_prim_info *t);
void mxi_rules_quant(mx_prim_info *t);

#endif
