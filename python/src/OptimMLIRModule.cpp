//===- OptimMLIRModule.cpp - The optim_mlir._core extension -----*- C++ -*-===//
//
// nanobind bindings over OptimMLIR. For a list of tensor shapes and dtypes and
// a set of AdamW hyperparameters, builds a module with one memref-form
// `optim.adamw_step` per tensor (in functions of up to kTensorsPerFunction
// tensors), lowers it with `optim-cpu-pipeline`, JIT-compiles it with
// mlir::ExecutionEngine and calls it on the numpy arrays' own buffers.
// The most recently used compiled steps are cached; the step count and the
// learning rate are function arguments, so they never cause a recompile.
// Compiling runs without the GIL, one compile at a time.
//
// Argument checking with readable messages is done by the Python layer
// (optim_mlir/_functional.py); this file re-checks only what memory safety
// depends on (dtypes, shapes, contiguity).
//
//===----------------------------------------------------------------------===//

#include "optim/Dialect/Optim/IR/OptimOps.h"
#include "optim/InitAllDialects.h"
#include "optim/Pipelines/Pipelines.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"

#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <algorithm>
#include <cstddef>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace nb = nanobind;
using namespace mlir;

namespace {

//===----------------------------------------------------------------------===//
// Step signatures
//===----------------------------------------------------------------------===//

using RWArray = nb::ndarray<nb::device::cpu, nb::c_contig>;
using ROArray = nb::ndarray<nb::ro, nb::device::cpu, nb::c_contig>;

/// Hyperparameters compiled into the step as op attributes.
struct Hyper {
  double beta1, beta2, eps, weightDecay;
};

/// The shape and element type of one parameter tensor.
struct TensorSpec {
  bool isF64;
  llvm::SmallVector<int64_t, 4> shape;
};

/// Returns true for f64, false for f32; throws for anything else.
bool isF64Array(const RWArray &a, const char *what) {
  if (a.dtype() == nb::dtype<double>())
    return true;
  if (a.dtype() == nb::dtype<float>())
    return false;
  throw nb::type_error(
      (std::string(what) + ": expected float32 or float64").c_str());
}

/// The cache key: every shape and dtype, then the hyperparameters' exact bit
/// patterns (so that, e.g., 0.1 and 0.1 + 1 ulp are different steps).
std::string makeKey(llvm::ArrayRef<TensorSpec> tensors, const Hyper &h) {
  std::string key;
  llvm::raw_string_ostream os(key);
  for (const TensorSpec &t : tensors) {
    os << (t.isF64 ? "f64[" : "f32[");
    llvm::interleaveComma(t.shape, os);
    os << "]";
  }
  for (double x : {h.beta1, h.beta2, h.eps, h.weightDecay})
    os << ";" << llvm::format_hex(llvm::bit_cast<uint64_t>(x), 18);
  return key;
}

//===----------------------------------------------------------------------===//
// Compilation
//===----------------------------------------------------------------------===//

/// How many tensors one generated function updates. The functions take bare
/// pointers (4 per tensor); LLVM's instruction selection of a call grows
/// faster than linearly with its argument count, so a model's tensors are
/// spread over functions of at most this many.
constexpr size_t kTensorsPerFunction = 32;

/// The name of the generated function for chunk `chunk` of the tensors.
std::string stepName(size_t chunk) {
  return "adamw_step_" + std::to_string(chunk);
}

/// How many compiled steps the cache keeps. Each holds its own JIT (a few
/// hundred KiB to MiBs); a schedule of, e.g., weight decay would otherwise
/// grow the cache without end.
constexpr size_t kMaxCachedSteps = 64;

/// One JIT-compiled step: the engine owns the code; `fns[c]` is the packed
/// entry of the function for chunk c.
struct CompiledStep {
  std::unique_ptr<ExecutionEngine> engine;
  llvm::SmallVector<void (*)(void **)> fns;
};

/// Collects the diagnostics emitted while alive into one string.
class DiagnosticCollector {
public:
  explicit DiagnosticCollector(MLIRContext &ctx)
      : handler(&ctx, [this](Diagnostic &diag) {
          llvm::raw_string_ostream os(text);
          os << diag.getLocation() << ": " << diag << "\n";
          for (Diagnostic &note : diag.getNotes())
            os << note.getLocation() << ": note: " << note << "\n";
          return success();
        }) {}
  const std::string &str() const { return text; }

private:
  std::string text;
  ScopedDiagnosticHandler handler;
};

/// Everything that lives as long as the module: the MLIR context and the
/// cache of compiled steps. Callers release the GIL; `mutex` serialises the
/// use of the context and the cache, so a long compile blocks only the
/// threads that need the JIT.
class OptimJIT {
public:
  // Multithreading is off: the IR is small, and a thread pool would only add
  // threads to the Python process (and trouble for fork-based
  // multiprocessing).
  OptimJIT() : context(makeRegistry(), MLIRContext::Threading::DISABLED) {
    context.loadDialect<arith::ArithDialect, func::FuncDialect,
                        memref::MemRefDialect, optim::OptimDialect>();
    context.printOpOnDiagnostic(false);
  }

  /// Returns the compiled step for `tensors` and `h`, compiling it on a miss
  /// and evicting the least recently used step when the cache is full (its
  /// callers hold their own reference).
  std::shared_ptr<CompiledStep> getStep(llvm::ArrayRef<TensorSpec> tensors,
                                        const Hyper &h) {
    std::lock_guard<std::mutex> lock(mutex);
    std::string key = makeKey(tensors, h);
    auto it = cache.find(key);
    if (it != cache.end()) {
      it->second.lastUse = ++uses;
      return it->second.step;
    }
    std::shared_ptr<CompiledStep> step = compile(tensors, h);
    ++compileCount;
    if (cache.size() >= kMaxCachedSteps)
      cache.erase(llvm::min_element(cache, [](const auto &a, const auto &b) {
        return a.second.lastUse < b.second.lastUse;
      }));
    cache[key] = {step, ++uses};
    return step;
  }

  /// Parses `ir`, runs the named pipeline and returns the printed result.
  std::string lower(const std::string &ir, const std::string &pipeline) {
    std::lock_guard<std::mutex> lock(mutex);
    if (pipeline != "cpu")
      throw nb::value_error(("lower: unknown pipeline '" + pipeline +
                             "'; the available pipelines are: 'cpu'")
                                .c_str());
    llvm::SourceMgr sourceMgr;
    sourceMgr.AddNewSourceBuffer(
        llvm::MemoryBuffer::getMemBufferCopy(ir, "<ir_text>"), llvm::SMLoc());
    std::string diagnostics;
    llvm::raw_string_ostream os(diagnostics);
    SourceMgrDiagnosticHandler handler(sourceMgr, &context, os);

    // Parsing also verifies the module.
    OwningOpRef<ModuleOp> module =
        parseSourceFile<ModuleOp>(sourceMgr, ParserConfig(&context));
    if (!module)
      throw nb::value_error(
          ("lower: the IR does not parse or verify:\n" + diagnostics).c_str());
    PassManager pm(&context);
    optim::buildOptimCPUPipeline(pm, optim::OptimCPUPipelineOptions());
    if (failed(pm.run(*module)))
      throw nb::value_error(
          ("lower: the 'cpu' pipeline failed:\n" + diagnostics).c_str());

    std::string result;
    llvm::raw_string_ostream out(result);
    module->print(out);
    return result;
  }

  size_t getCompileCount() {
    std::lock_guard<std::mutex> lock(mutex);
    return compileCount;
  }
  size_t getCacheSize() {
    std::lock_guard<std::mutex> lock(mutex);
    return cache.size();
  }

private:
  static DialectRegistry makeRegistry() {
    DialectRegistry registry;
    optim::registerAllDialects(registry);
    registerAllToLLVMIRTranslations(registry);
    return registry;
  }

  /// Builds `func.func @adamw_step_<c>(p0, g0, m0, v0, p1, ..., step: i64,
  /// lr: f64)` for every chunk c of tensors, with one memref-form
  /// optim.adamw_step per tensor. f32 tensors get the learning rate rounded
  /// once to f32.
  OwningOpRef<ModuleOp> buildModule(llvm::ArrayRef<TensorSpec> tensors,
                                    const Hyper &h) {
    OpBuilder b(&context);
    Location loc = NameLoc::get(b.getStringAttr("optim_mlir.adamw_step"));
    OwningOpRef<ModuleOp> module = ModuleOp::create(b, loc);
    for (size_t first = 0; first < tensors.size();
         first += kTensorsPerFunction) {
      auto chunk = tensors.slice(
          first, std::min(kTensorsPerFunction, tensors.size() - first));
      llvm::SmallVector<Type> inputs;
      for (const TensorSpec &t : chunk) {
        Type elementType = t.isF64 ? Type(b.getF64Type()) : b.getF32Type();
        inputs.append(4, MemRefType::get(t.shape, elementType));
      }
      inputs.push_back(b.getI64Type());
      inputs.push_back(b.getF64Type());

      b.setInsertionPointToEnd(module->getBody());
      auto func =
          func::FuncOp::create(b, loc, stepName(first / kTensorsPerFunction),
                               b.getFunctionType(inputs, {}));
      Block *entry = func.addEntryBlock();
      b.setInsertionPointToStart(entry);
      Value step = entry->getArgument(4 * chunk.size());
      Value lr64 = entry->getArgument(4 * chunk.size() + 1);
      Value lr32;
      for (auto [i, t] : llvm::enumerate(chunk)) {
        Value lr = lr64;
        if (!t.isF64) {
          if (!lr32)
            lr32 = arith::TruncFOp::create(b, loc, b.getF32Type(), lr64);
          lr = lr32;
        }
        auto args = entry->getArguments().slice(4 * i, 4);
        optim::AdamWStepOp::create(b, loc, args[0], args[1], args[2], args[3],
                                   step, lr, llvm::APFloat(h.beta1),
                                   llvm::APFloat(h.beta2), llvm::APFloat(h.eps),
                                   llvm::APFloat(h.weightDecay));
      }
      func::ReturnOp::create(b, loc);
    }
    return module;
  }

  /// Builds, lowers and JIT-compiles the step for `tensors` and `h`.
  std::shared_ptr<CompiledStep> compile(llvm::ArrayRef<TensorSpec> tensors,
                                        const Hyper &h) {
    DiagnosticCollector diagnostics(context);
    auto fail = [&](const std::string &what) {
      return std::runtime_error("optim_mlir: " + what + "\n" +
                                diagnostics.str());
    };

    OwningOpRef<ModuleOp> module = buildModule(tensors, h);
    if (failed(verify(*module)))
      throw fail("the generated step does not verify");
    PassManager pm(&context);
    optim::OptimCPUPipelineOptions options;
    // Static shapes: each memref is passed as its data pointer.
    options.barePtrCallConv = true;
    optim::buildOptimCPUPipeline(pm, options);
    if (failed(pm.run(*module)))
      throw fail("the 'cpu' pipeline failed on the generated step");

    // Optimise for the host CPU, with the same target machine that emits the
    // code. The engine takes this machine as it is (its own
    // jitCodeGenOptLevel applies only to a machine it makes), so the code
    // generation level is set here.
    auto tmBuilder = llvm::orc::JITTargetMachineBuilder::detectHost();
    if (!tmBuilder)
      throw fail(llvm::toString(tmBuilder.takeError()));
    tmBuilder->setCodeGenOptLevel(llvm::CodeGenOptLevel::Aggressive);
    auto tm = tmBuilder->createTargetMachine();
    if (!tm)
      throw fail(llvm::toString(tm.takeError()));
    auto transformer = makeOptimizingTransformer(
        /*optLevel=*/3, /*sizeLevel=*/0, /*targetMachine=*/tm->get());
    ExecutionEngineOptions engineOptions;
    engineOptions.transformer = transformer;
    // These listeners can write files (perf maps, debug objects); a step
    // function has no use for them.
    engineOptions.enableGDBNotificationListener = false;
    engineOptions.enablePerfNotificationListener = false;
    auto engine =
        ExecutionEngine::create(*module, engineOptions, std::move(*tm));
    if (!engine)
      throw fail(llvm::toString(engine.takeError()));
    (*engine)->initialize();

    auto step = std::make_shared<CompiledStep>();
    for (size_t c = 0; c * kTensorsPerFunction < tensors.size(); ++c) {
      auto fn = (*engine)->lookupPacked(stepName(c));
      if (!fn)
        throw fail(llvm::toString(fn.takeError()));
      step->fns.push_back(*fn);
    }
    step->engine = std::move(*engine);
    return step;
  }

  struct CacheEntry {
    std::shared_ptr<CompiledStep> step;
    uint64_t lastUse;
  };

  std::mutex mutex;
  MLIRContext context;
  llvm::StringMap<CacheEntry> cache;
  uint64_t uses = 0;
  size_t compileCount = 0;
};

/// The module's single OptimJIT. Deliberately never destroyed: at interpreter
/// exit, JIT'd code and LLVM's own static state would otherwise be torn down
/// in an unspecified order.
OptimJIT &getJIT() {
  static OptimJIT *jit = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    return new OptimJIT();
  }();
  return *jit;
}

//===----------------------------------------------------------------------===//
// Entry points
//===----------------------------------------------------------------------===//

/// Applies one AdamW step in place to every (params[i], m[i], v[i]).
void adamwStep(std::vector<RWArray> params, std::vector<ROArray> grads,
               std::vector<RWArray> m, std::vector<RWArray> v, int64_t step,
               double lr, double beta1, double beta2, double eps,
               double weightDecay) {
  size_t n = params.size();
  if (grads.size() != n || m.size() != n || v.size() != n)
    throw nb::value_error("adamw_step: params, grads, m and v must have the "
                          "same length");
  if (step < 1)
    throw nb::value_error("adamw_step: t must be >= 1");
  if (n == 0)
    return;

  // Re-check what memory safety depends on: all four arrays of a tensor
  // have the same float dtype and shape. Tensors without elements need no
  // update and are left out of the compiled step.
  llvm::SmallVector<TensorSpec> tensors;
  std::vector<void *> data; // p, g, m, v of each tensor in `tensors`
  for (size_t i = 0; i < n; ++i) {
    TensorSpec spec;
    spec.isF64 = isF64Array(params[i], "params");
    spec.shape.assign(params[i].shape_ptr(),
                      params[i].shape_ptr() + params[i].ndim());
    auto sameAsParam = [&](const auto &a) {
      return a.dtype() == params[i].dtype() && a.ndim() == spec.shape.size() &&
             std::equal(spec.shape.begin(), spec.shape.end(), a.shape_ptr());
    };
    if (!sameAsParam(grads[i]) || !sameAsParam(m[i]) || !sameAsParam(v[i]))
      throw nb::value_error(("adamw_step: grads[" + std::to_string(i) +
                             "], m[" + std::to_string(i) + "] or v[" +
                             std::to_string(i) + "] differs from params[" +
                             std::to_string(i) + "] in dtype or shape")
                                .c_str());
    if (params[i].size() == 0)
      continue;
    tensors.push_back(std::move(spec));
    data.insert(data.end(),
                {params[i].data(), const_cast<void *>(grads[i].data()),
                 m[i].data(), v[i].data()});
  }
  if (tensors.empty())
    return;

  // The arrays stay referenced by the vectors above and `compiled` keeps the
  // code alive, so other Python threads may run meanwhile.
  nb::gil_scoped_release release;
  std::shared_ptr<CompiledStep> compiled =
      getJIT().getStep(tensors, Hyper{beta1, beta2, eps, weightDecay});
  // A packed entry takes a pointer to each argument: four data pointers per
  // tensor of its chunk, then the step and the learning rate.
  std::vector<void *> args;
  for (size_t c = 0; c < compiled->fns.size(); ++c) {
    size_t first = c * kTensorsPerFunction,
           count = std::min(kTensorsPerFunction, tensors.size() - first);
    args.clear();
    for (size_t k = 4 * first; k < 4 * (first + count); ++k)
      args.push_back(&data[k]);
    args.push_back(&step);
    args.push_back(&lr);
    compiled->fns[c](args.data());
  }
}

} // namespace

NB_MODULE(_core, m) {
  m.doc() = "JIT-compiled OptimMLIR kernels (internal; use optim_mlir)";

  m.def("adamw_step", &adamwStep, nb::arg("params").noconvert(),
        nb::arg("grads").noconvert(), nb::arg("m").noconvert(),
        nb::arg("v").noconvert(), nb::arg("t"), nb::arg("lr"), nb::arg("beta1"),
        nb::arg("beta2"), nb::arg("eps"), nb::arg("weight_decay"),
        "One AdamW step, in place, on C-contiguous float32/float64 arrays. "
        "Arguments are assumed checked by optim_mlir.adamw_step.");
  m.def(
      "lower",
      [](const std::string &ir, const std::string &pipeline) {
        nb::gil_scoped_release release;
        return getJIT().lower(ir, pipeline);
      },
      nb::arg("ir_text"), nb::arg("pipeline") = "cpu",
      "Lowers textual MLIR with the named pipeline; returns the result.");
  m.def(
      "compile_count",
      [] {
        nb::gil_scoped_release release;
        return getJIT().getCompileCount();
      },
      "How many steps have been JIT-compiled since the module was loaded.");
  m.def(
      "cache_size",
      [] {
        nb::gil_scoped_release release;
        return getJIT().getCacheSize();
      },
      "How many compiled steps the cache holds.");
}
