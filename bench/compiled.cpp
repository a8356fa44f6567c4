//===- compiled.cpp - The compiled step as a C library ----------*- C++ -*-===//
//
// libcompiled-t<T>.so: the compiled step of compiled.h for ctypes, linked with
// the steps compiled for T threads, so that the Python peers are timed
// interleaved with the compiled step itself. One call runs `steps` steps,
// numbered from `firstStep`, so that the cost of the call from Python vanishes
// for small tensors. `model` names a parameter set of models.h, or is null for
// the dynamically shaped step on one tensor. Returns 0, or 1 for an unknown
// model.
//
//===----------------------------------------------------------------------===//

#include "compiled.h"

namespace {
template <typename T>
int run(T *const *p, T *const *g, T *const *m, T *const *v, const int64_t *n,
        int64_t count, const char *modelName, int64_t firstStep, int64_t steps,
        double lr) {
  const Model *model = modelName ? findModel(modelName) : nullptr;
  if (modelName && (!model || model->numTensors != count))
    return 1;
  CompiledStep<T> step(model, p, g, m, v, count, n[0]);
  for (int64_t s = 0; s < steps; ++s)
    step(firstStep + s, T(lr));
  return 0;
}
} // namespace

extern "C" {
int optim_bench_compiled_f32(float *const *p, float *const *g, float *const *m,
                             float *const *v, const int64_t *n, int64_t count,
                             const char *model, int64_t firstStep,
                             int64_t steps, double lr) {
  return run(p, g, m, v, n, count, model, firstStep, steps, lr);
}
int optim_bench_compiled_f64(double *const *p, double *const *g,
                             double *const *m, double *const *v,
                             const int64_t *n, int64_t count, const char *model,
                             int64_t firstStep, int64_t steps, double lr) {
  return run(p, g, m, v, n, count, model, firstStep, steps, lr);
}
}
