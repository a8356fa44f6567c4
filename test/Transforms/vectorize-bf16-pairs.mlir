// RUN: optim-opt %s --optim-vectorize-elementwise=vector-width=8 --canonicalize --cse | FileCheck %s

// A generic whose float operands are all bf16, computing in f32, reads each
// vector of 8 bf16 lanes as 4 i32 words and computes on its even lanes
// (`word << 16`) and odd lanes (`word & 0xffff0000`) as two f32 vectors; the
// lane numbers split the same way (0, 2, 4, 6 and 1, 3, 5, 7). Each half is
// rounded to nearest even on its bit pattern (NaN to 0x7fc0), and the two
// are packed into words again: no shuffle, no extf, no truncf. The masked
// remainder is computed the same way.

#map = affine_map<(d0) -> (d0)>

// CHECK-LABEL: func @pairs
// CHECK-DAG:     %[[BIAS:.+]] = arith.constant dense<32767> : vector<4xi32>
// CHECK-DAG:     %[[ONE:.+]] = arith.constant dense<1> : vector<4xi32>
// CHECK-DAG:     %[[NAN:.+]] = arith.constant dense<0x7FC00000> : vector<4xf32>
// CHECK-DAG:     %[[TWO:.+]] = arith.constant dense<2.000000e+00> : vector<4xf32>
// CHECK-DAG:     %[[EVENS:.+]] = arith.constant dense<[0, 2, 4, 6]> : vector<4xindex>
// CHECK-DAG:     %[[ODDS:.+]] = arith.constant dense<[1, 3, 5, 7]> : vector<4xindex>
// CHECK-DAG:     %[[HIGH:.+]] = arith.constant dense<-65536> : vector<4xi32>
// CHECK-DAG:     %[[C16:.+]] = arith.constant dense<16> : vector<4xi32>
// CHECK:         scf.for %[[IV:.+]] =
// CHECK:           %[[READ:.+]] = vector.transfer_read {{.*}} : memref<8xbf16, {{.*}}>, vector<8xbf16>
// CHECK:           %[[WORDS:.+]] = vector.bitcast %[[READ]] : vector<8xbf16> to vector<4xi32>
// CHECK:           %[[E:.+]] = arith.shli %[[WORDS]], %[[C16]]
// CHECK:           %[[EF:.+]] = arith.bitcast %[[E]] : vector<4xi32> to vector<4xf32>
// CHECK:           %[[O:.+]] = arith.andi %[[WORDS]], %[[HIGH]]
// CHECK:           %[[OF:.+]] = arith.bitcast %[[O]] : vector<4xi32> to vector<4xf32>
// CHECK:           %[[BASE:.+]] = vector.broadcast %[[IV]] : index to vector<4xindex>
// CHECK:           %[[EI:.+]] = arith.addi %[[BASE]], %[[EVENS]]
// CHECK:           %[[OI:.+]] = arith.addi %[[BASE]], %[[ODDS]]
// CHECK:           %[[EY:.+]] = arith.mulf %[[EF]], %[[TWO]] : vector<4xf32>
// CHECK:           %[[OY:.+]] = arith.mulf %[[OF]], %[[TWO]] : vector<4xf32>
// CHECK:           %[[ES:.+]] = arith.addf %[[EY]], %{{.+}} : vector<4xf32>
// CHECK:           %[[OS:.+]] = arith.addf %[[OY]], %{{.+}} : vector<4xf32>
// CHECK:           %[[EN:.+]] = arith.cmpf uno, %[[ES]], %[[ES]]
// CHECK:           %[[EQ:.+]] = arith.select %[[EN]], %[[NAN]], %[[ES]]
// CHECK:           %[[EB:.+]] = arith.bitcast %[[EQ]] : vector<4xf32> to vector<4xi32>
// CHECK:           %[[EK:.+]] = arith.shrui %[[EB]], %[[C16]]
// CHECK:           %[[EL:.+]] = arith.andi %[[EK]], %[[ONE]]
// CHECK:           %[[EBIAS:.+]] = arith.addi %[[EL]], %[[BIAS]]
// CHECK:           %[[ER:.+]] = arith.addi %[[EB]], %[[EBIAS]]
// CHECK:           %[[ELOW:.+]] = arith.shrui %[[ER]], %[[C16]]
// CHECK:           %[[OHIGH:.+]] = arith.andi %{{.+}}, %[[HIGH]]
// CHECK:           %[[PACKED:.+]] = arith.ori %[[ELOW]], %[[OHIGH]]
// CHECK:           %[[OUT:.+]] = vector.bitcast %[[PACKED]] : vector<4xi32> to vector<8xbf16>
// CHECK:           vector.transfer_write %[[OUT]]
// CHECK:         scf.if
// CHECK:           vector.mask %{{.+}} { vector.transfer_read {{.*}} } : vector<8xi1> -> vector<8xbf16>
// CHECK:           vector.bitcast %{{.+}} : vector<8xbf16> to vector<4xi32>
// CHECK:           vector.bitcast %{{.+}} : vector<4xi32> to vector<8xbf16>
// CHECK:           vector.mask %{{.+}} { vector.transfer_write
// CHECK-NOT:     vector.interleave
// CHECK-NOT:     vector.deinterleave
// CHECK-NOT:     arith.extf
// CHECK-NOT:     arith.truncf
func.func @pairs(%a: memref<?xbf16>, %b: memref<?xbf16>) {
  %two = arith.constant 2.0 : f32
  linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel"]}
      ins(%a : memref<?xbf16>) outs(%b : memref<?xbf16>) {
  ^bb0(%x: bf16, %o: bf16):
    %w = arith.extf %x : bf16 to f32
    %i = linalg.index 0 : index
    %j = arith.index_cast %i : index to i32
    %f = arith.uitofp %j : i32 to f32
    %y = arith.mulf %w, %two : f32
    %s = arith.addf %y, %f : f32
    %z = arith.truncf %s : f32 to bf16
    linalg.yield %z : bf16
  }
  return
}

// With an f32 operand beside the bf16 ones, the lanes stay in order: the
// f32 vector would need a shuffle to meet the halves.
// CHECK-LABEL: func @mixed
// CHECK:         arith.extf %{{.+}} : vector<8xbf16> to vector<8xf32>
// CHECK:         arith.truncf %{{.+}} : vector<8xf32> to vector<8xbf16>
// CHECK-NOT:     vector.bitcast
func.func @mixed(%a: memref<?xbf16>, %m: memref<?xf32>) {
  linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel"]}
      ins(%m : memref<?xf32>) outs(%a : memref<?xbf16>) {
  ^bb0(%x: f32, %o: bf16):
    %w = arith.extf %o : bf16 to f32
    %s = arith.addf %w, %x : f32
    %z = arith.truncf %s : f32 to bf16
    linalg.yield %z : bf16
  }
  return
}

// A select on one i1 for all lanes (broadcast by the vectoriser) splits
// like any splat: the same condition for both halves.
// CHECK-LABEL: func @scalar_condition
// CHECK:         %[[C:.+]] = vector.broadcast %{{.+}} : i1 to vector<4xi1>
// CHECK:         arith.select %[[C]], %{{.+}}, %{{.+}} : vector<4xi1>, vector<4xf32>
// CHECK:         arith.select %[[C]], %{{.+}}, %{{.+}} : vector<4xi1>, vector<4xf32>
// CHECK-NOT:     vector.interleave
func.func @scalar_condition(%a: memref<?xbf16>, %c: i1) {
  %two = arith.constant 2.0 : f32
  linalg.generic {indexing_maps = [#map], iterator_types = ["parallel"]}
      outs(%a : memref<?xbf16>) {
  ^bb0(%x: bf16):
    %w = arith.extf %x : bf16 to f32
    %y = arith.mulf %w, %two : f32
    %s = arith.select %c, %y, %w : f32
    %z = arith.truncf %s : f32 to bf16
    linalg.yield %z : bf16
  }
  return
}
