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

static mx_optimizer *make(mxi_optim_kind k, double lr) {
  mx_optimizer *o = calloc(1, sizeof *o);
  if (!o) abort();
  o->kind = k;
  o->lr = lr;
  return o;
}

mx_optimizer *mx_optim_sgd(double lr, double momentum, double weight_decay, bool nesterov) {
  mx_optimizer *o = make(MXI_SGD, lr);
  o->momentum = momentum;
  o->wd = weight_decay;
  o->nesterov = nesterov;
  return o;
}
mx_optimizer *mx_optim_adam(double lr, double beta1, double beta2, double eps) {
  mx_optimizer *o = make(MXI_ADAM, lr);
  o->b1 = beta1;
  o->b2 = beta2;
  o->eps = eps;
  return o;
}
mx_optimizer *mx_optim_adamw(double lr, double beta1, double beta2, double eps, double weight_decay) {
  mx_optimizer *o = mx_optim_adam(lr, beta1, beta2, eps);
  o->kind = MXI_ADAMW;
  o->wd = weight_decay;
  return o;
}
mx_optimizer *mx_optim_rmsprop(double lr, double alpha, double eps) {
  mx_optimizer *o = make(MXI_RMSPROP, lr);
  o->b2 = alpha;
  o->eps = eps;
  return o;
}
mx_optimizer *mx_optim_adagrad(double lr, double eps) {
  mx_optimizer *o = make(MXI_ADAGRAD, lr);
  o->eps = eps;
  return o;
}
mx_optimizer *mx_optim_lion(double lr, double beta1, double beta2, double weight_decay) {
  mx_optimizer *o = make(MXI_LION, lr);
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
} params;

static void collect(void *ctx, const char *dotted, mxi_entry *e) {
  params *p = ctx;
  p->e = realloc(p->e, (size_t)(p->n + 1) * sizeof *p->e);
  p->names = realloc(p->names, (size_t)(p->n + 1) * sizeof *p->names);
  if (!p->e || !p->names) abort();
  p->e[p->n] = e;
  p->names[p->n] = strdup(dotted);
  if (!p->names[p->n]) abort();
  p->n++;
}

static void free_params(params *p) {
  for (int i = 0; i < p->n; i++) free(p->names[i]);
  free(p->e);
  free(p->names);
}

/* Makes the state match the module's trainable parameters: kept by name (loaded or from earlier
 * steps), zeros for parameters seen for the first time. */
static void align_state(mx_optimizer *o, const params *p) {
  mx_array **m = calloc((size_t)(p->n ? p->n : 1), sizeof *m), **v = calloc((size_t)(p->n ? p->n : 1), sizeof *v);
  char **names = calloc((size_t)(p->n ? p->n : 1), sizeof *names);
  if (!m || !v || !names) abort();
  for (int i = 0; i < p->n; i++) {
    names[i] = strdup(p->names[i]);
    if (!names[i]) abort();
    for (int j = 0; j < o->n; j++)
      if (o->names[j] && strcmp(o->names[j], p->names[i]) == 0) {
        m[i] = o->m[j];
        v[i] = o->v[j];
        o->m[j] = o->v[j] = NULL;
        break;
      }
    mx_array *w = p->e[i]->value;
    if (!m[i]) m[i] = mx_retain(mx_zeros_like(w));
    if (!v[i]) v[i] = mx_retain(mx_zeros_like(w));
  }
  mxi_optim_clear_state(o);
  o->m = m;
  o->v = v;
  o->names = names;
  o->n = p->n;
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
  if (!o || !mod) {
    mxi_record_error("mx_optim_update: optimizer and module are required");
    return MX_ERROR;
  }
  params p = {NULL, NULL, 0};
  mxi_module_walk(mod, MX_PARAMS_TRAINABLE, collect, &p);
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
  align_state(o, &p);
  double lr = mx_optim_learning_rate(o);
  int64_t t = o->step + 1;
  mx_scope s = mx_scope_begin();
  mx_array **all = malloc((size_t)(3 * n + 1) * sizeof *all);
  if (!all) abort();
  for (int i = 0; i < n; i++) {
    mx_array *m = o->m[i], *v = o->v[i];
    mx_array *w = step_one(o, lr, t, p.e[i]->value, grads[i], &m, &v);
    /* swap in the new arrays: the module and the optimizer hold them from now on */
    mx_retain(w);
    mx_release(p.e[i]->value);
    p.e[i]->value = w;
    if (m != o->m[i]) {
      mx_retain(m);
      mx_release(o->m[i]);
      o->m[i] = m;
    }
    if (v != o->v[i]) {
      mx_retain(v);
      mx_release(o->v[i]);
      o->v[i] = v;
    }
    all[3 * i] = w;
    all[3 * i + 1] = o->m[i];
    all[3 * i + 2] = o->v[i];
  }
  mx_status st = mx_eval_many(3 * n, all);
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
