"""optim_mlir.adamw_step and optim_mlir.lower, with their argument checks.

Every argument is checked before any array is touched, so a call that raises
leaves params, m and v exactly as they were.
"""

import math
import numbers
from collections.abc import Sequence

import ml_dtypes
import numpy as np

from . import _core

# The element types a step takes, by dtype, as the extension names them.
_ELEMENTS = {
    np.dtype(np.float64): "f64",
    np.dtype(np.float32): "f32",
    np.dtype(ml_dtypes.bfloat16): "bf16",
    np.dtype(np.float16): "f16",
}


def _check_array_list(name, arrays):
    if isinstance(arrays, np.ndarray) or not isinstance(arrays, Sequence):
        raise TypeError(
            f"{name} must be a list of numpy arrays, got {type(arrays).__name__}"
        )
    return list(arrays)


def _check_real(name, x):
    # bool is an int subclass; accepting it would hide a misplaced argument.
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(x).__name__}")
    try:
        x = float(x)
    except OverflowError:  # an int beyond float's range
        raise ValueError(f"{name} must be finite, got {x}") from None
    if not math.isfinite(x):
        raise ValueError(f"{name} must be finite, got {x}")
    return x


def check_hyperparameters(lr, beta1, beta2, eps, weight_decay):
    """Returns the hyperparameters as floats; raises on a bad one."""
    lr = _check_real("lr", lr)
    beta1 = _check_real("beta1", beta1)
    beta2 = _check_real("beta2", beta2)
    eps = _check_real("eps", eps)
    weight_decay = _check_real("weight_decay", weight_decay)
    if lr < 0:
        raise ValueError(f"lr must be >= 0, got {lr}")
    for name, beta in (("beta1", beta1), ("beta2", beta2)):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"{name} must be in [0, 1), got {beta}")
    if eps < 0:
        raise ValueError(f"eps must be >= 0, got {eps}")
    if weight_decay < 0:
        raise ValueError(f"weight_decay must be >= 0, got {weight_decay}")
    return lr, beta1, beta2, eps, weight_decay


def check_fits_float32(hyperparameters, why):
    """Raises ValueError if a hyperparameter does not fit float32, the
    compute type of a step (`why` says whose): the step would round it to
    infinity and make the parameters inf or nan. hyperparameters: (name,
    value) pairs."""
    with np.errstate(over="ignore"):
        for name, value in hyperparameters:
            if np.isinf(np.float32(value)):
                raise ValueError(
                    f"{name} is {value}, which float32 cannot hold ({why}); expected at "
                    f"most {float(np.finfo(np.float32).max)}"
                )


def check_fits_compute_type(params, m, v, hyperparameters, max_v=None):
    """check_fits_float32 for the first tensor whose step computes in float32
    (none of its param, m, v and max_v is float64), if any."""
    for i, arrays in enumerate(zip(params, m, v, *([max_v] if max_v else []))):
        if any(a.dtype == np.float64 for a in arrays):
            continue
        check_fits_float32(hyperparameters, f"params[{i}] steps in float32")
        return  # every float32 tensor has the same verdict


def check_step(t):
    """Returns t as an int; raises unless it is an integer >= 1."""
    if isinstance(t, bool) or not isinstance(t, numbers.Integral):
        raise TypeError(f"t must be an integer, got {type(t).__name__}")
    t = int(t)
    if t < 1:
        raise ValueError(f"t must be >= 1 (the step count is 1-indexed), got {t}")
    if t >= 2**63:
        raise ValueError(f"t must fit in 64 bits, got {t}")
    return t


def check_tensor(i, arrays, codes=()):
    """Checks the arrays of tensor i, given as {"params": p, "grads": g, ...}.

    Every array must be a float64, float32, bfloat16 or float16 numpy array
    (uint8 8-bit codes for the names in `codes`), C-contiguous and aligned,
    with the shape of the first (each its own dtype); all but "grads" must be
    writeable. Messages name each array as name[i].
    """
    first_name, first = next(iter(arrays.items()))
    for name, a in arrays.items():
        if not isinstance(a, np.ndarray):
            raise TypeError(f"{name}[{i}] must be a numpy.ndarray, got {type(a).__name__}")
        if isinstance(a, np.ma.MaskedArray):
            raise TypeError(
                f"{name}[{i}] is a masked array; the step would ignore its mask and "
                f"update every element: pass a plain numpy.ndarray"
            )
        if name in codes and a.dtype != np.uint8:
            raise TypeError(
                f"{name}[{i}] has dtype {a.dtype}; 8-bit states are uint8 codes")
        if a.dtype not in _ELEMENTS and name not in codes:
            raise TypeError(
                f"{name}[{i}] has dtype {a.dtype}; expected float64, float32, bfloat16 "
                f"(ml_dtypes) or float16 in native byte order"
            )
        if a.shape != first.shape:
            raise ValueError(
                f"{name}[{i}] has shape {a.shape} but {first_name}[{i}] has shape {first.shape}"
            )
        # Refuse rather than copy: a copy of params, m or v would silently drop
        # the in-place update. grads are only read, but one rule for all four
        # keeps the contract simple.
        if not (a.flags.c_contiguous and a.flags.aligned):
            raise ValueError(
                f"{name}[{i}] is not a C-contiguous, aligned array; it is used through "
                f"its own buffer, so pass a contiguous one (np.ascontiguousarray) and "
                f"keep that reference"
            )
        if name != "grads" and not a.flags.writeable:
            raise ValueError(f"{name}[{i}] is read-only; it is updated in place")


def check_disjoint(written, read):
    """Raises ValueError if an array of `written` shares memory with any other.

    written, read: (name, array) pairs of C-contiguous arrays. The kernel
    updates the written arrays in place while it reads the others, so they
    must not overlap; read arrays may overlap one another.
    """
    check_disjoint_spans(
        (a.__array_interface__["data"][0], a.nbytes, is_written, name)
        for is_written, arrays in ((True, written), (False, read))
        for name, a in arrays
    )


def check_disjoint_spans(spans):
    """check_disjoint on (address, nbytes, is_written, name) spans: a sweep
    over the spans sorted by address finds any overlap in O(n log n)."""
    # The span reaching furthest so far, among written and among read ones.
    furthest = {True: (0, None), False: (0, None)}
    for start, size, is_written, name in sorted(s for s in spans if s[1]):
        for other_written in (True, False) if is_written else (True,):
            end, other = furthest[other_written]
            if start < end:
                first, second = (other, name) if other_written else (name, other)
                raise ValueError(
                    f"{first} and {second} share memory; params, m and v are updated "
                    f"in place and must not overlap each other or any gradient"
                )
        if start + size > furthest[is_written][0]:
            furthest[is_written] = (start + size, name)


def check_tensors(params, grads, m, v, param_copies=None, max_v=None, absmax=None,
                  block_size=256):
    """Checks the four array lists (and amsgrad's max_v, the parameters'
    copies and, for 8-bit m and v, their absmax lists (absmax: m_absmax,
    v_absmax and max_v_absmax, the last None unless max_v is 8-bit too), if
    given) against each other; returns params, grads, m, v, copies, max_v,
    m_absmax, v_absmax and max_v_absmax as lists, the optional ones None if
    absent."""
    given = (("params", params), ("grads", grads), ("m", m), ("v", v))
    given += (("max_v", max_v),) if max_v is not None else ()
    if absmax is not None:
        block_size = check_block_size(block_size)
        given += (("m_absmax", absmax[0]), ("v_absmax", absmax[1]))
        given += (("max_v_absmax", absmax[2]),) if absmax[2] is not None else ()
    lists = {name: _check_array_list(name, arrays) for name, arrays in given}
    n = len(lists["params"])
    for name, arrays in lists.items():
        if len(arrays) != n:
            raise ValueError(f"{name} has {len(arrays)} arrays but params has {n}")
    codes = ("m", "v") if absmax is not None else ()
    codes += ("max_v",) if "max_v_absmax" in lists else ()
    for i in range(n):
        check_tensor(i, {name: arrays[i] for name, arrays in lists.items()
                         if not name.endswith("_absmax")}, codes)
        if absmax is not None:
            check_absmax(i, lists, block_size)
    if param_copies is not None:
        lists["param_copies"] = check_copies(lists["params"], param_copies)
    check_disjoint(
        [(f"{name}[{i}]", a) for name, arrays in lists.items() if name != "grads"
         for i, a in enumerate(arrays)],
        [(f"grads[{i}]", a) for i, a in enumerate(lists["grads"])],
    )
    return (lists["params"], lists["grads"], lists["m"], lists["v"],
            lists.get("param_copies"), lists.get("max_v"), lists.get("m_absmax"),
            lists.get("v_absmax"), lists.get("max_v_absmax"))


def check_block_size(block_size):
    """Returns block_size; raises unless it is an int multiple of 16 from 16
    to 4096 (what the op takes)."""
    if isinstance(block_size, bool) or not isinstance(block_size, numbers.Integral):
        raise TypeError(f"block_size must be an int, got {type(block_size).__name__}")
    if not (16 <= block_size <= 4096 and block_size % 16 == 0):
        raise ValueError(f"block_size must be a multiple of 16 from 16 to 4096, got {block_size}")
    return int(block_size)


def check_absmax(i, lists, block_size):
    """Checks tensor i's 8-bit states: m_absmax[i] and v_absmax[i] (and
    max_v_absmax[i]) are writeable, C-contiguous 1-D float32 arrays of one
    element per block, and the step computes in float32 (no float64 param or
    max_v)."""
    size, blocks = lists["params"][i].size, -(-lists["params"][i].size // block_size)
    for name in ("m_absmax", "v_absmax", "max_v_absmax"):
        if name not in lists:
            continue
        a = lists[name][i]
        if not isinstance(a, np.ndarray) or a.dtype != np.float32 or a.shape != (blocks,):
            raise ValueError(
                f"{name}[{i}] must be a float32 array of shape ({blocks},): one absmax per "
                f"block of {block_size} of the {size} elements")
        if not (a.flags.c_contiguous and a.flags.aligned and a.flags.writeable):
            raise ValueError(f"{name}[{i}] must be a writeable, C-contiguous array")
    for name in ("params", "max_v"):
        if name in lists and lists[name][i].dtype == np.float64:
            raise TypeError(
                f"{name}[{i}] is float64; with 8-bit m and v the step computes in "
                f"float32, so params and max_v are float32, bfloat16 or float16")


def check_flag(name, value):
    """Returns value; raises unless it is a bool."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool, got {type(value).__name__}")
    return value


def check_rounding_options(rounding, seed):
    """Returns the seed as an int, for a checked rounding; raises on a bad
    one."""
    if rounding not in ("nearest", "stochastic"):
        raise ValueError(f"rounding must be 'nearest' or 'stochastic', got {rounding!r}")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be an integer, got {type(seed).__name__}")
    seed = int(seed)
    if not 0 <= seed < 2**64:
        raise ValueError(f"seed must be in [0, 2**64), got {seed}")
    return seed


def check_stochastic_targets(targets):
    """Raises unless stochastic rounding can serve a tensor whose new
    parameter is written into `targets`, (name, array) pairs: one of them
    must be bfloat16 or float16."""
    if not any(a.dtype.itemsize == 2 for _, a in targets):
        raise ValueError(
            f"rounding='stochastic' needs a bfloat16 or float16 "
            f"{' or '.join(n for n, _ in targets)} to round; they are "
            f"{' and '.join(str(a.dtype) for _, a in targets)}")


def check_copies(params, copies):
    """Returns param_copies as a list of arrays, one per parameter, each
    bfloat16 or float16 of its parameter's shape, C-contiguous, writeable."""
    copies = _check_array_list("param_copies", copies)
    if len(copies) != len(params):
        raise ValueError(
            f"param_copies has {len(copies)} arrays but params has {len(params)}")
    for i, (p, c) in enumerate(zip(params, copies)):
        check_tensor(i, {"params": p, "param_copies": c})
        if c.dtype not in (np.dtype(ml_dtypes.bfloat16), np.dtype(np.float16)):
            raise TypeError(
                f"param_copies[{i}] has dtype {c.dtype}; expected bfloat16 or float16 "
                f"(a low-precision copy of params[{i}])")
    return copies


def adamw_step(params, grads, m, v, t, lr, beta1, beta2, eps, weight_decay, *,
               max_v=None, maximize=False, decoupled_weight_decay=True,
               param_copies=None, rounding="nearest", seed=0, m_absmax=None,
               v_absmax=None, max_v_absmax=None, block_size=256):
    """Applies one AdamW step (decoupled weight decay), in place.

    For every i, with g = grads[i]::

        m[i] = beta1 * m[i] + (1 - beta1) * g
        v[i] = beta2 * v[i] + (1 - beta2) * g * g
        params[i] -= lr * (m̂ / (sqrt(v̂) + eps) + weight_decay * params[i])

    where m̂ = m[i] / (1 - beta1**t) and v̂ = v[i] / (1 - beta2**t). The
    options of torch.optim.Adam and AdamW change it as torch does: maximize
    negates g; decoupled_weight_decay=False makes the decay L2 (Adam's), g
    += weight_decay * params[i] before the moments and no decay term in the
    update; max_v (amsgrad) keeps max_v[i] = max(max_v[i], v[i]) and uses it
    in v̂ instead of v[i].

    Args:
      params, grads, m, v: lists of numpy arrays. params[i], grads[i], m[i]
        and v[i] have the same shape and each its own dtype among float64,
        float32, ml_dtypes.bfloat16 and float16; different i may have
        different shapes and dtypes. The step computes in float64 when any of
        params[i], m[i] and v[i] is float64, else in float32, and rounds each
        value it writes to its array's dtype (to nearest, ties to even).
        params, m and v must be writeable and must not share memory with each
        other or with any gradient; all four must be C-contiguous.
      t: the step count, an integer >= 1.
      lr: learning rate, >= 0.
      beta1, beta2: moment decay rates in [0, 1).
      eps: added to sqrt(v̂), >= 0.
      weight_decay: decoupled decay coefficient, >= 0 (0 is plain Adam).

      max_v: optional list of arrays, one per parameter and of its shape,
        each of its own dtype (float64 makes the step compute in float64):
        amsgrad's running maximum of v, updated in place.
      maximize: maximise the objective: the gradients are negated.
      decoupled_weight_decay: True (AdamW, default) or False (L2, Adam).

      param_copies: optional list of bfloat16 or float16 arrays, one per
        parameter and of its shape: the step also writes each new parameter,
        rounded, into its copy (an f32 master and the low-precision weights
        a model computes with, updated in one pass).
      rounding: "nearest" (default) or "stochastic": how the new parameter is
        rounded where it is written as bfloat16 or float16 (params or
        param_copies); m and v always round to nearest.
      seed: with stochastic rounding, an integer in [0, 2**64): the random
        bits are a function of (seed, t, element index), so a step is
        reproducible and the same for any thread count or vector width.

      m_absmax, v_absmax: for 8-bit states, lists of float32 arrays: m[i]
        and v[i] are then uint8 arrays of bitsandbytes' blockwise codes
        (signed dynamic map for m, unsigned for v), and m_absmax[i] and
        v_absmax[i] hold one scale per block of block_size elements of the
        flattened tensor (ceil(size / block_size) elements). A zero state is
        m = 127 (the signed map's 0), v = 0 and absmax 0. The step computes
        in float32 and rounds to nearest.
      max_v_absmax: with 8-bit m and v, optionally a list of float32 arrays
        that makes max_v 8-bit too: uint8 codes of the unsigned map.
      block_size: elements per block of 8-bit states, a multiple of 16 from
        16 to 4096 (default 256, as bitsandbytes' optimizers).

    Returns None; params, m, v (and param_copies) are updated through their
    own buffers.

    Raises TypeError or ValueError, naming the argument, before touching any
    array. The first call for a tuple of dtypes and a set of betas, eps and
    weight_decay JIT-compiles a step; later calls, whatever the shapes, t and
    lr, reuse it.
    """
    quantized = m_absmax is not None or v_absmax is not None
    if quantized and (m_absmax is None or v_absmax is None):
        raise ValueError("8-bit states need both m_absmax and v_absmax")
    if max_v_absmax is not None and (not quantized or max_v is None):
        raise ValueError("max_v_absmax needs max_v and 8-bit m and v (m_absmax, v_absmax)")
    if quantized and rounding != "nearest":
        raise ValueError("with 8-bit states, rounding must be 'nearest'")
    params, grads, m, v, copies, max_v, m_absmax, v_absmax, max_v_absmax = check_tensors(
        params, grads, m, v, param_copies, max_v,
        (m_absmax, v_absmax, max_v_absmax) if quantized else None, block_size)
    t = check_step(t)
    lr, beta1, beta2, eps, weight_decay = check_hyperparameters(
        lr, beta1, beta2, eps, weight_decay
    )
    maximize = check_flag("maximize", maximize)
    l2 = not check_flag("decoupled_weight_decay", decoupled_weight_decay)
    check_fits_compute_type(
        params, m, v, (("lr", lr), ("eps", eps), ("weight_decay", weight_decay)), max_v
    )
    seed = check_rounding_options(rounding, seed)
    if rounding == "stochastic":
        for i, p in enumerate(params):
            check_stochastic_targets(
                [(f"params[{i}]", p)] + ([(f"param_copies[{i}]", copies[i])] if copies else []))
    if params:
        core_step(params, grads, m, v, t, (lr, beta1, beta2, eps, weight_decay), copies,
                  [seed] * len(params) if rounding == "stochastic" else None,
                  max_v=max_v, maximize=maximize, l2=l2, m_absmax=m_absmax,
                  v_absmax=v_absmax, max_v_absmax=max_v_absmax, block_size=block_size)


def core_step(params, grads, m, v, t, hyperparameters, copies=None, seeds=None, *,
              max_v=None, maximize=False, l2=False, m_absmax=None, v_absmax=None,
              max_v_absmax=None,
              block_size=256):
    """Calls the extension on checked arrays: each tensor's element types by
    name, and 2-byte floats, which numpy cannot hand over as such, as uint16
    views of their bits. seeds: None (round to nearest), or one integer in
    [0, 2**64) per tensor (round stochastically). m_absmax and v_absmax: with
    uint8 (8-bit) m and v, their float32 absmax arrays, one per tensor;
    max_v_absmax, likewise for an 8-bit max_v."""
    def bits(a):
        return a.view(np.uint16) if a.dtype.itemsize == 2 else a

    copies, max_v = copies or [], max_v or []
    name = lambda a: "u8" if a.dtype == np.uint8 else _ELEMENTS[a.dtype]
    optional = lambda arrays, i: (name(arrays[i]),) if arrays else ("",)
    elements = [tuple(map(name, arrays)) + optional(max_v, i)
                + optional(copies, i)
                for i, arrays in enumerate(zip(params, grads, m, v))]
    seeds = [s - 2**64 if s >= 2**63 else s for s in seeds or []]
    _core.adamw_step([bits(a) for a in params], [bits(a) for a in grads],
                     [bits(a) for a in m], [bits(a) for a in v],
                     [bits(a) for a in max_v], [bits(a) for a in copies],
                     m_absmax or [], v_absmax or [], max_v_absmax or [], elements, t,
                     *hyperparameters, maximize, l2, seeds, block_size)


def lower(ir_text, pipeline="cpu"):
    """Lowers textual MLIR with a named OptimMLIR pipeline.

    Args:
      ir_text: the module, as text (optim IR in tensor or memref form, or
        anything else the pipeline accepts).
      pipeline: "cpu" (optim-cpu-pipeline: to the LLVM dialect for the host).

    Returns the lowered module as text. Raises ValueError, with MLIR's
    diagnostics in the message, if the text does not parse or verify or the
    pipeline fails, and for an unknown pipeline name.
    """
    if not isinstance(ir_text, str):
        raise TypeError(f"ir_text must be a str, got {type(ir_text).__name__}")
    if not isinstance(pipeline, str):
        raise TypeError(f"pipeline must be a str, got {type(pipeline).__name__}")
    return _core.lower(ir_text, pipeline)


def _compile_count():
    """How many steps have been JIT-compiled in this process."""
    return _core.compile_count()


def _cache_size():
    """How many compiled steps are cached."""
    return _core.cache_size()
