// RUN: optim-opt %s --split-input-file --verify-diagnostics \
// RUN:   --test-optim-gpu-to-cpu | FileCheck %s

// The launch body runs inside loops over block ids (z, y, x) and thread ids
// (z, y, x); ids and sizes become the loop variables and the launch operands.
// CHECK-LABEL: func.func @launch(
// CHECK-SAME:      %[[BUF:.+]]: memref<?xf32>, %[[GX:.+]]: index, %[[BX:.+]]: index)
// CHECK:         %[[ONE:.+]] = arith.constant 1 : index
// CHECK:         %[[C0:.+]] = arith.constant 0 : index
// CHECK:         %[[C1:.+]] = arith.constant 1 : index
// CHECK:         scf.for %{{.+}} = %[[C0]] to %[[ONE]] step %[[C1]] {
// CHECK:           scf.for %{{.+}} = %[[C0]] to %[[ONE]] step %[[C1]] {
// CHECK:             scf.for %[[BID:.+]] = %[[C0]] to %[[GX]] step %[[C1]] {
// CHECK:               scf.for %{{.+}} = %[[C0]] to %[[ONE]] step %[[C1]] {
// CHECK:                 scf.for %{{.+}} = %[[C0]] to %[[ONE]] step %[[C1]] {
// CHECK:                   scf.for %[[TID:.+]] = %[[C0]] to %[[BX]] step %[[C1]] {
// CHECK:                     scf.execute_region {
// CHECK:                       %[[BASE:.+]] = arith.muli %[[BID]], %[[BX]] : index
// CHECK:                       %[[I:.+]] = arith.addi %[[BASE]], %[[TID]] : index
// CHECK:                       %[[N:.+]] = arith.muli %[[GX]], %[[BX]] : index
// CHECK:                       %[[X:.+]] = arith.index_cast %[[N]] : index to i32
// CHECK:                       %[[F:.+]] = arith.sitofp %[[X]] : i32 to f32
// CHECK:                       memref.store %[[F]], %[[BUF]][%[[I]]] : memref<?xf32>
// CHECK:                       scf.yield
// CHECK-NOT:     gpu.
func.func @launch(%buf: memref<?xf32>, %gx: index, %bx: index) {
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%b0, %b1, %b2) in (%g0 = %gx, %g1 = %c1, %g2 = %c1)
             threads(%t0, %t1, %t2) in (%s0 = %bx, %s1 = %c1, %s2 = %c1) {
    %base = arith.muli %b0, %s0 : index
    %i = arith.addi %base, %t0 : index
    %gd = gpu.grid_dim x
    %bd = gpu.block_dim x
    %n = arith.muli %gd, %bd : index
    %x = arith.index_cast %n : index to i32
    %f = arith.sitofp %x : i32 to f32
    memref.store %f, %buf[%i] : memref<?xf32>
    gpu.terminator
  }
  return
}

// -----

// Device memory is host memory.
// CHECK-LABEL: func.func @memory(
// CHECK-SAME:      %[[HOST:.+]]: memref<16xf32>)
// CHECK:         %[[DEV:.+]] = memref.alloc() : memref<16xf32>
// CHECK:         memref.copy %[[HOST]], %[[DEV]] : memref<16xf32> to memref<16xf32>
// CHECK:         memref.dealloc %[[DEV]] : memref<16xf32>
func.func @memory(%host: memref<16xf32>) {
  %dev = gpu.alloc () : memref<16xf32>
  gpu.memcpy %dev, %host : memref<16xf32>, memref<16xf32>
  gpu.dealloc %dev : memref<16xf32>
  gpu.wait
  return
}

// -----

// Threads that synchronise cannot run one after the other.
func.func @barrier() {
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%b0, %b1, %b2) in (%g0 = %c1, %g1 = %c1, %g2 = %c1)
             threads(%t0, %t1, %t2) in (%s0 = %c1, %s1 = %c1, %s2 = %c1) {
    // expected-error @below {{cannot serialise a kernel that uses gpu.barrier}}
    gpu.barrier
    gpu.terminator
  }
  return
}

// -----

func.func @shared() {
  %c1 = arith.constant 1 : index
  // expected-error @below {{cannot serialise a launch with shared memory, attributions or clusters}}
  gpu.launch blocks(%b0, %b1, %b2) in (%g0 = %c1, %g1 = %c1, %g2 = %c1)
             threads(%t0, %t1, %t2) in (%s0 = %c1, %s1 = %c1, %s2 = %c1)
             workgroup(%w : memref<32xf32, #gpu.address_space<workgroup>>) {
    gpu.terminator
  }
  return
}

// -----

func.func @async() {
  %c1 = arith.constant 1 : index
  // expected-error @below {{cannot serialise an asynchronous launch}}
  %token = gpu.launch async blocks(%b0, %b1, %b2) in (%g0 = %c1, %g1 = %c1, %g2 = %c1)
             threads(%t0, %t1, %t2) in (%s0 = %c1, %s1 = %c1, %s2 = %c1) {
    gpu.terminator
  }
  return
}
