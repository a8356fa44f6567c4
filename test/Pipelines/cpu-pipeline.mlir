// RUN: optim-opt %s --optim-cpu-pipeline="vector-width=16 emit-c-interface=1" \
// RUN:   | FileCheck %s
// RUN: optim-opt %s --optim-cpu-pipeline="vector-width=16 num-threads=2" \
// RUN:   | FileCheck %s --check-prefix=THREADS

// The tensor form on a dynamic size, end to end: the results are the
// argument buffers (no allocation, no copy); the only loop over the data
// works on vector<16xf32> with plain loads and stores; the remainder is
// handled once with masked loads and stores.

// CHECK-LABEL: llvm.func @step(
// CHECK-NOT:   llvm.call @malloc
// CHECK-NOT:   llvm.alloca
// CHECK:       llvm.intr.pow
// CHECK:       llvm.intr.pow
// CHECK:       llvm.br ^[[HEADER:bb[0-9]+]](
// CHECK:     ^[[HEADER]](%[[IV:.+]]: i64):
// CHECK-NEXT:  %[[CONT:.+]] = llvm.icmp "slt" %[[IV]]
// CHECK-NEXT:  llvm.cond_br %[[CONT]], ^[[BODY:bb[0-9]+]], ^[[EXIT:bb[0-9]+]]
// CHECK:     ^[[BODY]]:
// CHECK-NOT:   masked
// CHECK-NOT:   llvm.intr.pow
// CHECK-COUNT-4: llvm.load %{{.+}} {alignment = 4 : i64} : !llvm.ptr -> vector<16xf32>
// CHECK:       llvm.intr.sqrt(%{{.+}}) : (vector<16xf32>) -> vector<16xf32>
// CHECK:       llvm.fdiv %{{.+}}, %{{.+}} {fastmathFlags = #llvm.fastmath<contract>} : vector<16xf32>
// CHECK-NOT:   llvm.fdiv
// CHECK-COUNT-3: llvm.store %{{.+}}, %{{.+}} {alignment = 4 : i64} : vector<16xf32>, !llvm.ptr
// CHECK:       llvm.br ^[[HEADER]](
// CHECK:     ^[[EXIT]]:
// CHECK-NOT:   ^bb{{[0-9]+}}(%{{.+}}: i64)
// CHECK-COUNT-4: llvm.intr.masked.load
// CHECK:       llvm.intr.sqrt(%{{.+}}) : (vector<16xf32>) -> vector<16xf32>
// CHECK-COUNT-3: llvm.intr.masked.store
// CHECK-NOT:   llvm.call
// CHECK-NOT:   "llvm.intr.memcpy"
// CHECK:       llvm.return

// With two threads, one OpenMP region in which each thread takes its chunk
// by its thread number, with no worksharing loop.
// THREADS-LABEL: llvm.func @step(
// THREADS:       omp.parallel num_threads(
// THREADS-NEXT:    llvm.call @omp_get_thread_num()
// THREADS:         llvm.call @omp_get_num_threads()
// THREADS-NOT:   omp.wsloop
// THREADS-NOT:   omp.parallel

// The C interface wrapper calls the step.
// CHECK-LABEL: llvm.func @_mlir_ciface_step(
// CHECK:       llvm.call @step(
func.func @step(%p: tensor<?xf32>, %g: tensor<?xf32>, %m: tensor<?xf32>,
                %v: tensor<?xf32>, %t: i64, %lr: f32)
    -> (tensor<?xf32>, tensor<?xf32>, tensor<?xf32>) {
  %p1, %m1, %v1 = optim.adamw_step %p, %g, %m, %v, step %t, lr %lr
      : tensor<?xf32>
  return %p1, %m1, %v1 : tensor<?xf32>, tensor<?xf32>, tensor<?xf32>
}
