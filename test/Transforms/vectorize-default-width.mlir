// With the default vector-width (the host's registers), the lanes follow the
// widest float the body computes with, not the narrowest operand, so that
// each arithmetic value fills one register: an f64 body with f32 operands
// gets as many lanes as an all-f64 one, and a generic on bf16 buffers that
// computes in f32 twice as many as an all-f32 one, read as one i32 word per
// f32 lane (its even and odd halves; vectorize-bf16-pairs.mlir). (The count
// itself is the host's.)
// RUN: optim-opt %s --optim-vectorize-elementwise --split-input-file | FileCheck %s

#map = affine_map<(d0) -> (d0)>

// CHECK-LABEL: func @widths
// CHECK:         vector.transfer_read {{.*}}, vector<[[F32:[0-9]+]]xf32>
// CHECK:         vector.transfer_read {{.*}}, vector<[[BF16:[0-9]+]]xbf16>
// CHECK:         vector.bitcast {{.*}} : vector<[[BF16]]xbf16> to vector<[[F32]]xi32>
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
