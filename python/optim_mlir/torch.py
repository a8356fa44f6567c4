"""optim_mlir.torch: torch.optim.Adam and AdamW whose step is optim.adamw_step.

    import torch, optim_mlir.torch
    model = torch.nn.Linear(768, 768)
    opt = optim_mlir.torch.AdamW(model.parameters(), lr=1e-3)
    loss = model(torch.randn(8, 768)).square().mean()
    loss.backward()
    opt.step()        # every parameter with a gradient, in place
    opt.zero_grad()

Drop-in subclasses of torch.optim.Optimizer for CPU tensors: the same
arguments, param groups, state keys (``step``, ``exp_avg``, ``exp_avg_sq``,
``max_exp_avg_sq``) and state_dict as torch's, so a state_dict moves between
them and torch's optimizers, and torch's LR schedulers and GradScaler drive
them. The parameters and their states are stepped in place, through their
own memory, by steps JIT-compiled from the optim dialect: one call per param
group, step count and dtypes, which takes the tensors' addresses as a table,
whatever the number of tensors.

Importing this module needs torch; the rest of optim_mlir does not.
"""


import numpy as np
import torch

from . import _core
from ._functional import (check_block_size, check_disjoint_spans, check_fits_float32,
                          check_hyperparameters, check_step)

__all__ = ["Adam", "AdamW", "AdamW8bit"]

# The dtypes a step takes, by the names of their element types.
_ELEMENTS = {torch.float64: "f64", torch.float32: "f32", torch.bfloat16: "bf16",
             torch.float16: "f16"}
# torch's step counts: float32 scalars (float64 with a float64 default dtype).
_STEP_DTYPES = (torch.float32, torch.float64)
# 8-bit moments: uint8 codes, each with a float32 absmax per block, by the
# key of the codes.
_ABSMAX_OF = {"exp_avg": "exp_avg_absmax", "exp_avg_sq": "exp_avg_sq_absmax",
              "max_exp_avg_sq": "max_exp_avg_sq_absmax"}
_ABSMAX = tuple(_ABSMAX_OF.values())
# The state a planned step checks, in the order of its table's columns 2, 3,
# 4, 7, 8, 9 and 10; the amsgrad ones are absent (None) without amsgrad.
_PLAN_KEYS = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq", "step", *_ABSMAX)
_AMSGRAD_KEYS = ("max_exp_avg_sq", _ABSMAX_OF["max_exp_avg_sq"])


def _is_state_tensor(key, t, p, block_size):
    """True if t is what the step takes as state[key] of parameter p: a
    contiguous CPU tensor of p's shape and a float dtype; for 8-bit moments
    (a block_size), uint8 codes of p's shape or their float32 absmax, one per
    block."""
    if not (t.is_cpu and t.is_contiguous()):
        return False
    if key in _ABSMAX:
        return (block_size is not None and t.dtype is torch.float32 and t.dim() == 1
                and t.numel() == -(-p.numel() // block_size))
    if t.dtype is torch.uint8:
        return block_size is not None and key in _ABSMAX_OF and t.shape == p.shape
    return t.shape == p.shape and t.dtype in _ELEMENTS


def _is_steppable(p, g, state, block_size=None):
    """True if p, its gradient g and its state tensors are what the step
    takes: dense, contiguous CPU tensors of a float dtype it knows, all of
    p's shape (or 8-bit moments, with a block_size). The same conditions as
    _Adam._raise_unsteppable, which names the failing one; this is the fast
    test of every step."""
    shape = p.shape
    if not (g.layout is torch.strided and p.dtype in _ELEMENTS and g.dtype in _ELEMENTS
            and p.is_cpu and g.is_cpu and p.is_contiguous() and g.is_contiguous()
            and g.shape == shape):
        return False
    for key, t in state.items():
        if key == "step":
            if not (t.is_cpu and t.numel() == 1 and t.dtype in _STEP_DTYPES):
                return False
        elif not _is_state_tensor(key, t, p, block_size):
            return False
    # Codes come with their absmax, exp_avg's and exp_avg_sq's together (and
    # then maybe max_exp_avg_sq's), and step in float32.
    coded = {key for key in _ABSMAX_OF if key in state and state[key].dtype is torch.uint8}
    if any((key in coded) != (absmax in state) for key, absmax in _ABSMAX_OF.items()):
        return False
    return not coded or ({"exp_avg", "exp_avg_sq"} <= coded and p.dtype is not torch.float64
                         and state.get("max_exp_avg_sq", p).dtype is not torch.float64)


def _steps_in_float32(elements):
    """True if a step of these element types (param, grad, m, v, max_v, copy)
    computes in float32: none of param, m, v and max_v is float64."""
    return "f64" not in elements[:1] + elements[2:5]


def _scaler_scalar(optimizer, name):
    """`optimizer.<name>` (GradScaler's grad_scale or found_inf) as a float32
    CPU tensor of one element, or None."""
    value = getattr(optimizer, name, None)
    if value is None:
        return None
    if not (isinstance(value, torch.Tensor) and value.numel() == 1 and value.is_cpu
            and value.is_floating_point() and not value.is_complex()):
        raise ValueError(f"{type(optimizer).__name__}: {name} must be a floating-point "
                         f"CPU tensor of one element, as GradScaler sets it; got {value!r}")
    return value.detach().to(torch.float32).contiguous()


class _Plan:
    """A param group's last step, where it was uniform: every parameter had a
    gradient, and state of one step count, dtypes and float32 counters. The
    group's next step reuses its table and checks only what can change
    between steps (see _Adam._planned_table)."""

    __slots__ = ("params", "entries", "nbytes", "starts", "dtypes",
                 "elements", "count", "table")

    def __init__(self, params, entries, elements, count, table):
        self.params = params  # the group's parameters, in order
        # Per parameter: (state, exp_avg, exp_avg_sq, max_exp_avg_sq or None,
        # step, then the absmax of each 8-bit moment or None), the state's
        # tensors in the table, which the plan keeps alive.
        self.entries = entries
        self.nbytes = [p.numel() * p.element_size() for p in params]
        self.starts = table[:, 0].copy()  # the addresses checked for overlaps
        self.dtypes = (params[0].dtype, params[0].grad.dtype)  # of every p and grad
        self.elements = elements
        self.count = count  # what the step counters hold
        self.table = table  # adamw_step_table's rows


class _Adam(torch.optim.Optimizer):
    """torch's Adam and AdamW, with optim.adamw_step as the step."""

    # GradScaler hands the scale and the found-inf flag to the step
    # (self.grad_scale, self.found_inf) instead of unscaling the gradients
    # itself, as it does for torch's fused optimizers.
    _step_supports_amp_scaling = True

    def __init__(self, params, lr, betas, eps, weight_decay, amsgrad, *, maximize,
                 decoupled_weight_decay, foreach, capturable, differentiable, fused,
                 block_size=None, min_8bit_size=None):
        name = type(self).__name__
        lr_value = float(lr) if isinstance(lr, torch.Tensor) and lr.numel() == 1 else lr
        try:
            check_hyperparameters(lr_value, *betas, eps, weight_decay)
        except (TypeError, ValueError) as err:
            raise type(err)(f"{name}: {err}") from None
        for key, value in (("amsgrad", amsgrad), ("maximize", maximize),
                           ("decoupled_weight_decay", decoupled_weight_decay)):
            if not isinstance(value, bool):
                raise TypeError(f"{name}: {key} must be a bool, got {type(value).__name__}")
        # How torch computes the step; this one has its own.
        for key, value in (("foreach", foreach), ("fused", fused)):
            if value:
                raise ValueError(f"{name}: {key}={value!r}; the step is already one "
                                 f"compiled loop per tensor: leave {key} None")
        for key, value in (("capturable", capturable), ("differentiable", differentiable)):
            if value:
                raise ValueError(f"{name}: {key}=True is not supported")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        if block_size is not None:
            try:
                defaults["block_size"] = check_block_size(block_size)
            except (TypeError, ValueError) as err:
                raise type(err)(f"{name}: {err}") from None
            if isinstance(min_8bit_size, bool) or not isinstance(min_8bit_size, int) \
                    or min_8bit_size < 0:
                raise ValueError(f"{name}: min_8bit_size must be an int >= 0, got "
                                 f"{min_8bit_size!r}")
            defaults["min_8bit_size"] = min_8bit_size
        super().__init__(params, defaults)

    def _raise_unsteppable(self, group, where):
        """Raises the error that names the first parameter of `group` (with a
        gradient) that _is_steppable refused, with its gradient or state."""
        for j, p in enumerate(group["params"]):
            if p.grad is None:
                continue
            name = f"{where}['params'][{j}]"
            if p.grad.layout is not torch.strided:
                raise RuntimeError(f"{type(self).__name__} does not support sparse "
                                   f"gradients ({name}), please consider SparseAdam instead")
            if p.is_complex() or p.grad.is_complex():
                raise RuntimeError(f"{name} is complex; {type(self).__name__} steps "
                                   f"real tensors only (view it with torch.view_as_real)")
            if p.device.type != "cpu" or p.grad.device.type != "cpu":
                raise RuntimeError(f"{name} is on {p.device}, its gradient on "
                                   f"{p.grad.device}; expected CPU tensors")
            for what, t in (("", p), (".grad", p.grad)):
                if t.dtype not in _ELEMENTS:
                    raise TypeError(f"{name}{what} has dtype {t.dtype}; expected "
                                    f"float64, float32, bfloat16 or float16")
                if not t.is_contiguous():
                    raise ValueError(f"{name}{what} is not contiguous; the step updates "
                                     f"parameters in place through their memory")
            if p.grad.shape != p.shape:
                raise ValueError(f"{name}.grad has shape {tuple(p.grad.shape)} but the "
                                 f"parameter has shape {tuple(p.shape)}")
            step = self.state.get(p, {}).get("step")
            if step is not None and not (step.is_cpu and step.numel() == 1
                                         and step.dtype in _STEP_DTYPES):
                raise ValueError(f"state[{name}]['step'] is a {step.dtype} tensor of shape "
                                 f"{tuple(step.shape)} on {step.device}; expected a float32 "
                                 f"or float64 scalar on the CPU")
            block_size = group.get("block_size")
            for key, t in self.state.get(p, {}).items():
                if key != "step" and not _is_state_tensor(key, t, p, block_size):
                    raise ValueError(f"state[{name}][{key!r}] is a {t.dtype} tensor of "
                                     f"shape {tuple(t.shape)} on {t.device}; expected a "
                                     f"contiguous CPU float tensor of the parameter's "
                                     f"shape" + (", or 8-bit codes (uint8) of it with a "
                                     f"float32 absmax per block" if block_size else ""))
            if not _is_steppable(p, p.grad, self.state.get(p, {}), block_size):
                raise ValueError(f"state[{name}] has 8-bit codes without their pair or "
                                 f"absmax, or with a float64 parameter or max_exp_avg_sq")
        raise ValueError(f"{where} has a parameter, gradient or state the step cannot take")

    def _check_disjoint(self, gi, where, params, spans=None):
        """Raises if two of `params` (group gi's, to be stepped, whose
        (address, bytes) are `spans` if known) share memory; checked again
        only when their memory changes."""
        if spans is None:
            spans = [(p.data_ptr(), p.numel() * p.element_size()) for p in params]
        checked = self.__dict__.setdefault("_disjoint_spans", {})
        if checked.get(gi) != spans:
            index = {id(p): j for j, p in enumerate(self.param_groups[gi]["params"])}
            check_disjoint_spans((start, size, True, f"{where}['params'][{index[id(p)]}]")
                                 for (start, size), p in zip(spans, params))
            checked[gi] = spans

    def _planned_table(self, gi, group):
        """The table of group gi's step from its plan, refreshed, or None when
        anything changed that the plan assumes: the parameters (their dtype,
        size, device, contiguity), the state's tensors, storage or counts,
        amsgrad, or a gradient (missing, sparse, or not contiguous). A
        parameter's storage may move: its address is read again. torch checks
        a gradient's shape, dtype and device against its parameter's when it
        is set."""
        plan = self.__dict__.get("_plans", {}).get(gi)
        if plan is None or bool(plan.elements[4]) != group["amsgrad"]:
            return None
        # Every parameter, gradient and state tensor, in C++: at about 20
        # attribute reads and calls per tensor, Python bytecode would cost
        # microseconds per tensor.
        table = plan.table
        p_dtype, g_dtype = plan.dtypes
        if not _core.refresh_plan(group["params"], plan.params, plan.entries, _PLAN_KEYS,
                                  p_dtype, p_dtype.itemsize, g_dtype, torch.strided, table):
            return None
        if not _core.step_counts_equal(table, plan.count):
            return None
        return table

    def _hyperparameters(self, group, where):
        lr = group["lr"]
        if isinstance(lr, torch.Tensor):
            lr = float(lr)
        beta1, beta2 = (float(b) for b in group["betas"])
        try:
            return check_hyperparameters(lr, beta1, beta2, group["eps"],
                                         group["weight_decay"])
        except (TypeError, ValueError) as err:
            raise type(err)(f"{where}: {err}") from None

    @torch.no_grad()
    def step(self, closure=None):
        """Performs a single optimization step: one compiled call per param
        group, step count and dtypes, given the tensors' addresses. Returns the
        loss of `closure`, if given."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()

        # Set by GradScaler.step; the step divides the gradients by the
        # scale and, where found_inf is nonzero, changes nothing.
        grad_scale, found_inf = (_scaler_scalar(self, name)
                                 for name in ("grad_scale", "found_inf"))
        skipped = found_inf is not None and float(found_inf) != 0
        # A group whose last step was uniform steps again from its plan, which
        # holds while no parameter's state was replaced (load_state_dict
        # replaces them all).
        plans = self.__dict__.setdefault("_plans", {})
        if list(map(id, self.state.values())) != self.__dict__.get("_state_ids"):
            plans.clear()

        # Check everything before anything changes. Each call steps the
        # tensors of one group, step count and dtypes, given by address.
        calls = {}  # (group index, t, element types): [(p, g, state or None)]
        planned = {}  # group index: the table of its plan
        hypers = []
        for gi, group in enumerate(self.param_groups):
            where = f"param_groups[{gi}]"
            hypers.append(self._hyperparameters(group, where))
            table = self._planned_table(gi, group)
            if table is not None:
                plan = planned[gi] = plans[gi]
                # Parameters that moved are checked for overlaps again.
                if not np.array_equal(table[:, 0], plan.starts):
                    self._check_disjoint(gi, where, plan.params,
                                         list(zip(table[:, 0].tolist(), plan.nbytes)))
                    plan.starts = table[:, 0].copy()
                if _steps_in_float32(plan.elements):
                    self._check_fits_float32(where, hypers[gi])
                continue
            plans.pop(gi, None)
            amsgrad = group["amsgrad"]
            stepping = []
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                state = self.state.get(p)
                if not _is_steppable(p, g, state or {}, group.get("block_size")):
                    self._raise_unsteppable(group, where)
                stepping.append((p, g, state))
            # The step counts, read in one go: a 0-d tensor each.
            steps = [s["step"] for _, _, s in stepping if s and "step" in s]
            counts = torch.stack(steps).view(-1).tolist() if steps else []
            for count in set(counts):
                if count != int(count) or count < 0:
                    raise ValueError(f"{where}: a parameter's state has step {count}; "
                                     f"expected a count of steps taken")
                check_step(int(count) + 1)
            counts = iter(counts)
            for p, g, state in stepping:
                if state and "step" in state:
                    t = int(next(counts)) + 1
                    m, v = state["exp_avg"], state["exp_avg_sq"]
                    # A missing max_exp_avg_sq is made like v, or like p.
                    like = v if v.dtype is torch.uint8 else p
                    max_v = state.get("max_exp_avg_sq", like) if amsgrad else None
                else:
                    t, m, v, max_v = 1, p, p, p  # states to be made like p
                    if self._quantizes(group, p):
                        m = v = max_v = torch.empty(0, dtype=torch.uint8)
                moment = lambda t: "u8" if t.dtype is torch.uint8 else _ELEMENTS[t.dtype]
                elements = (_ELEMENTS[p.dtype], _ELEMENTS[g.dtype], moment(m), moment(v),
                            moment(max_v) if amsgrad else "", "")
                calls.setdefault((gi, t, elements), []).append((p, g, state))
            self._check_disjoint(gi, where, [p for p, _, _ in stepping])
            if any(k[0] == gi and _steps_in_float32(k[2]) for k in calls):
                self._check_fits_float32(where, hypers[gi])

        for gi, plan in planned.items():
            self._step_table(plan.table, plan.elements, plan.count + 1, self.param_groups[gi],
                             hypers[gi], grad_scale, found_inf)
            plan.count += not skipped
        for (gi, t, elements), tensors in calls.items():
            group = self.param_groups[gi]
            amsgrad = group["amsgrad"]
            rows, others = [], []
            for p, g, state in tensors:
                if not state or "step" not in state:
                    state = self.state[p]
                    state["step"] = torch.tensor(0.0, dtype=torch.float32)
                    keys = ("exp_avg", "exp_avg_sq") + (("max_exp_avg_sq",) if amsgrad else ())
                    for key in keys:
                        state[key] = torch.zeros_like(p, memory_format=torch.preserve_format)
                    if elements[2] == "u8":
                        self._init_8bit_state(state, p, group["block_size"])
                elif amsgrad and "max_exp_avg_sq" not in state:
                    state["max_exp_avg_sq"] = torch.zeros_like(p)
                    if elements[4] == "u8":
                        self._init_8bit_state(state, p, group["block_size"])
                step = state["step"]
                if step.dtype is not torch.float32:
                    others.append(step)
                absmax = [state[key].data_ptr() if key in state else 0 for key in _ABSMAX]
                if not amsgrad:
                    absmax[2] = 0
                rows.append((p.data_ptr(), g.data_ptr(), state["exp_avg"].data_ptr(),
                             state["exp_avg_sq"].data_ptr(),
                             state["max_exp_avg_sq"].data_ptr() if amsgrad else 0, 0,
                             p.numel(), 0 if others and others[-1] is step else step.data_ptr(),
                             *absmax))
            table = np.array(rows, np.int64).reshape(-1, 11)
            self._step_table(table, elements, t, group, hypers[gi], grad_scale, found_inf)
            if others:  # as torch's fused steps count: + 1 - found_inf
                torch._foreach_add_(others, 1)
                if found_inf is not None:
                    torch._foreach_sub_(others, [found_inf] * len(others))
            # A uniform group (one call for all its parameters, float32
            # counts) plans its next step on this one.
            params = group["params"]
            if params and len(tensors) == len(params) and not others and \
                    sum(k[0] == gi for k in calls) == 1:
                entries = []
                for p in params:
                    state = self.state[p]
                    entries.append((state, *(None if k in _AMSGRAD_KEYS and not amsgrad
                                             else state.get(k) for k in _PLAN_KEYS)))
                plans[gi] = _Plan(list(params), entries, elements, t - skipped, table)
        self.__dict__["_state_ids"] = list(map(id, self.state.values()))
        return loss

    @staticmethod
    def _quantizes(group, p):
        """True if a new state of p holds 8-bit moments: in a group with a
        block_size, for parameters of min_8bit_size elements or more, which
        step in float32."""
        return ("block_size" in group and p.numel() >= group["min_8bit_size"]
                and p.dtype is not torch.float64)

    @staticmethod
    def _init_8bit_state(state, p, block_size):
        """Makes the float moments of a new state (zeros) 8-bit: the codes of
        0 (127 in the signed map of exp_avg, 0 in the unsigned one of the
        others) and absmax 0."""
        blocks = -(-p.numel() // block_size)
        for key in _ABSMAX_OF:
            if key in state and state[key].dtype is not torch.uint8:
                state[key] = torch.full_like(p, 127 if key == "exp_avg" else 0,
                                             dtype=torch.uint8)
                state[_ABSMAX_OF[key]] = torch.zeros(blocks, dtype=torch.float32)

    @staticmethod
    def _check_fits_float32(where, hypers):
        lr, _, _, eps, weight_decay = hypers
        check_fits_float32(((f"{where}['lr']", lr), (f"{where}['eps']", eps),
                            (f"{where}['weight_decay']", weight_decay)),
                           "a parameter steps in float32")

    @staticmethod
    def _step_table(table, elements, t, group, hypers, grad_scale, found_inf):
        """Steps the tensors of `table` on torch's threads and sets their
        float32 step counts to t, unless found_inf is set."""
        lr, beta1, beta2, eps, weight_decay = hypers
        _core.adamw_step_table(table, elements, t, lr, beta1, beta2, eps, weight_decay,
                               group["maximize"], not group["decoupled_weight_decay"],
                               torch.get_num_threads(),
                               *(0 if x is None else x.data_ptr()
                                 for x in (grad_scale, found_inf)),
                               group.get("block_size", 256))


class Adam(_Adam):
    """torch.optim.Adam (L2 weight decay unless decoupled_weight_decay), on
    CPU tensors, stepped by optim.adamw_step. Arguments and state are
    torch's; ``foreach``, ``fused``, ``capturable`` and ``differentiable``
    must be left off."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=decoupled_weight_decay, foreach=foreach,
                         capturable=capturable, differentiable=differentiable, fused=fused)


class AdamW(_Adam):
    """torch.optim.AdamW (decoupled weight decay), on CPU tensors, stepped by
    optim.adamw_step. Arguments and state are torch's; ``foreach``,
    ``fused``, ``capturable`` and ``differentiable`` must be left off."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, foreach=None, capturable=False,
                 differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True, foreach=foreach,
                         capturable=capturable, differentiable=differentiable, fused=fused)


class AdamW8bit(_Adam):
    """AdamW with 8-bit blockwise moments, in bitsandbytes' format, on CPU
    tensors, stepped by optim.adamw_step in one pass over memory.

    For a parameter of ``min_8bit_size`` elements or more (not float64),
    ``state["exp_avg"]`` and ``state["exp_avg_sq"]`` are uint8 tensors of the
    parameter's shape: indices into bitsandbytes' signed and unsigned dynamic
    maps, scaled per block of ``block_size`` elements of the flattened tensor
    by the float32 tensors ``state["exp_avg_absmax"]`` and
    ``state["exp_avg_sq_absmax"]``, as ``bitsandbytes.optim.AdamW8bit``
    keeps them (``state1``/``absmax1`` there). ``bitsandbytes.functional.
    dequantize_blockwise`` reads them. Smaller parameters keep the moments
    in their own dtype, as torch's AdamW. With amsgrad, ``max_exp_avg_sq``
    is 8-bit too (unsigned map, ``state["max_exp_avg_sq_absmax"]``), as in
    torchao. The other arguments and the rest of the state are
    torch.optim.AdamW's.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, block_size=256, min_8bit_size=4096, maximize=False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True, foreach=None, capturable=False,
                         differentiable=False, fused=None, block_size=block_size,
                         min_8bit_size=min_8bit_size)

    def load_state_dict(self, state_dict):
        # torch casts every loaded state tensor to its parameter's float
        # dtype; the codes stay uint8 and their absmax float32.
        super().load_state_dict(state_dict)
        saved = [p for g in state_dict["param_groups"] for p in g["params"]]
        params = [p for g in self.param_groups for p in g["params"]]
        for key, p in zip(saved, params):
            for name, value in state_dict["state"].get(key, {}).items():
                if isinstance(value, torch.Tensor) and (value.dtype is torch.uint8
                                                        or name in _ABSMAX):
                    self.state[p][name] = value.to(device=p.device, copy=True)
