"""The Python peers of the AdamW benchmark: numpy and torch.optim.AdamW.

All peers of one configuration share one set of numpy buffers (torch views
them through torch.from_numpy, its moments preset in the optimizer state), and
run interleaved round-robin with the harness's bandwidth probe (libprobe.so,
reported as `probe_peers`), like the C++ systems of the harness. torch is
optional: without it its systems are recorded as absent.
"""

import ctypes
import gc
import os
import statistics
import time

import numpy as np

BETA1, BETA2, EPS, WEIGHT_DECAY, LR = 0.9, 0.999, 1e-8, 1e-2, 1e-3


def _arrays(dtype, sizes, seed=0):
    """p, g, m, v per tensor, with the signs and scales of the harness."""
    rng = np.random.default_rng(seed)
    tensors = []
    for n in sizes:
        sign = np.ones(n, dtype)
        sign[::2] = -1.0

        def uniform(offset, scale, signed):
            a = rng.random(n, dtype=dtype)
            a += offset
            a *= scale
            if signed:
                a *= sign
            return a

        tensors.append((uniform(0.5, 1.0, True), uniform(0.01, 0.1, True),
                        uniform(0.01, 0.01, True), uniform(0.01, 1e-4, False)))
    return tensors


class NumpyAdamW:
    """AdamW with in-place numpy operations and one scratch buffer."""

    def __init__(self, tensors):
        self.tensors = tensors
        self.tmp = np.empty(max(t[0].size for t in tensors), tensors[0][0].dtype)
        self.t = 0

    def step(self):
        self.t += 1
        bc1 = 1.0 - BETA1 ** self.t
        inv_sqrt_bc2 = 1.0 / (1.0 - BETA2 ** self.t) ** 0.5
        for p, g, m, v in self.tensors:
            tmp = self.tmp[:p.size]
            m *= BETA1
            np.multiply(g, 1.0 - BETA1, out=tmp)
            m += tmp
            v *= BETA2
            np.multiply(g, g, out=tmp)
            tmp *= 1.0 - BETA2
            v += tmp
            np.sqrt(v, out=tmp)
            tmp *= inv_sqrt_bc2
            tmp += EPS
            np.divide(m, tmp, out=tmp)
            tmp *= LR / bc1
            p *= 1.0 - LR * WEIGHT_DECAY
            p -= tmp


def _torch_optimizer(torch, tensors, **flavour):
    params = []
    opt_state = {}
    for p, g, m, v in tensors:
        tp = torch.from_numpy(p)
        tp.grad = torch.from_numpy(g)
        params.append(tp)
        opt_state[tp] = {"step": torch.tensor(0.0), "exp_avg": torch.from_numpy(m),
                         "exp_avg_sq": torch.from_numpy(v)}
    opt = torch.optim.AdamW(params, lr=LR, betas=(BETA1, BETA2), eps=EPS,
                            weight_decay=WEIGHT_DECAY, **flavour)
    opt.state.update(opt_state)
    opt.step()  # fails here if the flavour is unsupported
    return opt


def _probe(lib_path, dtype, tensors, threads, threshold):
    """run(count): `count` probe steps over all tensors in one call, with the
    harness's threading rule."""
    # The probe's OpenMP runtime (LLVM's) shares the cores with torch's (GNU):
    # its idle workers sleep at once rather than spin against torch's threads.
    os.environ.setdefault("KMP_BLOCKTIME", "0")
    lib = ctypes.CDLL(str(lib_path))
    fn = getattr(lib, f"optim_bench_probe_{dtype}")
    fn.restype = None
    fn.argtypes = [ctypes.c_void_p] * 5 + [ctypes.c_int64, ctypes.c_int,
                                           ctypes.c_int64, ctypes.c_int64]
    pointers = [np.array([t[k].ctypes.data for t in tensors], np.uintp)
                for k in range(4)]
    sizes = np.array([t[0].size for t in tensors], np.int64)
    args = [a.ctypes.data for a in (*pointers, sizes)] + [len(tensors), threads, threshold]

    def run(count, keep=(pointers, sizes)):  # `keep`: the tables stay alive
        fn(*args, count)
    return run


def _repeat(step):
    def run(count):
        for _ in range(count):
            step()
    return run


def run_peers(dtype, sizes, threads, reps, warmup, inner, probe_lib, threshold):
    """Times every peer on one configuration; returns {name: result}."""
    tensors = _arrays(np.float32 if dtype == "f32" else np.float64, sizes)
    steps, results = {}, {}
    steps["numpy"] = NumpyAdamW(tensors).step
    try:
        import torch
    except ImportError:
        torch = None
        for name in ("torch_foreach", "torch_fused"):
            results[name] = {"absent": "torch is not importable"}
    if torch is not None:
        torch.set_num_threads(threads)
        for name, flavour in (("torch_foreach", {"foreach": True}),
                              ("torch_fused", {"fused": True})):
            try:
                steps[name] = _torch_optimizer(torch, tensors, **flavour).step
            except (RuntimeError, TypeError, ValueError) as err:
                results[name] = {"absent": f"torch {torch.__version__}: {err}"}

    # run(count) performs `count` steps.
    runs = {name: _repeat(step) for name, step in steps.items()}
    runs["probe_peers"] = _probe(probe_lib, dtype, tensors, threads, threshold)
    samples = {name: [] for name in runs}
    for run in runs.values():
        run(warmup * inner)
    names = list(runs)
    for r in range(reps):
        for j in range(len(names)):
            name = names[(r + j) % len(names)]
            start = time.perf_counter_ns()
            runs[name](inner)
            samples[name].append((time.perf_counter_ns() - start) / inner)
    for name, xs in samples.items():
        results[name] = {"median_ns": statistics.median(xs), "samples_ns": xs}
    del steps, tensors
    gc.collect()
    return results
