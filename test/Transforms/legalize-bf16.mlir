// RUN: optim-opt %s --optim-legalize-bf16 --split-input-file | FileCheck %s

// f32 -> bf16 rounds to nearest even on the bit pattern: NaN becomes the
// quiet NaN 0x7fc0 first (a select of f32 values), the lowest kept bit plus
// 0x7fff is added and the high half kept.
// CHECK-LABEL: func.func @truncate
// CHECK-SAME:    (%[[X:.+]]: vector<8xf32>)
// CHECK-DAG:     %[[HALF:.+]] = arith.constant dense<32767> : vector<8xi32>
// CHECK-DAG:     %[[ONE:.+]] = arith.constant dense<1> : vector<8xi32>
// CHECK-DAG:     %[[C16:.+]] = arith.constant dense<16> : vector<8xi32>
// CHECK-DAG:     %[[QNAN:.+]] = arith.constant dense<0x7FC00000> : vector<8xf32>
// CHECK:         %[[UNO:.+]] = arith.cmpf uno, %[[X]], %[[X]]
// CHECK:         %[[Q:.+]] = arith.select %[[UNO]], %[[QNAN]], %[[X]] : vector<8xi1>, vector<8xf32>
// CHECK:         %[[BITS:.+]] = arith.bitcast %[[Q]] : vector<8xf32> to vector<8xi32>
// CHECK:         %[[SHIFTED:.+]] = arith.shrui %[[BITS]], %[[C16]]
// CHECK:         %[[KEPT:.+]] = arith.andi %[[SHIFTED]], %[[ONE]]
// CHECK:         %[[BIAS:.+]] = arith.addi %[[KEPT]], %[[HALF]]
// CHECK:         %[[SUM:.+]] = arith.addi %[[BITS]], %[[BIAS]]
// CHECK:         %[[HIGH:.+]] = arith.shrui %[[SUM]], %[[C16]]
// CHECK:         %[[I16:.+]] = arith.trunci %[[HIGH]] : vector<8xi32> to vector<8xi16>
// CHECK:         %[[R:.+]] = arith.bitcast %[[I16]] : vector<8xi16> to vector<8xbf16>
// CHECK:         return %[[R]]
func.func @truncate(%x: vector<8xf32>) -> vector<8xbf16> {
  %r = arith.truncf %x : vector<8xf32> to vector<8xbf16>
  return %r : vector<8xbf16>
}

// -----

// bf16 -> f32 and f64: the pattern shifted into the high half of an f32.
// CHECK-LABEL: func.func @extend
// CHECK-SAME:    (%[[X:.+]]: bf16)
// CHECK:         %[[I16:.+]] = arith.bitcast %[[X]] : bf16 to i16
// CHECK:         %[[I32:.+]] = arith.extui %[[I16]] : i16 to i32
// CHECK:         %[[HIGH:.+]] = arith.shli %[[I32]], %{{.+}} : i32
// CHECK:         %[[F32:.+]] = arith.bitcast %[[HIGH]] : i32 to f32
// CHECK:         %[[WIDE:.+]] = arith.bitcast %{{.+}} : i32 to f32
// CHECK:         %[[F64:.+]] = arith.extf %[[WIDE]] : f32 to f64
// CHECK:         return %[[F32]], %[[F64]]
func.func @extend(%x: bf16) -> (f32, f64) {
  %a = arith.extf %x : bf16 to f32
  %b = arith.extf %x : bf16 to f64
  return %a, %b : f32, f64
}

// -----

// Masked bf16 loads and stores move i16 lanes (the bitcasts between them
// fold); f16 ones, and f16 conversions, which x86 hosts handle, stay.
// CHECK-LABEL: llvm.func @masked
// CHECK-SAME:    (%[[P:.+]]: !llvm.ptr, %[[MASK:.+]]: vector<8xi1>, %[[H:.+]]: vector<8xf16>)
// CHECK:         %[[LOAD:.+]] = llvm.intr.masked.load %[[P]], %[[MASK]] {alignment = 2 : i32} : (!llvm.ptr, vector<8xi1>) -> vector<8xi16>
// CHECK:         llvm.intr.masked.store %[[LOAD]], %[[P]], %[[MASK]] {alignment = 2 : i32} : vector<8xi16>, vector<8xi1> into !llvm.ptr
// CHECK:         llvm.intr.masked.load %[[P]], %[[MASK]] {alignment = 2 : i32} : (!llvm.ptr, vector<8xi1>) -> vector<8xf16>
// CHECK:         llvm.fpext %{{.+}} : vector<8xf16> to vector<8xf32>
// CHECK:         llvm.fptrunc %{{.+}} : vector<8xf32> to vector<8xf16>
// CHECK:         llvm.intr.masked.store %{{.+}} : vector<8xf16>, vector<8xi1> into !llvm.ptr
llvm.func @masked(%p: !llvm.ptr, %mask: vector<8xi1>, %h: vector<8xf16>) {
  %bf = llvm.intr.masked.load %p, %mask {alignment = 2 : i32} : (!llvm.ptr, vector<8xi1>) -> vector<8xbf16>
  llvm.intr.masked.store %bf, %p, %mask {alignment = 2 : i32} : vector<8xbf16>, vector<8xi1> into !llvm.ptr
  %f = llvm.intr.masked.load %p, %mask {alignment = 2 : i32} : (!llvm.ptr, vector<8xi1>) -> vector<8xf16>
  %w = llvm.fpext %f : vector<8xf16> to vector<8xf32>
  %n = llvm.fptrunc %w : vector<8xf32> to vector<8xf16>
  llvm.intr.masked.store %n, %p, %mask {alignment = 2 : i32} : vector<8xf16>, vector<8xi1> into !llvm.ptr
  llvm.return
}
