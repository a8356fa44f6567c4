// The tests of CUDA/ run only where there is a GPU. Everywhere else their
// modules must still compile through optim-gpu-pipeline (to PTX, which needs
// no CUDA toolkit), so that they are ready to run when a GPU is there: their
// host harnesses (inputs, references, checks) share the module with the
// kernels, and must not be mistaken for device code.
// RUN: optim-opt %S/CUDA/adamw-f32.mlir --optim-gpu-pipeline="format=isa" -o /dev/null
// RUN: optim-opt %S/CUDA/adamw-bench.mlir --optim-gpu-pipeline="format=isa" -o /dev/null
// RUN: sed s/SHIFT/0/ %S/Inputs/adamw-8bit.mlir | cat %S/CUDA/adamw-8bit.mlir - \
// RUN: | optim-opt --optim-gpu-pipeline="format=isa" -o /dev/null
