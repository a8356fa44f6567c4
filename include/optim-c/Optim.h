/*===-- optim-c/Optim.h - C API of OptimMLIR ----------------------*- C -*-===*\
|*                                                                            *|
|* The optim dialect and OptimMLIR's passes and pipelines for C callers and   *|
|* bindings, in the style of upstream's mlir-c headers.                       *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef OPTIM_C_OPTIM_H
#define OPTIM_C_OPTIM_H

#include "mlir-c/IR.h"

#ifdef __cplusplus
extern "C" {
#endif

/// The optim dialect: `mlirGetDialectHandle__optim__()`, for
/// `mlirDialectHandleRegisterDialect` and `mlirDialectHandleInsertDialect`.
MLIR_DECLARE_CAPI_DIALECT_REGISTRATION(Optim, optim);

/// Registers OptimMLIR's passes and its pipelines (`optim-cpu-pipeline`,
/// `optim-gpu-pipeline`, ...) with the global registry, so that
/// `mlirParsePassPipeline` finds them.
MLIR_CAPI_EXPORTED void optimRegisterAllPasses(void);

#ifdef __cplusplus
}
#endif

#endif // OPTIM_C_OPTIM_H
