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

// -----

// A shuffle splits the body into phases, each a loop over the threads, one
// after the other: the value shuffled is kept per thread and read at the
// partner's index (lane ^ offset within the warp, valid below the width and
// the block's thread count), a value carried past the shuffle is kept per
// thread, a constant is made again, and the stack buffer becomes a row per
// thread of one buffer.
// CHECK-LABEL: func.func @shuffle(
// CHECK-SAME:      %[[OUT:.+]]: memref<?xi32>, %[[OK:.+]]: memref<?xi1>, %[[N:.+]]: index)
// CHECK-DAG:     %[[ROWS:.+]] = memref.alloc(%[[T:.+]]) : memref<?x2xi32>
// CHECK-DAG:     %[[SRC:.+]] = memref.alloc(%[[T]]) : memref<?xi32>
// CHECK-DAG:     %[[RES:.+]] = memref.alloc(%[[T]]) : memref<?xi32>
// CHECK-DAG:     %[[VALID:.+]] = memref.alloc(%[[T]]) : memref<?xi1>
// Phase 1: each thread's value and its row of the buffer.
// CHECK:         scf.for %[[TX:.+]] = %{{.+}} to %[[N]]
// CHECK:           %[[I:.+]] = arith.addi %{{.+}}, %[[TX]] : index
// CHECK:           %[[ROW:.+]] = memref.subview %[[ROWS]][%[[I]], 0] [1, 2] [1, 1]
// CHECK:           %[[X:.+]] = arith.index_cast %[[TX]] : index to i32
// CHECK:           memref.store %[[X]], %[[SRC]][%[[I]]]
// CHECK:           memref.store %[[X]], %[[ROW]][
// Phase 2: the shuffle.
// CHECK:         scf.for %[[TX2:.+]] = %{{.+}} to %[[N]]
// CHECK:           %[[J:.+]] = arith.addi %{{.+}}, %[[TX2]] : index
// CHECK:           %[[ID:.+]] = arith.index_castui %[[J]] : index to i32
// CHECK:           %[[LANE:.+]] = arith.remui %[[ID]], %c32_i32
// CHECK:           %[[PARTNER:.+]] = arith.xori %[[LANE]], %c1_i32
// CHECK:           %[[BASE:.+]] = arith.subi %[[ID]], %[[LANE]]
// CHECK:           %[[PID:.+]] = arith.addi %[[BASE]], %[[PARTNER]]
// CHECK:           %[[IN:.+]] = arith.cmpi ult, %[[PARTNER]], %c32_i32
// CHECK:           %[[EXISTS:.+]] = arith.cmpi ult, %[[PID]],
// CHECK:           %[[V:.+]] = arith.andi %[[IN]], %[[EXISTS]]
// CHECK:           memref.store %[[V]], %[[VALID]][%[[J]]]
// CHECK:           %[[FROM:.+]] = arith.select %[[V]], %[[PID]], %[[ID]]
// CHECK:           %[[FROMI:.+]] = arith.index_castui %[[FROM]] : i32 to index
// CHECK:           %[[Y:.+]] = memref.load %[[SRC]][%[[FROMI]]]
// CHECK:           memref.store %[[Y]], %[[RES]][%[[J]]]
// Phase 3: the rest, with what it carries.
// CHECK:         scf.for %[[TX3:.+]] = %{{.+}} to %[[N]]
// CHECK:           %[[K:.+]] = arith.addi %{{.+}}, %[[TX3]] : index
// CHECK:           %[[ROW3:.+]] = memref.subview %[[ROWS]][%[[K]], 0] [1, 2] [1, 1]
// CHECK-DAG:       %[[Y3:.+]] = memref.load %[[RES]][%[[K]]]
// CHECK-DAG:       %[[V3:.+]] = memref.load %[[VALID]][%[[K]]]
// CHECK-DAG:       %[[Z:.+]] = memref.load %[[ROW3]][
// CHECK:           %[[S:.+]] = arith.addi %[[Y3]], %[[Z]] : i32
// CHECK:           memref.store %[[S]], %[[OUT]][%[[TX3]]]
// CHECK:           memref.store %[[V3]], %[[OK]][%[[TX3]]]
// CHECK-NOT:     gpu.
// CHECK:         memref.dealloc
func.func @shuffle(%out: memref<?xi32>, %valid: memref<?xi1>, %n: index) {
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%b0, %b1, %b2) in (%g0 = %c1, %g1 = %c1, %g2 = %c1)
             threads(%t0, %t1, %t2) in (%s0 = %n, %s1 = %c1, %s2 = %c1) {
    %buf = memref.alloca() : memref<2xi32>
    %x = arith.index_cast %t0 : index to i32
    %c1_i32 = arith.constant 1 : i32
    %c32_i32 = arith.constant 32 : i32
    %c0 = arith.constant 0 : index
    memref.store %x, %buf[%c0] : memref<2xi32>
    %y, %ok = gpu.shuffle xor %x, %c1_i32, %c32_i32 : i32
    %z = memref.load %buf[%c0] : memref<2xi32>
    %s = arith.addi %y, %z : i32
    memref.store %s, %out[%t0] : memref<?xi32>
    memref.store %ok, %valid[%t0] : memref<?xi1>
    gpu.terminator
  }
  return
}

// -----

// A shuffle that some threads might skip has no phase every thread reaches.
func.func @nested_shuffle(%c: i1) {
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%b0, %b1, %b2) in (%g0 = %c1, %g1 = %c1, %g2 = %c1)
             threads(%t0, %t1, %t2) in (%s0 = %c1, %s1 = %c1, %s2 = %c1) {
    scf.if %c {
      %x = arith.constant 1 : i32
      // expected-error @below {{cannot serialise a gpu.shuffle that not every thread reaches: it must be in the launch body's only block}}
      %y, %ok = gpu.shuffle xor %x, %x, %x : i32
    }
    gpu.terminator
  }
  return
}

// -----

func.func @shuffle_down() {
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%b0, %b1, %b2) in (%g0 = %c1, %g1 = %c1, %g2 = %c1)
             threads(%t0, %t1, %t2) in (%s0 = %c1, %s1 = %c1, %s2 = %c1) {
    %x = arith.constant 1 : i32
    // expected-error @below {{cannot serialise a gpu.shuffle down: only xor}}
    %y, %ok = gpu.shuffle down %x, %x, %x : i32
    gpu.terminator
  }
  return
}

// -----

// Phases cannot share what they cannot keep per thread or make again.
func.func @carried_allocation() {
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%b0, %b1, %b2) in (%g0 = %c1, %g1 = %c1, %g2 = %c1)
             threads(%t0, %t1, %t2) in (%s0 = %c1, %s1 = %c1, %s2 = %c1) {
    %x = arith.constant 1 : i32
    // expected-error @below {{cannot carry a 'memref<4xi32>' across a gpu.shuffle of the serialised kernel}}
    %buf = memref.alloc() : memref<4xi32>
    %y, %ok = gpu.shuffle xor %x, %x, %x : i32
    %c0 = arith.constant 0 : index
    memref.store %y, %buf[%c0] : memref<4xi32>
    gpu.terminator
  }
  return
}

// -----

func.func @dynamic_stack_buffer(%n: index) {
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%b0, %b1, %b2) in (%g0 = %c1, %g1 = %c1, %g2 = %c1)
             threads(%t0, %t1, %t2) in (%s0 = %c1, %s1 = %c1, %s2 = %c1) {
    %x = arith.constant 1 : i32
    // expected-error @below {{cannot serialise a dynamically sized stack buffer across a gpu.shuffle}}
    %buf = memref.alloca(%n) : memref<?xi32>
    %y, %ok = gpu.shuffle xor %x, %x, %x : i32
    gpu.terminator
  }
  return
}
