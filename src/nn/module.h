/* module.h — the module object shared by the nn sources. */
#ifndef MX_NN_MODULE_H
#define MX_NN_MODULE_H

#include "nn_util.h"
#include "mx/nn.h"

typedef struct mxi_entry {
  char *name;
  mx_array *value; /* retained */
  bool buffer;     /* state, not a parameter */
  bool frozen;
} mxi_entry;

typedef struct mxi_child {
  char *name;
  mx_module *m;
} mxi_child;

struct mx_module {
  char *type;
  mx_forward_fn forward;
  void *cfg;
  void (*free_cfg)(void *);
  mxi_entry *entries;
  int n_entries, cap_entries;
  mxi_child *children;
  int n_children, cap_children;
  bool training;
  char **names; /* dotted names handed out by mx_module_list */
  int n_names;
  mx_array *error; /* retained; set only in the module a failed constructor returns */
  mx_module *parent; /* the module that owns this one as a child, or NULL */
};

/* What a constructor returns on bad arguments, as ops return error arrays: a module of type
 * "Error" whose forward gives the error (the message is recorded like an op's). When out of
 * memory for it, a static error module that mx_module_free leaves alone. */
mx_module *nn_error_module(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Calls fn for every selected entry in list order with its dotted name. */
typedef void (*mxi_entry_fn)(void *ctx, const char *dotted, mxi_entry *e);
void mxi_module_walk(const mx_module *m, mx_param_filter f, mxi_entry_fn fn, void *ctx);
bool mxi_entry_selected(const mxi_entry *e, mx_param_filter f);
/* The end of a layer constructor: m when every step of building it succeeded (ok); else m is
 * freed and an error module "mx_<layer>: out of memory while making the layer" stands in. */
mx_module *mxi_module_done(mx_module *m, bool ok, const char *layer);

#endif
