"""optim_mlir.torch.Adam and AdamW against torch.optim.Adam and AdamW, in the
spirit of torch's own optimizer parity tests: every combination of dtype,
weight decay, amsgrad, maximize, float or tensor lr, on a small MLP with a
zero-size parameter over 20 steps; state_dict both ways; an LR scheduler;
GradScaler with and without an inf; None gradients; bad input."""

import copy
import itertools

import pytest

torch = pytest.importorskip("torch", reason="torch is not installed", exc_type=ImportError)

import optim_mlir.torch as otorch  # noqa: E402

# torch's tolerances for comparing its own implementations (OptimizerInfo's
# defaults, and 5e-3 for bf16/f16 fused against the forloop).
TOLERANCE = {torch.float64: dict(rtol=1e-7, atol=1e-7),
             torch.float32: dict(rtol=1e-5, atol=1e-5),
             torch.bfloat16: dict(rtol=5e-3, atol=5e-3),
             torch.float16: dict(rtol=5e-3, atol=5e-3)}


def mlp(dtype, seed=0):
    """Linear-tanh-linear, plus a zero-size parameter (which has a gradient
    and nothing to step)."""
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(5, 7), torch.nn.Tanh(), torch.nn.Linear(7, 3))
    model.empty = torch.nn.Parameter(torch.zeros(0, 4))
    return model.to(dtype)


def backward(model, step):
    """A deterministic loss of step `step`; leaves the gradients in .grad."""
    gen = torch.Generator().manual_seed(1000 + step)
    x = torch.randn(11, 5, generator=gen).to(next(model.parameters()).dtype)
    model.zero_grad()
    loss = model(x).square().mean() + model.empty.sum()
    loss.backward()
    return loss


def train(model, opt, steps, first=0, scheduler=None):
    for s in range(first, first + steps):
        backward(model, s)
        opt.step()
        if scheduler:
            scheduler.step()


def assert_models_close(a, b, dtype):
    for (name, x), y in zip(a.named_parameters(), b.parameters()):
        torch.testing.assert_close(x, y, **TOLERANCE[dtype], msg=name)


CASES = list(itertools.product(
    [torch.float64, torch.float32], [0.0, 0.1], [False, True], [False, True],
    [False, True], ["Adam", "AdamW"]))


@pytest.mark.parametrize("dtype, wd, amsgrad, maximize, tensor_lr, cls", CASES,
                         ids=lambda x: str(x).replace("torch.", ""))
def test_matches_torch_forloop(dtype, wd, amsgrad, maximize, tensor_lr, cls):
    ours_model, torch_model = mlp(dtype), mlp(dtype)
    lr = torch.tensor(1e-2) if tensor_lr else 1e-2
    kwargs = dict(lr=lr, weight_decay=wd, amsgrad=amsgrad, maximize=maximize)
    ours = getattr(otorch, cls)(ours_model.parameters(), **kwargs)
    theirs = getattr(torch.optim, cls)(torch_model.parameters(), foreach=False, **kwargs)
    train(ours_model, ours, 20)
    train(torch_model, theirs, 20)
    assert_models_close(ours_model, torch_model, dtype)
    for p, q in zip(ours_model.parameters(), torch_model.parameters()):
        mine, ref = ours.state[p], theirs.state[q]
        assert set(mine) == set(ref)
        for key in ref:
            torch.testing.assert_close(mine[key], ref[key], **TOLERANCE[dtype])


# f16 states underflow for this MLP's small gradients (v below f16's
# smallest normal, 6e-5), and with eps = 1e-8 an element's step is then
# decided by the rounding of a subnormal v: torch's own forloop step ends in
# NaN there. eps = 1e-6 keeps f16 well-conditioned.
@pytest.mark.parametrize("dtype, eps", [(torch.bfloat16, 1e-8), (torch.float16, 1e-6)])
def test_low_precision_matches_torch_fused(dtype, eps):
    ours_model, torch_model = mlp(dtype), mlp(dtype)
    ours = otorch.AdamW(ours_model.parameters(), lr=1e-2, eps=eps)
    theirs = torch.optim.AdamW(torch_model.parameters(), lr=1e-2, eps=eps, fused=True)
    train(ours_model, ours, 20)
    train(torch_model, theirs, 20)
    assert_models_close(ours_model, torch_model, dtype)


@pytest.mark.parametrize("direction", ["ours to torch", "torch to ours"])
def test_state_dict_moves_both_ways(direction):
    """Five steps with one optimizer, its state_dict loaded into the other,
    five more steps: the same parameters as ten steps of the first."""
    first, second = ((otorch.AdamW, torch.optim.AdamW) if direction == "ours to torch"
                     else (torch.optim.AdamW, otorch.AdamW))
    kwargs = dict(lr=1e-2, weight_decay=0.1, amsgrad=True)
    model = mlp(torch.float32)
    opt = first(model.parameters(), **kwargs)
    train(model, opt, 5)
    resumed = copy.deepcopy(model)
    opt2 = second(resumed.parameters(), **kwargs)
    opt2.load_state_dict(copy.deepcopy(opt.state_dict()))  # as a checkpoint would
    train(model, opt, 5, first=5)
    train(resumed, opt2, 5, first=5)
    assert_models_close(model, resumed, torch.float32)


def test_lr_scheduler_drives_it():
    ours_model, torch_model = mlp(torch.float32), mlp(torch.float32)
    ours = otorch.AdamW(ours_model.parameters(), lr=1e-2)
    theirs = torch.optim.AdamW(torch_model.parameters(), lr=1e-2, foreach=False)
    schedules = [torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5)
                 for o in (ours, theirs)]
    train(ours_model, ours, 10, scheduler=schedules[0])
    train(torch_model, theirs, 10, scheduler=schedules[1])
    assert ours.param_groups[0]["lr"] == theirs.param_groups[0]["lr"] == 1e-2 * 0.5**3
    assert_models_close(ours_model, torch_model, torch.float32)


def scaled_training(make_opt, inf_at=None, steps=6):
    model = mlp(torch.float32)
    opt = make_opt(model.parameters())
    scaler = torch.amp.GradScaler("cpu", init_scale=2.0**10)
    for s in range(steps):
        gen = torch.Generator().manual_seed(1000 + s)
        x = torch.randn(11, 5, generator=gen)
        opt.zero_grad()
        scaler.scale(model(x).square().mean() + model.empty.sum()).backward()
        if s == inf_at:
            model[0].weight.grad[0, 0] = float("inf")
        scaler.step(opt)
        scaler.update()
    return model, opt


@pytest.mark.parametrize("inf_at", [None, 2])
def test_grad_scaler(inf_at):
    """GradScaler hands the scale and found-inf to the step, as to torch's
    fused optimizers; a step with an inf changes nothing."""
    ours_model, ours = scaled_training(lambda ps: otorch.AdamW(ps, lr=1e-2), inf_at)
    torch_model, theirs = scaled_training(
        lambda ps: torch.optim.AdamW(ps, lr=1e-2, foreach=False), inf_at)
    assert_models_close(ours_model, torch_model, torch.float32)
    steps = {float(s["step"]) for s in ours.state.values()}
    assert steps == {6.0 if inf_at is None else 5.0}


@pytest.mark.parametrize("inf_at", [None, 0, 3])
def test_grad_scaler_matches_torch_fused(inf_at):
    """Against torch's fused AdamW, which takes the scale and found-inf the same
    way: an inf at the first step leaves the new state at step 0."""
    ours_model, ours = scaled_training(lambda ps: otorch.AdamW(ps, lr=1e-2), inf_at)
    torch_model, theirs = scaled_training(
        lambda ps: torch.optim.AdamW(ps, lr=1e-2, fused=True), inf_at)
    assert_models_close(ours_model, torch_model, torch.float32)
    for p, q in zip(ours_model.parameters(), torch_model.parameters()):
        for key in ("step", "exp_avg", "exp_avg_sq"):
            torch.testing.assert_close(ours.state[p][key], theirs.state[q][key],
                                       **TOLERANCE[torch.float32], msg=key)


@pytest.mark.parametrize("dtype", [torch.float64, torch.bfloat16])
def test_grad_scale_is_divided_on_the_fly(dtype):
    """A scale that is not a power of two, set by hand as GradScaler would: the
    step equals one on the unscaled gradients (at torch's tolerance for the
    dtype: 3 * g is rounded), and the gradients are left as they were (torch's
    fused step writes them back unscaled)."""
    ours_model, plain_model = mlp(dtype), mlp(dtype)
    ours = otorch.AdamW(ours_model.parameters(), lr=1e-2)
    plain = otorch.AdamW(plain_model.parameters(), lr=1e-2)
    for step in range(3):
        backward(ours_model, step)
        backward(plain_model, step)
        scaled = [p.grad.mul_(3.0).clone() for p in ours_model.parameters()]
        ours.grad_scale, ours.found_inf = torch.tensor(3.0), torch.tensor(0.0)
        ours.step()
        plain.step()
        assert all(torch.equal(p.grad, g) for p, g in zip(ours_model.parameters(), scaled))
    assert_models_close(ours_model, plain_model, dtype)


def test_found_inf_changes_nothing():
    """found_inf set: parameters, moments and step counts of every dtype stay
    bit for bit, whatever the gradients hold."""
    model = mlp(torch.float32)
    opt = otorch.AdamW(model.parameters(), lr=1e-2, amsgrad=True)
    train(model, opt, 2)
    opt.state[model[0].weight]["step"] = torch.tensor(2.0, dtype=torch.float64)
    backward(model, 2)
    for p in model.parameters():
        p.grad.fill_(float("nan"))
    before = snapshot(model, opt)
    opt.grad_scale, opt.found_inf = torch.tensor(2.0**16), torch.tensor(1.0)
    opt.step()
    after = snapshot(model, opt)
    assert all(torch.equal(x, y) or (x.isnan().all() and y.isnan().all())
               for x, y in zip(before, after))


def test_bad_grad_scale_is_refused_before_anything_changes():
    model = mlp(torch.float32)
    opt = otorch.AdamW(model.parameters(), lr=1e-2)
    backward(model, 0)
    before = snapshot(model, opt)
    opt.grad_scale = torch.tensor([2.0, 4.0])
    with pytest.raises(ValueError, match="grad_scale must be a floating-point CPU tensor"):
        opt.step()
    assert all(torch.equal(x, y) for x, y in zip(before, snapshot(model, opt)))


def _replace_exp_avg(model, opt):
    state = opt.state[model[0].weight]
    state["exp_avg"] = state["exp_avg"].clone() * 0.5


def _swap_exp_avg_storage(model, opt):
    exp_avg = opt.state[model[2].weight]["exp_avg"]
    exp_avg.set_(exp_avg.clone() * 0.5)  # the same tensor, new memory


def _move_parameter(model, opt):
    model[2].weight.data = model[2].weight.data.clone()


def _change_step_count(model, opt):
    opt.state[model[0].bias]["step"].fill_(10.0)


def _replace_step_tensor(model, opt):
    opt.state[model[2].weight]["step"] = torch.tensor(7.0)


def _new_state_dict(model, opt):
    opt.state[model[2].bias] = {k: v.clone() for k, v in opt.state[model[2].bias].items()}


def _change_options(model, opt):
    opt.param_groups[0].update(maximize=True, lr=5e-3, weight_decay=0.0)


@pytest.mark.parametrize("change", [_replace_exp_avg, _swap_exp_avg_storage, _move_parameter,
                                    _change_step_count,
                                    _replace_step_tensor, _new_state_dict, _change_options])
def test_changes_between_steps_are_seen(change):
    """A group's step reuses what its last step checked; anything a user can
    change between steps (state tensors, a parameter's storage, step counts,
    a state dict, options) still steps as torch.optim.AdamW does."""
    ours_model, torch_model = mlp(torch.float32), mlp(torch.float32)
    ours = otorch.AdamW(ours_model.parameters(), lr=1e-2, weight_decay=0.1)
    theirs = torch.optim.AdamW(torch_model.parameters(), lr=1e-2, weight_decay=0.1,
                               foreach=False)
    for model, opt in ((ours_model, ours), (torch_model, theirs)):
        train(model, opt, 3)
        change(model, opt)
        train(model, opt, 3, first=3)
    assert_models_close(ours_model, torch_model, torch.float32)
    for p, q in zip(ours_model.parameters(), torch_model.parameters()):
        if p.numel():
            torch.testing.assert_close(ours.state[p]["step"], theirs.state[q]["step"])


def test_bad_gradient_after_steps_is_refused_before_anything_changes():
    model = mlp(torch.float32)
    opt = otorch.AdamW(model.parameters(), lr=1e-2)
    train(model, opt, 3)
    backward(model, 3)
    model[2].weight.grad = model[2].weight.grad.t().contiguous().t()  # strided
    before = snapshot(model, opt)
    with pytest.raises(ValueError, match=".grad is not contiguous"):
        opt.step()
    assert all(torch.equal(x, y) for x, y in zip(before, snapshot(model, opt)))


def test_parameter_made_strided_after_steps_is_refused_before_anything_changes():
    model = mlp(torch.float32)
    opt = otorch.AdamW(model.parameters(), lr=1e-2)
    train(model, opt, 3)
    backward(model, 3)
    weight = model[2].weight
    weight.data = weight.data.t().contiguous().t()  # same values, strided
    weight.grad = weight.grad.clone()
    before = snapshot(model, opt)
    with pytest.raises(ValueError, match=r"params'\]\[3\] is not contiguous"):
        opt.step()
    assert all(torch.equal(x, y) for x, y in zip(before, snapshot(model, opt)))


def test_parameters_moved_onto_each_other_are_refused():
    """Parameters that share memory are refused, also when they come to share
    it between steps (the step checks overlaps again when a parameter moves)."""
    model = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Linear(4, 4))
    opt = otorch.AdamW(model.parameters(), lr=1e-2)
    for _ in range(2):
        model(torch.ones(2, 4)).sum().backward()
        opt.step()
    model[1].weight.data = model[0].weight.data  # one storage for two parameters
    before = snapshot(model, opt)
    with pytest.raises(ValueError, match="share memory"):
        opt.step()
    assert all(torch.equal(x, y) for x, y in zip(before, snapshot(model, opt)))


def test_parameters_without_gradient_are_not_stepped():
    model = mlp(torch.float32)
    opt = otorch.AdamW(model.parameters(), lr=1e-2)
    backward(model, 0)
    frozen = model[0].weight
    frozen.grad = None
    before = frozen.detach().clone()
    opt.step()
    assert torch.equal(frozen, before) and frozen not in opt.state
    assert model[2].weight in opt.state


def snapshot(model, opt):
    tensors = [p.detach().clone() for p in model.parameters()]
    tensors += [p.grad.clone() for p in model.parameters() if p.grad is not None]
    tensors += [t.clone() for s in opt.state.values() for t in s.values()]
    return tensors


@pytest.mark.parametrize("break_it, error, words", [
    (lambda m, o: setattr(m[0].weight, "grad", m[0].weight.grad.to_sparse()),
     RuntimeError, "does not support sparse gradients"),
    (lambda m, o: setattr(m[0].weight, "grad", m[0].weight.grad.t().contiguous().t()),
     ValueError, ".grad is not contiguous"),
    (lambda m, o: o.state[m[2].bias].update(exp_avg=torch.zeros(5)),
     ValueError, "state[param_groups[0]['params'][4]]['exp_avg']"),
    (lambda m, o: o.state[m[2].bias].update(exp_avg=torch.zeros(3, dtype=torch.int32)),
     ValueError, "is a torch.int32 tensor"),
    (lambda m, o: o.param_groups[0].update(lr=-1.0), ValueError, "lr must be >= 0"),
    (lambda m, o: o.state[m[2].bias].update(step=torch.tensor(1.5)), ValueError,
     "has step 1.5; expected a count of steps taken"),
    (lambda m, o: o.state[m[2].bias].update(step=torch.zeros(2)), ValueError,
     "state[param_groups[0]['params'][4]]['step'] is a torch.float32 tensor of shape (2,)"),
])
def test_bad_input_raises_and_changes_nothing(break_it, error, words):
    model = mlp(torch.float32)
    opt = otorch.AdamW(model.parameters(), lr=1e-2)
    train(model, opt, 2)
    backward(model, 2)
    break_it(model, opt)
    before = snapshot(model, opt)
    with pytest.raises(error) as info:
        opt.step()
    assert words in str(info.value)
    for a, b in zip(before, snapshot(model, opt)):
        assert torch.equal(a.to_dense() if a.is_sparse else a,
                           b.to_dense() if b.is_sparse else b)


def test_float64_step_counts_of_a_float64_default_dtype():
    # With float64 as the default dtype, torch keeps its step counts in
    # float64; a state_dict of torch's then steps here, and counts on.
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        ours_model, torch_model = mlp(torch.float64), mlp(torch.float64)
        theirs = torch.optim.AdamW(torch_model.parameters(), lr=1e-2, foreach=False)
        train(torch_model, theirs, 3)
        ours_model.load_state_dict(torch_model.state_dict())
        ours = otorch.AdamW(ours_model.parameters(), lr=1e-2)
        ours.load_state_dict(copy.deepcopy(theirs.state_dict()))
        assert {s["step"].dtype for s in ours.state.values()} == {torch.float64}
        train(ours_model, ours, 4, first=3)
        train(torch_model, theirs, 4, first=3)
    finally:
        torch.set_default_dtype(previous)
    assert_models_close(ours_model, torch_model, torch.float64)
    assert {float(s["step"]) for s in ours.state.values()} == {7.0}


@pytest.mark.parametrize("kwargs, words", [
    (dict(fused=True), "fused=True"), (dict(foreach=True), "foreach=True"),
    (dict(lr=-1.0), "lr must be >= 0"), (dict(betas=(1.0, 0.999)), "beta1"),
    (dict(amsgrad=1), "amsgrad must be a bool"),
])
def test_bad_constructor_arguments_are_named(kwargs, words):
    with pytest.raises((TypeError, ValueError)) as info:
        otorch.AdamW(mlp(torch.float32).parameters(), **kwargs)
    assert words in str(info.value)


def test_threads_step_the_same_bits():
    # On torch's threads, each steps a share of all the elements, splitting
    # tensors at multiples of 64 elements from their start: the result is
    # the same, bit for bit, as on one thread (the update is elementwise).
    def run(threads):
        previous = torch.get_num_threads()
        torch.set_num_threads(threads)
        try:
            torch.manual_seed(0)
            model = torch.nn.Sequential(torch.nn.Linear(301, 517), torch.nn.Tanh(),
                                        torch.nn.Linear(517, 7), torch.nn.Linear(7, 999))
            opt = otorch.AdamW(model.parameters(), lr=1e-2, amsgrad=True)
            gen = torch.Generator().manual_seed(5)
            for _ in range(3):
                model.zero_grad()
                model(torch.randn(4, 301, generator=gen)).square().mean().backward()
                opt.step()
        finally:
            torch.set_num_threads(previous)
        return [p.detach().clone() for p in model.parameters()], opt
    one, _ = run(1)
    three, opt = run(3)
    for a, b in zip(one, three):
        assert torch.equal(a, b)
    assert {float(s["step"]) for s in opt.state.values()} == {3.0}
