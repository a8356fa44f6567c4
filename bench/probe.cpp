//===- probe.cpp - The bandwidth probe as a C library -----------*- C++ -*-===//
//
// libprobe.so: the probe of probe.h for ctypes, so that the Python peers are
// timed interleaved with the same probe as the C++ systems. One call runs
// `steps` probe steps over `count` tensors (so that the cost of the call from
// Python vanishes for small tensors), each tensor of at least `threshold`
// elements split over `threads` OpenMP threads, the harness's rule.
//
//===----------------------------------------------------------------------===//

#include "probe.h"

namespace {
template <typename T>
void probe(T *const *p, const T *const *g, T *const *m, T *const *v,
           const int64_t *n, int64_t count, int threads, int64_t threshold,
           int64_t steps) {
  // Zero at run time, unknown to the compiler: the values stay unchanged.
  static volatile T zeroSource = 0;
  const T zero = zeroSource;
  forTensors<T>(steps, n, count, threads, threshold,
                [&](int64_t k, int64_t lo, int64_t hi) {
                  probeStep(&p[k][lo], &g[k][lo], &m[k][lo], &v[k][lo], hi - lo,
                            zero);
                });
}
} // namespace

extern "C" {
/// Starts LLVM's OpenMP runtime, which takes the CPUs the calling thread may
/// run on for the machine's; returns how many it found.
int optim_bench_start_openmp() { return omp_get_num_procs(); }

void optim_bench_probe_f32(float *const *p, const float *const *g,
                           float *const *m, float *const *v, const int64_t *n,
                           int64_t count, int threads, int64_t threshold,
                           int64_t steps) {
  probe(p, g, m, v, n, count, threads, threshold, steps);
}
void optim_bench_probe_f64(double *const *p, const double *const *g,
                           double *const *m, double *const *v, const int64_t *n,
                           int64_t count, int threads, int64_t threshold,
                           int64_t steps) {
  probe(p, g, m, v, n, count, threads, threshold, steps);
}
}
