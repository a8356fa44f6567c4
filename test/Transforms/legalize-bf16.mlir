// RUN: optim-opt %s --optim-legalize-bf16 --split-input-file | FileCheck %s

// f32 -> bf16 rounds to nearest even on the bit pattern; the NaN case is an
// integer mask, and the only bf16 value left is the final bitcast.
// CHECK-LABEL: llvm.func @truncate
// CHECK-SAME:    (%[[X:.+]]: vector<8xf32>)
// CHECK-DAG:     %[[C16:.+]] = llvm.mlir.constant(dense<16> : vector<8xi32>)
// CHECK-DAG:     %[[ONE:.+]] = llvm.mlir.constant(dense<1> : vector<8xi32>)
// CHECK-DAG:     %[[HALF:.+]] = llvm.mlir.constant(dense<32767> : vector<8xi32>)
// CHECK-DAG:     %[[ALL:.+]] = llvm.mlir.constant(dense<-1> : vector<8xi32>)
// CHECK-DAG:     %[[QUIET:.+]] = llvm.mlir.constant(dense<4194304> : vector<8xi32>)
// CHECK:         %[[BITS:.+]] = llvm.bitcast %[[X]] : vector<8xf32> to vector<8xi32>
// CHECK:         %[[UNO:.+]] = llvm.fcmp "uno" %[[X]], %[[X]]
// CHECK:         %[[NAN:.+]] = llvm.sext %[[UNO]] : vector<8xi1> to vector<8xi32>
// CHECK:         %[[KEPT:.+]] = llvm.and %{{.+}}, %[[ONE]]
// CHECK:         %[[TIE:.+]] = llvm.add %[[KEPT]], %[[HALF]]
// CHECK:         %[[NOTNAN:.+]] = llvm.xor %[[NAN]], %[[ALL]]
// CHECK:         %[[BIAS:.+]] = llvm.and %[[TIE]], %[[NOTNAN]]
// CHECK:         %[[QBIT:.+]] = llvm.and %[[NAN]], %[[QUIET]]
// CHECK:         %[[Q:.+]] = llvm.or %[[BITS]], %[[QBIT]]
// CHECK:         %[[SUM:.+]] = llvm.add %[[Q]], %[[BIAS]]
// CHECK:         %[[HIGH:.+]] = llvm.lshr %[[SUM]], %[[C16]]
// CHECK:         %[[I16:.+]] = llvm.trunc %[[HIGH]] : vector<8xi32> to vector<8xi16>
// CHECK:         %[[R:.+]] = llvm.bitcast %[[I16]] : vector<8xi16> to vector<8xbf16>
// CHECK:         llvm.return %[[R]]
llvm.func @truncate(%x: vector<8xf32>) -> vector<8xbf16> {
  %r = llvm.fptrunc %x : vector<8xf32> to vector<8xbf16>
  llvm.return %r : vector<8xbf16>
}

// -----

// bf16 -> f32 and f64: the pattern shifted into the high half of an f32.
// CHECK-LABEL: llvm.func @extend
// CHECK-SAME:    (%[[X:.+]]: bf16)
// CHECK:         %[[I16:.+]] = llvm.bitcast %[[X]] : bf16 to i16
// CHECK:         %[[I32:.+]] = llvm.zext %[[I16]] : i16 to i32
// CHECK:         %[[HIGH:.+]] = llvm.shl %[[I32]], %{{.+}} : i32
// CHECK:         %[[F32:.+]] = llvm.bitcast %[[HIGH]] : i32 to f32
// CHECK:         %[[WIDE:.+]] = llvm.bitcast %{{.+}} : i32 to f32
// CHECK:         %[[F64:.+]] = llvm.fpext %[[WIDE]] : f32 to f64
// CHECK:         llvm.insertvalue %[[F32]]
// CHECK:         llvm.insertvalue %[[F64]]
llvm.func @extend(%x: bf16) -> !llvm.struct<(f32, f64)> {
  %a = llvm.fpext %x : bf16 to f32
  %b = llvm.fpext %x : bf16 to f64
  %u = llvm.mlir.poison : !llvm.struct<(f32, f64)>
  %s0 = llvm.insertvalue %a, %u[0] : !llvm.struct<(f32, f64)>
  %s1 = llvm.insertvalue %b, %s0[1] : !llvm.struct<(f32, f64)>
  llvm.return %s1 : !llvm.struct<(f32, f64)>
}

// -----

// Masked bf16 loads and stores move i16 lanes (the bitcasts between them
// fold); f16 and f32 ones, and f16
// conversions, which x86 hosts handle, stay.
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
