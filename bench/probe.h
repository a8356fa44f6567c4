//===- probe.h - The bandwidth probe of the AdamW benchmark -----*- C++ -*-===//
//
// The probe moves the bytes of an AdamW step (reads p, g, m, v; writes p, m,
// v) with no math beyond one add per store: the physical limit a step can
// reach. Shared by the harness and by libprobe.so, which the Python peers
// call so that they, too, are timed beside the probe.
//
//===----------------------------------------------------------------------===//

#ifndef OPTIM_BENCH_PROBE_H
#define OPTIM_BENCH_PROBE_H

#include <omp.h>

#include <algorithm>
#include <cstdint>

/// Runs body(lo, hi) over [0, n): directly with one thread, else split into
/// one 64-byte-aligned contiguous block per OpenMP thread.
template <typename T, typename Body>
void forRange(int threads, int64_t n, Body body) {
  if (threads == 1) {
    body(int64_t(0), n);
    return;
  }
  constexpr int64_t kLine = 64 / sizeof(T);
#pragma omp parallel num_threads(threads)
  {
    int64_t nt = omp_get_num_threads(), id = omp_get_thread_num();
    int64_t block = ((n + nt - 1) / nt + kLine - 1) / kLine * kLine;
    int64_t lo = std::min(n, id * block), hi = std::min(n, lo + block);
    if (lo < hi)
      body(lo, hi);
  }
}

/// Runs body(k, lo, hi) `steps` times over each of the `count` tensors of
/// n[k] elements: a tensor of at least `threshold` elements split over
/// `threads` threads (forRange), a smaller one on one thread; the rule of
/// optim-cpu-pipeline's `parallel-threshold`.
template <typename T, typename Body>
void forTensors(int64_t steps, const int64_t *n, int64_t count, int threads,
                int64_t threshold, Body body) {
  for (int64_t s = 0; s < steps; ++s)
    for (int64_t k = 0; k < count; ++k)
      forRange<T>(n[k] < threshold ? 1 : threads, n[k],
                  [&](int64_t lo, int64_t hi) { body(k, lo, hi); });
}

/// The bandwidth probe: same loads and stores as a step, values unchanged
/// (`zero` is 0 at run time, unknown to the compiler).
template <typename T>
void probeStep(T *__restrict p, const T *__restrict g, T *__restrict m,
               T *__restrict v, int64_t n, T zero) {
  for (int64_t i = 0; i < n; ++i) {
    T d = zero * g[i];
    p[i] += d;
    m[i] += d;
    v[i] += d;
  }
}

#endif // OPTIM_BENCH_PROBE_H
