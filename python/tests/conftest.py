"""pytest setup: find optim_mlir and the numpy reference next to this file.

The package is found through PYTHONPATH (build/python_packages of a CMake
build) or an installed wheel; failing both, the default build folder
<repo>/build/python_packages is tried.
"""

import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

if importlib.util.find_spec("optim_mlir") is None:
    fallback = os.path.join(HERE, "..", "..", "build", "python_packages")
    sys.path.insert(0, os.path.normpath(fallback))
