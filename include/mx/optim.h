/* mx/optim.h — optimizers over a module's trainable parameters, learning-rate schedules,
 * gradient clipping, and optimizer state files so training resumes exactly. */
#ifndef MX_OPTIM_H
#define MX_OPTIM_H

#include "nn.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- schedules: the learning rate as a function of the step (0-based) ---- */
typedef struct mx_schedule mx_schedule;
mx_schedule *mx_schedule_constant(double lr);
/* lr * gamma^(step / step_size) (integer division). */
mx_schedule *mx_schedule_step(double lr, int64_t step_size, double gamma);
mx_schedule *mx_schedule_exponential(double lr, double gamma);
/* Cosine decay from lr to end over decay_steps, then end. */
mx_schedule *mx_schedule_cosine(double lr, int64_t decay_steps, double end);
/* Linear from start to end over steps, then end (a warmup). */
mx_schedule *mx_schedule_linear(double start, double end, int64_t steps);
/* schedules[i] from boundaries[i-1] on (each restarted at 0 there); takes ownership. */
mx_schedule *mx_schedule_join(int n, mx_schedule **schedules, const int64_t *boundaries);
double mx_schedule_value(const mx_schedule *s, int64_t step);
void mx_schedule_free(mx_schedule *s);

/* ---- optimizers ---- */
typedef struct mx_optimizer mx_optimizer;
mx_optimizer *mx_optim_sgd(double lr, double momentum, double weight_decay, bool nesterov);
mx_optimizer *mx_optim_adam(double lr, double beta1, double beta2, double eps);
/* Adam with decoupled weight decay (Loshchilov & Hutter). */
mx_optimizer *mx_optim_adamw(double lr, double beta1, double beta2, double eps, double weight_decay);
mx_optimizer *mx_optim_rmsprop(double lr, double alpha, double eps);
mx_optimizer *mx_optim_adagrad(double lr, double eps);
mx_optimizer *mx_optim_lion(double lr, double beta1, double beta2, double weight_decay);
void mx_optim_free(mx_optimizer *o);
/* Replaces the constant learning rate by a schedule (takes ownership). */
void mx_optim_set_schedule(mx_optimizer *o, mx_schedule *s);
double mx_optim_learning_rate(const mx_optimizer *o); /* for the next step */
int64_t mx_optim_steps(const mx_optimizer *o);

/* One step on the trainable parameters of m with grads (mx_module_list order), then evaluates
 * the new parameters and state together. */
mx_status mx_optim_update(mx_optimizer *o, mx_module *m, int n, mx_array *const *grads);

/* The step count, hyperparameters and every state array (safetensors), so that a run resumed
 * from a module checkpoint and this file continues exactly. */
mx_status mx_optim_save(const mx_optimizer *o, const char *path);
mx_status mx_optim_load(mx_optimizer *o, const char *path);

/* Scales grads in place (replacing the arrays) so their global L2 norm is at most max_norm;
 * returns the norm before clipping (a 0-d float32 array). */
mx_array *mx_clip_grad_norm(int n, mx_array **grads, double max_norm);

#ifdef __cplusplus
}
#endif
#endif
