//===- OptimMLIRModule.cpp - The optim_mlir._core extension -----*- C++ -*-===//
//
// nanobind bindings over OptimMLIR. For the element types of param, grad, m
// and v and a set of AdamW hyperparameters, builds a function with one
// memref-form `optim.adamw_step` on 1-D buffers of dynamic size, lowers it with
// `optim-cpu-pipeline`, JIT-compiles it with mlir::ExecutionEngine and calls it
// on each numpy array's own buffer, viewed as 1-D (the arrays are
// C-contiguous). One compiled step thus serves every shape and every subset of
// a model's tensors. The most recently used compiled steps are cached; the step
// count and the learning rate are function arguments, so they never cause a
// recompile. Compiling runs without the GIL, one compile at a time.
//
// Argument checking with readable messages is done by the Python layer
// (optim_mlir/_functional.py), which names each tensor's element types and
// hands bf16 and f16 arrays over as uint16 views of their bits; this file
// re-checks only what memory safety depends on (element widths, shapes,
// contiguity).
//
//===----------------------------------------------------------------------===//

#include "optim/Dialect/Optim/IR/OptimOps.h"
#include "optim/InitAllDialects.h"
#include "optim/Pipelines/Pipelines.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/ExecutionEngine/CRunnerUtils.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
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
#include <nanobind/stl/array.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <memory>
#include <mutex>
#include <numeric>
#include <optional>
#include <pthread.h>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace nb = nanobind;
using namespace mlir;

namespace {

//===----------------------------------------------------------------------===//
// Step signatures
//===----------------------------------------------------------------------===//

using RWArray = nb::ndarray<nb::device::cpu, nb::c_contig>;
using ROArray = nb::ndarray<nb::ro, nb::device::cpu, nb::c_contig>;

/// The element types an array may have, as the compiled step sees them.
/// The element types of the arrays a step takes; `U8` is 8-bit blockwise
/// codes (of m and v).
enum class Element { F32, F64, BF16, F16, U8 };

} // namespace

/// The element type named `name` ("f32", "f64", "bf16", "f16"); throws for
/// anything else.
static Element parseElement(const std::string &name) {
  if (name == "f32")
    return Element::F32;
  if (name == "f64")
    return Element::F64;
  if (name == "bf16")
    return Element::BF16;
  if (name == "f16")
    return Element::F16;
  if (name == "u8")
    return Element::U8;
  throw nb::value_error(("unknown element type '" + name + "'").c_str());
}

namespace {
/// A step's element types: param, grad, m, v, and max_v's and the copy's
/// when it has them.
struct StepElements {
  std::array<Element, 4> elements;
  std::optional<Element> maxV, copy;
};
} // namespace

/// The element types of a step from their names (param, grad, m, v, max_v,
/// copy); an empty max_v or copy name means the step has none.
static StepElements parseElements(const std::array<std::string, 6> &names) {
  StepElements types;
  for (auto [element, name] : llvm::zip_first(types.elements, names))
    element = parseElement(name);
  if (!names[4].empty())
    types.maxV = parseElement(names[4]);
  if (!names[5].empty())
    types.copy = parseElement(names[5]);
  return types;
}

static const char *getName(Element element) {
  switch (element) {
  case Element::F32:
    return "f32";
  case Element::F64:
    return "f64";
  case Element::BF16:
    return "bf16";
  case Element::F16:
    return "f16";
  case Element::U8:
    return "u8";
  }
  llvm_unreachable("unknown element type");
}

/// Throws unless `a` holds elements of type `element`: float32 or float64
/// arrays for f32 and f64, and, as numpy has no bfloat16 of its own, uint16
/// views of the bits for bf16 and f16.
template <typename Array>
static void checkElement(const Array &a, Element element, const char *what) {
  bool matches = false;
  switch (element) {
  case Element::F32:
    matches = a.dtype() == nb::dtype<float>();
    break;
  case Element::F64:
    matches = a.dtype() == nb::dtype<double>();
    break;
  case Element::BF16:
  case Element::F16:
    matches = a.dtype() == nb::dtype<uint16_t>();
    break;
  case Element::U8:
    matches = a.dtype() == nb::dtype<uint8_t>();
    break;
  }
  if (!matches)
    throw nb::type_error((std::string(what) + ": not an array of " +
                          getName(element) + " elements")
                             .c_str());
}

/// Checks where 8-bit codes (`u8`) may be: m and v together, and then
/// max_v, with param and max_v not f64 (8-bit steps compute in f32); returns
/// whether m and v are 8-bit.
static bool checkCodes(const StepElements &types, const std::string &where) {
  bool quantized = types.elements[2] == Element::U8;
  bool codesElsewhere = types.elements[0] == Element::U8 ||
                        types.elements[1] == Element::U8 ||
                        types.copy == Element::U8;
  if (codesElsewhere || quantized != (types.elements[3] == Element::U8) ||
      (!quantized && types.maxV == Element::U8) ||
      (quantized &&
       (types.elements[0] == Element::F64 || types.maxV == Element::F64)))
    throw nb::value_error(
        (where + ": 8-bit codes (u8) are for m and v together, and then "
                 "max_v, with a param and max_v of f32, bf16 or f16")
            .c_str());
  return quantized;
}

namespace {

/// What a compiled step is specialised for: the element types of `param`,
/// `grad`, `m` and `v`, and the options and hyperparameters, which become op
/// attributes.
struct StepKind {
  std::array<Element, 4> elements;
  /// The element type of amsgrad's max_v, if any.
  std::optional<Element> maxVElement;
  /// The element type of the parameters' low-precision copies, if any.
  std::optional<Element> copyElement;
  bool stochastic, maximize, l2;
  /// Whether the step reads a float32 grad scale and found-inf flag.
  bool gradScale, foundInf;
  double beta1, beta2, eps, weightDecay;
  /// With 8-bit m and v (`U8`), the elements of a block of codes.
  int64_t blockSize = 0;

  bool isQuantized() const { return elements[2] == Element::U8; }

  /// The type the step computes in, which `lr` has: f64 when any of param,
  /// m, v and max_v is f64, else f32.
  Element getComputeElement() const {
    bool f64 = elements[0] == Element::F64 || elements[2] == Element::F64 ||
               elements[3] == Element::F64 || maxVElement == Element::F64;
    return f64 ? Element::F64 : Element::F32;
  }
};

} // namespace

/// The cache key: the element types, max_v's, the copy's, the rounding and
/// the options, then the hyperparameters' exact bit patterns (so that, e.g.,
/// 0.1 and 0.1 + 1 ulp are different steps).
static std::string makeKey(const StepKind &kind) {
  std::string key;
  llvm::raw_string_ostream os(key);
  llvm::interleave(
      kind.elements, os, [&](Element e) { os << getName(e); }, ",");
  if (kind.maxVElement)
    os << ";max_v " << getName(*kind.maxVElement);
  if (kind.copyElement)
    os << ";copy " << getName(*kind.copyElement);
  if (kind.stochastic)
    os << ";stochastic";
  if (kind.maximize)
    os << ";maximize";
  if (kind.l2)
    os << ";l2";
  if (kind.gradScale)
    os << ";grad_scale";
  if (kind.foundInf)
    os << ";found_inf";
  if (kind.isQuantized())
    os << ";block " << kind.blockSize;
  for (double x : {kind.beta1, kind.beta2, kind.eps, kind.weightDecay})
    os << ";" << llvm::format_hex(llvm::bit_cast<uint64_t>(x), 18);
  return key;
}

namespace {

//===----------------------------------------------------------------------===//
// Compilation
//===----------------------------------------------------------------------===//

/// The generated function; its C interface wrapper, which the pipeline adds
/// (`emit-c-interface`), takes a 1-D memref descriptor by pointer for each of
/// param, grad, m, v, max_v and the parameter's copy, whatever their element
/// types (descriptors of every element type share one layout: `Memref1D`),
/// and for the absmax of m, v and max_v (8-bit states), then a 0-d float32
/// descriptor for each of the grad scale and the found-inf
/// flag, the step, the learning rate in the compute type `T` and the seed.
/// Every step has this one signature: a descriptor the step's options do not
/// use (max_v without amsgrad, ...) is ignored, and so is the seed without
/// stochastic rounding.
constexpr const char *kStepName = "adamw_step";
using Memref1D = StridedMemRefType<char, 1>;
using Memref0D = StridedMemRefType<float, 0>;
template <typename T>
using StepFn = void (*)(Memref1D *p, Memref1D *g, Memref1D *m, Memref1D *v,
                        Memref1D *maxV, Memref1D *copy, Memref1D *mAbsmax,
                        Memref1D *vAbsmax, Memref1D *maxVAbsmax,
                        Memref0D *gradScale, Memref0D *foundInf, int64_t step,
                        T lr, int64_t seed);

/// How many compiled steps the cache keeps. Each holds its own JIT (a few
/// hundred KiB to MiBs); a schedule of, e.g., weight decay would otherwise
/// grow the cache without end.
constexpr size_t kMaxCachedSteps = 64;

/// One JIT-compiled step: the engine owns the code; `function` is the
/// `StepFn` of its element type.
struct CompiledStep {
  std::unique_ptr<ExecutionEngine> engine;
  void *function;
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

  /// Returns the compiled step for `kind`, compiling it on a miss and
  /// evicting the least recently used step when the cache is full (its
  /// callers hold their own reference).
  std::shared_ptr<CompiledStep> getStep(const StepKind &kind) {
    std::lock_guard<std::mutex> lock(mutex);
    std::string key = makeKey(kind);
    auto it = cache.find(key);
    if (it != cache.end()) {
      it->second.lastUse = ++uses;
      return it->second.step;
    }
    std::shared_ptr<CompiledStep> step = compile(kind);
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
    // Verify after every pass: Debian's LLVM has no assertions, and the
    // verifier is what stops a pass that breaks the IR (on by default;
    // stated because nothing else would catch it).
    pm.enableVerifier(true);
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

  /// A process forked while another thread compiles would inherit the mutex
  /// locked, with no thread to unlock it: fork waits for the compile to end
  /// (the compiling thread does not need the GIL to finish), and both
  /// processes go on with the mutex unlocked.
  void lockForFork() { mutex.lock(); }
  void unlockAfterFork() { mutex.unlock(); }

private:
  static DialectRegistry makeRegistry() {
    DialectRegistry registry;
    // Upstream's dialects and interface models, which the pipeline uses,
    // then optim's.
    mlir::registerAllDialects(registry);
    registerAllExtensions(registry);
    optim::registerAllDialects(registry);
    registerAllToLLVMIRTranslations(registry);
    return registry;
  }

  /// Builds `func.func @adamw_step(p, g, m, v, max_v, copy: memref<?xT_i>,
  /// m_absmax, v_absmax, max_v_absmax: memref<?xf32>, grad_scale, found_inf:
  /// memref<f32>,
  /// step: i64, lr: T, seed: i64)`
  /// (`StepFn`) with one memref-form optim.adamw_step.
  OwningOpRef<ModuleOp> buildModule(const StepKind &kind) {
    OpBuilder b(&context);
    Location loc = NameLoc::get(b.getStringAttr("optim_mlir.adamw_step"));
    OwningOpRef<ModuleOp> module = ModuleOp::create(b, loc);
    auto typeOf = [&](Element element) -> Type {
      switch (element) {
      case Element::F32:
        return b.getF32Type();
      case Element::F64:
        return b.getF64Type();
      case Element::BF16:
        return b.getBF16Type();
      case Element::F16:
        return b.getF16Type();
      case Element::U8:
        return b.getIntegerType(8, /*isSigned=*/false);
      }
      llvm_unreachable("unknown element type");
    };
    auto buffer = [&](Element element) -> Type {
      return MemRefType::get({ShapedType::kDynamic}, typeOf(element));
    };
    SmallVector<Type> arguments;
    for (Element element : kind.elements)
      arguments.push_back(buffer(element));
    arguments.push_back(buffer(kind.maxVElement.value_or(Element::F32)));
    arguments.push_back(buffer(kind.copyElement.value_or(Element::BF16)));
    arguments.append(3, buffer(Element::F32));
    arguments.append(2, MemRefType::get({}, b.getF32Type()));
    arguments.push_back(b.getI64Type());
    arguments.push_back(typeOf(kind.getComputeElement()));
    arguments.push_back(b.getI64Type());
    b.setInsertionPointToEnd(module->getBody());
    auto func = func::FuncOp::create(b, loc, kStepName,
                                     b.getFunctionType(arguments, {}));
    Block *entry = func.addEntryBlock();
    b.setInsertionPointToStart(entry);
    auto args = entry->getArguments();
    optim::AdamWStepOp::create(
        b, loc, args[0], args[1], args[2], args[3],
        kind.maxVElement ? args[4] : Value(),
        kind.copyElement ? args[5] : Value(),
        kind.isQuantized() ? args[6] : Value(),
        kind.isQuantized() ? args[7] : Value(),
        kind.maxVElement == Element::U8 ? args[8] : Value(),
        kind.gradScale ? args[9] : Value(), kind.foundInf ? args[10] : Value(),
        args[11], args[12], kind.stochastic ? args[13] : Value(),
        kind.stochastic ? optim::Rounding::stochastic
                        : optim::Rounding::nearest,
        kind.maximize,
        kind.l2 ? optim::WeightDecay::l2 : optim::WeightDecay::decoupled,
        llvm::APFloat(kind.beta1), llvm::APFloat(kind.beta2),
        llvm::APFloat(kind.eps), llvm::APFloat(kind.weightDecay),
        kind.isQuantized() ? kind.blockSize : 256);
    func::ReturnOp::create(b, loc);
    return module;
  }

  /// Builds, lowers and JIT-compiles the step for `kind`.
  std::shared_ptr<CompiledStep> compile(const StepKind &kind) {
    DiagnosticCollector diagnostics(context);
    auto fail = [&](const std::string &what) {
      return std::runtime_error("optim_mlir: " + what + "\n" +
                                diagnostics.str());
    };

    OwningOpRef<ModuleOp> module = buildModule(kind);
    if (failed(verify(*module)))
      throw fail("the generated step does not verify");
    PassManager pm(&context);
    // Verify after every pass: Debian's LLVM has no assertions, and the
    // verifier is what stops a pass that breaks the IR (on by default;
    // stated because nothing else would catch it).
    pm.enableVerifier(true);
    optim::OptimCPUPipelineOptions options;
    options.emitCInterface = true;
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

    auto function = (*engine)->lookup(std::string("_mlir_ciface_") + kStepName);
    if (!function)
      throw fail(llvm::toString(function.takeError()));
    auto step = std::make_shared<CompiledStep>();
    step->function = *function;
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

} // namespace

/// The module's single OptimJIT. Deliberately never destroyed: at interpreter
/// exit, JIT'd code and LLVM's own static state would otherwise be torn down
/// in an unspecified order.
static OptimJIT &getJIT() {
  static OptimJIT *jit = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    auto *jit = new OptimJIT();
    pthread_atfork([] { getJIT().lockForFork(); },
                   [] { getJIT().unlockAfterFork(); },
                   [] { getJIT().unlockAfterFork(); });
    return jit;
  }();
  return *jit;
}

namespace {

//===----------------------------------------------------------------------===//
// Entry points
//===----------------------------------------------------------------------===//

} // namespace

namespace {
/// One tensor of a call: the addresses of its arrays and its element count.
struct Tensor {
  /// Its step: an index into the call's kinds of step.
  size_t step;
  int64_t size;
  void *p, *g, *m, *v, *maxV, *copy;
  int64_t seed;
  /// With 8-bit m and v (and max_v), their absmax (one float per block).
  void *mAbsmax = nullptr, *vAbsmax = nullptr, *maxVAbsmax = nullptr;
};
} // namespace

/// The bytes of one element of `element`.
static int64_t getBytes(Element element) {
  switch (element) {
  case Element::F64:
    return 8;
  case Element::F32:
    return 4;
  case Element::BF16:
  case Element::F16:
    return 2;
  case Element::U8:
    return 1;
  }
  llvm_unreachable("unknown element type");
}

/// A call stays on one thread below this many elements per thread: starting
/// a thread costs about as much as stepping them.
constexpr int64_t kElementsPerThread = 1 << 16;
/// Threads split tensors at multiples of this many elements from a tensor's
/// start: whole cache lines of every element type, and whole vectors.
constexpr int64_t kSplitAlignment = 64;

/// Applies the compiled steps of `kinds` to `tensors`, each a C-contiguous
/// 1-D buffer of its elements, on up to `threads` threads: thread k steps
/// the k-th of equal shares of all the tensors' elements together, so that
/// one large tensor and many small ones balance alike. Stochastic rounding
/// stays on one thread: its random bits follow an element's index in the
/// buffer the step is given. Steps that read a grad scale and found-inf flag
/// read them at `gradScale` and `foundInf`. The steps are all compiled before
/// any array changes. Runs without the GIL: the caller keeps the arrays
/// referenced, and each compiled step keeps its code alive.
static void runSteps(ArrayRef<StepKind> kinds, ArrayRef<Tensor> tensors,
                     int64_t step, double lr, int64_t threads,
                     float *gradScale = nullptr, float *foundInf = nullptr) {
  if (tensors.empty())
    return;
  nb::gil_scoped_release release;
  SmallVector<std::shared_ptr<CompiledStep>, 2> compiled;
  for (const StepKind &kind : kinds)
    compiled.push_back(getJIT().getStep(kind));

  // Steps elements [begin, begin + size) of `t`.
  auto run = [&](const Tensor &t, int64_t begin, int64_t size) {
    const StepKind &kind = kinds[t.step];
    auto view = [&](void *data, std::optional<Element> element) {
      auto *elements = static_cast<char *>(data);
      if (elements)
        elements += begin * getBytes(*element);
      return Memref1D{elements, elements, 0, {size}, {1}};
    };
    auto p = view(t.p, kind.elements[0]), g = view(t.g, kind.elements[1]),
         mv = view(t.m, kind.elements[2]), vv = view(t.v, kind.elements[3]),
         maxVView = view(t.maxV, kind.maxVElement),
         copy = view(t.copy, kind.copyElement);
    // A share of 8-bit states starts on a block (see `work`).
    auto absmaxView = [&](void *data) {
      auto *blocks = static_cast<char *>(data);
      int64_t numBlocks = 0;
      if (blocks) {
        blocks += begin / kind.blockSize * sizeof(float);
        numBlocks = llvm::divideCeil(size, kind.blockSize);
      }
      return Memref1D{blocks, blocks, 0, {numBlocks}, {1}};
    };
    auto mAbsmax = absmaxView(t.mAbsmax), vAbsmax = absmaxView(t.vAbsmax),
         maxVAbsmax = absmaxView(t.maxVAbsmax);
    Memref0D scale{gradScale, gradScale, 0}, inf{foundInf, foundInf, 0};
    void *function = compiled[t.step]->function;
    // An f32 step gets the learning rate rounded once to f32.
    if (kind.getComputeElement() == Element::F64)
      reinterpret_cast<StepFn<double>>(function)(
          &p, &g, &mv, &vv, &maxVView, &copy, &mAbsmax, &vAbsmax, &maxVAbsmax,
          &scale, &inf, step, lr, t.seed);
    else
      reinterpret_cast<StepFn<float>>(function)(
          &p, &g, &mv, &vv, &maxVView, &copy, &mAbsmax, &vAbsmax, &maxVAbsmax,
          &scale, &inf, step, static_cast<float>(lr), t.seed);
  };

  int64_t total = 0;
  for (const Tensor &t : tensors)
    total += t.size;
  int64_t shares = kinds.front().stochastic
                       ? 1
                       : std::clamp<int64_t>(total / kElementsPerThread, 1,
                                             std::max<int64_t>(threads, 1));
  if (shares == 1) {
    for (const Tensor &t : tensors)
      run(t, 0, t.size);
    return;
  }
  // Share k is [k * total / shares, (k + 1) * total / shares) of the
  // concatenated elements; a bound inside a tensor moves down to a multiple
  // of kSplitAlignment from its start (of whole blocks of 8-bit states), the
  // same for both shares it parts.
  auto work = [&](int64_t k) {
    int64_t low = k * total / shares, high = (k + 1) * total / shares;
    int64_t offset = 0;
    for (const Tensor &t : tensors) {
      auto position = [&](int64_t bound) -> int64_t {
        int64_t local = bound - offset;
        if (local <= 0)
          return 0;
        if (local >= t.size)
          return t.size;
        int64_t blockSize = kinds[t.step].blockSize;
        int64_t alignment =
            blockSize ? std::lcm(kSplitAlignment, blockSize) : kSplitAlignment;
        return local / alignment * alignment;
      };
      int64_t begin = position(low), end = position(high);
      if (begin < end)
        run(t, begin, end - begin);
      offset += t.size;
      if (offset >= high)
        break;
    }
  };
  std::vector<std::thread> workers;
  for (int64_t k = 1; k < shares; ++k)
    workers.emplace_back(work, k);
  work(0);
  for (std::thread &worker : workers)
    worker.join();
}

/// Applies one AdamW step in place to every (params[i], m[i], v[i]), whose
/// element types `elementNames[i]` lists (param, grad, m, v, max_v, copy).
static void adamwStep(std::vector<RWArray> params, std::vector<ROArray> grads,
                      std::vector<RWArray> m, std::vector<RWArray> v,
                      std::vector<RWArray> maxV, std::vector<RWArray> copies,
                      std::vector<RWArray> mAbsmax,
                      std::vector<RWArray> vAbsmax,
                      std::vector<RWArray> maxVAbsmax,
                      std::vector<std::array<std::string, 6>> elementNames,
                      int64_t step, double lr, double beta1, double beta2,
                      double eps, double weightDecay, bool maximize, bool l2,
                      std::vector<int64_t> seeds, int64_t blockSize) {
  size_t n = params.size();
  if (grads.size() != n || m.size() != n || v.size() != n ||
      elementNames.size() != n || (!maxV.empty() && maxV.size() != n) ||
      (!copies.empty() && copies.size() != n) ||
      (!seeds.empty() && seeds.size() != n) ||
      (!mAbsmax.empty() && mAbsmax.size() != n) ||
      mAbsmax.size() != vAbsmax.size() ||
      (!maxVAbsmax.empty() && maxVAbsmax.size() != n))
    throw nb::value_error("adamw_step: params, grads, m, v, elements and "
                          "max_v, copies, seeds and the absmax lists (if "
                          "any) must have the same length");
  // Stochastic rounding comes with one seed per tensor.
  bool stochastic = !seeds.empty();
  if (step < 1)
    throw nb::value_error("adamw_step: t must be >= 1");
  if (n == 0)
    return;

  // Re-check what memory safety depends on: each array's element type is
  // one the step is compiled for, and all four arrays of a tensor have the
  // same shape. Tensors without elements need no update.
  // The distinct kinds of step of the call: one per tuple of element types.
  SmallVector<StepKind, 2> kinds;
  std::vector<Tensor> tensors;
  for (size_t i = 0; i < n; ++i) {
    auto sameShape = [&](const auto &a) {
      return a.ndim() == params[i].ndim() &&
             std::equal(a.shape_ptr(), a.shape_ptr() + a.ndim(),
                        params[i].shape_ptr());
    };
    if (!sameShape(grads[i]) || !sameShape(m[i]) || !sameShape(v[i]) ||
        (!maxV.empty() && !sameShape(maxV[i])) ||
        (!copies.empty() && !sameShape(copies[i])))
      throw nb::value_error(("adamw_step: grads[" + std::to_string(i) +
                             "], m[" + std::to_string(i) + "] or v[" +
                             std::to_string(i) +
                             "] (or its max_v or copy) differs from params[" +
                             std::to_string(i) + "] in shape")
                                .c_str());
    StepElements types = parseElements(elementNames[i]);
    if (types.maxV.has_value() == maxV.empty() ||
        types.copy.has_value() == copies.empty())
      throw nb::value_error(("adamw_step: elements[" + std::to_string(i) +
                             "] names a max_v or copy type that the call "
                             "does not have, or lacks one it has")
                                .c_str());
    checkElement(params[i], types.elements[0], "params");
    checkElement(grads[i], types.elements[1], "grads");
    checkElement(m[i], types.elements[2], "m");
    checkElement(v[i], types.elements[3], "v");
    if (types.maxV)
      checkElement(maxV[i], *types.maxV, "max_v");
    if (types.copy)
      checkElement(copies[i], *types.copy, "copies");
    // 8-bit states, each with one float32 absmax per block.
    bool quantized =
        checkCodes(types, "adamw_step: elements[" + std::to_string(i) + "]");
    bool codedMaxV = types.maxV == Element::U8;
    if ((quantized && mAbsmax.empty()) || (codedMaxV && maxVAbsmax.empty()))
      throw nb::value_error("adamw_step: 8-bit states need their absmax "
                            "(m_absmax, v_absmax, max_v_absmax)");
    if (quantized) {
      int64_t blocks = llvm::divideCeil(params[i].size(), blockSize);
      SmallVector<std::pair<RWArray *, const char *>, 3> absmaxes = {
          {&mAbsmax[i], "m_absmax"}, {&vAbsmax[i], "v_absmax"}};
      if (codedMaxV)
        absmaxes.push_back({&maxVAbsmax[i], "max_v_absmax"});
      for (auto [absmax, name] : absmaxes) {
        checkElement(*absmax, Element::F32, name);
        if (absmax->ndim() != 1 ||
            static_cast<int64_t>(absmax->size()) != blocks)
          throw nb::value_error(("adamw_step: " + std::string(name) + "[" +
                                 std::to_string(i) + "] must hold " +
                                 std::to_string(blocks) + " elements")
                                    .c_str());
      }
    }
    if (params[i].size() == 0)
      continue;
    // No grad scale or found-inf flag: the numpy API has none.
    StepKind kind{types.elements, types.maxV, types.copy, stochastic,
                  maximize,       l2,         false,      false,
                  beta1,          beta2,      eps,        weightDecay};
    kind.blockSize = quantized ? blockSize : 0;
    // The hyperparameters, options and rounding are the call's: a kind
    // differs from another by its element types only.
    size_t index = llvm::find_if(kinds,
                                 [&](const StepKind &k) {
                                   return k.elements == types.elements &&
                                          k.maxVElement == types.maxV &&
                                          k.copyElement == types.copy;
                                 }) -
                   kinds.begin();
    if (index == kinds.size())
      kinds.push_back(kind);
    tensors.push_back(
        {index, static_cast<int64_t>(params[i].size()), params[i].data(),
         const_cast<void *>(grads[i].data()), m[i].data(), v[i].data(),
         maxV.empty() ? nullptr : maxV[i].data(),
         copies.empty() ? nullptr : copies[i].data(), stochastic ? seeds[i] : 0,
         quantized ? mAbsmax[i].data() : nullptr,
         quantized ? vAbsmax[i].data() : nullptr,
         codedMaxV ? maxVAbsmax[i].data() : nullptr});
  }
  runSteps(kinds, tensors, step, lr, /*threads=*/1);
}

/// The step on tensors given by address, for callers that have checked them
/// (optim_mlir.torch, on the torch tensors it validated): row i of `table`
/// holds the addresses of param, grad, m, v, max_v and copy (0 when absent)
/// and the element count of C-contiguous CPU buffers of the types that
/// `elementNames` lists for every row, then the address of a float32 step
/// counter to set to `step` afterwards (0: none), then, with 8-bit m and v
/// (`u8`), the addresses of their absmax and of an 8-bit max_v's (float32,
/// one per `blockSize` elements; else 0). `gradScale` and `foundInf`
/// are the addresses of float32 scalars (0: none) that the step reads:
/// gradients are divided by the first, and where the second is nonzero the
/// step changes nothing, step counters included. Runs on up to `threads`
/// threads. Only the consistency of the table itself can be re-checked here.
static void
adamwStepTable(const nb::ndarray<const int64_t, nb::shape<-1, 11>, nb::c_contig,
                                 nb::device::cpu> &table,
               const std::array<std::string, 6> &elementNames, int64_t step,
               double lr, double beta1, double beta2, double eps,
               double weightDecay, bool maximize, bool l2, int64_t threads,
               intptr_t gradScale, intptr_t foundInf, int64_t blockSize) {
  if (step < 1)
    throw nb::value_error("adamw_step_table: t must be >= 1");
  if (threads < 1)
    throw nb::value_error("adamw_step_table: threads must be >= 1");
  StepElements types = parseElements(elementNames);
  auto *scale = reinterpret_cast<float *>(gradScale);
  auto *inf = reinterpret_cast<float *>(foundInf);
  // Not stochastic; reading a grad scale and a found-inf flag if given.
  StepKind kind{types.elements,
                types.maxV,
                types.copy,
                false,
                maximize,
                l2,
                scale != nullptr,
                inf != nullptr,
                beta1,
                beta2,
                eps,
                weightDecay};
  bool quantized = checkCodes(types, "adamw_step_table: elements");
  bool codedMaxV = types.maxV == Element::U8;
  if (quantized && (blockSize < 16 || blockSize > 4096 || blockSize % 16))
    throw nb::value_error("adamw_step_table: block_size must be a multiple "
                          "of 16 from 16 to 4096");
  kind.blockSize = quantized ? blockSize : 0;

  std::vector<Tensor> tensors;
  auto rows = table.view();
  for (size_t i = 0, e = table.shape(0); i < e; ++i) {
    auto address = [&](size_t column) {
      return reinterpret_cast<void *>(static_cast<intptr_t>(rows(i, column)));
    };
    int64_t size = rows(i, 6);
    bool complete = address(0) && address(1) && address(2) && address(3) &&
                    !address(4) == !types.maxV && !address(5) == !types.copy &&
                    !address(8) == !quantized && !address(9) == !quantized &&
                    !address(10) == !codedMaxV;
    if (size < 0 || (size > 0 && !complete))
      throw nb::value_error(("adamw_step_table: row " + std::to_string(i) +
                             " has a negative size, a null address, or "
                             "max_v, copy or absmax against the element types")
                                .c_str());
    if (size > 0)
      tensors.push_back({0, size, address(0), address(1), address(2),
                         address(3), address(4), address(5), 0, address(8),
                         address(9), address(10)});
  }
  runSteps(kind, tensors, step, lr, threads, scale, inf);
  // A skipped step leaves the step counters too, as torch's fused steps do.
  if (inf && *inf != 0.0f)
    return;
  for (size_t i = 0, e = table.shape(0); i < e; ++i)
    if (auto *counter =
            reinterpret_cast<float *>(static_cast<intptr_t>(rows(i, 7))))
      *counter = static_cast<float>(step);
}

/// True if every row of `table` (adamwStepTable's) has a float32 step
/// counter that holds `count`: a caller that reuses the table of the last
/// step learns so that no count changed since.
static bool
stepCountsEqual(const nb::ndarray<const int64_t, nb::shape<-1, 11>,
                                  nb::c_contig, nb::device::cpu> &table,
                double count) {
  auto rows = table.view();
  for (size_t i = 0, e = table.shape(0); i < e; ++i) {
    auto *counter =
        reinterpret_cast<const float *>(static_cast<intptr_t>(rows(i, 7)));
    if (!counter || *counter != count)
      return false;
  }
  return true;
}

// Reads of Python objects for `refreshPlan`: each returns false, with no
// Python error left, where an attribute or call fails.

/// Clears the error of a failed read.
static bool readOk(bool ok) {
  if (!ok)
    PyErr_Clear();
  return ok;
}
static bool readOk(const nb::object &value) { return readOk(value.is_valid()); }
static bool readInt(const nb::object &value, int64_t &result) {
  result = PyLong_AsLongLong(value.ptr());
  return readOk(result != -1 || !PyErr_Occurred());
}
/// The attribute `name` of `object` is `expected`.
static bool attrIs(PyObject *object, PyObject *name, PyObject *expected) {
  nb::object value = nb::steal(PyObject_GetAttr(object, name));
  return readOk(value) && value.ptr() == expected;
}
/// The attribute `name` of `object`, an integer.
static bool attrInt(PyObject *object, PyObject *name, int64_t &result) {
  nb::object value = nb::steal(PyObject_GetAttr(object, name));
  return readOk(value) && readInt(value, result);
}
/// `object.name()`, an integer.
static bool callInt(PyObject *object, PyObject *name, int64_t &result) {
  nb::object value = nb::steal(PyObject_CallMethodNoArgs(object, name));
  return readOk(value) && readInt(value, result);
}
/// `object.name()` is True.
static bool callTrue(PyObject *object, PyObject *name) {
  nb::object value = nb::steal(PyObject_CallMethodNoArgs(object, name));
  return readOk(value) && value.ptr() == Py_True;
}

/// A planned step's checks (`optim_mlir.torch`'s `_Adam._planned_table`),
/// without a Python bytecode per tensor: true, with each row's parameter and
/// gradient addresses written into columns 0 and 1 of `table`, if `params`
/// are still `planned`, every parameter a contiguous CPU tensor of
/// `pDtype` (of `itemSize` bytes) and of its row's element count (column 6)
/// with a contiguous strided gradient of `gDtype`, and every state holds the
/// planned tensors (entry: the state, then its tensor under each of `keys`,
/// None where absent) at the addresses of columns 2, 3, 4, 7, 8, 9 and 10.
/// False as soon as anything differs.
static bool refreshPlan(
    const nb::list &params, const nb::list &planned, const nb::list &entries,
    const nb::tuple &keys, const nb::handle &pDtype, int64_t itemSize,
    const nb::handle &gDtype, const nb::handle &strided,
    const nb::ndarray<int64_t, nb::shape<-1, 11>, nb::c_contig, nb::device::cpu>
        &table) {
  static PyObject *const grad = PyUnicode_InternFromString("grad");
  static PyObject *const dtype = PyUnicode_InternFromString("dtype");
  static PyObject *const layout = PyUnicode_InternFromString("layout");
  static PyObject *const isCpu = PyUnicode_InternFromString("is_cpu");
  static PyObject *const isContiguous =
      PyUnicode_InternFromString("is_contiguous");
  // nbytes, a getter, rather than numel(), a call through torch's argument
  // parser.
  static PyObject *const nbytes = PyUnicode_InternFromString("nbytes");
  static PyObject *const dataPtr = PyUnicode_InternFromString("data_ptr");
  constexpr std::array<size_t, 7> kColumns = {2, 3, 4, 7, 8, 9, 10};

  size_t n = planned.size();
  if (params.size() != n || entries.size() != n || table.shape(0) != n ||
      keys.size() != kColumns.size())
    return false;
  auto rows = table.view();
  for (size_t i = 0; i < n; ++i) {
    PyObject *p = PyList_GET_ITEM(params.ptr(), i);
    if (p != PyList_GET_ITEM(planned.ptr(), i))
      return false;
    nb::object g = nb::steal(PyObject_GetAttr(p, grad));
    int64_t bytes = 0, pAddress = 0, gAddress = 0;
    if (!readOk(g) || g.is_none() || !attrIs(g.ptr(), dtype, gDtype.ptr()) ||
        !attrIs(g.ptr(), layout, strided.ptr()) ||
        !callTrue(g.ptr(), isContiguous) || !attrIs(p, dtype, pDtype.ptr()) ||
        !attrIs(p, isCpu, Py_True) || !callTrue(p, isContiguous) ||
        !attrInt(p, nbytes, bytes) || bytes != rows(i, 6) * itemSize ||
        !callInt(p, dataPtr, pAddress) || !callInt(g.ptr(), dataPtr, gAddress))
      return false;
    PyObject *entry = PyList_GET_ITEM(entries.ptr(), i);
    if (!PyTuple_Check(entry) ||
        PyTuple_GET_SIZE(entry) != static_cast<Py_ssize_t>(keys.size()) + 1)
      return false;
    PyObject *state = PyTuple_GET_ITEM(entry, 0);
    if (!PyDict_Check(state))
      return false;
    for (size_t k = 0; k < kColumns.size(); ++k) {
      PyObject *expected = PyTuple_GET_ITEM(entry, k + 1);
      PyObject *held =
          PyDict_GetItemWithError(state, PyTuple_GET_ITEM(keys.ptr(), k));
      if (!readOk(held || !PyErr_Occurred()) ||
          (held ? held : Py_None) != expected)
        return false;
      int64_t address = 0;
      if (expected != Py_None && (!callInt(expected, dataPtr, address) ||
                                  address != rows(i, kColumns[k])))
        return false;
    }
    rows(i, 0) = pAddress;
    rows(i, 1) = gAddress;
  }
  return true;
}

NB_MODULE(_core, m) {
  m.doc() = "JIT-compiled OptimMLIR kernels (internal; use optim_mlir)";

  m.def("adamw_step", &adamwStep, nb::arg("params").noconvert(),
        nb::arg("grads").noconvert(), nb::arg("m").noconvert(),
        nb::arg("v").noconvert(), nb::arg("max_v").noconvert(),
        nb::arg("copies").noconvert(), nb::arg("m_absmax").noconvert(),
        nb::arg("v_absmax").noconvert(), nb::arg("max_v_absmax").noconvert(),
        nb::arg("elements"), nb::arg("t"), nb::arg("lr"), nb::arg("beta1"),
        nb::arg("beta2"), nb::arg("eps"), nb::arg("weight_decay"),
        nb::arg("maximize"), nb::arg("l2"), nb::arg("seeds"),
        nb::arg("block_size") = 256,
        "One AdamW step, in place, on C-contiguous arrays: float32 and "
        "float64, and uint16 views of bf16 and f16 (elements[i] names the "
        "element types of params[i], grads[i], m[i], v[i] and, if max_v "
        "(amsgrad) or copies is not empty, max_v[i] and copies[i]; 'u8' "
        "for m and v (and max_v): uint8 codes with float32 m_absmax[i] and "
        "v_absmax[i] (and max_v_absmax[i]), one per block_size elements, "
        "else empty lists); "
        "maximize negates the gradients, l2 makes the decay L2 (Adam's); "
        "with seeds (one per tensor), rounding stochastically. Arguments "
        "are assumed checked by optim_mlir.adamw_step.");
  m.def("adamw_step_table", &adamwStepTable, nb::arg("table"),
        nb::arg("elements"), nb::arg("t"), nb::arg("lr"), nb::arg("beta1"),
        nb::arg("beta2"), nb::arg("eps"), nb::arg("weight_decay"),
        nb::arg("maximize"), nb::arg("l2"), nb::arg("threads"),
        nb::arg("grad_scale") = 0, nb::arg("found_inf") = 0,
        nb::arg("block_size") = 256,
        "One AdamW step, in place, on the tensors of `table` (int64, one "
        "row per tensor: the addresses of param, grad, m, v, max_v and copy, "
        "0 when absent, the element count, the address of a float32 "
        "step counter set to t afterwards, or 0, and the addresses of the "
        "absmax of 8-bit m, v and max_v, or 0), all of the element types "
        "`elements` names, on up to `threads` threads, each a balanced share "
        "of all the elements. grad_scale and found_inf are the addresses of "
        "float32 scalars, or 0: the gradients are divided by the first, and "
        "where the second is nonzero nothing changes. The caller guarantees "
        "that every address is a C-contiguous CPU buffer of that many "
        "elements of its type (optim_mlir.torch checks its tensors).");
  m.def("refresh_plan", &refreshPlan, nb::arg("params"), nb::arg("planned"),
        nb::arg("entries"), nb::arg("keys"), nb::arg("p_dtype"),
        nb::arg("item_size"), nb::arg("g_dtype"), nb::arg("strided"),
        nb::arg("table").noconvert(),
        "True, with the parameters' and gradients' addresses written into "
        "columns 0 and 1 of table, if a planned step's tensors are as "
        "planned (see optim_mlir.torch); False as soon as anything "
        "differs.");
  m.def("step_counts_equal", &stepCountsEqual, nb::arg("table"),
        nb::arg("count"),
        "True if every row of an adamw_step_table table has a float32 step "
        "counter (column 7) that holds count.");
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
