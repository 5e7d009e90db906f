/* optimizer.h — the optimizer object, shared by the update code and the state files. */
#ifndef MX_OPTIM_OPTIMIZER_H
#define MX_OPTIM_OPTIMIZER_H

#include "../core/internal.h"
#include "mx/optim.h"

typedef enum { MXI_SGD, MXI_ADAM, MXI_ADAMW, MXI_RMSPROP, MXI_ADAGRAD, MXI_LION } mxi_optim_kind;

struct mx_optimizer {
  mxi_optim_kind kind;
  double lr, b1, b2, eps, wd, momentum;
  bool nesterov;
  mx_schedule *schedule;
  int64_t step;
  /* per trainable parameter, by dotted name: first and second moment (or momentum) */
  int n;
  char **names;
  mx_array **m, **v;
};

void mxi_optim_clear_state(mx_optimizer *o);

#endif
