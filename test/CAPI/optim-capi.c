/*===- optim-capi.c - OptimMLIR from C ----------------------------*- C -*-===*\
|*                                                                            *|
|* Registers upstream's dialects and the optim dialect, parses a module with  *|
|* an optim.adamw_step, runs optim-cpu-pipeline on it through the C API, and  *|
|* prints the op and the lowered module for FileCheck.                        *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

// RUN: optim-capi-test 2>&1 | FileCheck %s

#include "optim-c/Optim.h"

#include "mlir-c/IR.h"
#include "mlir-c/Pass.h"
#include "mlir-c/RegisterEverything.h"

#include <stdio.h>

static void printToStdout(MlirStringRef text, void *userData) {
  (void)userData;
  fwrite(text.data, 1, text.length, stdout);
}

static const char *kModule =
    "func.func @step(%p: memref<?xf32>, %g: memref<?xf32>,\n"
    "                %m: memref<?xf32>, %v: memref<?xf32>, %t: i64,\n"
    "                %lr: f32) {\n"
    "  optim.adamw_step %p, %g, %m, %v, step %t, lr %lr\n"
    "      {weight_decay = 0.1 : f64} : memref<?xf32>\n"
    "  return\n"
    "}\n";

int main(void) {
  MlirContext context = mlirContextCreate();
  MlirDialectRegistry registry = mlirDialectRegistryCreate();
  mlirRegisterAllDialects(registry);
  mlirDialectHandleInsertDialect(mlirGetDialectHandle__optim__(), registry);
  mlirContextAppendDialectRegistry(context, registry);
  mlirDialectRegistryDestroy(registry);
  optimRegisterAllPasses();

  MlirStringRef ns =
      mlirDialectHandleGetNamespace(mlirGetDialectHandle__optim__());
  // CHECK: dialect namespace: optim
  printf("dialect namespace: %.*s\n", (int)ns.length, ns.data);

  MlirModule module =
      mlirModuleCreateParse(context, mlirStringRefCreateFromCString(kModule));
  if (mlirModuleIsNull(module)) {
    fprintf(stderr, "the module does not parse\n");
    return 1;
  }
  // CHECK: optim.adamw_step {{.*}} {weight_decay = 1.000000e-01 : f64} : memref<?xf32>
  mlirOperationPrint(mlirModuleGetOperation(module), printToStdout, NULL);
  printf("\n");

  MlirPassManager pm = mlirPassManagerCreate(context);
  MlirLogicalResult parsed = mlirParsePassPipeline(
      mlirPassManagerGetAsOpPassManager(pm),
      mlirStringRefCreateFromCString("builtin.module(optim-cpu-pipeline)"),
      printToStdout, NULL);
  if (mlirLogicalResultIsFailure(parsed)) {
    fprintf(stderr, "\nthe pipeline does not parse\n");
    return 1;
  }
  if (mlirLogicalResultIsFailure(
          mlirPassManagerRunOnOp(pm, mlirModuleGetOperation(module)))) {
    fprintf(stderr, "the pipeline failed\n");
    return 1;
  }
  // CHECK: lowered:
  // CHECK: llvm.func @step
  // CHECK: llvm.intr.sqrt
  // CHECK: llvm.fdiv
  // CHECK-NOT: optim.adamw_step
  printf("lowered:\n");
  mlirOperationPrint(mlirModuleGetOperation(module), printToStdout, NULL);
  printf("\n");

  mlirPassManagerDestroy(pm);
  mlirModuleDestroy(module);
  mlirContextDestroy(context);
  return 0;
}
