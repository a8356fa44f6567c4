"""optim_mlir against torch.optim.Adam and torch.optim.AdamW, the reference
implementations. Skipped when torch is not installed."""

import copy

import numpy as np
import pytest

import optim_mlir

torch = pytest.importorskip(
    "torch", reason="torch is not installed; the torch comparisons are optional",
    exc_type=ImportError)


def run_pair(make_torch_opt, steps=20, shape=(8,), lr=1e-2, wd=0.0, seed=0):
    """Runs torch's optimizer and optim_mlir.adamw_step on the same gradients."""
    torch.manual_seed(seed)
    p0 = torch.randn(shape)
    grads = [torch.randn(shape) for _ in range(steps)]
    pt = p0.clone().requires_grad_(True)
    opt = make_torch_opt([pt])
    p = p0.numpy().copy()
    m, v = np.zeros_like(p), np.zeros_like(p)
    for t, g in enumerate(grads, start=1):
        pt.grad = g.clone()
        opt.step()
        optim_mlir.adamw_step([p], [g.numpy()], [m], [v], t, lr, 0.9, 0.999, 1e-8, wd)
    return pt.detach().numpy(), p


def test_check1_adam_matches_torch_adam():
    r, m = run_pair(lambda ps: torch.optim.Adam(ps, lr=1e-2))
    np.testing.assert_allclose(m, r, atol=1e-6)


def test_check2_adamw_matches_torch_adamw():
    r, m = run_pair(lambda ps: torch.optim.AdamW(ps, lr=1e-2, weight_decay=0.1), wd=0.1)
    np.testing.assert_allclose(m, r, atol=1e-6)


def test_torch_adam_l2_decay_depends_on_v_ours_does_not():
    # Zero gradient, seeded v, deep into training: torch.optim.Adam with
    # weight_decay (coupled L2) shrinks by a v-dependent factor; AdamW by
    # (1 - lr*wd) whatever v is.
    lr, wd = 0.1, 0.1
    factors = []
    for v_state in (1.0, 1e-4):
        p = torch.tensor([1.0], requires_grad=True)
        opt = torch.optim.Adam([p], lr=lr, weight_decay=wd)
        p.grad = torch.zeros(1)
        opt.step()  # creates the state
        with torch.no_grad():
            p.fill_(1.0)
        state = opt.state[p]
        state["step"].fill_(999)
        state["exp_avg"].zero_()
        state["exp_avg_sq"].fill_(v_state)
        opt.step()
        l2_factor = p.item()
        ours = [np.array([1.0])]
        optim_mlir.adamw_step(ours, [np.zeros(1)], [np.zeros(1)], [np.array([v_state])],
                              1000, lr, 0.9, 0.999, 1e-8, wd)
        factors.append((l2_factor, ours[0][0]))
    assert abs(factors[0][0] - factors[1][0]) > 1e-3
    for _, ours in factors:
        assert abs(ours - (1 - lr * wd)) < 1e-12


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_adamw_class_matches_torch_with_two_groups(dtype):
    rng = np.random.default_rng(0)
    shapes_w, shapes_b = [(16, 5), (3, 16)], [(16,), (3,)]
    weights = [np.asarray(rng.standard_normal(s), dtype) for s in shapes_w]
    biases = [np.asarray(rng.standard_normal(s), dtype) for s in shapes_b]
    tw = [torch.tensor(w.copy(), requires_grad=True) for w in weights]
    tb = [torch.tensor(b.copy(), requires_grad=True) for b in biases]

    groups = lambda w, b: [{"params": w, "weight_decay": 0.1},
                           {"params": b, "weight_decay": 0.0}]
    ours = optim_mlir.AdamW(groups(weights, biases), lr=1e-2, betas=(0.9, 0.99), eps=1e-8)
    theirs = torch.optim.AdamW(groups(tw, tb), lr=1e-2, betas=(0.9, 0.99), eps=1e-8)

    for t in range(1, 31):
        lr = 1e-2 * 0.5 * (1 + np.cos(np.pi * t / 30))
        for g1, g2 in zip(ours.param_groups, theirs.param_groups):
            g1["lr"] = g2["lr"] = lr
        grads = [np.asarray(rng.standard_normal(p.shape), dtype) for p in weights + biases]
        for tp, g in zip(tw + tb, grads):
            tp.grad = torch.from_numpy(g.copy())
        theirs.step()
        ours.step(grads)

    tol = dict(rtol=0, atol=1e-9) if dtype == np.float64 else dict(rtol=1e-5, atol=1e-6)
    for p, tp in zip(weights + biases, tw + tb):
        np.testing.assert_allclose(p, tp.detach().numpy(), **tol)
    for i, tp in enumerate(tw + tb):
        np.testing.assert_allclose(ours.state[i]["exp_avg_sq"],
                                   theirs.state[tp]["exp_avg_sq"].numpy(), **tol)


def test_load_torch_state_dict():
    rng = np.random.default_rng(1)
    p = rng.standard_normal(6)
    tp = torch.tensor(p.copy(), requires_grad=True)
    theirs = torch.optim.AdamW([tp], lr=1e-2, weight_decay=0.05)
    for _ in range(3):
        tp.grad = torch.from_numpy(rng.standard_normal(6))
        theirs.step()
    p = tp.detach().numpy().copy()
    ours = optim_mlir.AdamW([p])
    ours.load_state_dict(theirs.state_dict())
    assert ours.state[0]["step"] == 3 and ours.param_groups[0]["weight_decay"] == 0.05
    g = rng.standard_normal(6)
    tp.grad = torch.from_numpy(g.copy())
    theirs.step()
    ours.step([g])
    np.testing.assert_allclose(p, tp.detach().numpy(), rtol=0, atol=1e-9)


@pytest.mark.parametrize("make_torch_opt", [
    lambda ps: torch.optim.AdamW(ps, maximize=True),
    lambda ps: torch.optim.AdamW(ps, amsgrad=True),
    lambda ps: torch.optim.Adam(ps, weight_decay=0.1),
    lambda ps: torch.optim.Adam(ps, weight_decay=0.1, amsgrad=True, maximize=True),
], ids=["maximize", "amsgrad", "Adam L2", "all"])
def test_torch_state_dict_with_its_options_continues_identically(make_torch_opt):
    # A torch state with amsgrad, maximize or Adam's L2 decay loads with its
    # options (and amsgrad's max_exp_avg_sq), and the steps go on as torch's.
    rng = np.random.default_rng(11)
    tp = torch.tensor(rng.standard_normal(6), requires_grad=True)
    theirs = make_torch_opt([tp])
    for _ in range(2):
        tp.grad = torch.tensor(rng.standard_normal(6))
        theirs.step()
    p = tp.detach().numpy().copy()
    ours = optim_mlir.AdamW([p])
    ours.load_state_dict(copy.deepcopy(theirs.state_dict()))
    for _ in range(3):
        g = rng.standard_normal(6)
        tp.grad = torch.from_numpy(g.copy())
        theirs.step()
        ours.step([g])
    np.testing.assert_allclose(p, tp.detach().numpy(), rtol=0, atol=1e-9)
