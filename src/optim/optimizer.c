/* optimizer.c — SGD (momentum, Nesterov, weight decay), Adam, AdamW, RMSprop, Adagrad, Lion.
 * State lives per parameter, in the order of the module's trainable parameters, with their
 * dotted names so that saved state reloads by name. Each update evaluates the new parameters and
 * state together. */
#include "optimizer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../nn/module.h"
#include "mx/ops.h"
#include "mx/transforms.h"

/* NULL when out of memory; the constructors below then return NULL too. */
static mx_optimizer *make(mxi_optim_kind k, double lr) {
  mx_optimizer *o = calloc(1, sizeof *o);
  if (!o) {
    mxi_record_oom("optim", "making an optimizer");
    return NULL;
  }
  o->kind = k;
  o->lr = lr;
  return o;
}

mx_optimizer *mx_optim_sgd(double lr, double momentum, double weight_decay, bool nesterov) {
  mx_optimizer *o = make(MXI_SGD, lr);
  if (!o) return NULL;
  o->momentum = momentum;
  o->wd = weight_decay;
  o->nesterov = nesterov;
  return o;
}
mx_optimizer *mx_optim_adam(double lr, double beta1, double beta2, double eps) {
  mx_optimizer *o = make(MXI_ADAM, lr);
  if (!o) return NULL;
  o->b1 = beta1;
  o->b2 = beta2;
  o->eps = eps;
  return o;
}
mx_optimizer *mx_optim_adamw(double lr, double beta1, double beta2, double eps, double weight_decay) {
  mx_optimizer *o = mx_optim_adam(lr, beta1, beta2, eps);
  if (!o) return NULL;
  o->kind = MXI_ADAMW;
  o->wd = weight_decay;
  return o;
}
mx_optimizer *mx_optim_rmsprop(double lr, double alpha, double eps) {
  mx_optimizer *o = make(MXI_RMSPROP, lr);
  if (!o) return NULL;
  o->b2 = alpha;
  o->eps = eps;
  return o;
}
mx_optimizer *mx_optim_adagrad(double lr, double eps) {
  mx_optimizer *o = make(MXI_ADAGRAD, lr);
  if (!o) return NULL;
  o->eps = eps;
  return o;
}
mx_optimizer *mx_optim_lion(double lr, double beta1, double beta2, double weight_decay) {
  mx_optimizer *o = make(MXI_LION, lr);
  if (!o) return NULL;
  o->b1 = beta1;
  o->b2 = beta2;
  o->wd = weight_decay;
  return o;
}

void mxi_optim_clear_state(mx_optimizer *o) {
  for (int i = 0; i < o->n; i++) {
    mx_release(o->m[i]);
    mx_release(o->v[i]);
    free(o->names[i]);
  }
  free(o->m);
  free(o->v);
  free(o->names);
  o->m = o->v = NULL;
  o->names = NULL;
  o->n = 0;
}

void mx_optim_free(mx_optimizer *o) {
  if (!o) return;
  mxi_optim_clear_state(o);
  mx_schedule_free(o->schedule);
  free(o);
}

void mx_optim_set_schedule(mx_optimizer *o, mx_schedule *s) {
  if (!o) return;
  mx_schedule_free(o->schedule);
  o->schedule = s;
}

double mx_optim_learning_rate(const mx_optimizer *o) {
  if (!o) return NAN;
  return o->schedule ? mx_schedule_value(o->schedule, o->step) : o->lr;
}
int64_t mx_optim_steps(const mx_optimizer *o) { return o ? o->step : 0; }

typedef struct params {
  mxi_entry **e;
  char **names;
  int n;
  bool failed; /* out of memory */
} params;

static char *copy_str(const char *s) {
  char *c = malloc(strlen(s) + 1);
  return c ? strcpy(c, s) : NULL;
}

static void collect(void *ctx, const char *dotted, mxi_entry *e) {
  params *p = ctx;
  if (p->failed) return;
  mxi_entry **es = realloc(p->e, (size_t)(p->n + 1) * sizeof *p->e);
  if (es) p->e = es;
  char **names = es ? realloc(p->names, (size_t)(p->n + 1) * sizeof *p->names) : NULL;
  if (names) p->names = names;
  char *name = names ? copy_str(dotted) : NULL;
  if (!name) {
    p->failed = true;
    return;
  }
  p->e[p->n] = e;
  p->names[p->n++] = name;
}

static void free_params(params *p) {
  for (int i = 0; i < p->n; i++) free(p->names[i]);
  free(p->e);
  free(p->names);
}

/* Makes the state match the module's trainable parameters: kept by name (loaded or from earlier
 * steps), zeros for parameters seen for the first time. False when out of memory, the state
 * unchanged. */
static bool align_state(mx_optimizer *o, const params *p) {
  mx_array **m = calloc((size_t)(p->n ? p->n : 1), sizeof *m), **v = calloc((size_t)(p->n ? p->n : 1), sizeof *v);
  char **names = calloc((size_t)(p->n ? p->n : 1), sizeof *names);
  bool ok = m && v && names;
  for (int i = 0; ok && i < p->n; i++) {
    ok = (names[i] = copy_str(p->names[i])) != NULL;
    for (int j = 0; ok && j < o->n; j++)
      if (o->names[j] && strcmp(o->names[j], p->names[i]) == 0) {
        m[i] = mx_retain(o->m[j]);
        v[i] = mx_retain(o->v[j]);
        break;
      }
    mx_array *w = p->e[i]->value;
    if (ok && !m[i]) m[i] = mx_retain(mx_zeros_like(w));
    if (ok && !v[i]) v[i] = mx_retain(mx_zeros_like(w));
    ok = ok && !mx_is_error(m[i]) && !mx_is_error(v[i]);
  }
  if (!ok) {
    for (int i = 0; m && v && names && i < p->n; i++) {
      mx_release(m[i]);
      mx_release(v[i]);
      free(names[i]);
    }
    free(m);
    free(v);
    free(names);
    return false;
  }
  mxi_optim_clear_state(o);
  o->m = m;
  o->v = v;
  o->names = names;
  o->n = p->n;
  return true;
}

/* *slot = x, moving the reference it holds. */
static void replace(mx_array **slot, mx_array *x) {
  if (*slot == x) return;
  mx_retain(x);
  mx_release(*slot);
  *slot = x;
}

static mx_array *num(double x) { return mx_scalar(x); }

/* The new parameter; *m and *v are replaced by the new state (scope-owned). */
static mx_array *step_one(const mx_optimizer *o, double lr, int64_t t, mx_array *w, mx_array *g,
                          mx_array **m, mx_array **v) {
  g = mx_astype(g, (mx_dtype)w->dtype);
  switch (o->kind) {
    case MXI_SGD: {
      if (o->wd) g = mx_add(g, mx_multiply(num(o->wd), w));
      if (o->momentum) {
        *m = mx_add(mx_multiply(num(o->momentum), *m), g);
        g = o->nesterov ? mx_add(g, mx_multiply(num(o->momentum), *m)) : *m;
      }
      return mx_subtract(w, mx_multiply(num(lr), g));
    }
    case MXI_ADAM:
    case MXI_ADAMW: {
      if (o->kind == MXI_ADAMW && o->wd) w = mx_multiply(w, num(1 - lr * o->wd));
      *m = mx_add(mx_multiply(num(o->b1), *m), mx_multiply(num(1 - o->b1), g));
      *v = mx_add(mx_multiply(num(o->b2), *v), mx_multiply(num(1 - o->b2), mx_square(g)));
      double c1 = 1 - pow(o->b1, (double)t), c2 = 1 - pow(o->b2, (double)t);
      mx_array *den = mx_add(mx_sqrt(mx_divide(*v, num(c2))), num(o->eps));
      return mx_subtract(w, mx_multiply(num(lr / c1), mx_divide(*m, den)));
    }
    case MXI_RMSPROP: {
      *v = mx_add(mx_multiply(num(o->b2), *v), mx_multiply(num(1 - o->b2), mx_square(g)));
      return mx_subtract(w, mx_multiply(num(lr), mx_divide(g, mx_add(mx_sqrt(*v), num(o->eps)))));
    }
    case MXI_ADAGRAD: {
      *v = mx_add(*v, mx_square(g));
      return mx_subtract(w, mx_multiply(num(lr), mx_divide(g, mx_add(mx_sqrt(*v), num(o->eps)))));
    }
    case MXI_LION: {
      mx_array *c = mx_add(mx_multiply(num(o->b1), *m), mx_multiply(num(1 - o->b1), g));
      mx_array *upd = mx_sign(c);
      if (o->wd) upd = mx_add(upd, mx_multiply(num(o->wd), w));
      *m = mx_add(mx_multiply(num(o->b2), *m), mx_multiply(num(1 - o->b2), g));
      return mx_subtract(w, mx_multiply(num(lr), upd));
    }
  }
  return w;
}

mx_status mx_optim_update(mx_optimizer *o, mx_module *mod, int n, mx_array *const *grads) {
  if (!o || !mod || (n > 0 && !grads)) {
    mxi_record_error("mx_optim_update: optimizer, module and gradients are required");
    return MX_ERROR;
  }
  params p = {NULL, NULL, 0, false};
  mxi_module_walk(mod, MX_PARAMS_TRAINABLE, collect, &p);
  if (p.failed) {
    free_params(&p);
    mxi_record_oom("optim_update", "listing the parameters");
    return MX_ERROR;
  }
  if (n != p.n) {
    char msg[200];
    snprintf(msg, sizeof msg, "mx_optim_update: %d gradients for %d trainable parameters", n, p.n);
    mxi_record_error(msg);
    free_params(&p);
    return MX_ERROR;
  }
  for (int i = 0; i < n; i++) {
    const mx_array *g = grads[i], *w = p.e[i]->value;
    bool ok = g && !g->error && g->ndim == w->ndim;
    for (int d = 0; ok && d < g->ndim; d++) ok = g->shape[d] == w->shape[d];
    if (!ok) {
      char msg[400], s1[MXI_SHAPE_STR_LEN], s2[MXI_SHAPE_STR_LEN];
      snprintf(msg, sizeof msg, "mx_optim_update: gradient %d (%s) %s; parameter shape %s", i, p.names[i],
               !g ? "is NULL" : g->error ? g->error : mxi_shape_str(s1, sizeof s1, g->ndim, g->shape),
               mxi_shape_str(s2, sizeof s2, w->ndim, w->shape));
      mxi_record_error(msg);
      free_params(&p);
      return MX_ERROR;
    }
  }
  mx_array **all = malloc((size_t)(3 * n + 1) * sizeof *all);
  if (!all || !align_state(o, &p)) {
    free(all);
    free_params(&p);
    mxi_record_oom("optim_update", "preparing the optimizer state");
    return MX_ERROR;
  }
  double lr = mx_optim_learning_rate(o);
  int64_t t = o->step + 1;
  mx_scope s = mx_scope_begin();
  /* The new parameters and state are computed first and swapped in only once all of them
   * evaluated: a failed step leaves the module and the optimizer as they were. */
  for (int i = 0; i < n; i++) {
    mx_array *m = o->m[i], *v = o->v[i];
    all[3 * i] = step_one(o, lr, t, p.e[i]->value, grads[i], &m, &v);
    all[3 * i + 1] = m;
    all[3 * i + 2] = v;
  }
  mx_status st = mx_eval_many(3 * n, all);
  for (int i = 0; i < n && st == MX_OK; i++) { /* the module and the optimizer hold them now */
    replace(&p.e[i]->value, all[3 * i]);
    replace(&o->m[i], all[3 * i + 1]);
    replace(&o->v[i], all[3 * i + 2]);
  }
  free(all);
  mx_scope_end(s);
  free_params(&p);
  if (st == MX_OK) o->step++;
  return st;
}

mx_array *mx_clip_grad_norm(int n, mx_array **grads, double max_norm) {
  mx_array *sq = NULL;
  for (int i = 0; i < n; i++) {
    mx_array *s = mx_sum(mx_square(mx_astype(grads[i], MX_FLOAT32)), MX_ALL_AXES, false);
    sq = sq ? mx_add(sq, s) : s;
  }
  mx_array *norm = sq ? mx_sqrt(sq) : mx_zeros(MX_SCALAR_SHAPE, MX_FLOAT32);
  mx_array *scale = mx_minimum(mx_scalar(1), mx_divide(mx_scalar(max_norm), mx_add(norm, mx_scalar(1e-6))));
  for (int i = 0; i < n; i++) grads[i] = mx_multiply(grads[i], mx_astype(scale, mx_array_dtype(grads[i])));
  return norm;
}
