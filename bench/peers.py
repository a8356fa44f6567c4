"""The Python peers of the AdamW benchmark: numpy and torch.optim.AdamW.

All peers of one configuration share one set of numpy buffers (torch views
them through torch.from_numpy, its moments preset in the optimizer state), and
run interleaved round-robin with the harness's bandwidth probe (libprobe.so,
reported as `probe_peers`) and with the compiled step itself
(libcompiled-t<T>.so, reported as `compiled_peers`), like the C++ systems of
the harness: the compiled step is compared with the peers in the same phase of
the machine. torch is optional: without it its systems are recorded as absent.

The two OpenMP runtimes in this process, LLVM's (probe, compiled step) and
GNU's (torch), must both see every CPU. With OMP_PROC_BIND set, importing
torch pins this thread to GNU's first place, and LLVM's runtime, started
later, would take that one CPU for the machine and run all its threads
there; so the thread's CPU set is restored and LLVM's runtime started before
anything else runs. Both runtimes keep idle workers spinning for a while
after a parallel region (LLVM's: KMP_BLOCKTIME, 200 ms by default; GNU's:
GOMP_SPINCOUNT, some milliseconds), and a spinning worker of one runtime
takes a core from the next system timed. So LLVM's workers spin for 1 ms
(KMP_BLOCKTIME=1: long enough to bridge the parallel regions of one step),
and every timed run starts SETTLE_S after the previous one ended, once every
worker sleeps.
"""

import ctypes
import gc
import os
import resource
import statistics
import time

import numpy as np

BETA1, BETA2, EPS, WEIGHT_DECAY, LR = 0.9, 0.999, 1e-8, 1e-2, 1e-3
SETTLE_S = 0.05
_ALL_CPUS = os.sched_getaffinity(0)  # before torch's runtime pins this thread
_openmp_started = False


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


def _torch_optimizer(torch, tensors, to_torch=None, **flavour):
    """torch.optim.AdamW over (p, g, m, v) of `tensors`, its moments preset
    to m and v; to_torch turns each into a torch tensor (default
    torch.from_numpy)."""
    to_torch = to_torch or torch.from_numpy
    params = []
    opt_state = {}
    for p, g, m, v in tensors:
        tp = to_torch(p)
        tp.grad = to_torch(g)
        params.append(tp)
        opt_state[tp] = {"step": torch.tensor(0.0), "exp_avg": to_torch(m),
                         "exp_avg_sq": to_torch(v)}
    opt = torch.optim.AdamW(params, lr=LR, betas=(BETA1, BETA2), eps=EPS,
                            weight_decay=WEIGHT_DECAY, **flavour)
    opt.state.update(opt_state)
    opt.step()  # fails here if the flavour is unsupported
    return opt


def _tables(tensors):
    """The pointer tables of p, g, m, v and the sizes, for the C libraries."""
    pointers = [np.array([t[k].ctypes.data for t in tensors], np.uintp)
                for k in range(4)]
    sizes = np.array([t[0].size for t in tensors], np.int64)
    return pointers, sizes


def _load(lib_path):
    os.environ.setdefault("KMP_BLOCKTIME", "1")  # before LLVM's runtime starts
    return ctypes.CDLL(str(lib_path))


def _start_llvm_openmp(probe_lib):
    """Starts LLVM's OpenMP runtime on every CPU, once per process."""
    global _openmp_started
    if _openmp_started:
        return
    os.sched_setaffinity(0, _ALL_CPUS)
    found = _load(probe_lib).optim_bench_start_openmp()
    if found != len(_ALL_CPUS):
        raise RuntimeError(f"LLVM's OpenMP runtime found {found} of {len(_ALL_CPUS)} CPUs")
    _openmp_started = True


def _probe(lib_path, dtype, tensors, threads, threshold):
    """run(count): `count` probe steps over all tensors in one call, with the
    harness's threading rule."""
    fn = getattr(_load(lib_path), f"optim_bench_probe_{dtype}")
    fn.restype = None
    fn.argtypes = [ctypes.c_void_p] * 5 + [ctypes.c_int64, ctypes.c_int,
                                           ctypes.c_int64, ctypes.c_int64]
    pointers, sizes = _tables(tensors)
    args = [a.ctypes.data for a in (*pointers, sizes)] + [len(tensors), threads, threshold]

    def run(count, keep=(pointers, sizes)):  # `keep`: the tables stay alive
        fn(*args, count)
    return run


def _compiled(lib_path, dtype, tensors, model):
    """run(count): `count` compiled steps over all tensors in one call: the
    function of `model`, or the dynamically shaped step on one tensor."""
    fn = getattr(_load(lib_path), f"optim_bench_compiled_{dtype}")
    fn.restype = ctypes.c_int
    fn.argtypes = [ctypes.c_void_p] * 5 + [ctypes.c_int64, ctypes.c_char_p,
                                           ctypes.c_int64, ctypes.c_int64,
                                           ctypes.c_double]
    pointers, sizes = _tables(tensors)
    args = [a.ctypes.data for a in (*pointers, sizes)] + [
        len(tensors), model.encode() if model else None]
    steps = 0

    def run(count, keep=(pointers, sizes)):  # `keep`: the tables stay alive
        nonlocal steps
        if fn(*args, steps + 1, count, LR) != 0:
            raise RuntimeError(f"libcompiled has no model {model!r} of {len(tensors)} tensors")
        steps += count
    return run


def _repeat(step):
    def run(count):
        for _ in range(count):
            step()
    return run


def round_robin(runs, reps, warmup, inner):
    """Times `runs` (name: run(count), which performs `count` steps): warm-up,
    then `reps` rounds of one timed run of `inner` steps each, rotating
    which goes first, each starting SETTLE_S after the previous one ended.
    Returns {name: {median_ns, samples_ns, page_faults_per_step}}, per step.

    Page faults per step are counted beside the times: a system that
    allocates temporaries pays for faulting them in, at a price that varies
    with the machine's memory (docs/benchmarks.md)."""
    samples = {name: [] for name in runs}
    faults = {name: [] for name in runs}
    for run in runs.values():
        run(warmup * inner)
    names = list(runs)
    for r in range(reps):
        for j in range(len(names)):
            name = names[(r + j) % len(names)]
            time.sleep(SETTLE_S)
            faulted = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
            start = time.perf_counter_ns()
            runs[name](inner)
            samples[name].append((time.perf_counter_ns() - start) / inner)
            faults[name].append(
                (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faulted) / inner)
    return {name: {"median_ns": statistics.median(xs), "samples_ns": xs,
                   "page_faults_per_step": statistics.median(faults[name])}
            for name, xs in samples.items()}


def run_peers(dtype, sizes, threads, reps, warmup, inner, probe_lib, threshold,
              compiled_lib=None, model=None):
    """Times every peer on one configuration, beside the probe and, given
    `compiled_lib`, the compiled step (`model`: the parameter set `sizes`
    are the tensors of, None for one tensor); returns {name: result}."""
    tensors = _arrays(np.float32 if dtype == "f32" else np.float64, sizes)
    steps, results = {}, {}
    steps["numpy"] = NumpyAdamW(tensors).step
    try:
        import torch
    except ImportError:
        torch = None
        for name in ("torch_foreach", "torch_fused"):
            results[name] = {"absent": "torch is not importable"}
    _start_llvm_openmp(probe_lib)
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
    if compiled_lib:
        runs["compiled_peers"] = _compiled(compiled_lib, dtype, tensors, model)
    results.update(round_robin(runs, reps, warmup, inner))
    del steps, tensors
    gc.collect()
    return results
