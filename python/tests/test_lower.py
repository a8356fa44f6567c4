"""optim_mlir.lower: textual optim IR in, LLVM dialect out; errors carry
MLIR's diagnostics."""

import pytest

import optim_mlir

MEMREF_IR = """
func.func @step(%p: memref<4x8xf32>, %g: memref<4x8xf32>, %m: memref<4x8xf32>,
                %v: memref<4x8xf32>, %t: i64, %lr: f32) {
  optim.adamw_step %p, %g, %m, %v, step %t, lr %lr {weight_decay = 1.0e-01 : f64}
      : memref<4x8xf32>
  return
}
"""

TENSOR_IR = """
func.func @step(%p: tensor<17xf64>, %g: tensor<17xf64>, %m: tensor<17xf64>,
                %v: tensor<17xf64>, %t: i64, %lr: f64)
    -> (tensor<17xf64>, tensor<17xf64>, tensor<17xf64>) {
  %p1, %m1, %v1 = optim.adamw_step %p, %g, %m, %v, step %t, lr %lr : tensor<17xf64>
  return %p1, %m1, %v1 : tensor<17xf64>, tensor<17xf64>, tensor<17xf64>
}
"""


@pytest.mark.parametrize("ir", [MEMREF_IR, TENSOR_IR], ids=["memref", "tensor"])
def test_lowers_to_llvm(ir):
    out = optim_mlir.lower(ir)
    assert "llvm.func @step" in out
    assert "optim." not in out
    assert "func.func" not in out
    assert optim_mlir.lower(ir, pipeline="cpu") == out


def test_parse_error_carries_the_diagnostic():
    with pytest.raises(ValueError) as info:
        optim_mlir.lower("func.func @f(%x: memref<4xf32>) {\n  optim.bogus %x\n}")
    message = str(info.value)
    assert "error:" in message
    assert "<ir_text>:2:" in message  # the location of the bad line
    assert "optim.bogus" in message


def test_verifier_error_carries_the_diagnostic():
    bad = MEMREF_IR.replace("weight_decay = 1.0e-01 : f64", "beta1 = 1.5 : f64")
    with pytest.raises(ValueError) as info:
        optim_mlir.lower(bad)
    message = str(info.value)
    assert "'optim.adamw_step' op attribute 'beta1' is 1.5" in message
    assert "expected a value in [0, 1)" in message


def test_unknown_pipeline():
    with pytest.raises(ValueError, match="unknown pipeline 'gpu'"):
        optim_mlir.lower(MEMREF_IR, pipeline="gpu")


def test_non_string_input():
    with pytest.raises(TypeError, match="ir_text must be a str"):
        optim_mlir.lower(b"module {}")


def test_a_module_the_pipeline_cannot_lower_raises():
    # finalize-memref-to-llvm cannot convert the memory space: it reports it
    # and leaves the function alone; the pipeline then fails instead of
    # returning IR that would not translate to LLVM IR.
    ir = """
    func.func @f(%a: memref<16xf32, "foo">, %i: index) -> f32 {
      %x = memref.load %a[%i] : memref<16xf32, "foo">
      return %x : f32
    }
    """
    with pytest.raises(ValueError) as info:
        optim_mlir.lower(ir)
    assert "'func.func' was not lowered" in str(info.value)
