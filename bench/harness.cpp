//===- harness.cpp - AdamW step benchmark harness ---------------*- C++ -*-===//
//
// Times three C++ systems on one set of buffers, interleaved round-robin:
//   probe     moves the bytes of a step (read p, g, m, v; write p, m, v) and
//             does no math beyond one add per store;
//   hand      a hand-written AdamW loop;
//   compiled  the step compiled by `optim-cpu-pipeline` (compiled.h).
// With --model, a fourth system, `compiled_flat`, runs the compiled step on
// one tensor of as many elements as the whole model, so that the cost of
// many tensors is measured in the same phase as the step it is compared to.
// Then it checks one compiled step against the hand-written loop on the same
// inputs, and prints one JSON object on stdout. Exits 1 if the check fails.
//
// Usage:
//   harness --dtype f32|f64 (--elements N | --model NAME) --threads T
//           --reps R --warmup W --inner I [--parallel-threshold N]
//           [--no-compiled]
//
// With T > 1 threads, the probe and the hand-written loop keep tensors of
// fewer than N elements on one thread (default 0: split every tensor), the
// rule of optim-cpu-pipeline's `parallel-threshold`.
//
// All buffers come from allocBuffer(): 2 MiB-aligned, madvise(MADV_HUGEPAGE).
//
//===----------------------------------------------------------------------===//

#include "compiled.h"
#include "probe.h"

#include <omp.h>
#include <sys/mman.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace {

constexpr double kBeta1 = 0.9, kBeta2 = 0.999, kEps = 1e-8, kWeightDecay = 1e-2;
constexpr double kLr = 1e-3;
constexpr int64_t kCheckStep = 10;

//===----------------------------------------------------------------------===//
// Memory and threads
//===----------------------------------------------------------------------===//

constexpr size_t kHugePage = size_t(2) << 20;

struct FreeDeleter {
  void operator()(void *ptr) const { std::free(ptr); }
};

/// The one allocation scheme of the C++ systems: 2 MiB-aligned, rounded up to
/// 2 MiB and marked for transparent huge pages.
template <typename T> std::unique_ptr<T[], FreeDeleter> allocBuffer(int64_t n) {
  size_t bytes = (n * sizeof(T) + kHugePage - 1) / kHugePage * kHugePage;
  void *ptr = std::aligned_alloc(kHugePage, bytes);
  if (!ptr) {
    std::fprintf(stderr, "error: cannot allocate %zu bytes\n", bytes);
    std::exit(2);
  }
  madvise(ptr, bytes, MADV_HUGEPAGE);
  return std::unique_ptr<T[], FreeDeleter>(static_cast<T *>(ptr));
}

//===----------------------------------------------------------------------===//
// The C++ systems
//===----------------------------------------------------------------------===//

/// The per-step scalars, computed in double and rounded once to T, as the
/// compiled step does.
template <typename T> struct Scalars {
  T beta1, oneMinusBeta1, beta2, oneMinusBeta2, eps;
  T stepSize;   // lr / (1 - beta1^t)
  T invSqrtBc2; // 1 / sqrt(1 - beta2^t)
  T decay;      // 1 - lr * wd
};

template <typename T> Scalars<T> makeScalars(int64_t step, double lr) {
  double bc1 = 1.0 - std::pow(kBeta1, double(step));
  double bc2 = 1.0 - std::pow(kBeta2, double(step));
  return {T(kBeta1),
          T(1.0 - kBeta1),
          T(kBeta2),
          T(1.0 - kBeta2),
          T(kEps),
          T(lr / bc1),
          T(1.0 / std::sqrt(bc2)),
          T(1.0 - lr * kWeightDecay)};
}

/// The hand-written step: m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
/// p = p (1 - lr wd) - (lr/bc1) m / (sqrt(v)/sqrt(bc2) + eps).
template <typename T>
void handStep(T *__restrict p, const T *__restrict g, T *__restrict m,
              T *__restrict v, int64_t n, Scalars<T> s) {
  const T b1 = s.beta1, c1 = s.oneMinusBeta1, b2 = s.beta2,
          c2 = s.oneMinusBeta2, eps = s.eps, stepSize = s.stepSize,
          invSqrtBc2 = s.invSqrtBc2, decay = s.decay;
  for (int64_t i = 0; i < n; ++i) {
    T gi = g[i];
    T mi = b1 * m[i] + c1 * gi;
    T vi = b2 * v[i] + c2 * gi * gi;
    T denom = std::sqrt(vi) * invSqrtBc2 + eps;
    p[i] = p[i] * decay - stepSize * (mi / denom);
    m[i] = mi;
    v[i] = vi;
  }
}

//===----------------------------------------------------------------------===//
// Tensors
//===----------------------------------------------------------------------===//

/// A parameter tensor and its gradient and moments. Element i of tensor k has
/// the global index base + i, which seeds its initial values.
template <typename T> struct Tensor {
  int64_t rows, cols, n, base; // cols == 0: rank 1
  std::unique_ptr<T[], FreeDeleter> p, g, m, v;
};

double hashUnit(uint64_t i, uint64_t salt) {
  uint64_t x = (i + 1) * 0x9E3779B97F4A7C15ull ^ (salt * 0xBF58476D1CE4E5B9ull);
  x ^= x >> 31;
  x *= 0x94D049BB133111EBull;
  x ^= x >> 29;
  return double(x >> 11) * 0x1p-53;
}

/// Initial values. m and g share their sign and v is positive, so no update
/// cancels and a relative tolerance is meaningful.
template <typename T>
void initValues(T *p, T *g, T *m, T *v, int64_t n, int64_t base) {
  for (int64_t i = 0; i < n; ++i) {
    uint64_t j = base + i;
    double sign = (j & 1) ? 1.0 : -1.0;
    p[i] = T(sign * (0.5 + hashUnit(j, 1)));
    g[i] = T(sign * 0.1 * (0.01 + hashUnit(j, 2)));
    m[i] = T(sign * 0.01 * (0.01 + hashUnit(j, 3)));
    v[i] = T(1e-4 * (0.01 + hashUnit(j, 4)));
  }
}

template <typename T> void initTensor(Tensor<T> &t, int threads) {
  forRange<T>(threads, t.n, [&](int64_t lo, int64_t hi) {
    initValues(&t.p[lo], &t.g[lo], &t.m[lo], &t.v[lo], hi - lo, t.base + lo);
  });
}

/// The compiled step over `tensors`: their model's function, or the
/// dynamically shaped step when there is no model (one tensor).
template <typename T>
CompiledStep<T> makeCompiledStep(const Model *model,
                                 std::vector<Tensor<T>> &tensors) {
  std::vector<T *> arrays[4];
  for (Tensor<T> &t : tensors) {
    arrays[0].push_back(t.p.get());
    arrays[1].push_back(t.g.get());
    arrays[2].push_back(t.m.get());
    arrays[3].push_back(t.v.get());
  }
  return CompiledStep<T>(model, arrays[0].data(), arrays[1].data(),
                         arrays[2].data(), arrays[3].data(), tensors.size(),
                         tensors.front().n);
}

//===----------------------------------------------------------------------===//
// Driver
//===----------------------------------------------------------------------===//

struct Options {
  std::string dtype = "f32", modelName;
  int64_t elements = 0;
  int threads = 1, reps = 10, warmup = 2, inner = 1;
  int64_t parallelThreshold = 0;
  bool compiled = true;

  /// Threads for a tensor of n elements.
  int threadsFor(int64_t n) const {
    return n < parallelThreshold ? 1 : threads;
  }
};

double median(std::vector<double> x) {
  std::sort(x.begin(), x.end());
  size_t k = x.size() / 2;
  return x.size() % 2 ? x[k] : 0.5 * (x[k - 1] + x[k]);
}

long anonHugeKiB() {
  std::ifstream in("/proc/self/smaps_rollup");
  std::string key;
  long value;
  while (in >> key) {
    if (key == "AnonHugePages:" && in >> value)
      return value;
    in.ignore(1 << 20, '\n');
  }
  return -1;
}

template <typename T> int run(const Options &o) {
  const Model *model = nullptr;
  std::vector<std::pair<int64_t, int64_t>> shapes;
  if (o.modelName.empty()) {
    shapes.push_back({o.elements, 0});
  } else {
    model = findModel(o.modelName.c_str());
    if (!model) {
      std::fprintf(stderr, "error: unknown model '%s'\n", o.modelName.c_str());
      return 2;
    }
    for (int k = 0; k < model->numTensors; ++k)
      shapes.push_back({model->shapes[k][0], model->shapes[k][1]});
  }

  std::vector<Tensor<T>> tensors;
  int64_t total = 0;
  for (auto [rows, cols] : shapes) {
    int64_t n = cols ? rows * cols : rows;
    tensors.push_back({rows, cols, n, total, allocBuffer<T>(n),
                       allocBuffer<T>(n), allocBuffer<T>(n),
                       allocBuffer<T>(n)});
    total += n;
  }
  for (Tensor<T> &t : tensors)
    initTensor(t, o.threadsFor(t.n));

  // The flat tensor of the model's total size for `compiled_flat`.
  std::vector<Tensor<T>> flat;
  if (model && o.compiled) {
    flat.push_back({total, 0, total, 0, allocBuffer<T>(total),
                    allocBuffer<T>(total), allocBuffer<T>(total),
                    allocBuffer<T>(total)});
    initTensor(flat.back(), o.threadsFor(total));
  }
  long hugeKiB = anonHugeKiB();

  omp_set_num_threads(o.threads);
  CompiledStep<T> compiled = makeCompiledStep(model, tensors);
  std::unique_ptr<CompiledStep<T>> compiledFlat;
  if (!flat.empty())
    compiledFlat =
        std::make_unique<CompiledStep<T>>(makeCompiledStep<T>(nullptr, flat));
  volatile T zeroSource = 0;
  const T zero = zeroSource, lr = T(kLr);

  struct System {
    const char *name;
    std::function<void(int64_t)> step;
    int64_t count = 0;
    std::vector<double> samples;
  };
  std::vector<System> systems;
  systems.push_back(
      {"probe", [&](int64_t) {
         for (Tensor<T> &t : tensors)
           forRange<T>(o.threadsFor(t.n), t.n, [&](int64_t lo, int64_t hi) {
             probeStep(&t.p[lo], &t.g[lo], &t.m[lo], &t.v[lo], hi - lo, zero);
           });
       }});
  systems.push_back(
      {"hand", [&](int64_t step) {
         Scalars<T> s = makeScalars<T>(step, kLr);
         for (Tensor<T> &t : tensors)
           forRange<T>(o.threadsFor(t.n), t.n, [&](int64_t lo, int64_t hi) {
             handStep(&t.p[lo], &t.g[lo], &t.m[lo], &t.v[lo], hi - lo, s);
           });
       }});
  if (o.compiled)
    systems.push_back({"compiled", [&](int64_t step) { compiled(step, lr); }});
  if (compiledFlat)
    systems.push_back(
        {"compiled_flat", [&](int64_t step) { (*compiledFlat)(step, lr); }});

  // Warm-up, then round-robin repetitions, rotating which system goes first.
  using Clock = std::chrono::steady_clock;
  for (System &s : systems)
    for (int w = 0; w < o.warmup * o.inner; ++w)
      s.step(++s.count);
  for (int r = 0; r < o.reps; ++r)
    for (size_t j = 0; j < systems.size(); ++j) {
      System &s = systems[(r + j) % systems.size()];
      auto start = Clock::now();
      for (int k = 0; k < o.inner; ++k)
        s.step(++s.count);
      std::chrono::duration<double, std::nano> elapsed = Clock::now() - start;
      s.samples.push_back(elapsed.count() / o.inner);
    }

  // Correctness: one compiled step from fresh inputs vs the hand-written loop
  // on the same inputs, chunk by chunk. In f32 the two differ by a few ulps
  // (2e-7 at most here), well below what a missing term would move p by
  // (the decay, lr * wd, is 1e-5 of it).
  double tol = sizeof(T) == 4 ? 1e-6 : 1e-12;
  double maxErr[3] = {0, 0, 0};
  bool checked = o.compiled, ok = true;
  if (checked) {
    for (Tensor<T> &t : tensors)
      initTensor(t, o.threadsFor(t.n));
    compiled(kCheckStep, lr);
    Scalars<T> s = makeScalars<T>(kCheckStep, kLr);
    constexpr int64_t kChunk = 1 << 16;
    std::vector<T> p(kChunk), g(kChunk), m(kChunk), v(kChunk);
    for (Tensor<T> &t : tensors)
      for (int64_t lo = 0; lo < t.n; lo += kChunk) {
        int64_t len = std::min(kChunk, t.n - lo);
        initValues(p.data(), g.data(), m.data(), v.data(), len, t.base + lo);
        handStep(p.data(), g.data(), m.data(), v.data(), len, s);
        const T *ref[3] = {p.data(), m.data(), v.data()};
        const T *got[3] = {&t.p[lo], &t.m[lo], &t.v[lo]};
        for (int a = 0; a < 3; ++a)
          for (int64_t i = 0; i < len; ++i) {
            double x = ref[a][i], y = got[a][i];
            double err = std::abs(x - y) / std::max(std::abs(x), 1e-30);
            if (!(err <= maxErr[a])) // also catches NaN
              maxErr[a] = std::isnan(err) ? INFINITY : err;
          }
      }
    ok = maxErr[0] <= tol && maxErr[1] <= tol && maxErr[2] <= tol;
  }

  std::printf("{\"dtype\": \"%s\", \"case\": \"%s\", \"elements\": %lld, "
              "\"tensors\": %zu, \"threads\": %d, \"reps\": %d, \"warmup\": "
              "%d, \"inner\": %d, \"anon_huge_kib\": %ld, \"systems\": {",
              o.dtype.c_str(), model ? model->name : "flat", (long long)total,
              tensors.size(), o.threads, o.reps, o.warmup, o.inner, hugeKiB);
  for (size_t j = 0; j < systems.size(); ++j) {
    std::printf("%s\"%s\": {\"median_ns\": %.1f, \"samples_ns\": [",
                j ? ", " : "", systems[j].name, median(systems[j].samples));
    for (size_t k = 0; k < systems[j].samples.size(); ++k)
      std::printf("%s%.1f", k ? ", " : "", systems[j].samples[k]);
    std::printf("]}");
  }
  std::printf("}, \"check\": {\"checked\": %s, \"ok\": %s, \"tol\": %g, "
              "\"max_rel_err\": {\"p\": %g, \"m\": %g, \"v\": %g}}}\n",
              checked ? "true" : "false", ok ? "true" : "false", tol, maxErr[0],
              maxErr[1], maxErr[2]);
  if (!ok) {
    std::fprintf(stderr,
                 "CORRECTNESS CHECK FAILED: %s %s, %lld elements, %d "
                 "threads: max rel err p %g m %g v %g > %g\n",
                 o.dtype.c_str(), model ? model->name : "flat",
                 (long long)total, o.threads, maxErr[0], maxErr[1], maxErr[2],
                 tol);
    return 1;
  }
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "error: %s needs a value\n", arg.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--dtype")
      o.dtype = value();
    else if (arg == "--elements")
      o.elements = std::stoll(value());
    else if (arg == "--model")
      o.modelName = value();
    else if (arg == "--threads")
      o.threads = std::stoi(value());
    else if (arg == "--reps")
      o.reps = std::stoi(value());
    else if (arg == "--warmup")
      o.warmup = std::stoi(value());
    else if (arg == "--inner")
      o.inner = std::stoi(value());
    else if (arg == "--parallel-threshold")
      o.parallelThreshold = std::stoll(value());
    else if (arg == "--no-compiled")
      o.compiled = false;
    else {
      std::fprintf(stderr, "error: unknown argument '%s'\n", arg.c_str());
      return 2;
    }
  }
  if (o.modelName.empty() == (o.elements <= 0) || o.threads < 1 || o.reps < 1 ||
      o.inner < 1) {
    std::fprintf(stderr, "error: bad arguments (see the file comment)\n");
    return 2;
  }
  if (o.dtype == "f32")
    return run<float>(o);
  if (o.dtype == "f64")
    return run<double>(o);
  std::fprintf(stderr, "error: unknown dtype '%s'\n", o.dtype.c_str());
  return 2;
}
