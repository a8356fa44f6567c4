"""optim_mlir.AdamW: a torch.optim.AdamW-like optimizer over numpy arrays."""

import math
import numbers
from collections.abc import Iterable, Sequence

import numpy as np

from ._functional import (_ELEMENTS, check_block_size, check_disjoint,
                          check_fits_compute_type, check_hyperparameters,
                          check_rounding_options, check_step, check_tensor, core_step)

# splitmix64's increment: tensor i rounds with seed + i * _SEED_GAMMA, so that
# tensors of one shape do not round alike.
_SEED_GAMMA = 0x9E3779B97F4A7C15

_HYPERPARAMETERS = ("lr", "betas", "eps", "weight_decay", "amsgrad", "maximize")
# The arrays of a parameter's state of its shape, and the absmax of 8-bit
# moments (one float32 per block).
_STATE_ARRAYS = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq", "master")
_ABSMAX = {"exp_avg": "exp_avg_absmax", "exp_avg_sq": "exp_avg_sq_absmax",
           "max_exp_avg_sq": "max_exp_avg_sq_absmax"}
# torch's options that change the update, with their values for AdamW; the
# others (foreach, fused, capturable, ...) only choose how torch computes it.
_TORCH_OPTIONS = {"amsgrad": False, "maximize": False, "decoupled_weight_decay": True}


def _group_options(group, where):
    """Returns a param group's (amsgrad, maximize, l2): torch's options, each
    a bool (decoupled_weight_decay=False, torch.optim.Adam's default, makes
    the decay L2)."""
    options = {}
    for key, default in _TORCH_OPTIONS.items():
        value = group.get(key, default)
        if not isinstance(value, bool):
            raise TypeError(f"{where}['{key}'] must be a bool, got {type(value).__name__}")
        options[key] = value
    return options["amsgrad"], options["maximize"], not options["decoupled_weight_decay"]


def _group_hyperparameters(group, where):
    """Checks a param group's hyperparameters and torch options; returns
    (lr, b1, b2, eps, wd)."""
    _group_options(group, where)
    betas = group["betas"]
    if (
        isinstance(betas, (str, bytes))
        or not isinstance(betas, Sequence)
        or len(betas) != 2
    ):
        raise TypeError(f"{where}['betas'] must be a pair (beta1, beta2), got {betas!r}")
    try:
        return check_hyperparameters(
            group["lr"], betas[0], betas[1], group["eps"], group["weight_decay"]
        )
    except (TypeError, ValueError) as e:
        raise type(e)(f"{where}: {e}") from None


class AdamW:
    """AdamW (decoupled weight decay) over lists of numpy arrays, in place.

    Mirrors torch.optim.AdamW, amsgrad and maximize included (and, in a
    group or a loaded state_dict, torch.optim.Adam's L2 decay through
    ``decoupled_weight_decay=False``): params
    is a list of arrays or a list of param-group dicts such as
    ``{"params": [w1, w2], "weight_decay": 0.0}``; keys a group leaves out
    take the constructor's values. ``param_groups`` may be edited between
    steps (e.g. ``group["lr"]`` for a schedule). State (``step``,
    ``exp_avg``, ``exp_avg_sq``, and ``max_exp_avg_sq`` with amsgrad) is
    allocated at a parameter's first step.

    Since numpy arrays carry no ``.grad``, :meth:`step` takes the gradients,
    in the order of the parameters across all groups. ``state`` is keyed by
    that position (as in :meth:`state_dict`), so add parameters with
    :meth:`add_param_group`, which appends, rather than by editing a group's
    ``"params"``.

    Mixed precision: parameters and gradients may be float64, float32,
    ``ml_dtypes.bfloat16`` or float16. ``state_dtype`` (default: each
    parameter's dtype, as torch) is the dtype of ``exp_avg`` and
    ``exp_avg_sq``. With ``master_weights=True`` every bfloat16 or float16
    parameter gets a float32 master (``state[i]["master"]``) that the step
    updates, writing the parameter as its rounded copy in the same pass.
    ``rounding="stochastic"`` rounds the new bfloat16 and float16 parameters
    (or copies) stochastically, tensor i with the seed ``seed + i * 0x9E3779B97F4A7C15``
    (mod 2**64); other tensors round to nearest.

    8-bit moments: with ``state_dtype=numpy.uint8``, a parameter of
    ``min_8bit_size`` elements or more (not float64) keeps ``exp_avg`` and
    ``exp_avg_sq`` as uint8 codes of bitsandbytes' signed and unsigned
    dynamic maps, scaled per block of ``block_size`` elements by the float32
    ``exp_avg_absmax`` and ``exp_avg_sq_absmax`` (see
    :func:`optim_mlir.adamw_step`); smaller ones keep float moments of their
    dtype. 8-bit steps round to nearest.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, state_dtype=None, master_weights=False,
                 rounding="nearest", seed=0, block_size=256, min_8bit_size=4096):
        if state_dtype is not None:
            try:
                dtype = np.dtype(state_dtype)
            except TypeError:
                dtype = None
            if dtype not in _ELEMENTS and dtype != np.uint8:
                raise TypeError(
                    "state_dtype must be None, float64, float32, bfloat16 (ml_dtypes), "
                    f"float16 or uint8 (8-bit moments), got {state_dtype!r}")
            state_dtype = dtype
        self.block_size = check_block_size(block_size)
        if isinstance(min_8bit_size, bool) or not isinstance(min_8bit_size, numbers.Integral) \
                or min_8bit_size < 0:
            raise ValueError(f"min_8bit_size must be an int >= 0, got {min_8bit_size!r}")
        self.min_8bit_size = int(min_8bit_size)
        if state_dtype == np.uint8 and rounding != "nearest":
            raise ValueError("with 8-bit moments (state_dtype uint8), rounding must be "
                             "'nearest'")
        if not isinstance(master_weights, bool):
            raise TypeError(f"master_weights must be a bool, got {type(master_weights).__name__}")
        self.state_dtype = state_dtype
        self.master_weights = master_weights
        self.rounding = rounding
        self.seed = check_rounding_options(rounding, seed)
        self.defaults = {"lr": lr, "betas": tuple(betas) if isinstance(betas, Sequence) else betas,
                         "eps": eps, "weight_decay": weight_decay, "amsgrad": amsgrad,
                         "maximize": maximize}
        _group_hyperparameters(self.defaults, "AdamW")
        if isinstance(params, (np.ndarray, dict)) or not isinstance(params, Iterable):
            raise TypeError(
                "params must be a list of numpy arrays or of param-group dicts, "
                f"got {type(params).__name__}"
            )
        params = list(params)
        if not params:
            raise ValueError("params is an empty list")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        self.param_groups = []
        # Keyed by the parameter's index across all groups, as in torch's
        # state_dict (numpy arrays are not hashable).
        self.state = {}
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group):
        """Appends a param group (a dict with "params" and optional overrides)."""
        where = f"param_groups[{len(self.param_groups)}]"
        if not isinstance(group, dict):
            raise TypeError(f"{where} must be a dict, got {type(group).__name__}")
        if "params" not in group:
            raise ValueError(f"{where} has no 'params'")
        group = dict(group)
        params = group["params"]
        if isinstance(params, np.ndarray):
            params = [params]
        if not isinstance(params, Iterable):
            raise TypeError(f"{where}['params'] must be a list of numpy arrays")
        params = list(params)
        if not params:
            raise ValueError(f"{where}['params'] is empty")
        for i, p in enumerate(params):
            check_tensor(i, {f"{where}['params']": p})
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params) or len({id(p) for p in params}) != len(params):
            raise ValueError(f"{where}: some parameters appear more than once")
        group["params"] = list(params)
        for key in _HYPERPARAMETERS:
            group.setdefault(key, self.defaults[key])
        _group_hyperparameters(group, where)
        self.param_groups.append(group)

    def step(self, grads):
        """Applies one AdamW step to every parameter whose gradient is not None.

        grads: a list with one array (or None, to skip that parameter) per
        parameter, in the order of the parameters across all groups. Every
        argument is checked before any array is touched.
        """
        params = [p for g in self.param_groups for p in g["params"]]
        if isinstance(grads, np.ndarray) or not isinstance(grads, Sequence):
            raise TypeError(f"grads must be a list of numpy arrays, got {type(grads).__name__}")
        if len(grads) != len(params):
            raise ValueError(
                f"grads has {len(grads)} arrays but the optimizer has {len(params)} parameters"
            )

        # Check every gradient, parameter (groups may have been edited) and
        # existing state before anything changes.
        stepping = [i for i, g in enumerate(grads) if g is not None]
        for i in stepping:
            arrays = {"params": params[i], "grads": grads[i]}
            codes = ()
            if i in self.state:
                for key in _STATE_ARRAYS:
                    if key in self.state[i]:
                        arrays[key] = self.state[i][key]
                codes = self._check_8bit_state(i, params[i])
                taken = self.state[i]["step"]
                if isinstance(taken, bool) or not isinstance(taken, numbers.Integral):
                    raise TypeError(
                        f"state[{i}]['step'] must be an integer (the steps taken), "
                        f"got {type(taken).__name__}"
                    )
                if not 0 <= taken < 2**63 - 1:
                    raise ValueError(
                        f"state[{i}]['step'] is {taken}; expected 0 to 2**63 - 2 steps "
                        f"taken, so that the next step count fits in 64 bits"
                    )
            check_tensor(i, arrays, codes)
        check_disjoint(
            [(f"params[{i}]", params[i]) for i in stepping]
            + [(f"state[{i}]['{key}']", self.state[i][key])
               for i in stepping if i in self.state
               for key in _STATE_ARRAYS + tuple(_ABSMAX.values()) if key in self.state[i]],
            [(f"grads[{i}]", grads[i]) for i in stepping],
        )
        hypers = [
            _group_hyperparameters(group, f"param_groups[{gi}]")
            for gi, group in enumerate(self.param_groups)
        ]

        # One kernel call per group and step count: a group's params step
        # together unless some were skipped with a None gradient before.
        # Every step count is checked before anything changes.
        calls = []
        index = 0
        for gi, (group, hyper) in enumerate(zip(self.param_groups, hypers)):
            buckets = {}
            for p in group["params"]:
                if grads[index] is not None:
                    t = self.state[index]["step"] + 1 if index in self.state else 1
                    master = self._has_master(index, p)
                    # Calls round stochastically only where they write bf16
                    # or f16; 8-bit moments step apart from float ones.
                    kind = (t, master, p.dtype.itemsize == 2, self._is_8bit(index, p))
                    buckets.setdefault(kind, []).append(index)
                index += 1
            options = _group_options(group, f"param_groups[{gi}]")
            calls += [(check_step(t), indices, hyper, master, options)
                      for (t, master, _, _), indices in buckets.items()]
            # The compute type depends on the stepped arrays' dtypes.
            group_params = [
                self.state[i]["master"] if i in self.state and "master" in self.state[i]
                else params[i] for indices in buckets.values() for i in indices]
            lr, _, _, eps, weight_decay = hyper
            check_fits_compute_type(
                group_params, group_params, group_params,
                ((f"param_groups[{gi}]['lr']", lr), (f"param_groups[{gi}]['eps']", eps),
                 (f"param_groups[{gi}]['weight_decay']", weight_decay)))

        # Lazily allocate the state of parameters stepping for the first time
        # (and amsgrad's maximum, zero, where amsgrad was turned on later).
        for t, indices, hyper, master, (amsgrad, _, _) in calls:
            for i in indices:
                if i not in self.state:
                    self.state[i] = self._new_state(params[i])
                if amsgrad and "max_exp_avg_sq" not in self.state[i]:
                    self.state[i]["max_exp_avg_sq"] = np.zeros_like(self.state[i]["exp_avg_sq"])
                    if "exp_avg_sq_absmax" in self.state[i]:
                        self.state[i]["max_exp_avg_sq_absmax"] = np.zeros_like(
                            self.state[i]["exp_avg_sq_absmax"])

        for t, indices, hyper, master, (amsgrad, maximize, l2) in calls:
            states = [self.state[i] for i in indices]
            stepped = [s["master"] for s in states] if master else [params[i] for i in indices]
            absmax = {key: [s[key] for s in states] if key in states[0] else None
                      for key in _ABSMAX.values()}
            core_step(
                stepped,
                [grads[i] for i in indices],
                [s["exp_avg"] for s in states],
                [s["exp_avg_sq"] for s in states],
                t, hyper,
                copies=[params[i] for i in indices] if master else None,
                seeds=self._seeds(indices, params) if self.rounding == "stochastic" else None,
                max_v=[s["max_exp_avg_sq"] for s in states] if amsgrad else None,
                maximize=maximize, l2=l2, m_absmax=absmax["exp_avg_absmax"],
                v_absmax=absmax["exp_avg_sq_absmax"],
                max_v_absmax=absmax["max_exp_avg_sq_absmax"] if amsgrad else None,
                block_size=self.block_size)
            for s in states:
                s["step"] = t

    def _wants_master(self, p):
        """Whether this optimizer keeps a float32 master for parameter p."""
        return self.master_weights and p.dtype.itemsize == 2

    def _has_master(self, i, p):
        """Whether parameter i steps through a float32 master."""
        if i in self.state:
            return "master" in self.state[i]
        return self._wants_master(p)

    def _is_8bit(self, i, p):
        """Whether parameter i has (or will have) 8-bit moments."""
        if i in self.state:
            return "exp_avg_absmax" in self.state[i]
        return (self.state_dtype == np.uint8 and p.size >= self.min_8bit_size
                and p.dtype != np.float64)

    def _check_8bit_state(self, i, p):
        """Checks the absmax of parameter i's 8-bit moments, if any; returns
        the names of its moments that hold codes (for check_tensor)."""
        state = self.state[i]
        codes = tuple(key for key, absmax in _ABSMAX.items() if absmax in state)
        if not codes:
            return ()
        blocks = -(-p.size // self.block_size)
        if codes[:2] != ("exp_avg", "exp_avg_sq") or \
                ("max_exp_avg_sq" in state) != ("max_exp_avg_sq" in codes):
            raise ValueError(
                f"state[{i}] has the absmax of {', '.join(codes)}; 8-bit moments are "
                f"exp_avg and exp_avg_sq, and then max_exp_avg_sq, each with its absmax")
        for key in (_ABSMAX[c] for c in codes):
            a = state.get(key)
            if not (isinstance(a, np.ndarray) and a.dtype == np.float32 and a.shape == (blocks,)
                    and a.flags.c_contiguous and a.flags.writeable):
                raise ValueError(
                    f"state[{i}]['{key}'] must be a writeable float32 array of shape "
                    f"({blocks},): one absmax per block of {self.block_size}")
        if p.dtype == np.float64:
            raise TypeError(f"params[{i}] is float64; 8-bit moments step in float32")
        return codes

    def _new_state(self, p):
        if self._is_8bit(None, p):
            blocks = -(-p.size // self.block_size)
            state = {"step": 0, "exp_avg": np.full(p.shape, 127, np.uint8),
                     "exp_avg_sq": np.zeros(p.shape, np.uint8),
                     "exp_avg_absmax": np.zeros(blocks, np.float32),
                     "exp_avg_sq_absmax": np.zeros(blocks, np.float32)}
        else:
            dtype = p.dtype if self.state_dtype in (None, np.uint8) else self.state_dtype
            state = {"step": 0, "exp_avg": np.zeros(p.shape, dtype),
                     "exp_avg_sq": np.zeros(p.shape, dtype)}
        if self._wants_master(p):
            state["master"] = p.astype(np.float32)
        return state

    def _seeds(self, indices, params):
        """One seed per tensor of a call that rounds stochastically; None for
        a call with nothing to round to bfloat16 or float16 (it rounds to
        nearest)."""
        if not any(params[i].dtype.itemsize == 2 for i in indices):
            return None
        return [(self.seed + i * _SEED_GAMMA) % 2**64 for i in indices]

    def state_dict(self):
        """A torch-like snapshot: {"state": {index: {"step", "exp_avg",
        "exp_avg_sq"}}, "param_groups": [{..., "params": [indices]}]}.

        Unlike torch, the arrays are copies, so later steps do not change it.
        """
        groups = []
        index = 0
        for group in self.param_groups:
            saved = {k: v for k, v in group.items() if k != "params"}
            saved["params"] = list(range(index, index + len(group["params"])))
            index += len(group["params"])
            groups.append(saved)
        state = {i: {key: value.copy() if isinstance(value, np.ndarray) else value
                     for key, value in s.items()}
                 for i, s in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restores a state_dict() (this optimizer's or a torch-like one).

        Parameters are matched by position; the saved hyperparameters and
        torch options (amsgrad, maximize, decoupled_weight_decay) replace the
        groups' ones. Everything is checked before anything changes.
        """
        if not isinstance(state_dict, dict) or not {"state", "param_groups"} <= state_dict.keys():
            raise TypeError("state_dict must be a dict with 'state' and 'param_groups'")
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"state_dict has {len(saved_groups)} param groups but the optimizer "
                f"has {len(self.param_groups)}"
            )
        # Saved parameter id -> the current parameter and its index.
        by_id = {}
        index = 0
        new_groups = []
        for gi, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    f"state_dict param_groups[{gi}] has {len(saved['params'])} "
                    f"params but the optimizer's has {len(group['params'])}"
                )
            for saved_id, p in zip(saved["params"], group["params"]):
                by_id[saved_id] = (index, p)
                index += 1
            new_group = dict(group)
            new_group.update({k: v for k, v in saved.items() if k != "params"})
            if isinstance(new_group["betas"], list):
                new_group["betas"] = tuple(new_group["betas"])
            _group_hyperparameters(new_group, f"state_dict param_groups[{gi}]")
            new_groups.append(new_group)

        new_state = {}
        for saved_id, s in state_dict["state"].items():
            if saved_id not in by_id:
                raise ValueError(f"state_dict state has an unknown parameter {saved_id!r}")
            index, p = by_id[saved_id]
            missing = [key for key in ("step", "exp_avg", "exp_avg_sq") if key not in s]
            if missing:
                raise ValueError(
                    f"state_dict state[{saved_id!r}] has no {', '.join(map(repr, missing))}; "
                    f"expected 'step', 'exp_avg' and 'exp_avg_sq'"
                )
            step = s["step"]
            # torch stores the step as a 0-d float tensor; accept any whole
            # number from which another step still fits in 64 bits.
            step = step.item() if hasattr(step, "item") else step
            if (isinstance(step, bool) or not isinstance(step, numbers.Real)
                    or not math.isfinite(step) or step != int(step)
                    or not 0 <= step < 2**63 - 1):
                raise ValueError(
                    f"state_dict state[{saved_id!r}]['step'] is {step!r}; expected a "
                    f"whole number from 0 to 2**63 - 2"
                )
            entry = {"step": int(step)}
            # The moments in the state dtype; a master in float32 (one this
            # optimizer would keep and the dict lacks starts from the
            # parameter).
            floats = p.dtype if self.state_dtype in (None, np.uint8) else self.state_dtype
            coded = [key for key, absmax in _ABSMAX.items() if absmax in s]
            quantized = bool(coded)
            dtypes = {key: np.dtype(np.uint8) if key in coded else floats
                      for key in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")
                      if key in s or key != "max_exp_avg_sq"}
            if "master" in s:
                dtypes["master"] = np.dtype(np.float32)
            elif self._wants_master(p):
                entry["master"] = p.astype(np.float32)
            for key, dtype in dtypes.items():
                if isinstance(s[key], np.ma.MaskedArray):
                    raise TypeError(
                        f"state_dict state[{saved_id!r}]['{key}'] is a masked array; "
                        f"expected every element's value"
                    )
                x = np.asarray(s[key])
                if np.iscomplexobj(x):
                    raise TypeError(
                        f"state_dict state[{saved_id!r}]['{key}'] is complex ({x.dtype}); "
                        f"its parameter is {p.dtype}"
                    )
                if x.dtype.kind not in "biuf" and x.dtype not in _ELEMENTS:
                    raise TypeError(
                        f"state_dict state[{saved_id!r}]['{key}'] has dtype {x.dtype}; "
                        f"expected real numbers (its parameter is {p.dtype})"
                    )
                x = np.array(x, dtype=dtype, order="C", copy=True)
                if x.shape != p.shape:
                    raise ValueError(
                        f"state_dict state[{saved_id!r}]['{key}'] has shape {x.shape} "
                        f"but its parameter has shape {p.shape}"
                    )
                entry[key] = x
            if quantized:
                blocks = -(-p.size // self.block_size)
                for key in (_ABSMAX[c] for c in coded):
                    x = np.array(s[key], dtype=np.float32, order="C", copy=True)
                    if x.shape != (blocks,):
                        raise ValueError(
                            f"state_dict state[{saved_id!r}]['{key}'] has shape {x.shape}; "
                            f"expected ({blocks},), one absmax per block of {self.block_size}")
                    entry[key] = x
            new_state[index] = entry

        self.param_groups[:] = new_groups
        self.state = new_state
