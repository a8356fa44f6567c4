# -*- Python -*-
# lit configuration of the OptimMLIR test suite.

import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "OPTIM"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir"]
config.excludes = ["lit.cfg.py", "lit.site.cfg.py", "CMakeLists.txt"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.optim_obj_root, "test")

# Fresh variable scope in every CHECK-LABEL block.
config.environment["FILECHECK_OPTS"] = "-enable-var-scope"

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

runtime_libs = ",".join(
    os.path.join(config.mlir_lib_dir, "lib" + name + config.shlib_ext)
    for name in ("mlir_runner_utils", "mlir_c_runner_utils")
)
config.substitutions.append(("%mlir_runtime_libs", runtime_libs))
# The OpenMP runtime that multithreaded CPU code calls (libomp-22-dev).
config.substitutions.append(
    ("%openmp_lib", os.path.join(config.mlir_lib_dir, "libomp" + config.shlib_ext))
)

tool_dirs = [config.optim_tools_dir, config.llvm_tools_dir]
tools = [
    "optim-opt",
    "optim-runner",
    ToolSubst("mlir-runner", unresolved="fatal"),
]
llvm_config.add_tool_substitutions(tools, tool_dirs)
