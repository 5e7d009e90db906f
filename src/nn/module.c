/* module.c — modules: named parameters, buffers and children; dotted-name listing in a fixed
 * order; freezing; training mode; forward dispatch. */
#include "module.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dup(const char *s) { /* NULL when out of memory */
  size_t n = strlen(s ? s : "") + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s ? s : "", n);
  return d;
}

mx_module *mx_module_new(const char *type, mx_forward_fn forward, void *cfg, void (*free_cfg)(void *)) {
  mx_module *m = calloc(1, sizeof *m);
  char *t = m ? dup(type ? type : "Module") : NULL;
  if (!t) {
    free(m);
    if (free_cfg) free_cfg(cfg);
    nn_record_oom("module_new", "making a module");
    return NULL;
  }
  m->type = t;
  m->forward = forward;
  m->cfg = cfg;
  m->free_cfg = free_cfg;
  m->training = true;
  return m;
}

static mx_module oom_module = {.type = "Error"}; /* never freed; its error set on first use */

mx_module *nn_error_module(const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  mx_array *e = mx_error_new("%s", msg); /* never NULL */
  mx_module *m = mx_module_new("Error", NULL, NULL, NULL);
  if (!m) {
    if (!oom_module.error) oom_module.error = mx_retain(mx_error_new("mx_nn: out of memory while making a module"));
    return &oom_module;
  }
  m->error = mx_retain(e);
  return m;
}

const char *mx_module_error(const mx_module *m) {
  if (!m) return "NULL module";
  if (m->error) return mx_array_error(m->error);
  for (int i = 0; i < m->n_children; i++) {
    const char *e = mx_module_error(m->children[i].m);
    if (e) return e;
  }
  return NULL;
}

static void drop_names(mx_module *m) {
  for (int i = 0; i < m->n_names; i++) free(m->names[i]);
  free(m->names);
  m->names = NULL;
  m->n_names = 0;
}

void mx_module_free(mx_module *m) {
  if (!m || m == &oom_module) return;
  for (int i = 0; i < m->n_entries; i++) {
    mx_release(m->entries[i].value);
    free(m->entries[i].name);
  }
  for (int i = 0; i < m->n_children; i++) {
    mx_module_free(m->children[i].m);
    free(m->children[i].name);
  }
  free(m->entries);
  free(m->children);
  drop_names(m);
  if (m->error) mx_release(m->error);
  if (m->free_cfg) m->free_cfg(m->cfg);
  free(m->type);
  free(m);
}

mx_module *mxi_module_done(mx_module *m, bool ok, const char *layer) {
  if (m && ok) return m;
  mx_module_free(m);
  return nn_error_module("mx_%s: out of memory while making the layer", layer);
}

const char *mx_module_type(const mx_module *m) { return m ? m->type : NULL; }
void *mx_module_cfg(const mx_module *m) { return m ? m->cfg : NULL; }

static bool valid_name(const char *name) {
  return name && name[0] && !strchr(name, '.');
}

static mxi_entry *find_entry(const mx_module *m, const char *name) {
  for (int i = 0; i < m->n_entries; i++)
    if (strcmp(m->entries[i].name, name) == 0) return &m->entries[i];
  return NULL;
}

static mx_status add_entry(mx_module *m, const char *name, mx_array *value, bool buffer, const char *op) {
  char msg[256];
  if (!m || !valid_name(name)) {
    snprintf(msg, sizeof msg, "mx_%s: a module and a name without dots are required", op);
    mx_error_report("%s", msg);
    return MX_ERROR;
  }
  if (!value || mx_array_error(value)) {
    snprintf(msg, sizeof msg, "mx_%s: value of \"%s\" is %s", op, name, value ? mx_array_error(value) : "NULL");
    mx_error_report("%s", msg);
    return MX_ERROR;
  }
  mxi_entry *e = find_entry(m, name);
  if (!e) {
    char *copy = dup(name);
    if (copy && m->n_entries == m->cap_entries) {
      int cap = m->cap_entries ? 2 * m->cap_entries : 4;
      mxi_entry *grown = realloc(m->entries, (size_t)cap * sizeof *m->entries);
      if (grown) {
        m->entries = grown;
        m->cap_entries = cap;
      }
    }
    if (!copy || m->n_entries == m->cap_entries) {
      free(copy);
      snprintf(msg, sizeof msg, "adding \"%s\"", name);
      nn_record_oom(op, msg);
      return MX_ERROR;
    }
    e = &m->entries[m->n_entries++];
    memset(e, 0, sizeof *e);
    e->name = copy;
  }
  mx_retain(value);
  mx_release(e->value);
  e->value = value;
  e->buffer = buffer;
  drop_names(m);
  return MX_OK;
}

mx_status mx_module_add_param(mx_module *m, const char *name, mx_array *value) {
  return add_entry(m, name, value, false, "module_add_param");
}
mx_status mx_module_add_buffer(mx_module *m, const char *name, mx_array *value) {
  return add_entry(m, name, value, true, "module_add_buffer");
}

mx_status mx_module_add_child(mx_module *m, const char *name, mx_module *child) {
  if (!m || !child || !valid_name(name)) {
    mx_error_report("%s", "mx_module_add_child: a module, a child and a name without dots are required");
    mx_module_free(child);
    return MX_ERROR;
  }
  /* A module has one owner and the tree no cycle: refused children are left as they are (freeing
   * one owned elsewhere, or m itself, is what this check prevents). */
  for (int i = 0; i < m->n_children; i++)
    if (m->children[i].m == child && strcmp(m->children[i].name, name) == 0) return MX_OK;
  if (child->parent && child != &oom_module)
    return mx_error_report("mx_module_add_child: the %s module given as \"%s\" is already a child of "
                           "another module", child->type, name);
  for (const mx_module *a = m; a; a = a->parent)
    if (a == child)
      return mx_error_report("mx_module_add_child: adding the %s module as \"%s\" would make it its "
                             "own descendant", child->type, name);
  for (int i = 0; i < m->n_children; i++)
    if (strcmp(m->children[i].name, name) == 0) {
      mx_module_free(m->children[i].m);
      m->children[i].m = child;
      if (child != &oom_module) child->parent = m;
      drop_names(m);
      return MX_OK;
    }
  char *copy = dup(name);
  if (copy && m->n_children == m->cap_children) {
    int cap = m->cap_children ? 2 * m->cap_children : 4;
    mxi_child *grown = realloc(m->children, (size_t)cap * sizeof *m->children);
    if (grown) {
      m->children = grown;
      m->cap_children = cap;
    }
  }
  if (!copy || m->n_children == m->cap_children) { /* the child goes, as on the other errors */
    free(copy);
    mx_module_free(child);
    nn_record_oom("module_add_child", "adding a child");
    return MX_ERROR;
  }
  m->children[m->n_children].name = copy;
  m->children[m->n_children++].m = child;
  if (child != &oom_module) child->parent = m; /* the static stand-in is shared */
  drop_names(m);
  return MX_OK;
}

mx_array *mx_module_get(const mx_module *m, const char *name) {
  if (!m || !name) return NULL;
  mxi_entry *e = find_entry(m, name);
  return e ? e->value : NULL;
}

mx_status mx_module_set(mx_module *m, const char *name, mx_array *value) {
  mxi_entry *e = m && name ? find_entry(m, name) : NULL;
  if (!e) {
    char msg[256];
    snprintf(msg, sizeof msg, "mx_module_set: %s has no array named \"%s\"", m ? m->type : "NULL", name ? name : "");
    mx_error_report("%s", msg);
    return MX_ERROR;
  }
  return add_entry(m, name, value, e->buffer, "module_set");
}

mx_module *mx_module_child(const mx_module *m, const char *name) {
  if (!m || !name) return NULL;
  for (int i = 0; i < m->n_children; i++)
    if (strcmp(m->children[i].name, name) == 0) return m->children[i].m;
  return NULL;
}

mx_array *mx_module_forward_n(mx_module *m, int n, mx_array **inputs) {
  if (m && m->error) return mx_check_inputs("mx_module_forward", 1, &m->error); /* propagated */
  if (!m || !m->forward) return mx_error_new("mx_module_forward: module is NULL or has no forward function");
  mx_array *bad = mx_check_inputs("mx_module_forward", n, inputs);
  if (bad) return bad;
  return m->forward(m, n, inputs);
}

mx_array *mx_module_forward(mx_module *m, mx_array *x) { return mx_module_forward_n(m, 1, &x); }

/* ---- trees ---- */
bool mxi_entry_selected(const mxi_entry *e, mx_param_filter f) {
  if (f & MX_PARAMS_STATE) return true;
  if (e->buffer) return false;
  return (f & MX_PARAMS_ALL) || !e->frozen;
}

static void walk(const mx_module *m, mx_param_filter f, mxi_entry_fn fn, void *ctx, char *prefix, size_t len) {
  for (int i = 0; i < m->n_entries; i++) {
    mxi_entry *e = &m->entries[i];
    if (!mxi_entry_selected(e, f)) continue;
    size_t k = strlen(prefix);
    snprintf(prefix + k, len - k, "%s%s", k ? "." : "", e->name);
    fn(ctx, prefix, e);
    prefix[k] = 0;
  }
  for (int i = 0; i < m->n_children; i++) {
    size_t k = strlen(prefix);
    snprintf(prefix + k, len - k, "%s%s", k ? "." : "", m->children[i].name);
    walk(m->children[i].m, f, fn, ctx, prefix, len);
    prefix[k] = 0;
  }
}

void mxi_module_walk(const mx_module *m, mx_param_filter f, mxi_entry_fn fn, void *ctx) {
  char prefix[1024] = "";
  if (m) walk(m, f, fn, ctx, prefix, sizeof prefix);
}

typedef struct counter {
  int n;
  int64_t elems;
} counter;
static void count_fn(void *ctx, const char *dotted, mxi_entry *e) {
  (void)dotted;
  counter *c = ctx;
  c->n++;
  c->elems += mx_array_size(e->value);
}

int mx_module_count(const mx_module *m, mx_param_filter f) {
  counter c = {0, 0};
  mxi_module_walk(m, f, count_fn, &c);
  return c.n;
}
int64_t mx_module_num_elements(const mx_module *m, mx_param_filter f) {
  counter c = {0, 0};
  mxi_module_walk(m, f, count_fn, &c);
  return c.elems;
}

typedef struct lister {
  mx_module *m;
  mx_named_array *out;
  int cap, n;
  bool failed; /* out of memory for a name */
} lister;
static void list_fn(void *ctx, const char *dotted, mxi_entry *e) {
  lister *l = ctx;
  if (l->n < l->cap && !l->failed) {
    char *name = dup(dotted);
    char **names = name ? realloc(l->m->names, (size_t)(l->m->n_names + 1) * sizeof *names) : NULL;
    if (!names) {
      free(name);
      l->failed = true;
      return;
    }
    l->m->names = names;
    l->m->names[l->m->n_names++] = name;
    l->out[l->n].name = name;
    l->out[l->n].array = e->value;
  }
  l->n++;
}

int mx_module_list(const mx_module *m, mx_param_filter f, mx_named_array *out, int cap) {
  if (!m) return 0;
  lister l = {(mx_module *)m, out, out ? cap : 0, 0, false};
  drop_names(l.m);
  mxi_module_walk(m, f, list_fn, &l);
  if (!l.failed) return l.n;
  drop_names(l.m);
  nn_record_oom("module_list", "naming the arrays");
  return -1;
}

typedef struct finder {
  const char *name;
  mx_array *found;
} finder;
static void find_fn(void *ctx, const char *dotted, mxi_entry *e) {
  finder *f = ctx;
  if (!f->found && strcmp(dotted, f->name) == 0) f->found = e->value;
}
mx_array *mx_module_find(const mx_module *m, const char *dotted_name) {
  finder f = {dotted_name, NULL};
  if (dotted_name) mxi_module_walk(m, MX_PARAMS_STATE, find_fn, &f);
  return f.found;
}

typedef struct freezer {
  const char *prefix;
  bool frozen;
} freezer;
static void freeze_fn(void *ctx, const char *dotted, mxi_entry *e) {
  freezer *z = ctx;
  size_t k = strlen(z->prefix);
  /* "layers.1" matches "layers.1.weight" but not "layers.10.weight" */
  if (strncmp(dotted, z->prefix, k) == 0 && (k == 0 || dotted[k] == 0 || dotted[k] == '.'))
    e->frozen = z->frozen;
}
void mx_module_freeze(mx_module *m, const char *prefix) {
  freezer z = {prefix ? prefix : "", true};
  mxi_module_walk(m, MX_PARAMS_ALL, freeze_fn, &z);
}
void mx_module_unfreeze(mx_module *m, const char *prefix) {
  freezer z = {prefix ? prefix : "", false};
  mxi_module_walk(m, MX_PARAMS_ALL, freeze_fn, &z);
}

void mx_module_train(mx_module *m, bool training) {
  if (!m) return;
  m->training = training;
  for (int i = 0; i < m->n_children; i++) mx_module_train(m->children[i].m, training);
}
bool mx_module_is_training(const mx_module *m) { return m && m->training; }
