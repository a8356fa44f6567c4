"""AdamW steps compiled from the optim MLIR dialect and run on numpy arrays.

    import numpy as np, optim_mlir
    p, g = [np.ones(4, np.float32)], [np.full(4, 0.5, np.float32)]
    m, v = [np.zeros_like(p[0])], [np.zeros_like(p[0])]
    optim_mlir.adamw_step(p, g, m, v, t=1, lr=1e-3, beta1=0.9, beta2=0.999,
                          eps=1e-8, weight_decay=1e-2)   # p, m, v updated

A step is JIT-compiled (optim IR -> optim-cpu-pipeline -> LLVM) once per
dtype and set of betas, eps and weight_decay, for arrays of any shape, and
cached; the step count and learning rate are runtime arguments.
"""

from ._functional import _cache_size, _compile_count, adamw_step, lower
from .optimizer import AdamW

__all__ = ["AdamW", "adamw_step", "lower"]
