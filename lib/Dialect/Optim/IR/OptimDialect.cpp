//===- OptimDialect.cpp - Optim dialect -------------------------*- C++ -*-===//
//
// Registers the `optim` dialect and its operations.
//
//===----------------------------------------------------------------------===//

#include "optim/Dialect/Optim/IR/OptimDialect.h"
#include "optim/Dialect/Optim/IR/OptimOps.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::optim;

#include "optim/Dialect/Optim/IR/OptimOpsDialect.cpp.inc"

#include "optim/Dialect/Optim/IR/OptimEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "optim/Dialect/Optim/IR/OptimAttrs.cpp.inc"

void OptimDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "optim/Dialect/Optim/IR/OptimAttrs.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "optim/Dialect/Optim/IR/OptimOps.cpp.inc"
      >();
}
