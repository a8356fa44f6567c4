"""torch's Adam and AdamW options through optim_mlir.adamw_step: amsgrad
(max_v), maximize and L2 decay (decoupled_weight_decay=False), each alone
and together, against the float64 reference and, where torch is installed,
against torch.optim.Adam and AdamW."""

import itertools

import numpy as np
import pytest

import _reference as ref
import optim_mlir

HYPER = dict(lr=1e-2, beta1=0.8, beta2=0.99, eps=1e-6, weight_decay=0.1)
# (amsgrad, maximize, decoupled): every combination.
OPTIONS = list(itertools.product((False, True), repeat=3))


def option_id(options):
    amsgrad, maximize, decoupled = options
    return "-".join(["amsgrad" if amsgrad else "plain", "maximize" if maximize else "minimize",
                     "adamw" if decoupled else "l2"])


def inputs(dtype, n, rng, amsgrad):
    """p, m, v and max_v (None without amsgrad). v starts large and decays,
    so that max_v keeps values v has left."""
    p = rng.standard_normal(n).astype(dtype)
    m = (0.1 * rng.standard_normal(n)).astype(dtype)
    v = (0.5 + rng.random(n)).astype(dtype)
    return p, m, v, (v.copy() if amsgrad else None)


def run_steps(dtype, options, steps=10, n=37, seed=0):
    """`steps` steps of optim_mlir and of the reference from the same inputs
    and gradients; returns (p, m, v, max_v) of each."""
    amsgrad, maximize, decoupled = options
    rng = np.random.default_rng(seed)
    state = inputs(dtype, n, rng, amsgrad)
    expected = tuple(None if x is None else x.astype(np.float64) for x in state)
    p, m, v, max_v = state
    for t in range(1, steps + 1):
        g = rng.standard_normal(n).astype(dtype)
        optim_mlir.adamw_step([p], [g], [m], [v], t, **HYPER,
                              max_v=None if max_v is None else [max_v],
                              maximize=maximize, decoupled_weight_decay=decoupled)
        ep, em, ev, emax = expected
        expected = ref.adam_options(ep, g, em, ev, emax, t, **HYPER, maximize=maximize,
                                    decoupled=decoupled)
    return state, expected


@pytest.mark.parametrize("options", OPTIONS, ids=option_id)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_options_match_the_reference(dtype, options):
    got, expected = run_steps(dtype, options)
    for name, a, e in zip(("p", "m", "v", "max_v"), got, expected):
        assert (a is None) == (e is None), name
        if a is not None:
            ref.assert_close(a, e, dtype)


def test_each_option_changes_the_result():
    """No option is silently ignored: each alone moves p away from plain
    AdamW's."""
    plain = run_steps(np.float64, (False, False, True))[0][0]
    for options in ((True, False, True), (False, True, True), (False, False, False)):
        p = run_steps(np.float64, options)[0][0]
        assert np.max(np.abs(p - plain)) > 1e-4, option_id(options)


def test_amsgrad_keeps_the_largest_v():
    (_, _, v, max_v), _ = run_steps(np.float64, (True, False, True))
    assert np.all(max_v >= v) and np.any(max_v > v)


def test_max_v_may_be_float64_beside_float32_states():
    """A float64 max_v makes the step compute in float64, as the op's
    compute type rule says."""
    rng = np.random.default_rng(1)
    p, m, v, _ = inputs(np.float32, 9, rng, False)
    max_v = v.astype(np.float64)
    g = rng.standard_normal(9).astype(np.float32)
    expected = ref.adam_options(p, g, m, v, max_v, 1, **HYPER)
    optim_mlir.adamw_step([p], [g], [m], [v], 1, **HYPER, max_v=[max_v])
    np.testing.assert_allclose(max_v, expected[3], rtol=0, atol=1e-12)
    ref.assert_close(p, expected[0], np.float32)


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(maximize=1), TypeError, "maximize must be a bool"),
    (dict(decoupled_weight_decay="yes"), TypeError, "decoupled_weight_decay must be a bool"),
    (dict(max_v=[]), ValueError, "max_v has 0 arrays but params has 1"),
    (dict(max_v=[np.zeros(3, np.float32)]), ValueError, "max_v[0] has shape (3,)"),
    (dict(max_v=[np.zeros(4, np.int32)]), TypeError, "max_v[0] has dtype int32"),
    ("alias", ValueError, "share memory"),
])
def test_bad_options_are_named_and_nothing_changes(kwargs, error, words):
    rng = np.random.default_rng(2)
    p, m, v, _ = inputs(np.float32, 4, rng, False)
    g = rng.standard_normal(4).astype(np.float32)
    if kwargs == "alias":
        kwargs = dict(max_v=[m])  # max_v is written: it must not alias m
    before = [a.copy() for a in (p, m, v)]
    with pytest.raises(error) as info:
        optim_mlir.adamw_step([p], [g], [m], [v], 1, **HYPER, **kwargs)
    assert words in str(info.value)
    for a, b in zip((p, m, v), before):
        np.testing.assert_array_equal(a, b)


torch = None
try:
    import torch
except ImportError:
    pass


@pytest.mark.skipif(torch is None, reason="torch is not installed")
@pytest.mark.parametrize("options", OPTIONS, ids=option_id)
def test_options_match_torch(options):
    """torch.optim.Adam (L2) and AdamW (decoupled) with foreach=False, the
    single-tensor reference implementation, at torch's own f32 tolerances."""
    amsgrad, maximize, decoupled = options
    rng = np.random.default_rng(3)
    p, m, v, max_v = inputs(np.float32, 37, rng, amsgrad)
    tp = torch.tensor(p, requires_grad=True)
    cls = torch.optim.AdamW if decoupled else torch.optim.Adam
    opt = cls([tp], lr=HYPER["lr"], betas=(HYPER["beta1"], HYPER["beta2"]),
              eps=HYPER["eps"], weight_decay=HYPER["weight_decay"], amsgrad=amsgrad,
              maximize=maximize, foreach=False)
    m[:] = 0
    v[:] = 0
    if max_v is not None:
        max_v[:] = 0
    for t in range(1, 21):
        g = rng.standard_normal(37).astype(np.float32)
        tp.grad = torch.tensor(g)
        opt.step()
        optim_mlir.adamw_step([p], [g], [m], [v], t, **HYPER,
                              max_v=None if max_v is None else [max_v],
                              maximize=maximize, decoupled_weight_decay=decoupled)
    state = opt.state[tp]
    np.testing.assert_allclose(p, tp.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(m, state["exp_avg"].numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(v, state["exp_avg_sq"].numpy(), rtol=1e-5, atol=1e-7)
    if amsgrad:
        np.testing.assert_allclose(max_v, state["max_exp_avg_sq"].numpy(), rtol=1e-5,
                                   atol=1e-7)
