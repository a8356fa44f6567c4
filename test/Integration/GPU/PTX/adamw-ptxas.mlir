// Assembles the kernels of optim-gpu-pipeline for sm_80 and sm_90 with ptxas
// and checks their resources: no spills, no stack, and at most 64 registers
// (so that at least four blocks of 256 threads fit on an SM).

// RUN: optim-opt %s --optim-gpu-pipeline="format=isa chip=sm_90" > %t.sm_90.mlir
// RUN: %extract_ptx --binary step_kernel < %t.sm_90.mlir > %t.sm_90.ptx
// RUN: %ptxas -arch=sm_90 -v %t.sm_90.ptx -o %t.sm_90.cubin 2>&1 \
// RUN: | FileCheck %s -DCHIP=sm_90
// RUN: optim-opt %s --optim-gpu-pipeline="format=isa chip=sm_80" > %t.sm_80.mlir
// RUN: %extract_ptx --binary step_kernel < %t.sm_80.mlir > %t.sm_80.ptx
// RUN: %ptxas -arch=sm_80 -v %t.sm_80.ptx -o %t.sm_80.cubin 2>&1 \
// RUN: | FileCheck %s -DCHIP=sm_80

// f64.
// RUN: %extract_ptx --binary step_f64_kernel < %t.sm_90.mlir > %t.f64.ptx
// RUN: %ptxas -arch=sm_90 -v %t.f64.ptx -o %t.f64.cubin 2>&1 \
// RUN: | FileCheck %s --check-prefix=F64

// Mixed precision: bf16 weights and gradients with f32 moments for sm_80 and
// sm_90, all f16 for sm_90 (cvt.rn narrowing, 16-bit loads and stores), and
// an f32 master with a stochastically rounded bf16 copy for sm_80.
// RUN: %extract_ptx --binary step_bf16_kernel < %t.sm_80.mlir > %t.bf16.sm_80.ptx
// RUN: %ptxas -arch=sm_80 -v %t.bf16.sm_80.ptx -o %t.bf16.sm_80.cubin 2>&1 \
// RUN: | FileCheck %s --check-prefix=BF16 -DCHIP=sm_80
// RUN: %extract_ptx --binary step_bf16_kernel < %t.sm_90.mlir > %t.bf16.sm_90.ptx
// RUN: %ptxas -arch=sm_90 -v %t.bf16.sm_90.ptx -o %t.bf16.sm_90.cubin 2>&1 \
// RUN: | FileCheck %s --check-prefix=BF16 -DCHIP=sm_90
// RUN: FileCheck %s --check-prefix=BF16-PTX < %t.bf16.sm_90.ptx
// RUN: %extract_ptx --binary step_master_stochastic_kernel < %t.sm_80.mlir > %t.sr.ptx
// RUN: %ptxas -arch=sm_80 -v %t.sr.ptx -o %t.sr.cubin 2>&1 \
// RUN: | FileCheck %s --check-prefix=SR
// RUN: %extract_ptx --binary step_f16_kernel < %t.sm_90.mlir > %t.f16.ptx
// RUN: %ptxas -arch=sm_90 -v %t.f16.ptx -o %t.f16.cubin 2>&1 \
// RUN: | FileCheck %s --check-prefix=F16
// RUN: FileCheck %s --check-prefix=F16-PTX < %t.f16.ptx

// torch's options together (amsgrad's max_v, maximize, Adam's L2 decay, and
// GradScaler's grad scale and found-inf flag, read by the kernel), and
// all-bf16 stochastic rounding (its 32-bit hash), for both chips.
// RUN: %extract_ptx --binary step_options_kernel < %t.sm_80.mlir > %t.options.sm_80.ptx
// RUN: %ptxas -arch=sm_80 -v %t.options.sm_80.ptx -o %t.options.sm_80.cubin 2>&1 \
// RUN: | FileCheck %s --check-prefix=OPTIONS -DCHIP=sm_80
// RUN: %extract_ptx --binary step_options_kernel < %t.sm_90.mlir > %t.options.sm_90.ptx
// RUN: %ptxas -arch=sm_90 -v %t.options.sm_90.ptx -o %t.options.sm_90.cubin 2>&1 \
// RUN: | FileCheck %s --check-prefix=OPTIONS -DCHIP=sm_90
// RUN: %extract_ptx --binary step_bf16_stochastic_kernel < %t.sm_90.mlir > %t.bsr.ptx
// RUN: %ptxas -arch=sm_90 -v %t.bsr.ptx -o %t.bsr.cubin 2>&1 \
// RUN: | FileCheck %s --check-prefix=BSR

// The multi-tensor kernel, here with two variants (with and without weight
// decay).
// RUN: optim-opt %s --optim-gpu-pipeline="format=isa multi-tensor=true" \
// RUN: | %extract_ptx --binary step_all_kernel > %t.multi.ptx
// RUN: %ptxas -arch=sm_90 -v %t.multi.ptx -o %t.multi.cubin 2>&1 \
// RUN: | FileCheck %s --check-prefix=MULTI

// The pipeline runs ptxas itself for cubins and fatbins.
// RUN: optim-opt %s --optim-gpu-pipeline="format=bin chip=sm_80" \
// RUN: | FileCheck %s --check-prefix=BIN
// RUN: optim-opt %s --optim-gpu-pipeline="format=fatbin" \
// RUN: | FileCheck %s --check-prefix=FATBIN

// CHECK:     Compiling entry function 'step_kernel' for '[[CHIP]]'
// CHECK:     0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// CHECK:     Used {{([1-5]?[0-9]|6[0-4])}} registers

// F64:       Compiling entry function 'step_f64_kernel' for 'sm_90'
// F64:       0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// F64:       Used {{([1-5]?[0-9]|6[0-4])}} registers

// BF16:      Compiling entry function 'step_bf16_kernel' for '[[CHIP]]'
// BF16:      0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// 8 bf16 or 4 f32 per 128-bit access, narrowed in pairs; then the scalar
// remainder:
// BF16-PTX:  ld.global.v4.b32
// BF16-PTX:  cvt.rn.bf16x2.f32
// BF16-PTX:  st.global.v4.b32
// BF16-PTX:  cvt.rn.bf16.f32
// SR:        Compiling entry function 'step_master_stochastic_kernel' for 'sm_80'
// SR:        0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// F16:       Compiling entry function 'step_f16_kernel' for 'sm_90'
// F16:       0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// F16-PTX:   cvt.rn.f16.f32

// OPTIONS:   Compiling entry function 'step_options_kernel' for '[[CHIP]]'
// OPTIONS:   0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// OPTIONS:   Used {{([1-5]?[0-9]|6[0-4])}} registers
// BSR:       Compiling entry function 'step_bf16_stochastic_kernel' for 'sm_90'
// BSR:       0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads

// MULTI:     Compiling entry function 'step_all_kernel' for 'sm_90'
// MULTI:     0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
// MULTI:     Used {{([1-5]?[0-9]|6[0-4])}} registers

// A cubin is an ELF file; a fatbin starts with the magic 0xBA55ED50.
// BIN:       gpu.binary @step_kernel [#gpu.object<#nvvm.target<O = 3, chip = "sm_80">, properties = {{.*}}"\7FELF
// FATBIN:    gpu.binary @step_kernel [#gpu.object<#nvvm.target<O = 3, chip = "sm_90">, properties = {{.*}}"P\EDU\BA

func.func @step(%p: memref<?xf32>, %g: memref<?xf32>, %m: memref<?xf32>,
                %v: memref<?xf32>, %t: i64, %lr: f32) {
  optim.adamw_step %p, %g, %m, %v, step %t, lr %lr
      {weight_decay = 1.0e-01 : f64} : memref<?xf32>
  return
}

func.func @step_f64(%p: memref<?xf64>, %g: memref<?xf64>, %m: memref<?xf64>,
                    %v: memref<?xf64>, %t: i64, %lr: f64) {
  optim.adamw_step %p, %g, %m, %v, step %t, lr %lr
      {weight_decay = 1.0e-01 : f64} : memref<?xf64>
  return
}

func.func @step_bf16(%p: memref<?xbf16>, %g: memref<?xbf16>, %m: memref<?xf32>,
                     %v: memref<?xf32>, %t: i64, %lr: f32) {
  optim.adamw_step %p, %g, %m, %v, step %t, lr %lr {weight_decay = 1.0e-01 : f64}
      : (memref<?xbf16>, memref<?xbf16>, memref<?xf32>, memref<?xf32>, f32)
  return
}

func.func @step_master_stochastic(%p: memref<?xf32>, %g: memref<?xbf16>,
                                  %m: memref<?xf32>, %v: memref<?xf32>,
                                  %c: memref<?xbf16>, %t: i64, %lr: f32,
                                  %seed: i64) {
  optim.adamw_step %p, %g, %m, %v, step %t, lr %lr seed %seed
      copy %c : memref<?xbf16> rounding stochastic
      : (memref<?xf32>, memref<?xbf16>, memref<?xf32>, memref<?xf32>, f32)
  return
}

func.func @step_f16(%p: memref<?xf16>, %g: memref<?xf16>, %m: memref<?xf16>,
                    %v: memref<?xf16>, %t: i64, %lr: f32) {
  optim.adamw_step %p, %g, %m, %v, step %t, lr %lr
      {weight_decay = 1.0e-01 : f64} : memref<?xf16>
  return
}

func.func @step_options(%p: memref<?xf32>, %g: memref<?xf32>, %m: memref<?xf32>,
                        %v: memref<?xf32>, %mv: memref<?xf32>, %t: i64, %lr: f32,
                        %scale: memref<f32>, %inf: memref<f32>) {
  optim.adamw_step %p, %g, %m, %v, step %t, lr %lr max_v %mv : memref<?xf32>
      grad_scale %scale : memref<f32> found_inf %inf : memref<f32>
      decay l2 maximize {weight_decay = 1.0e-01 : f64} : memref<?xf32>
  return
}

func.func @step_bf16_stochastic(%p: memref<?xbf16>, %g: memref<?xbf16>,
                                %m: memref<?xbf16>, %v: memref<?xbf16>, %t: i64,
                                %lr: f32, %seed: i64) {
  optim.adamw_step %p, %g, %m, %v, step %t, lr %lr seed %seed
      rounding stochastic : memref<?xbf16>
  return
}

func.func @step_all(%p: memref<?x768xf32>, %g: memref<?x768xf32>,
                    %m: memref<?x768xf32>, %v: memref<?x768xf32>,
                    %pb: memref<768xf32>, %gb: memref<768xf32>,
                    %mb: memref<768xf32>, %vb: memref<768xf32>,
                    %t: i64, %lr: f32) {
  optim.adamw_step %p, %g, %m, %v, step %t, lr %lr
      {weight_decay = 1.0e-01 : f64} : memref<?x768xf32>
  optim.adamw_step %pb, %gb, %mb, %vb, step %t, lr %lr
      {weight_decay = 0.0 : f64} : memref<768xf32>
  return
}
