// With the default vector-width (the host's registers), the lanes follow the
// widest float the body computes with, not the narrowest operand: a generic
// on bf16 buffers that computes in f32 gets as many lanes as an all-f32
// one, so that each f32 value fills one register, and an f64 body with f32
// operands as many as an all-f64 one. (The count itself is the host's.)
// RUN: optim-opt %s --optim-vectorize-elementwise --split-input-file | FileCheck %s

#map = affine_map<(d0) -> (d0)>

// CHECK-LABEL: func @widths
// CHECK:         vector.transfer_read {{.*}}, vector<[[F32:[0-9]+]]xf32>
// CHECK:         vector.transfer_read {{.*}}, vector<[[F32]]xbf16>
// CHECK:         arith.extf {{.*}} : vector<[[F32]]xbf16> to vector<[[F32]]xf32>
// CHECK:         vector.transfer_read {{.*}}, vector<[[F64:[0-9]+]]xf64>
// CHECK:         vector.transfer_read {{.*}}, vector<[[F64]]xf32>
// CHECK:         arith.extf {{.*}} : vector<[[F64]]xf32> to vector<[[F64]]xf64>
func.func @widths(%a: memref<?xf32>, %b: memref<?xbf16>, %c: memref<?xf64>,
                  %d: memref<?xf32>) {
  %two = arith.constant 2.0 : f32
  %twod = arith.constant 2.0 : f64
  linalg.generic {indexing_maps = [#map], iterator_types = ["parallel"]}
      outs(%a : memref<?xf32>) {
  ^bb0(%x: f32):
    %y = arith.mulf %x, %two : f32
    linalg.yield %y : f32
  }
  linalg.generic {indexing_maps = [#map], iterator_types = ["parallel"]}
      outs(%b : memref<?xbf16>) {
  ^bb0(%x: bf16):
    %w = arith.extf %x : bf16 to f32
    %y = arith.mulf %w, %two : f32
    %z = arith.truncf %y : f32 to bf16
    linalg.yield %z : bf16
  }
  linalg.generic {indexing_maps = [#map], iterator_types = ["parallel"]}
      outs(%c : memref<?xf64>) {
  ^bb0(%x: f64):
    %y = arith.mulf %x, %twod : f64
    linalg.yield %y : f64
  }
  linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel"]}
      ins(%d : memref<?xf32>) outs(%c : memref<?xf64>) {
  ^bb0(%x: f32, %o: f64):
    %w = arith.extf %x : f32 to f64
    %y = arith.mulf %w, %twod : f64
    linalg.yield %y : f64
  }
  return
}
