/* schedule.c — learning-rate schedules as small trees of plain data. */
#include <math.h>
#include <stdlib.h>

#include "../core/internal.h"
#include "mx/optim.h"

typedef enum { S_CONSTANT, S_STEP, S_EXP, S_COSINE, S_LINEAR, S_JOIN } skind;

struct mx_schedule {
  skind kind;
  double a, b, c; /* per kind: lr / start, gamma / end, ... */
  int64_t steps;
  int n;
  mx_schedule **parts;
  int64_t *bounds;
};

static mx_schedule *make(skind k, double a, double b, int64_t steps) {
  mx_schedule *s = calloc(1, sizeof *s);
  if (!s) {
    mxi_record_oom("schedule", "making a schedule");
    return NULL;
  }
  s->kind = k;
  s->a = a;
  s->b = b;
  s->steps = steps;
  return s;
}

mx_schedule *mx_schedule_constant(double lr) { return make(S_CONSTANT, lr, 0, 0); }
mx_schedule *mx_schedule_step(double lr, int64_t step_size, double gamma) {
  if (step_size <= 0) {
    mxi_record_error("mx_schedule_step: step_size must be positive");
    return NULL;
  }
  return make(S_STEP, lr, gamma, step_size);
}
mx_schedule *mx_schedule_exponential(double lr, double gamma) { return make(S_EXP, lr, gamma, 0); }
mx_schedule *mx_schedule_cosine(double lr, int64_t decay_steps, double end) {
  if (decay_steps <= 0) {
    mxi_record_error("mx_schedule_cosine: decay_steps must be positive");
    return NULL;
  }
  return make(S_COSINE, lr, end, decay_steps);
}
mx_schedule *mx_schedule_linear(double start, double end, int64_t steps) {
  if (steps <= 0) {
    mxi_record_error("mx_schedule_linear: steps must be positive");
    return NULL;
  }
  return make(S_LINEAR, start, end, steps);
}

mx_schedule *mx_schedule_join(int n, mx_schedule **schedules, const int64_t *boundaries) {
  bool ok = n >= 1;
  for (int i = 0; ok && i < n; i++) ok = schedules[i] != NULL;
  for (int i = 1; ok && i < n - 1; i++) ok = boundaries[i] > boundaries[i - 1];
  if (!ok) {
    mxi_record_error("mx_schedule_join: need n >= 1 schedules and increasing boundaries");
    for (int i = 0; i < n; i++) mx_schedule_free(schedules[i]);
    return NULL;
  }
  mx_schedule *s = make(S_JOIN, 0, 0, 0);
  if (s) {
    s->parts = malloc((size_t)n * sizeof *s->parts);
    s->bounds = malloc((size_t)(n > 1 ? n - 1 : 1) * sizeof *s->bounds);
  }
  if (!s || !s->parts || !s->bounds) { /* the parts go, as on the other errors */
    if (s) {
      mxi_record_oom("schedule_join", "joining the schedules");
      free(s->parts);
      free(s->bounds);
      free(s);
    }
    for (int i = 0; i < n; i++) mx_schedule_free(schedules[i]);
    return NULL;
  }
  s->n = n;
  for (int i = 0; i < n; i++) s->parts[i] = schedules[i];
  for (int i = 0; i < n - 1; i++) s->bounds[i] = boundaries[i];
  return s;
}

double mx_schedule_value(const mx_schedule *s, int64_t step) {
  if (!s) return NAN;
  switch (s->kind) {
    case S_CONSTANT: return s->a;
    case S_STEP: return s->a * pow(s->b, (double)(step / s->steps));
    case S_EXP: return s->a * pow(s->b, (double)step);
    case S_COSINE: {
      if (step >= s->steps) return s->b;
      double t = (double)step / (double)s->steps;
      return s->b + 0.5 * (s->a - s->b) * (1 + cos(3.14159265358979323846 * t));
    }
    case S_LINEAR:
      if (step >= s->steps) return s->b;
      return s->a + (s->b - s->a) * (double)step / (double)s->steps;
    case S_JOIN: {
      int i = 0;
      while (i < s->n - 1 && step >= s->bounds[i]) i++;
      return mx_schedule_value(s->parts[i], i ? step - s->bounds[i - 1] : step);
    }
  }
  return NAN;
}

void mx_schedule_free(mx_schedule *s) {
  if (!s) return;
  for (int i = 0; i < s->n; i++) mx_schedule_free(s->parts[i]);
  free(s->parts);
  free(s->bounds);
  free(s);
}
