// RUN: optim-opt %s --optim-map-elementwise-to-gpu="multi-tensor=true" --canonicalize \
// RUN: | FileCheck %s

#id = affine_map<(d0) -> (d0)>

// Three generics, two bodies: one launch over a 3-row table (2 addresses,
// size, vector count, first thread, variant, 1 scalar), two variants.
// CHECK-LABEL: func.func @three(
// CHECK-SAME:      %[[P0:[^:]+]]: memref<?xf32>, %[[G0:[^:]+]]: memref<?xf32>,
// CHECK-SAME:      %[[P1:[^:]+]]: memref<?xf32>, %[[G1:[^:]+]]: memref<?xf32>,
// CHECK-SAME:      %[[P2:[^:]+]]: memref<?xf32>, %[[G2:[^:]+]]: memref<?xf32>,
// CHECK-SAME:      %[[S0:[^:]+]]: f32, %[[S1:[^:]+]]: f32)
// CHECK:         %[[TABLE:.+]] = memref.alloca() : memref<3x7xi64>
// The scalar of each tensor, as its bits.
// CHECK:         %[[B0:.+]] = arith.bitcast %[[S0]] : f32 to i32
// CHECK:         %[[E0:.+]] = arith.extui %[[B0]] : i32 to i64
// CHECK:         memref.store %[[E0]], %[[TABLE]][%{{.+}}, %{{.+}}] : memref<3x7xi64>
// CHECK:         %[[B1:.+]] = arith.bitcast %[[S1]] : f32 to i32
// CHECK:         %[[DEVICE:.+]] = gpu.alloc () : memref<3x7xi64>
// CHECK:         gpu.memcpy %[[DEVICE]], %[[TABLE]] : memref<3x7xi64>, memref<3x7xi64>
// CHECK:         gpu.launch
// CHECK-NOT:     gpu.launch
// CHECK:           scf.for %[[K:.+]] = %{{.+}} to %{{.+}} step
// CHECK:             memref.load %[[DEVICE]][%[[K]], %{{.+}}] : memref<3x7xi64>
// CHECK:             %[[GLOBAL:.+]] = llvm.inttoptr %{{.+}} : i64 to !llvm.ptr<1>
// CHECK:             %[[GENERIC:.+]] = llvm.addrspacecast %[[GLOBAL]] : !llvm.ptr<1> to !llvm.ptr
// CHECK:             %[[DESC:.+]] = llvm.insertvalue %{{.+}}, %{{.+}}[4, 0]
// CHECK:             %[[G:.+]] = builtin.unrealized_conversion_cast %[[DESC]] : {{.+}} to memref<?xf32>
// CHECK:             scf.index_switch
// CHECK:             case 0 {
// CHECK:               %[[SBITS:.+]] = memref.load %[[DEVICE]][%[[K]], %{{.+}}] : memref<3x7xi64>
// CHECK:               %[[STRUNC:.+]] = arith.trunci %[[SBITS]] : i64 to i32
// CHECK:               %[[S:.+]] = arith.bitcast %[[STRUNC]] : i32 to f32
// CHECK:               scf.while
// CHECK:                 vector.load %[[G]][%{{.+}}] {alignment = 16 : i64} : memref<?xf32>, vector<4xf32>
// CHECK:                 vector.broadcast %[[S]] : f32 to vector<4xf32>
// CHECK:               scf.for
// CHECK:             case 1 {
// CHECK-NOT:           arith.mulf
// CHECK:               scf.while
// CHECK:               scf.for
// CHECK:             default {
// CHECK:         gpu.dealloc %[[DEVICE]] : memref<3x7xi64>
func.func @three(%p0: memref<?xf32>, %g0: memref<?xf32>,
                 %p1: memref<?xf32>, %g1: memref<?xf32>,
                 %p2: memref<?xf32>, %g2: memref<?xf32>, %s0: f32, %s1: f32) {
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%g0 : memref<?xf32>) outs(%p0 : memref<?xf32>) {
  ^bb0(%g: f32, %p: f32):
    %0 = arith.mulf %s0, %g : f32
    %1 = arith.addf %p, %0 : f32
    linalg.yield %1 : f32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%g1 : memref<?xf32>) outs(%p1 : memref<?xf32>) {
  ^bb0(%g: f32, %p: f32):
    %0 = arith.mulf %s1, %g : f32
    %1 = arith.addf %p, %0 : f32
    linalg.yield %1 : f32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%g2 : memref<?xf32>) outs(%p2 : memref<?xf32>) {
  ^bb0(%g: f32, %p: f32):
    %1 = arith.addf %p, %g : f32
    linalg.yield %1 : f32
  }
  return
}

// A store between the generics ends the group: one launch each, no table.
// CHECK-LABEL: func.func @separated(
// CHECK-NOT:     memref.alloca
// CHECK:         gpu.launch
// CHECK:         memref.store
// CHECK:         gpu.launch
func.func @separated(%p0: memref<?xf32>, %g0: memref<?xf32>,
                     %p1: memref<?xf32>, %g1: memref<?xf32>, %x: f32) {
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%g0 : memref<?xf32>) outs(%p0 : memref<?xf32>) {
  ^bb0(%g: f32, %p: f32):
    %1 = arith.addf %p, %g : f32
    linalg.yield %1 : f32
  }
  %c0 = arith.constant 0 : index
  memref.store %x, %g1[%c0] : memref<?xf32>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%g1 : memref<?xf32>) outs(%p1 : memref<?xf32>) {
  ^bb0(%g: f32, %p: f32):
    %1 = arith.addf %p, %g : f32
    linalg.yield %1 : f32
  }
  return
}

// The second generic reads what the first writes: they run one after the
// other, not in one kernel.
// CHECK-LABEL: func.func @dependent(
// CHECK-NOT:     memref.alloca
// CHECK:         gpu.launch
// CHECK:         gpu.launch
func.func @dependent(%a: memref<?xf32>, %b: memref<?xf32>,
                     %c: memref<?xf32>) {
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%a : memref<?xf32>) outs(%b : memref<?xf32>) {
  ^bb0(%x: f32, %y: f32):
    %1 = arith.addf %x, %y : f32
    linalg.yield %1 : f32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%b : memref<?xf32>) outs(%c : memref<?xf32>) {
  ^bb0(%x: f32, %y: f32):
    %1 = arith.addf %x, %y : f32
    linalg.yield %1 : f32
  }
  return
}

// One kernel per element type: the two f32 generics share a table (1
// address, 4 counts, no scalar), the f64 one is launched alone. Different
// constants make different variants.
// CHECK-LABEL: func.func @mixed(
// CHECK:         memref.alloca() : memref<2x5xi64>
// CHECK:         gpu.launch
// CHECK-NOT:       scf.index_switch
// CHECK:           vector<2xf64>
// CHECK:           gpu.terminator
// CHECK:         gpu.launch
// CHECK:           scf.index_switch
// CHECK-NOT:     gpu.launch
func.func @mixed(%a: memref<?xf32>, %b: memref<?xf32>, %c: memref<?xf64>) {
  linalg.generic {indexing_maps = [#id], iterator_types = ["parallel"]}
      outs(%a : memref<?xf32>) {
  ^bb0(%x: f32):
    %half = arith.constant 0.5 : f32
    %1 = arith.mulf %x, %half : f32
    linalg.yield %1 : f32
  }
  linalg.generic {indexing_maps = [#id], iterator_types = ["parallel"]}
      outs(%c : memref<?xf64>) {
  ^bb0(%x: f64):
    %half = arith.constant 0.5 : f64
    %1 = arith.mulf %x, %half : f64
    linalg.yield %1 : f64
  }
  linalg.generic {indexing_maps = [#id], iterator_types = ["parallel"]}
      outs(%b : memref<?xf32>) {
  ^bb0(%x: f32):
    %quarter = arith.constant 0.25 : f32
    %1 = arith.mulf %x, %quarter : f32
    linalg.yield %1 : f32
  }
  return
}

// As in @mixed, but the f64 generic reads the bytes the first f32 generic
// writes (two views of one buffer). Grouping the f32 generics would launch
// the first after the f64 one: the three run in order, one launch each.
// CHECK-LABEL: func.func @mixed_overlapping(
// CHECK-NOT:     memref.alloca
// CHECK:         gpu.launch
// CHECK:           vector<4xf32>
// CHECK:           gpu.terminator
// CHECK:         gpu.launch
// CHECK:           vector<2xf64>
// CHECK:           gpu.terminator
// CHECK:         gpu.launch
// CHECK:           vector<4xf32>
// CHECK:           gpu.terminator
// CHECK-NOT:     gpu.launch
func.func @mixed_overlapping(%bytes: memref<?xi8>, %n: index,
                             %b: memref<?xf32>, %c: memref<?xf64>) {
  %c0 = arith.constant 0 : index
  %a = memref.view %bytes[%c0][%n] : memref<?xi8> to memref<?xf32>
  %a64 = memref.view %bytes[%c0][%n] : memref<?xi8> to memref<?xf64>
  linalg.generic {indexing_maps = [#id], iterator_types = ["parallel"]}
      outs(%a : memref<?xf32>) {
  ^bb0(%x: f32):
    %half = arith.constant 0.5 : f32
    %1 = arith.mulf %x, %half : f32
    linalg.yield %1 : f32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%a64 : memref<?xf64>) outs(%c : memref<?xf64>) {
  ^bb0(%x: f64, %y: f64):
    %1 = arith.addf %x, %y : f64
    linalg.yield %1 : f64
  }
  linalg.generic {indexing_maps = [#id], iterator_types = ["parallel"]}
      outs(%b : memref<?xf32>) {
  ^bb0(%x: f32):
    %quarter = arith.constant 0.25 : f32
    %1 = arith.mulf %x, %quarter : f32
    linalg.yield %1 : f32
  }
  return
}

// The bodies use %x and %y in swapped places, and %x also in the same place:
// two variants, each reading its own scalars.
// CHECK-LABEL: func.func @swapped_captures(
// CHECK:         gpu.launch
// CHECK:           scf.index_switch
// CHECK:           case 0 {
// CHECK:           case 1 {
// CHECK-NOT:     gpu.launch
func.func @swapped_captures(%a: memref<?xf32>, %b: memref<?xf32>, %x: f32,
                            %y: f32) {
  linalg.generic {indexing_maps = [#id], iterator_types = ["parallel"]}
      outs(%a : memref<?xf32>) {
  ^bb0(%o: f32):
    %1 = arith.addf %o, %x : f32
    %2 = arith.mulf %1, %y : f32
    %3 = arith.subf %2, %x : f32
    linalg.yield %3 : f32
  }
  linalg.generic {indexing_maps = [#id], iterator_types = ["parallel"]}
      outs(%b : memref<?xf32>) {
  ^bb0(%o: f32):
    %1 = arith.addf %o, %y : f32
    %2 = arith.mulf %1, %x : f32
    %3 = arith.subf %2, %x : f32
    linalg.yield %3 : f32
  }
  return
}

// A memref that an op other than a view computes may be any buffer, here
// %a: such a generic runs alone, in order.
// CHECK-LABEL: func.func @selected_buffer(
// CHECK-NOT:     memref.alloca
// CHECK:         gpu.launch
// CHECK:         arith.select
// CHECK:         gpu.launch
func.func @selected_buffer(%a: memref<?xf32>, %b: memref<?xf32>, %c: i1) {
  linalg.generic {indexing_maps = [#id], iterator_types = ["parallel"]}
      outs(%a : memref<?xf32>) {
  ^bb0(%o: f32):
    %1 = arith.addf %o, %o : f32
    linalg.yield %1 : f32
  }
  %v = arith.select %c, %a, %b : memref<?xf32>
  linalg.generic {indexing_maps = [#id], iterator_types = ["parallel"]}
      outs(%v : memref<?xf32>) {
  ^bb0(%o: f32):
    %1 = arith.addf %o, %o : f32
    linalg.yield %1 : f32
  }
  return
}

// In a loop the table is allocated once, in the function's entry block: a
// loop body is an allocation scope too, which would grow the stack on every
// iteration.
// CHECK-LABEL: func.func @in_a_loop(
// CHECK:         memref.alloca() : memref<2x5xi64>
// CHECK:         scf.for
// CHECK-NOT:       memref.alloca
// CHECK:           gpu.launch
func.func @in_a_loop(%a: memref<?xf32>, %b: memref<?xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %n step %c1 {
    linalg.generic {indexing_maps = [#id], iterator_types = ["parallel"]}
        outs(%a : memref<?xf32>) {
    ^bb0(%o: f32):
      %1 = arith.addf %o, %o : f32
      linalg.yield %1 : f32
    }
    linalg.generic {indexing_maps = [#id], iterator_types = ["parallel"]}
        outs(%b : memref<?xf32>) {
    ^bb0(%o: f32):
      %1 = arith.addf %o, %o : f32
      linalg.yield %1 : f32
    }
  }
  return
}

// Groups are formed by the operands' element types, in order: the two
// (bf16 in, f32 out) generics share a table, the (f32 in, f32 out) one, with
// the same element type as their output, is launched alone.
// CHECK-LABEL: func.func @mixed_operand_types(
// CHECK:         memref.alloca() : memref<2x6xi64>
// CHECK:         gpu.launch
// CHECK:           vector.load %{{.+}} : memref<?xf32>, vector<4xf32>
// CHECK:           gpu.terminator
// CHECK:         gpu.launch
// CHECK:           vector.load %{{.+}} : memref<?xbf16>, vector<8xbf16>
// CHECK:           arith.extf %{{.+}} : vector<8xbf16> to vector<8xf32>
// CHECK-NOT:     gpu.launch
func.func @mixed_operand_types(%a: memref<?xbf16>, %b: memref<?xf32>,
                               %c: memref<?xf32>, %d: memref<?xf32>,
                               %e: memref<?xbf16>, %f: memref<?xf32>) {
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%a : memref<?xbf16>) outs(%b : memref<?xf32>) {
  ^bb0(%x: bf16, %y: f32):
    %1 = arith.extf %x : bf16 to f32
    linalg.yield %1 : f32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%c : memref<?xf32>) outs(%d : memref<?xf32>) {
  ^bb0(%x: f32, %y: f32):
    linalg.yield %x : f32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%e : memref<?xbf16>) outs(%f : memref<?xf32>) {
  ^bb0(%x: bf16, %y: f32):
    %1 = arith.extf %x : bf16 to f32
    linalg.yield %1 : f32
  }
  return
}
