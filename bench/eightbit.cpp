//===- eightbit.cpp - The probe of the 8-bit AdamW benchmark ----*- C++ -*-===//
//
// libeightbit.so: the bytes of an AdamW step with f32 parameters and
// gradients and 8-bit moments (reads p, g, m, v and each block's two
// absmax; writes p, m, v and the absmax), with no math beyond one add per
// store: the physical limit such a step can reach. bench/eightbit.py times it
// beside the steps.
//
//===----------------------------------------------------------------------===//

#include "probe.h"

#include <cstdint>

namespace {

void probeTensor(float *__restrict p, const float *__restrict g,
                 uint8_t *__restrict m, uint8_t *__restrict v,
                 float *__restrict mAbsmax, float *__restrict vAbsmax,
                 int64_t lo, int64_t hi, int64_t block, uint32_t zero) {
  for (int64_t i = lo; i < hi; ++i) {
    uint32_t d = zero & reinterpret_cast<const uint32_t *>(g)[i];
    p[i] += float(d);
    m[i] += uint8_t(d);
    v[i] += uint8_t(d);
  }
  for (int64_t b = lo / block; b < (hi + block - 1) / block; ++b) {
    mAbsmax[b] += float(zero);
    vAbsmax[b] += float(zero);
  }
}

} // namespace

extern "C" void optim_bench_8bit_probe(float *const *p, float *const *g,
                                       uint8_t *const *m, uint8_t *const *v,
                                       float *const *mAbsmax,
                                       float *const *vAbsmax, const int64_t *n,
                                       int64_t count, int threads,
                                       int64_t threshold, int64_t block,
                                       int64_t steps) {
  // Zero at run time, unknown to the compiler: the values stay unchanged.
  static volatile uint32_t zeroSource = 0;
  const uint32_t zero = zeroSource;
  // Shares start on whole blocks (of 256 elements here: 64-byte aligned).
  forTensors<uint8_t>(steps, n, count, threads, threshold,
                      [&](int64_t k, int64_t lo, int64_t hi) {
                        lo = lo / block * block;
                        hi = hi == n[k] ? hi : hi / block * block;
                        probeTensor(p[k], g[k], m[k], v[k], mAbsmax[k],
                                    vAbsmax[k], lo, hi, block, zero);
                      });
}
