//===- OptimDialect.cpp - Optim dialect -------------------------*- C++ -*-===//
//
// Registers the `optim` dialect and its operations.
//
//===----------------------------------------------------------------------===//

#include "optim/Dialect/Optim/IR/OptimDialect.h"
#include "optim/Dialect/Optim/IR/OptimOps.h"

using namespace mlir;
using namespace mlir::optim;

#include "optim/Dialect/Optim/IR/OptimOpsDialect.cpp.inc"

void OptimDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "optim/Dialect/Optim/IR/OptimOps.cpp.inc"
      >();
}
