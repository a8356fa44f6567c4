// RUN: not optim-opt %s 2>&1 | FileCheck %s

// Found by optim-fuzz (scripts/fuzz.sh): a parse error inside a function
// nested in a gpu.launch body. optim-opt must report it and exit non-zero.
// Under the sanitizer build it exercised a false positive: MLIR's allocator
// code that a sanitized project compiles inline poisons memory that the
// uninstrumented libMLIR.so then hands out, so the sanitizer runs set
// ASAN_OPTIONS=allow_user_poisoning=0 (see docs/Reliability.md).

// CHECK: error: expected operation name in quotes
func.func@nest_lnh(%f:memref<f32>,%x:f32){%c1=arith.constant 1:index gpu.launch blocks(%b,%2)in(%g0=%c1,%1=%c1,%g2=%c1)threads(%0,%t1,%t2)in(%s0=%c1,%s1=%c1,%s= %c1){func.func @tensor_staticf32(){optim.adamw_step%p,%g,%m, %v,step%t,lr%l:tensor<f32>
