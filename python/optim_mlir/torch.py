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
group and step count, whatever the number of tensors.

Importing this module needs torch; the rest of optim_mlir does not.
"""

import ml_dtypes
import numpy as np
import torch

from ._functional import (check_disjoint, check_fits_compute_type,
                          check_hyperparameters, check_step, core_step)

__all__ = ["Adam", "AdamW"]

_NUMPY_VIEWS = {
    torch.float64: lambda t: t.numpy(),
    torch.float32: lambda t: t.numpy(),
    torch.float16: lambda t: t.numpy(),
    torch.bfloat16: lambda t: t.view(torch.int16).numpy().view(ml_dtypes.bfloat16),
}


def _numpy(t):
    """A numpy array over the memory of the contiguous CPU tensor t."""
    return _NUMPY_VIEWS[t.dtype](t.detach())


class _Adam(torch.optim.Optimizer):
    """torch's Adam and AdamW, with optim.adamw_step as the step."""

    # GradScaler hands the scale and the found-inf flag to the step
    # (self.grad_scale, self.found_inf) instead of unscaling the gradients
    # itself, as it does for torch's fused optimizers.
    _step_supports_amp_scaling = True

    def __init__(self, params, lr, betas, eps, weight_decay, amsgrad, *, maximize,
                 decoupled_weight_decay, foreach, capturable, differentiable, fused):
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
        super().__init__(params, defaults)

    def _stepping(self, group, where):
        """The parameters of `group` that have a gradient, checked with their
        gradients and states; raises before anything changes."""
        stepping = []
        for j, p in enumerate(group["params"]):
            if p.grad is None:
                continue
            name = f"{where}['params'][{j}]"
            if p.grad.is_sparse:
                raise RuntimeError(f"{type(self).__name__} does not support sparse "
                                   f"gradients ({name}), please consider SparseAdam instead")
            if p.is_complex() or p.grad.is_complex():
                raise RuntimeError(f"{name} is complex; {type(self).__name__} steps "
                                   f"real tensors only (view it with torch.view_as_real)")
            if p.device.type != "cpu" or p.grad.device.type != "cpu":
                raise RuntimeError(f"{name} is on {p.device}, its gradient on "
                                   f"{p.grad.device}; expected CPU tensors")
            for what, t in (("", p), (".grad", p.grad)):
                if t.dtype not in _NUMPY_VIEWS:
                    raise TypeError(f"{name}{what} has dtype {t.dtype}; expected "
                                    f"float64, float32, bfloat16 or float16")
                if not t.is_contiguous():
                    raise ValueError(f"{name}{what} is not contiguous; the step updates "
                                     f"parameters in place through their memory")
            if p.grad.shape != p.shape:
                raise ValueError(f"{name}.grad has shape {tuple(p.grad.shape)} but the "
                                 f"parameter has shape {tuple(p.shape)}")
            for key, t in self.state.get(p, {}).items():
                if key != "step" and (t.shape != p.shape or t.dtype not in _NUMPY_VIEWS
                                      or not t.is_contiguous() or t.device != p.device):
                    raise ValueError(f"state[{name}][{key!r}] is a {t.dtype} tensor of "
                                     f"shape {tuple(t.shape)} on {t.device}; expected a "
                                     f"contiguous float tensor of the parameter's shape "
                                     f"on {p.device}")
            stepping.append(p)
        return stepping

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
        """Performs a single optimization step (one call per param group and
        step count). Returns the loss of `closure`, if given."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()

        # Set by GradScaler.step: CPU tensors, so reading them costs nothing.
        found_inf = getattr(self, "found_inf", None)
        if found_inf is not None and float(found_inf) != 0:
            return loss  # the step is skipped: no state changes
        grad_scale = getattr(self, "grad_scale", None)

        # Check everything before anything changes.
        plans = []
        views = {}  # each stepped parameter's numpy view, made once
        for gi, group in enumerate(self.param_groups):
            where = f"param_groups[{gi}]"
            hyper = self._hyperparameters(group, where)
            stepping = self._stepping(group, where)
            buckets = {}
            for p in stepping:
                state = self.state.get(p, {})
                t = int(state["step"]) + 1 if "step" in state else 1
                buckets.setdefault(check_step(t), []).append(p)
            views.update((p, _numpy(p)) for p in stepping)
            params = [views[p] for p in stepping]
            check_fits_compute_type(
                params, params, params,
                ((f"{where}['lr']", hyper[0]), (f"{where}['eps']", hyper[3]),
                 (f"{where}['weight_decay']", hyper[4])))
            check_disjoint([(f"{where}['params'][{j}]", a) for j, a in enumerate(params)],
                           [])
            plans += [(group, hyper, t, ps) for t, ps in buckets.items()]

        for group, hyper, t, ps in plans:
            amsgrad = group["amsgrad"]
            for p in ps:
                state = self.state[p]
                if not state:
                    state["step"] = torch.tensor(0.0, dtype=torch.float32)
                    keys = ("exp_avg", "exp_avg_sq") + (("max_exp_avg_sq",) if amsgrad else ())
                    for key in keys:
                        state[key] = torch.zeros_like(p, memory_format=torch.preserve_format)
                elif amsgrad and "max_exp_avg_sq" not in state:
                    state["max_exp_avg_sq"] = torch.zeros_like(p)
            if grad_scale is not None:
                for p in ps:
                    p.grad.div_(grad_scale)  # as torch's fused step, which unscales them
            states = [self.state[p] for p in ps]
            core_step([views[p] for p in ps], [_numpy(p.grad) for p in ps],
                      [_numpy(s["exp_avg"]) for s in states],
                      [_numpy(s["exp_avg_sq"]) for s in states], t, hyper,
                      max_v=[_numpy(s["max_exp_avg_sq"]) for s in states] if amsgrad else None,
                      maximize=group["maximize"],
                      l2=not group["decoupled_weight_decay"])
            for s in states:
                s["step"] += 1
        return loss


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
