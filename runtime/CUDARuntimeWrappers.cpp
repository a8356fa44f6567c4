//===- CUDARuntimeWrappers.cpp - mgpu* functions over the CUDA driver ----===//
//
// The runtime functions that `gpu-to-llvm` host code and the GPU module
// loader of the LLVM IR translation call, implemented over the CUDA driver
// API. Distributions ship MLIR without its CUDA runtime wrappers, so
// OptimMLIR carries this one; load it into `mlir-runner` with
// `-shared-libs=.../liboptim_cuda_runtime.so`.
//
// Every call works in the primary context of device 0, or of the device
// mgpuSetDefaultDevice last set; streams, memory and modules belong to the
// device that was current when they were made. A failing driver call prints the
// call and the CUDA error and aborts: the generated code has no way to recover,
// and stopping at the first error keeps the message next to its cause.
//
//===----------------------------------------------------------------------===//

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>

#include "cuda.h"

#define OPTIM_CUDA_EXPORT extern "C" __attribute__((visibility("default")))

static void check(CUresult result, const char *call) {
  if (result == CUDA_SUCCESS)
    return;
  const char *name = nullptr;
  if (cuGetErrorName(result, &name) != CUDA_SUCCESS)
    name = nullptr;
  std::fprintf(stderr, "optim_cuda_runtime: %s failed: %s (CUresult %d)\n",
               call, name ? name : "unknown error", static_cast<int>(result));
  std::abort();
}

namespace {
#define CHECK(call) check((call), #call)

/// The device of the calls that follow, set by mgpuSetDefaultDevice.
std::atomic<int32_t> defaultDevice{0};

/// What the runtime keeps of a device it has used.
struct Device {
  CUcontext primaryContext = nullptr;
  /// Whether the device has stream-ordered memory pools (`cuMemAllocAsync`).
  /// Most do; some older and some virtualised ones do not.
  bool hasMemoryPools = false;
};

} // namespace

/// The device `ordinal`, its primary context retained on first use and kept
/// for the life of the process.
static const Device &getDevice(int32_t ordinal) {
  static std::mutex mutex;
  static std::map<int32_t, Device> devices;
  std::lock_guard<std::mutex> lock(mutex);
  auto [it, inserted] = devices.try_emplace(ordinal);
  if (inserted) {
    CHECK(cuInit(/*Flags=*/0));
    CUdevice device;
    CHECK(cuDeviceGet(&device, ordinal));
    CHECK(cuDevicePrimaryCtxRetain(&it->second.primaryContext, device));
    int hasMemoryPools = 0;
    CHECK(cuDeviceGetAttribute(
        &hasMemoryPools, CU_DEVICE_ATTRIBUTE_MEMORY_POOLS_SUPPORTED, device));
    it->second.hasMemoryPools = hasMemoryPools != 0;
  }
  return it->second;
}

namespace {

/// Makes the primary context of the default device current for the lifetime
/// of the object and restores the previous one afterwards.
class ScopedContext {
public:
  ScopedContext() : device(getDevice(defaultDevice)) {
    CHECK(cuCtxPushCurrent(device.primaryContext));
  }
  ~ScopedContext() { CHECK(cuCtxPopCurrent(nullptr)); }

  const Device &device;
};

} // namespace

//===----------------------------------------------------------------------===//
// Modules and launches
//===----------------------------------------------------------------------===//

/// Loads a cubin or fatbin (or NUL-terminated PTX) embedded in the host code.
OPTIM_CUDA_EXPORT CUmodule mgpuModuleLoad(void *data, size_t /*size*/) {
  ScopedContext context;
  CUmodule module = nullptr;
  CHECK(cuModuleLoadData(&module, data));
  return module;
}

/// Loads NUL-terminated PTX text (`format=isa`), which the driver compiles for
/// the GPU at hand at `optLevel`; the JIT log is printed when that fails.
OPTIM_CUDA_EXPORT CUmodule mgpuModuleLoadJIT(void *data, int optLevel) {
  ScopedContext context;
  char errorLog[4096] = "";
  CUjit_option options[] = {CU_JIT_OPTIMIZATION_LEVEL, CU_JIT_ERROR_LOG_BUFFER,
                            CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
  void *values[] = {reinterpret_cast<void *>(static_cast<intptr_t>(optLevel)),
                    errorLog, reinterpret_cast<void *>(sizeof(errorLog))};
  CUmodule module = nullptr;
  CUresult result = cuModuleLoadDataEx(&module, data, 3, options, values);
  if (result != CUDA_SUCCESS)
    std::fprintf(stderr, "optim_cuda_runtime: PTX JIT log:\n%s\n", errorLog);
  check(result, "cuModuleLoadDataEx");
  return module;
}

OPTIM_CUDA_EXPORT void mgpuModuleUnload(CUmodule module) {
  CHECK(cuModuleUnload(module));
}

OPTIM_CUDA_EXPORT CUfunction mgpuModuleGetFunction(CUmodule module,
                                                   const char *name) {
  CUfunction function = nullptr;
  CHECK(cuModuleGetFunction(&function, module, name));
  return function;
}

/// Sizes are `intptr_t`, MLIR's index type, so that the host code passes them
/// without casts.
OPTIM_CUDA_EXPORT void
mgpuLaunchKernel(CUfunction function, intptr_t gridX, intptr_t gridY,
                 intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                 intptr_t blockZ, int32_t sharedMemoryBytes, CUstream stream,
                 void **params, void **extra, size_t /*paramsCount*/) {
  // A loop over an empty buffer gives an empty grid, which the driver
  // rejects: there is nothing to run.
  if (gridX * gridY * gridZ == 0)
    return;
  ScopedContext context;
  CHECK(cuLaunchKernel(function, gridX, gridY, gridZ, blockX, blockY, blockZ,
                       sharedMemoryBytes, stream, params, extra));
}

//===----------------------------------------------------------------------===//
// Streams and events
//===----------------------------------------------------------------------===//

OPTIM_CUDA_EXPORT CUstream mgpuStreamCreate() {
  ScopedContext context;
  CUstream stream = nullptr;
  CHECK(cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING));
  return stream;
}

OPTIM_CUDA_EXPORT void mgpuStreamDestroy(CUstream stream) {
  CHECK(cuStreamDestroy(stream));
}

OPTIM_CUDA_EXPORT void mgpuStreamSynchronize(CUstream stream) {
  CHECK(cuStreamSynchronize(stream));
}

OPTIM_CUDA_EXPORT void mgpuStreamWaitEvent(CUstream stream, CUevent event) {
  CHECK(cuStreamWaitEvent(stream, event, /*Flags=*/0));
}

OPTIM_CUDA_EXPORT CUevent mgpuEventCreate() {
  ScopedContext context;
  CUevent event = nullptr;
  CHECK(cuEventCreate(&event, CU_EVENT_DISABLE_TIMING));
  return event;
}

OPTIM_CUDA_EXPORT void mgpuEventDestroy(CUevent event) {
  CHECK(cuEventDestroy(event));
}

OPTIM_CUDA_EXPORT void mgpuEventSynchronize(CUevent event) {
  CHECK(cuEventSynchronize(event));
}

OPTIM_CUDA_EXPORT void mgpuEventRecord(CUevent event, CUstream stream) {
  CHECK(cuEventRecord(event, stream));
}

//===----------------------------------------------------------------------===//
// Memory
//===----------------------------------------------------------------------===//

/// `gpu.alloc`; `host_shared` gives managed memory, which the host can
/// access too. On a stream, the allocation is stream-ordered (from the
/// device's memory pool) where the device has pools: it neither synchronises
/// nor waits for the device, which matters for the small per-launch table of
/// multi-tensor kernels.
OPTIM_CUDA_EXPORT void *mgpuMemAlloc(uint64_t sizeBytes, CUstream stream,
                                     bool isHostShared) {
  ScopedContext context;
  CUdeviceptr pointer = 0;
  if (sizeBytes == 0)
    return nullptr;
  if (isHostShared)
    CHECK(cuMemAllocManaged(&pointer, sizeBytes, CU_MEM_ATTACH_GLOBAL));
  else if (stream && context.device.hasMemoryPools)
    CHECK(cuMemAllocAsync(&pointer, sizeBytes, stream));
  else
    CHECK(cuMemAlloc(&pointer, sizeBytes));
  return reinterpret_cast<void *>(pointer);
}

/// `gpu.dealloc`: stream-ordered on a stream for memory from a pool, so that
/// memory still used by earlier work on that stream is freed after it. Other
/// memory (managed, or from `cuMemAlloc`) has no stream-ordered free: the
/// stream is drained first.
OPTIM_CUDA_EXPORT void mgpuMemFree(void *pointer, CUstream stream) {
  if (!pointer)
    return;
  ScopedContext context;
  auto address = reinterpret_cast<CUdeviceptr>(pointer);
  CUmemoryPool pool = nullptr;
  CHECK(cuPointerGetAttribute(&pool, CU_POINTER_ATTRIBUTE_MEMPOOL_HANDLE,
                              address));
  if (stream && pool) {
    CHECK(cuMemFreeAsync(address, stream));
    return;
  }
  if (stream)
    CHECK(cuStreamSynchronize(stream));
  CHECK(cuMemFree(address));
}

/// Copies in either direction: unified addressing tells the driver which
/// side each pointer is on.
OPTIM_CUDA_EXPORT void mgpuMemcpy(void *dst, void *src, size_t sizeBytes,
                                  CUstream stream) {
  ScopedContext context;
  CHECK(cuMemcpyAsync(reinterpret_cast<CUdeviceptr>(dst),
                      reinterpret_cast<CUdeviceptr>(src), sizeBytes, stream));
}

OPTIM_CUDA_EXPORT void mgpuMemset32(void *dst, unsigned value, size_t count,
                                    CUstream stream) {
  ScopedContext context;
  CHECK(cuMemsetD32Async(reinterpret_cast<CUdeviceptr>(dst), value, count,
                         stream));
}

OPTIM_CUDA_EXPORT void mgpuMemset16(void *dst, unsigned short value,
                                    size_t count, CUstream stream) {
  ScopedContext context;
  CHECK(cuMemsetD16Async(reinterpret_cast<CUdeviceptr>(dst), value, count,
                         stream));
}

OPTIM_CUDA_EXPORT void mgpuSetDefaultDevice(int32_t device) {
  defaultDevice = device;
}
