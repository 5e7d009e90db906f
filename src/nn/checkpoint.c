/* checkpoint.c — a module's whole state to and from a safetensors file, by dotted name. Loading
 * is strict: every array of the module must be in the file with the same shape, and the file
 * may hold nothing else; values are converted to the module's dtypes. */
#include <stdio.h>
#include <stdlib.h>

#include "module.h"
#include "mx/io.h"
#include "mx/ops.h"

mx_status mx_module_save(const mx_module *m, const char *path) {
  if (!m || !path) {
    mx_error_report("%s", "mx_module_save: module and path are required");
    return MX_ERROR;
  }
  const char *failed = mx_module_error(m);
  if (failed) return mx_error_report("mx_module_save: the module did not build: %s", failed);
  int n = mx_module_count(m, MX_PARAMS_STATE);
  mx_named_array *list = malloc((size_t)(n ? n : 1) * sizeof *list);
  if (!list || mx_module_list(m, MX_PARAMS_STATE, list, n) < 0) {
    free(list);
    nn_record_oom("module_save", "listing the module's arrays");
    return MX_ERROR;
  }
  const char *keys[1] = {"format"}, *values[1] = {"mx"};
  mx_status st = mx_save_safetensors(path, n, list, 1, keys, values);
  free(list);
  return st;
}

typedef struct loader {
  const mx_tensors *t;
  const char *path;
  int matched;
  mx_status st;
  char msg[512];
} loader;

static void load_one(void *ctx, const char *dotted, mxi_entry *e) {
  loader *l = ctx;
  if (l->st != MX_OK) return;
  mx_array *v = mx_tensors_get(l->t, dotted);
  if (!v) {
    snprintf(l->msg, sizeof l->msg, "mx_module_load: %s has no array \"%s\"", l->path, dotted);
    l->st = MX_ERROR;
    return;
  }
  bool same = nn_ndim(v) == nn_ndim(e->value);
  for (int i = 0; same && i < nn_ndim(v); i++) same = nn_dim(v, i) == nn_dim(e->value, i);
  if (!same) {
    char s1[MX_SHAPE_STR_LEN], s2[MX_SHAPE_STR_LEN];
    snprintf(l->msg, sizeof l->msg, "mx_module_load: %s: \"%s\" has shape %s, the module expects %s",
             l->path, dotted, mx_array_shape_str(v, s1, sizeof s1),
             mx_array_shape_str(e->value, s2, sizeof s2));
    l->st = MX_ERROR;
    return;
  }
  l->matched++;
}

typedef struct assign {
  const mx_tensors *t;
} assign;

static void assign_one(void *ctx, const char *dotted, mxi_entry *e) {
  assign *a = ctx;
  mx_array *v = mx_astype(mx_tensors_get(a->t, dotted), mx_array_dtype(e->value));
  mx_retain(v);
  mx_release(e->value);
  e->value = v;
}

mx_status mx_module_load(mx_module *m, const char *path) {
  if (!m || !path) {
    mx_error_report("%s", "mx_module_load: module and path are required");
    return MX_ERROR;
  }
  const char *failed = mx_module_error(m);
  if (failed) return mx_error_report("mx_module_load: the module did not build: %s", failed);
  mx_tensors *t = mx_load_safetensors(path);
  if (mx_tensors_error(t)) {
    mx_tensors_free(t);
    return MX_ERROR;
  }
  /* check everything first: a failed load leaves the module unchanged */
  loader l = {t, path, 0, MX_OK, ""};
  mxi_module_walk(m, MX_PARAMS_STATE, load_one, &l);
  if (l.st == MX_OK && l.matched != mx_tensors_count(t)) {
    snprintf(l.msg, sizeof l.msg, "mx_module_load: %s holds %d arrays; the module has %d",
             path, mx_tensors_count(t), l.matched);
    l.st = MX_ERROR;
  }
  if (l.st != MX_OK) {
    mx_error_report("%s", l.msg);
    mx_tensors_free(t);
    return MX_ERROR;
  }
  mx_scope s = mx_scope_begin();
  assign a = {t};
  mxi_module_walk(m, MX_PARAMS_STATE, assign_one, &a);
  /* materialize now: the module should not keep the file mapped through lazy casts */
  int n = mx_module_count(m, MX_PARAMS_STATE);
  mx_status st = MX_ERROR;
  mx_named_array *list = malloc((size_t)(n ? n : 1) * sizeof *list);
  mx_array **arrays = malloc((size_t)(n ? n : 1) * sizeof *arrays);
  if (list && arrays && mx_module_list(m, MX_PARAMS_STATE, list, n) >= 0) {
    for (int i = 0; i < n; i++) arrays[i] = list[i].array;
    st = mx_eval_many(n, arrays);
  } else {
    nn_record_oom("module_load", "listing the module's arrays");
  }
  free(arrays);
  free(list);
  mx_scope_end(s);
  mx_tensors_free(t);
  return st;
}
