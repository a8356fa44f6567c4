// RUN: optim-opt %s --optim-lower-quantized-steps="vector-width=8" --canonicalize --cse | FileCheck %s
// RUN: optim-opt %s --optim-lower-quantized-steps="vector-width=8 num-threads=2" --canonicalize --cse | FileCheck %s --check-prefix=THREADS
// RUN: optim-opt %s --optim-lower-quantized-steps="vector-width=4 gpu-threads=64" --cse | FileCheck %s --check-prefix=GPU
// RUN: not optim-opt %s --optim-lower-quantized-steps="vector-width=-1" 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: not optim-opt %s --optim-lower-quantized-steps="num-threads=0" 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: not optim-opt %s --optim-lower-quantized-steps="vector-width=4 gpu-threads=48" 2>&1 | FileCheck %s --check-prefix=BAD-GPU
// RUN: not optim-opt %s --optim-lower-quantized-steps="gpu-threads=64" 2>&1 | FileCheck %s --check-prefix=BAD-GPU
// RUN: optim-opt %s --mlir-print-op-generic | optim-opt --optim-to-buffers-pipeline | FileCheck %s --check-prefix=KEPT
// RUN: optim-opt %s --optim-cpu-pipeline | FileCheck %s --check-prefix=LLVM

// BAD: optim-lower-quantized-steps: {{vector-width must be 0 \(the host's\) or from 1 to 1024|num-threads must be from 1 to 2147483647}}
// BAD-GPU: optim-lower-quantized-steps: {{gpu-threads must be 0 \(CPU loops\) or a multiple of 32 up to 1024|gpu-threads needs a vector-width of 1, 2, 4, 8 or 16}}

// convert-optim-to-linalg leaves 8-bit steps (they are blockwise) to this pass.
// KEPT-COUNT-2: optim.adamw_step

// The CPU pipeline lowers them to LLVM.
// LLVM: llvm.mlir.global private constant @__optim_signed_buckets
// LLVM-NOT: optim.adamw_step

// The code tables are module constants: the signed map (m) and the unsigned
// one (v), each with the buckets of its nearest-code search.
// CHECK-DAG: memref.global "private" constant @__optim_signed_code : memref<256xf32>
// CHECK-DAG: memref.global "private" constant @__optim_signed_buckets : memref<3073xi32>
// CHECK-DAG: memref.global "private" constant @__optim_unsigned_code : memref<256xf32>
// CHECK-DAG: memref.global "private" constant @__optim_unsigned_buckets : memref<3073xi32>

// 1000 elements in blocks of 256: one pass over the blocks, each finished in
// two sweeps over a stack buffer of one block per moment.
// CHECK-LABEL: func @step
// CHECK: %[[SM:.+]] = memref.alloca() : memref<256xf32>
// CHECK: %[[SV:.+]] = memref.alloca() : memref<256xf32>
// CHECK: scf.for %[[BLOCK:.+]] = %{{.+}} to %c4
// CHECK:   %[[AM:.+]] = memref.load %{{.+}}[%[[BLOCK]]] : memref<4xf32>
//            Sweep 1: codes looked up (a load per lane) and scaled, the
//            step, the new moments kept in the block's buffers and their
//            running maxima (of |x|'s pattern).
// CHECK:   scf.for {{.+}} iter_args
// CHECK:     vector.load {{.+}} : memref<1000xui8, strided<[1]>>, vector<8xui8>
// CHECK-COUNT-8: memref.load {{.+}} : memref<256xf32>
// CHECK:     vector.from_elements
// CHECK:     math.sqrt {{.+}} : vector<8xf32>
// CHECK:     vector.store {{.+}} : memref<1000xf32, strided<[1]>>, vector<8xf32>
// CHECK:     vector.store {{.+}}, %[[SM]]
// CHECK:     vector.store {{.+}}, %[[SV]]
// CHECK:     arith.maxui {{.+}} : vector<8xi32>
//            The last block's 232 = 29 * 8 elements leave no partial vector,
//            but the tail is there for sizes that do.
// CHECK:   %[[MASK:.+]] = arith.cmpi sgt, %{{.+}}, %cst{{.*}} : vector<8xi32>
// CHECK:   vector.maskedstore {{.+}}, %[[MASK]]
//            The new absmax, and 1 / absmax (0 for a block of zeros).
// CHECK:   %[[MAX:.+]] = vector.reduction <maxui>
// CHECK:   %[[NEW:.+]] = arith.bitcast %[[MAX]] : i32 to f32
// CHECK:   memref.store %[[NEW]], %{{.+}}[%[[BLOCK]]] : memref<4xf32>
// CHECK:   arith.cmpf ogt, %[[NEW]]
//            Sweep 2: each moment to the index of its nearest code.
// CHECK:   scf.for
// CHECK:     vector.load %[[SM]]
// CHECK:     arith.andi {{.+}} : vector<8xi32>
// CHECK:     arith.shrui
// CHECK-COUNT-8: memref.load {{.+}} : memref<3073xi32>
// CHECK:     arith.cmpi ugt
// CHECK:     arith.trunci {{.+}} : vector<8xi32> to vector<8xi8>
// CHECK:     vector.store {{.+}} : memref<1000xui8, strided<[1]>>, vector<8xui8>
// CHECK-NOT: optim.adamw_step

// For a GPU, 64 threads per GPU block: a group of 32 lanes per block of 256
// (64 chunks of 4), 2 groups per GPU block, mapped to GPU blocks and threads
// x and y, launched only for a nonempty tensor (a grid of no blocks is a
// launch error). The host checks that every operand's first element is
// aligned to a whole chunk (16 bytes of f32, 4 of codes); only then do whole
// chunks run unmasked, saying so. Each lane reads the tables itself (inside
// what becomes the kernel) and buffers its 2 chunks; the lanes' maxima meet
// in 5 xor shuffles, and lane 0 of a nonempty block writes the absmax.
// GPU-LABEL: func @step
// GPU-DAG: %[[P:.+]] = memref.extract_aligned_pointer_as_index %{{.+}} : memref<?xf32> -> index
// GPU-DAG: %[[PLOW:.+]] = arith.andi %[[P]], %c15
// GPU-DAG: %[[M:.+]] = memref.extract_aligned_pointer_as_index %{{.+}} : memref<?xui8> -> index
// GPU-DAG: %[[MLOW:.+]] = arith.andi %[[M]], %c3
// GPU: %[[ALIGNED:.+]] = arith.cmpi eq, %{{.+}}, %c0
// GPU: %[[NONEMPTY:.+]] = arith.cmpi ne, %[[BLOCKS:.+]], %c0
// GPU: scf.if %[[NONEMPTY]] {
// GPU: scf.parallel (%{{.+}}) = (%c0) to (%{{.+}}) step (%c1)
// GPU:   scf.parallel (%[[LANE:.+]], %{{.+}}) = (%c0, %c0) to (%c32, %c2) step (%c1, %c1)
// GPU:     memref.alloca() {alignment = 16 : i64} : memref<8xf32>
// GPU:     memref.get_global @__optim_signed_code
// GPU:     %[[LENGTH:.+]] = arith.select
// GPU:     %[[WHOLE:.+]] = arith.divui %[[LENGTH]], %c4
// GPU:     arith.select %[[ALIGNED]], %[[WHOLE]], %c0
// GPU:     scf.for
// GPU:       vector.load {{.+}} {alignment = 16 : i64} : memref<?xf32>, vector<4xf32>
// GPU:       vector.load {{.+}} {alignment = 4 : i64} : memref<?xui8>, vector<4xui8>
// GPU:     scf.for
// GPU:       vector.maskedload
// GPU:     %[[FIRST:.+]] = arith.cmpi eq, %[[LANE]], %c0
// GPU:     %[[NONEMPTY:.+]] = arith.cmpi ne, %[[LENGTH]], %c0
// GPU:     %[[WRITES:.+]] = arith.andi %[[FIRST]], %[[NONEMPTY]]
// GPU:     vector.reduction <maxui>
// GPU-COUNT-5: gpu.shuffle xor
// GPU:     scf.if %[[WRITES]] {
// GPU:       memref.store {{.+}} : memref<4xf32>
// GPU: } {mapping = [#gpu.loop_dim_map<processor = thread_x, {{.+}}>, #gpu.loop_dim_map<processor = thread_y, {{.+}}>]}
// GPU: } {mapping = [#gpu.loop_dim_map<processor = block_x, {{.+}}>]}

// With two threads: two contiguous shares of the blocks, each with its own
// buffers.
// THREADS-LABEL: func @step
// THREADS: scf.parallel (%{{.+}}) = (%c0) to (%c2) step (%c1)
// THREADS:   memref.alloca() : memref<256xf32>
// THREADS:   memref.alloca() : memref<256xf32>
// THREADS:   scf.for %{{.+}} = %{{.+}} to %{{.+}} step %c1
func.func @step(%p: memref<1000xf32>, %g: memref<1000xf32>,
                %m: memref<1000xui8>, %v: memref<1000xui8>,
                %am: memref<4xf32>, %av: memref<4xf32>, %t: i64, %lr: f32) {
  optim.adamw_step %p, %g, %m, %v, step %t, lr %lr
      m_absmax %am : memref<4xf32> v_absmax %av : memref<4xf32>
      : (memref<1000xf32>, memref<1000xf32>, memref<1000xui8>,
         memref<1000xui8>, f32)
  return
}

// A found-inf flag skips everything, codes and absmax included.
// CHECK-LABEL: func @skippable
// CHECK: %[[FLAG:.+]] = memref.load %{{.+}}[] : memref<f32>
// CHECK: %[[GO:.+]] = arith.cmpf oeq, %[[FLAG]]
// CHECK: scf.if %[[GO]] {
// CHECK:   scf.for
// CHECK:     memref.load {{.+}} : memref<256xf32>
func.func @skippable(%p: memref<?x64xbf16>, %m: memref<?x64xui8>,
                     %v: memref<?x64xui8>, %am: memref<?xf32>,
                     %av: memref<?xf32>, %inf: memref<f32>, %t: i64,
                     %lr: f32) {
  optim.adamw_step %p, %p, %m, %v, step %t, lr %lr found_inf %inf : memref<f32>
      m_absmax %am : memref<?xf32> v_absmax %av : memref<?xf32>
      {block_size = 64} : (memref<?x64xbf16>, memref<?x64xbf16>,
                           memref<?x64xui8>, memref<?x64xui8>, f32)
  return
}

// amsgrad with an 8-bit max_v: a third buffer, maximum and absmax.
// CHECK-LABEL: func @max_v
// CHECK-COUNT-3: memref.alloca() : memref<256xf32>
// CHECK: scf.for {{.+}} iter_args(%{{.+}} = %{{.+}}, %{{.+}} = %{{.+}}, %{{.+}} = %{{.+}}) -> (vector<8xi32>, vector<8xi32>, vector<8xi32>)
// CHECK:   arith.maximumf {{.+}} : vector<8xf32>
// CHECK-COUNT-3: vector.reduction <maxui>
func.func @max_v(%p: memref<512xf32>, %m: memref<512xui8>, %v: memref<512xui8>,
                 %mv: memref<512xui8>, %a: memref<2xf32>, %b: memref<2xf32>,
                 %c: memref<2xf32>, %t: i64, %lr: f32) {
  optim.adamw_step %p, %p, %m, %v, step %t, lr %lr max_v %mv : memref<512xui8>
      m_absmax %a : memref<2xf32> v_absmax %b : memref<2xf32>
      max_v_absmax %c : memref<2xf32>
      : (memref<512xf32>, memref<512xf32>, memref<512xui8>, memref<512xui8>,
         f32)
  return
}
