//===- OptimTestPasses.h - OptimMLIR test-only passes -----------*- C++ -*-===//
//
// Declares the test-only passes of OptimMLIR and their registration.
//
//===----------------------------------------------------------------------===//

#ifndef OPTIM_TEST_OPTIMTESTPASSES_H
#define OPTIM_TEST_OPTIMTESTPASSES_H

#include "mlir/Pass/Pass.h"

namespace mlir::optim::test {

#define GEN_PASS_DECL
#define GEN_PASS_REGISTRATION
#include "TestPasses.h.inc"

} // namespace mlir::optim::test

#endif // OPTIM_TEST_OPTIMTESTPASSES_H
