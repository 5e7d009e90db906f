/* state_io.c — optimizer state files (safetensors): the step count and kind in the metadata, and
 * each parameter's moments as "<dotted name>.m" / "<dotted name>.v", so that a run resumed from
 * a module checkpoint and this file continues exactly. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mx/io.h"
#include "optimizer.h"

static const char *kind_name(mxi_optim_kind k) {
  static const char *names[] = {"sgd", "adam", "adamw", "rmsprop", "adagrad", "lion"};
  return names[k];
}

mx_status mx_optim_save(const mx_optimizer *o, const char *path) {
  if (!o || !path) {
    mxi_record_error("mx_optim_save: optimizer and path are required");
    return MX_ERROR;
  }
  mx_named_array *list = malloc((size_t)(2 * o->n + 1) * sizeof *list);
  char **names = calloc((size_t)(2 * o->n + 1), sizeof *names);
  bool ok = list && names;
  for (int i = 0; ok && i < o->n; i++)
    for (int j = 0; ok && j < 2; j++) {
      size_t len = strlen(o->names[i]) + 3;
      if (!(ok = (names[2 * i + j] = malloc(len)) != NULL)) break;
      snprintf(names[2 * i + j], len, "%s.%c", o->names[i], j ? 'v' : 'm');
      list[2 * i + j].name = names[2 * i + j];
      list[2 * i + j].array = j ? o->v[i] : o->m[i];
    }
  char step[32];
  snprintf(step, sizeof step, "%" PRId64, o->step);
  const char *keys[3] = {"format", "optimizer", "step"}, *values[3] = {"mx-optimizer", kind_name(o->kind), step};
  mx_status st = MX_ERROR;
  if (ok) st = mx_save_safetensors(path, 2 * o->n, list, 3, keys, values);
  else mxi_record_oom("optim_save", "naming the state arrays");
  for (int i = 0; names && i < 2 * o->n; i++) free(names[i]);
  free(names);
  free(list);
  return st;
}

mx_status mx_optim_load(mx_optimizer *o, const char *path) {
  if (!o || !path) {
    mxi_record_error("mx_optim_load: optimizer and path are required");
    return MX_ERROR;
  }
  mx_tensors *t = mx_load_safetensors(path);
  if (mx_tensors_error(t)) {
    mx_tensors_free(t);
    return MX_ERROR;
  }
  char msg[400];
  const char *kind = mx_tensors_metadata(t, "optimizer"), *step = mx_tensors_metadata(t, "step");
  int n = mx_tensors_count(t);
  if (!kind || !step || strcmp(kind, kind_name(o->kind)) != 0 || n % 2) {
    snprintf(msg, sizeof msg, "mx_optim_load: %s is not a state file of a %s optimizer (it says %s)",
             path, kind_name(o->kind), kind ? kind : "nothing");
    mxi_record_error(msg);
    mx_tensors_free(t);
    return MX_ERROR;
  }
  char *end;
  long long s = strtoll(step, &end, 10);
  if (*end || s < 0) {
    snprintf(msg, sizeof msg, "mx_optim_load: %s: bad step count \"%s\"", path, step);
    mxi_record_error(msg);
    mx_tensors_free(t);
    return MX_ERROR;
  }
  /* pairs "<name>.m" / "<name>.v": check first, then replace the state */
  int pairs = n / 2;
  char **names = calloc((size_t)(pairs ? pairs : 1), sizeof *names);
  mx_array **m = calloc((size_t)(pairs ? pairs : 1), sizeof *m), **v = calloc((size_t)(pairs ? pairs : 1), sizeof *v);
  int k = 0;
  mx_status st = MX_OK;
  if (!names || !m || !v) {
    mxi_record_oom("optim_load", "reading the state");
    st = MX_ERROR;
  }
  for (int i = 0; i < n && st == MX_OK; i++) {
    const char *nm = mx_tensors_name(t, i);
    size_t len = strlen(nm);
    if (len < 3 || nm[len - 2] != '.' || nm[len - 1] != 'm') continue;
    char *base = malloc(len - 1);
    if (!base) {
      mxi_record_oom("optim_load", "reading the state");
      st = MX_ERROR;
      break;
    }
    memcpy(base, nm, len - 2);
    base[len - 2] = 0;
    char vname[1024];
    snprintf(vname, sizeof vname, "%s.v", base);
    mx_array *vv = mx_tensors_get(t, vname);
    if (!vv || k == pairs) {
      free(base);
      snprintf(msg, sizeof msg, "mx_optim_load: %s: \"%s\" has no matching \".v\" array", path, nm);
      mxi_record_error(msg);
      st = MX_ERROR;
      break;
    }
    names[k] = base;
    m[k] = mx_retain(mx_tensors_at(t, i));
    v[k] = mx_retain(vv);
    k++;
  }
  if (st == MX_OK && k != pairs) {
    snprintf(msg, sizeof msg, "mx_optim_load: %s: arrays do not come in .m/.v pairs", path);
    mxi_record_error(msg);
    st = MX_ERROR;
  }
  if (st != MX_OK) {
    for (int i = 0; names && m && v && i < k; i++) {
      free(names[i]);
      mx_release(m[i]);
      mx_release(v[i]);
    }
    free(names);
    free(m);
    free(v);
  } else {
    mxi_optim_clear_state(o);
    o->names = names;
    o->m = m;
    o->v = v;
    o->n = pairs;
    o->step = s;
  }
  mx_tensors_free(t);
  return st;
}
