// RUN: optim-opt %s --optim-map-elementwise-to-gpu --canonicalize | FileCheck %s
// RUN: optim-opt %s --optim-map-elementwise-to-gpu="elements-per-thread=1" --canonicalize \
// RUN: | FileCheck %s --check-prefix=SCALAR
// RUN: not optim-opt %s --optim-map-elementwise-to-gpu="elements-per-thread=3" 2>&1 \
// RUN: | FileCheck %s --check-prefix=BAD
// RUN: not optim-opt %s --optim-map-elementwise-to-gpu="elements-per-thread=128" 2>&1 \
// RUN: | FileCheck %s --check-prefix=BAD
// RUN: not optim-opt %s --optim-map-elementwise-to-gpu="threads-per-block=2048" 2>&1 \
// RUN: | FileCheck %s --check-prefix=BAD-THREADS
// RUN: not optim-opt %s --optim-map-elementwise-to-gpu="max-blocks=0" 2>&1 \
// RUN: | FileCheck %s --check-prefix=BAD-BLOCKS

// BAD: optim-map-elementwise-to-gpu: elements-per-thread must be 0 or a power of two up to 64
// BAD-THREADS: optim-map-elementwise-to-gpu: threads-per-block must be from 1 to 1024
// BAD-BLOCKS: optim-map-elementwise-to-gpu: max-blocks must be from 1 to 2147483647

#id = affine_map<(d0) -> (d0)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#id0 = affine_map<() -> ()>

// One launch of a bounded grid; the host computes the vector count (0 unless
// every operand is 16-byte aligned) and the grid size.
// CHECK-LABEL: func.func @axpy_f32(
// CHECK-SAME:      %[[P:.+]]: memref<?xf32>, %[[G:.+]]: memref<?xf32>, %[[S:.+]]: f32)
// CHECK-DAG:     %[[C0:.+]] = arith.constant 0 : index
// CHECK-DAG:     %[[C15:.+]] = arith.constant 15 : index
// CHECK-DAG:     %[[C4:.+]] = arith.constant 4 : index
// CHECK-DAG:     %[[C256:.+]] = arith.constant 256 : index
// CHECK-DAG:     %[[C1024:.+]] = arith.constant 1024 : index
// CHECK:         %{{.+}}, %{{.+}}, %[[N:.+]], %{{.+}} = memref.extract_strided_metadata %[[G]]
// CHECK:         memref.extract_aligned_pointer_as_index %[[G]]
// CHECK:         memref.extract_aligned_pointer_as_index %[[P]]
// CHECK:         %[[LOW:.+]] = arith.andi %{{.+}}, %[[C15]] : index
// CHECK:         %[[ALIGNED:.+]] = arith.cmpi eq, %[[LOW]], %[[C0]] : index
// CHECK:         %[[FULL:.+]] = arith.divui %[[N]], %[[C4]] : index
// CHECK:         %[[NVEC:.+]] = arith.select %[[ALIGNED]], %[[FULL]], %[[C0]] : index
// CHECK:         %[[ITEMS:.+]] = arith.subi %[[N]], %{{.+}} : index
// CHECK:         %[[BLOCKS:.+]] = arith.ceildivui %[[ITEMS]], %[[C256]] : index
// CHECK:         %[[CAPPED:.+]] = arith.minui %[[BLOCKS]], %[[C1024]] : index
// CHECK:         %[[GRID:.+]] = arith.maxui %[[CAPPED]], %{{.+}} : index
// CHECK:         gpu.launch blocks(%[[BX:.+]], %{{.+}}, %{{.+}}) in (%[[GX:.+]] = %[[GRID]], %{{.+}} = %{{.+}}, %{{.+}} = %{{.+}}) threads(%[[TX:.+]], %{{.+}}, %{{.+}}) in (%[[BDX:.+]] = %[[C256]],
// CHECK:           %[[START:.+]] = arith.muli %[[BX]], %[[BDX]] : index
// CHECK:           %[[TID:.+]] = arith.addi %[[START]], %[[TX]] : index
// CHECK:           %[[STRIDE:.+]] = arith.muli %[[GX]], %[[BDX]] : index
// Vectors [0, nVec), grid-stride.
// CHECK:           %[[NEXT:.+]] = scf.while (%[[J:.+]] = %[[TID]]) : (index) -> index {
// CHECK:             %[[MORE:.+]] = arith.cmpi ult, %[[J]], %[[NVEC]] : index
// CHECK:             scf.condition(%[[MORE]]) %[[J]] : index
// CHECK:           } do {
// CHECK:           ^bb0(%[[J:.+]]: index):
// CHECK:             %[[I:.+]] = arith.muli %[[J]], %[[C4]] : index
// CHECK:             %[[GV:.+]] = vector.load %[[G]][%[[I]]] {alignment = 16 : i64} : memref<?xf32>, vector<4xf32>
// CHECK:             %[[PV:.+]] = vector.load %[[P]][%[[I]]] {alignment = 16 : i64} : memref<?xf32>, vector<4xf32>
// CHECK:             %[[SV:.+]] = vector.broadcast %[[S]] : f32 to vector<4xf32>
// CHECK:             %[[MUL:.+]] = arith.mulf %[[SV]], %[[GV]] : vector<4xf32>
// CHECK:             %[[ADD:.+]] = arith.addf %[[PV]], %[[MUL]] : vector<4xf32>
// CHECK:             vector.store %[[ADD]], %[[P]][%[[I]]] {alignment = 16 : i64} : memref<?xf32>, vector<4xf32>
// CHECK:             %[[J1:.+]] = arith.addi %[[J]], %[[STRIDE]] : index
// CHECK:             scf.yield %[[J1]] : index
// Then the elements after them, from where each thread stopped.
// CHECK:           %[[SHIFT:.+]] = arith.muli %[[NVEC]], %{{.+}} : index
// CHECK:           %[[END:.+]] = arith.subi %[[N]], %[[SHIFT]] : index
// CHECK:           scf.for %[[K:.+]] = %[[NEXT]] to %[[END]] step %[[STRIDE]] {
// CHECK:             %[[E:.+]] = arith.addi %[[K]], %[[SHIFT]] : index
// CHECK:             %[[GS:.+]] = memref.load %[[G]][%[[E]]] : memref<?xf32>
// CHECK:             %[[PS:.+]] = memref.load %[[P]][%[[E]]] : memref<?xf32>
// CHECK:             %[[MS:.+]] = arith.mulf %[[S]], %[[GS]] : f32
// CHECK:             %[[AS:.+]] = arith.addf %[[PS]], %[[MS]] : f32
// CHECK:             memref.store %[[AS]], %[[P]][%[[E]]] : memref<?xf32>
// CHECK:           gpu.terminator
// CHECK-NOT:     linalg.generic

// SCALAR-LABEL: func.func @axpy_f32(
// SCALAR:         gpu.launch
// SCALAR-NOT:       vector.
// SCALAR-NOT:       scf.while
// SCALAR:           scf.for
// SCALAR:             memref.load
// SCALAR:           gpu.terminator

func.func @axpy_f32(%p: memref<?xf32>, %g: memref<?xf32>, %s: f32) {
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%g : memref<?xf32>) outs(%p : memref<?xf32>) {
  ^bb0(%gi: f32, %pi: f32):
    %0 = arith.mulf %s, %gi : f32
    %1 = arith.addf %pi, %0 : f32
    linalg.yield %1 : f32
  }
  return
}

// 128 bits of f64: two elements per vector.
// CHECK-LABEL: func.func @axpy_f64(
// CHECK:         arith.divui %{{.+}}, %[[C2:.+]] : index
// CHECK:         gpu.launch
// CHECK:           vector.load %{{.+}} {alignment = 16 : i64} : memref<?xf64>, vector<2xf64>
// CHECK:           vector.store %{{.+}} {alignment = 16 : i64} : memref<?xf64>, vector<2xf64>
// CHECK:           scf.for

func.func @axpy_f64(%p: memref<?xf64>, %g: memref<?xf64>, %s: f64) {
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%g : memref<?xf64>) outs(%p : memref<?xf64>) {
  ^bb0(%gi: f64, %pi: f64):
    %0 = arith.mulf %s, %gi : f64
    %1 = arith.addf %pi, %0 : f64
    linalg.yield %1 : f64
  }
  return
}

// One element, scalar code only.
// CHECK-LABEL: func.func @rank0(
// CHECK-SAME:      %[[P:.+]]: memref<f32>, %[[G:.+]]: memref<f32>)
// CHECK:         gpu.launch
// CHECK-NOT:       vector.
// CHECK:           scf.for
// CHECK:             memref.load %[[G]][] : memref<f32>
// CHECK:             memref.store %{{.+}}, %[[P]][] : memref<f32>

func.func @rank0(%p: memref<f32>, %g: memref<f32>) {
  linalg.generic {indexing_maps = [#id0, #id0], iterator_types = []}
      ins(%g : memref<f32>) outs(%p : memref<f32>) {
  ^bb0(%gi: f32, %pi: f32):
    %1 = arith.addf %pi, %gi : f32
    linalg.yield %1 : f32
  }
  return
}

// Contiguous N-D buffers are seen as 1-D.
// CHECK-LABEL: func.func @matrix(
// CHECK-SAME:      %[[P:.+]]: memref<4x8xf32>, %[[G:.+]]: memref<4x8xf32>)
// CHECK-DAG:     %[[GF:.+]] = memref.collapse_shape %[[G]] {{\[\[}}0, 1]] : memref<4x8xf32> into memref<32xf32>
// CHECK-DAG:     %[[PF:.+]] = memref.collapse_shape %[[P]] {{\[\[}}0, 1]] : memref<4x8xf32> into memref<32xf32>
// CHECK:         gpu.launch
// CHECK:           vector.load %[[GF]]
// CHECK:           vector.store %{{.+}}, %[[PF]]

func.func @matrix(%p: memref<4x8xf32>, %g: memref<4x8xf32>) {
  linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%g : memref<4x8xf32>) outs(%p : memref<4x8xf32>) {
  ^bb0(%gi: f32, %pi: f32):
    %1 = arith.addf %pi, %gi : f32
    linalg.yield %1 : f32
  }
  return
}

// Not contiguous: correct scalar code, no vectors.
// CHECK-LABEL: func.func @strided(
// CHECK:         gpu.launch
// CHECK-NOT:       vector.
// CHECK:           memref.load %{{.+}} : memref<?xf32, strided<[2]>>

func.func @strided(%p: memref<?xf32, strided<[2]>>, %g: memref<?xf32, strided<[2]>>) {
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%g : memref<?xf32, strided<[2]>>) outs(%p : memref<?xf32, strided<[2]>>) {
  ^bb0(%gi: f32, %pi: f32):
    %1 = arith.addf %pi, %gi : f32
    linalg.yield %1 : f32
  }
  return
}

// Rows of a wider buffer cannot be viewed as 1-D: the kernel keeps the N-D
// operands and splits each linear element index into indices, innermost
// fastest, so that neighbouring threads take neighbouring elements. The
// grid is bounded as for flat buffers; scalar code only.
// CHECK-LABEL: func.func @rows(
// CHECK-SAME:      %[[P:.+]]: memref<?x?x?xf32, strided<[?, ?, 1]>>, %[[G:.+]]: memref<?x?x?xf32, strided<[?, ?, 1]>>)
// CHECK-DAG:     %[[C1024:.+]] = arith.constant 1024 : index
// CHECK:         %{{.+}}, %{{.+}}, %[[SIZES:.+]]:3, %{{.+}}:3 = memref.extract_strided_metadata %[[G]]
// CHECK:         %[[N01:.+]] = arith.muli %[[SIZES]]#0, %[[SIZES]]#1 : index
// CHECK:         %[[N:.+]] = arith.muli %[[N01]], %[[SIZES]]#2 : index
// CHECK-NOT:     memref.extract_strided_metadata
// CHECK:         %[[BLOCKS:.+]] = arith.ceildivui %[[N]]
// CHECK:         %[[CLAMPED:.+]] = arith.minui %[[BLOCKS]], %[[C1024]]
// CHECK:         %[[GRID:.+]] = arith.maxui %[[CLAMPED]]
// CHECK:         gpu.launch blocks({{.+}}) in (%{{.+}} = %[[GRID]], %{{.+}} = %{{.+}}, %{{.+}} = %{{.+}})
// CHECK-NOT:       vector.
// CHECK:           scf.for %[[J:.+]] = %{{.+}} to %[[N]] step
// CHECK:             %[[I2:.+]] = arith.remui %[[J]], %[[SIZES]]#2 : index
// CHECK:             %[[J01:.+]] = arith.divui %[[J]], %[[SIZES]]#2 : index
// CHECK:             %[[I1:.+]] = arith.remui %[[J01]], %[[SIZES]]#1 : index
// CHECK:             %[[I0:.+]] = arith.divui %[[J01]], %[[SIZES]]#1 : index
// CHECK:             memref.load %[[G]][%[[I0]], %[[I1]], %[[I2]]]
// CHECK:             memref.load %[[P]][%[[I0]], %[[I1]], %[[I2]]]
// CHECK:             memref.store %{{.+}}, %[[P]][%[[I0]], %[[I1]], %[[I2]]]
// CHECK-NOT:     linalg.generic

!rows = memref<?x?x?xf32, strided<[?, ?, 1]>>
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>

func.func @rows(%p: !rows, %g: !rows) {
  linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%g : !rows) outs(%p : !rows) {
  ^bb0(%gi: f32, %pi: f32):
    %1 = arith.addf %pi, %gi : f32
    linalg.yield %1 : f32
  }
  return
}

// Not elementwise: left alone.
// CHECK-LABEL: func.func @sum(
// CHECK-NOT:     gpu.launch
// CHECK:         linalg.generic

func.func @sum(%x: memref<?xf32>, %acc: memref<f32>) {
  linalg.generic {indexing_maps = [#id, affine_map<(d0) -> ()>], iterator_types = ["reduction"]}
      ins(%x : memref<?xf32>) outs(%acc : memref<f32>) {
  ^bb0(%xi: f32, %a: f32):
    %1 = arith.addf %a, %xi : f32
    linalg.yield %1 : f32
  }
  return
}

// Elements whose width is not a power of two take padding in memory, which
// the kernels' packed vectors and byte offsets would not skip: left alone.
// CHECK-LABEL: func.func @padded_elements(
// CHECK-NOT:     gpu.launch
// CHECK:         linalg.generic

func.func @padded_elements(%a: memref<12xi24>, %b: memref<12xi24>) {
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%a : memref<12xi24>) outs(%b : memref<12xi24>) {
  ^bb0(%x: i24, %y: i24):
    %1 = arith.addi %x, %x : i24
    linalg.yield %1 : i24
  }
  return
}

// A layout without strides cannot be indexed by the kernel: left alone.
// CHECK-LABEL: func.func @non_strided(
// CHECK-NOT:     gpu.launch
// CHECK:         linalg.generic

func.func @non_strided(%a: memref<16xf32, affine_map<(d0) -> (d0 floordiv 2)>>) {
  linalg.generic {indexing_maps = [#id], iterator_types = ["parallel"]}
      outs(%a : memref<16xf32, affine_map<(d0) -> (d0 floordiv 2)>>) {
  ^bb0(%x: f32):
    %1 = arith.addf %x, %x : f32
    linalg.yield %1 : f32
  }
  return
}

// A scalar operand, which buffer semantics allow, has no strides for the
// kernel to index: left alone.
// CHECK-LABEL: func.func @scalar_operand(
// CHECK-NOT:     gpu.launch
// CHECK:         linalg.generic

func.func @scalar_operand(%s: f32, %x: memref<f32>) {
  linalg.generic {indexing_maps = [#id0, #id0], iterator_types = []}
      ins(%s : f32) outs(%x : memref<f32>) {
  ^bb0(%a: f32, %b: f32):
    %1 = arith.addf %a, %b : f32
    linalg.yield %1 : f32
  }
  return
}

// Operands with their own element types: vectors of 128 bits of the
// narrowest (8 lanes for f16), each operand aligned to its own vector's
// bytes, at most 16 (the 8 f32 take two 128-bit accesses).
// CHECK-LABEL: func.func @mixed_types(
// CHECK-DAG:     %[[C15:.+]] = arith.constant 15 : index
// CHECK:         arith.andi %{{.+}}, %[[C15]] : index
// CHECK:         gpu.launch
// CHECK:           vector.load %{{.+}} {alignment = 16 : i64} : memref<?xf16>, vector<8xf16>
// CHECK:           arith.extf %{{.+}} : vector<8xf16> to vector<8xf32>
// CHECK:           vector.store %{{.+}} {alignment = 16 : i64} : memref<?xf32>, vector<8xf32>

func.func @mixed_types(%p: memref<?xf32>, %g: memref<?xf16>) {
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%g : memref<?xf16>) outs(%p : memref<?xf32>) {
  ^bb0(%gi: f16, %pi: f32):
    %0 = arith.extf %gi : f16 to f32
    %1 = arith.addf %pi, %0 : f32
    linalg.yield %1 : f32
  }
  return
}

// A body that reads its indices gets scalar code, with the element's index.
// CHECK-LABEL: func.func @iota(
// CHECK-SAME:      %[[P:.+]]: memref<?xi32>)
// CHECK:         gpu.launch
// CHECK-NOT:       vector.
// CHECK:           scf.for %[[K:.+]] = %{{.+}} to %{{.+}} step %{{.+}} {
// CHECK:             %[[KI:.+]] = arith.index_cast %[[K]] : index to i32
// CHECK:             memref.store %[[KI]], %[[P]][%[[K]]] : memref<?xi32>

func.func @iota(%p: memref<?xi32>) {
  linalg.generic {indexing_maps = [#id], iterator_types = ["parallel"]}
      outs(%p : memref<?xi32>) {
  ^bb0(%pi: i32):
    %i = linalg.index 0 : index
    %0 = arith.index_cast %i : index to i32
    linalg.yield %0 : i32
  }
  return
}
