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

# OptimMLIR as a plugin of upstream's mlir-opt. A sanitized plugin cannot
# load into the unsanitized tool (the sanitizer runtime must come first).
plugin = os.path.join(config.optim_obj_root, "lib", "OptimMLIRPlugin" + config.shlib_ext)
if config.optim_sanitize:
    lit_config.note("the plugin tests are UNSUPPORTED: a sanitized plugin "
                    "cannot load into Debian's mlir-opt")
elif os.path.exists(plugin):
    config.available_features.add("plugin")
config.substitutions.append(("%optim_plugin", plugin))
# Upstream's mlir-opt with the plugin loaded, dialect and passes.
config.substitutions.append(
    (
        "%plugin_opt",
        "%s --load-dialect-plugin=%s --load-pass-plugin=%s"
        % (os.path.join(config.llvm_tools_dir, "mlir-opt"), plugin, plugin),
    )
)

tool_dirs = [config.optim_tools_dir, config.llvm_tools_dir]
# `lit --param roundtrip=1` also checks that every module optim-opt reads
# prints and parses back to the same IR, in text and in bytecode.
roundtrip = lit_config.params.get("roundtrip", "0") not in ("", "0")
tools = [
    ToolSubst("optim-opt", extra_args=["--verify-roundtrip"] if roundtrip else None),
    "optim-runner",
    "optim-capi-test",
    ToolSubst("mlir-opt", unresolved="fatal"),
    ToolSubst("mlir-runner", unresolved="fatal"),
    ToolSubst("mlir-translate", unresolved="fatal"),
    ToolSubst("llc", unresolved="fatal"),
]
llvm_config.add_tool_substitutions(tools, tool_dirs)

# GPU: `ptxas` when the CUDA toolkit's assembler is found (tests that assemble
# PTX), `cuda-device` when an NVIDIA GPU answers and the CUDA runtime library
# was built (tests that launch kernels). Without them those tests report
# UNSUPPORTED.
import shutil
import subprocess
import sys


def find_ptxas():
    candidates = []
    if getattr(config, "cuda_toolkit_dir", ""):
        candidates.append(os.path.join(config.cuda_toolkit_dir, "bin", "ptxas"))
    candidates.append(shutil.which("ptxas"))
    candidates.append("/usr/local/cuda/bin/ptxas")
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


ptxas = find_ptxas()
if ptxas:
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", ptxas))
else:
    lit_config.note(
        "the tests that assemble PTX are UNSUPPORTED: no ptxas "
        "(CUDA toolkit) found"
    )

cuda_runtime = os.path.join(
    config.optim_obj_root, "lib", "liboptim_cuda_runtime" + config.shlib_ext
)


def query_nvidia_smi(*args):
    """nvidia-smi's output, or None when it is missing or fails."""
    nvidia_smi = shutil.which("nvidia-smi")
    if not nvidia_smi:
        return None
    try:
        result = subprocess.run(
            [nvidia_smi, *args], capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout if result.returncode == 0 else None


gpus = query_nvidia_smi("-L")
if not gpus or "GPU" not in gpus:
    lit_config.note(
        "the tests that launch kernels are UNSUPPORTED: nvidia-smi lists no "
        "NVIDIA GPU"
    )
elif not os.path.exists(cuda_runtime):
    lit_config.note(
        "the tests that launch kernels are UNSUPPORTED: "
        + cuda_runtime
        + " was not built (no CUDA toolkit at configure time)"
    )
else:
    config.available_features.add("cuda-device")
config.substitutions.append(("%optim_cuda_runtime", cuda_runtime))
# The first GPU's architecture (e.g. sm_90), for the device tests' PTX.
capability = query_nvidia_smi("--query-gpu=compute_cap", "--format=csv,noheader")
capability = capability.split()[0] if capability else "8.0"
config.substitutions.append(("%cuda_chip", "sm_" + capability.replace(".", "")))
# The PTX inside `gpu.binary` ops (format=isa), one instruction a line.
config.substitutions.append(
    (
        "%extract_ptx",
        '"%s" "%s"'
        % (sys.executable, os.path.join(config.test_source_root, "lib", "extract-ptx.py")),
    )
)
