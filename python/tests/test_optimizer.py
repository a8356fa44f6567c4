"""optim_mlir.AdamW: param groups, lazy state, schedules, state_dict."""

import numpy as np
import pytest

import _reference as ref
import optim_mlir


def make_model(rng, dtype=np.float64):
    """Two weight matrices and two biases, as a small MLP would have."""
    weights = [np.asarray(rng.standard_normal(s), dtype) for s in [(8, 5), (3, 8)]]
    biases = [np.asarray(rng.standard_normal(s), dtype) for s in [(8,), (3,)]]
    return weights, biases


def grads_for(rng, params):
    return [np.asarray(rng.standard_normal(p.shape), p.dtype) for p in params]


def lr_at(t):
    return 1e-2 * (0.97 ** t)


def test_two_groups_against_reference_with_schedule():
    rng = np.random.default_rng(0)
    weights, biases = make_model(rng)
    opt = optim_mlir.AdamW(
        [{"params": weights, "weight_decay": 0.1}, {"params": biases, "weight_decay": 0.0}],
        lr=1e-2, betas=(0.9, 0.99), eps=1e-8)
    params = weights + biases
    expected = [(p.copy(), np.zeros_like(p), np.zeros_like(p)) for p in params]
    decay = [0.1, 0.1, 0.0, 0.0]
    for t in range(1, 31):
        for group in opt.param_groups:
            group["lr"] = lr_at(t)
        grads = grads_for(rng, params)
        opt.step(grads)
        expected = [ref.adamw(ep, g, em, ev, t, lr_at(t), 0.9, 0.99, 1e-8, wd)
                    for (ep, em, ev), g, wd in zip(expected, grads, decay)]
    for i, (p, (ep, em, ev)) in enumerate(zip(params, expected)):
        ref.assert_close(p, ep, np.float64)
        ref.assert_close(opt.state[i]["exp_avg"], em, np.float64)
        ref.assert_close(opt.state[i]["exp_avg_sq"], ev, np.float64)
        assert opt.state[i]["step"] == 30


def test_lr_schedule_does_not_recompile():
    rng = np.random.default_rng(1)
    weights, biases = make_model(rng, np.float32)
    opt = optim_mlir.AdamW([{"params": weights}, {"params": biases, "weight_decay": 0}])
    opt.step(grads_for(rng, weights + biases))
    compiled = optim_mlir._compile_count()
    for t in range(2, 10):
        for group in opt.param_groups:
            group["lr"] = lr_at(t)
        opt.step(grads_for(rng, weights + biases))
    assert optim_mlir._compile_count() == compiled


def test_skipped_gradients_and_new_shapes_do_not_recompile():
    # A compiled step serves any subset of the tensors and any shape: a
    # model whose parameters only sometimes get a gradient (torch's None)
    # compiles once, and skipped tensors keep their values.
    rng = np.random.default_rng(2)
    params = [np.asarray(rng.standard_normal(s)) for s in [(4, 3), (5,), (2, 2, 2), ()]]
    opt = optim_mlir.AdamW(params, lr=1e-2, weight_decay=0.25)
    opt.step(grads_for(rng, params))
    compiled = optim_mlir._compile_count()
    expected = [(p.copy(), opt.state[i]["exp_avg"].copy(), opt.state[i]["exp_avg_sq"].copy(),
                 opt.state[i]["step"]) for i, p in enumerate(params)]
    for _ in range(12):
        grads = [g if rng.random() < 0.6 else None for g in grads_for(rng, params)]
        opt.step(grads)
        for i, g in enumerate(grads):
            p, m, v, t = expected[i]
            if g is not None:
                expected[i] = (*ref.adamw(p, g, m, v, t + 1, 1e-2, 0.9, 0.999, 1e-8, 0.25),
                               t + 1)
    other = [np.ones((7, 11)), np.ones(13)]
    optim_mlir.AdamW(other, lr=1e-2, weight_decay=0.25).step([np.ones((7, 11)), np.ones(13)])
    assert optim_mlir._compile_count() == compiled
    for i, (p, m, v, t) in enumerate(expected):
        ref.assert_close(params[i], p, np.float64)
        ref.assert_close(opt.state[i]["exp_avg"], m, np.float64)
        ref.assert_close(opt.state[i]["exp_avg_sq"], v, np.float64)
        assert opt.state[i]["step"] == t


def test_state_is_lazy_and_defaults_apply():
    p = np.ones(3)
    opt = optim_mlir.AdamW([p])
    assert opt.state == {}
    group = opt.param_groups[0]
    assert (group["lr"], group["betas"], group["eps"], group["weight_decay"]) == \
        (1e-3, (0.9, 0.999), 1e-8, 1e-2)
    opt.step([np.ones(3)])
    assert opt.state[0]["step"] == 1
    np.testing.assert_allclose(opt.state[0]["exp_avg"], 0.1)


def test_none_gradient_skips_a_parameter():
    a, b = np.ones(2), np.ones(2)
    opt = optim_mlir.AdamW([a, b], lr=0.1, weight_decay=0.0)
    opt.step([np.ones(2), None])
    np.testing.assert_array_equal(b, 1.0)
    assert 1 not in opt.state
    opt.step([np.ones(2), np.ones(2)])  # different step counts, one call each
    assert opt.state[0]["step"] == 2 and opt.state[1]["step"] == 1
    np.testing.assert_allclose(b, 0.9, atol=1e-12)  # b's first step


def test_state_dict_round_trip():
    rng = np.random.default_rng(2)
    weights, biases = make_model(rng)
    groups = lambda w, b: [{"params": w, "weight_decay": 0.1},
                           {"params": b, "weight_decay": 0.0}]
    opt = optim_mlir.AdamW(groups(weights, biases), lr=3e-3)
    for _ in range(5):
        opt.step(grads_for(rng, weights + biases))
    saved = opt.state_dict()
    assert sorted(saved["state"]) == [0, 1, 2, 3]
    assert saved["param_groups"][1]["params"] == [2, 3]
    assert saved["param_groups"][0]["weight_decay"] == 0.1
    assert saved["state"][0]["step"] == 5

    # A second optimizer on copies of the parameters continues identically.
    weights2 = [w.copy() for w in weights]
    biases2 = [b.copy() for b in biases]
    opt2 = optim_mlir.AdamW(groups(weights2, biases2), lr=1.0)
    opt2.load_state_dict(saved)
    assert opt2.param_groups[0]["lr"] == 3e-3
    exp_avg_before = saved["state"][0]["exp_avg"].copy()
    for _ in range(5):
        grads = grads_for(rng, weights + biases)
        opt.step(grads)
        opt2.step(grads)
    for p, p2 in zip(weights + biases, weights2 + biases2):
        np.testing.assert_array_equal(p, p2)
    # state_dict() returns copies: later steps do not change it.
    np.testing.assert_array_equal(saved["state"][0]["exp_avg"], exp_avg_before)


def test_load_state_dict_checks_before_changing():
    p = np.ones(3)
    opt = optim_mlir.AdamW([p])
    opt.step([np.ones(3)])
    saved = opt.state_dict()
    saved["state"][0]["exp_avg"] = np.zeros(4)
    before = opt.state_dict()
    with pytest.raises(ValueError, match="exp_avg.*shape"):
        opt.load_state_dict(saved)
    np.testing.assert_array_equal(opt.state[0]["exp_avg"], before["state"][0]["exp_avg"])
    with pytest.raises(ValueError, match="param groups"):
        opt.load_state_dict({"state": {}, "param_groups": []})


OPTIONS = [dict(amsgrad=True), dict(maximize=True), dict(decoupled_weight_decay=False),
           dict(amsgrad=True, maximize=True, decoupled_weight_decay=False)]


def reference_steps(params, grads_per_step, options, wd=0.1, lr=1e-2):
    """torch's documented update with `options`, from zero state, in float64."""
    state = [(p.astype(np.float64), np.zeros(p.shape), np.zeros(p.shape),
              np.zeros(p.shape) if options.get("amsgrad") else None) for p in params]
    for t, grads in enumerate(grads_per_step, start=1):
        state = [ref.adam_options(p, g, m, v, mv, t, lr, 0.9, 0.999, 1e-8, wd,
                                  maximize=options.get("maximize", False),
                                  decoupled=options.get("decoupled_weight_decay", True))
                 for (p, m, v, mv), g in zip(state, grads)]
    return [s[0] for s in state]


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: ",".join(o))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_torch_options_follow_the_reference(options, dtype):
    # amsgrad and maximize as constructor arguments, torch.optim.Adam's L2
    # decay as a group's decoupled_weight_decay, against torch's documented
    # algorithm over 6 steps.
    rng = np.random.default_rng(7)
    weights, biases = make_model(rng, dtype)
    params = weights + biases
    start = [p.copy() for p in params]
    group = {"params": params}
    if "decoupled_weight_decay" in options:
        group["decoupled_weight_decay"] = options["decoupled_weight_decay"]
    opt = optim_mlir.AdamW([group], lr=1e-2, weight_decay=0.1,
                           amsgrad=options.get("amsgrad", False),
                           maximize=options.get("maximize", False))
    steps = [grads_for(rng, params) for _ in range(6)]
    for grads in steps:
        opt.step(grads)
    for p, expected in zip(params, reference_steps(start, steps, options)):
        ref.assert_close(p, expected, dtype)
    assert ("max_exp_avg_sq" in opt.state[0]) == options.get("amsgrad", False)


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: ",".join(o))
def test_load_state_dict_takes_torch_options(options):
    # A state_dict whose groups turn an option on (as torch's carry them)
    # makes later steps take it; amsgrad's maximum starts from zero.
    rng = np.random.default_rng(8)
    p = rng.standard_normal(7)
    start = p.copy()
    opt = optim_mlir.AdamW([p], lr=1e-2, weight_decay=0.1)
    saved = opt.state_dict()
    saved["param_groups"][0].update(options)
    opt.load_state_dict(saved)
    steps = [[rng.standard_normal(7)] for _ in range(3)]
    for grads in steps:
        opt.step(grads)
    ref.assert_close(p, reference_steps([start], steps, options)[0], np.float64)
    saved = opt.state_dict()
    assert all(saved["param_groups"][0].get(k, True) == v for k, v in options.items())


def test_load_state_dict_of_adam_without_decay():
    # torch.optim.Adam's coupled decay with weight_decay 0 is no decay at all:
    # the update is AdamW's, and its state loads.
    p = np.ones(3)
    opt = optim_mlir.AdamW([p], weight_decay=0.0)
    saved = opt.state_dict()
    saved["param_groups"][0].update(decoupled_weight_decay=False, lr=0.5)
    opt.load_state_dict(saved)
    assert opt.param_groups[0]["lr"] == 0.5


def test_overlapping_parameters_are_refused():
    # Two parameters viewing overlapping parts of one buffer.
    flat = np.ones(6)
    opt = optim_mlir.AdamW([flat[:4], flat[2:]])
    with pytest.raises(ValueError, match=r"params\[0\] and params\[1\] share memory"):
        opt.step([np.ones(4), np.ones(4)])
    np.testing.assert_array_equal(flat, np.ones(6))
    assert opt.state == {}


def test_bad_step_input_changes_nothing():
    rng = np.random.default_rng(3)
    weights, biases = make_model(rng)
    opt = optim_mlir.AdamW([{"params": weights}, {"params": biases}])
    opt.step(grads_for(rng, weights + biases))
    params_before = [p.copy() for p in weights + biases]
    state_before = opt.state_dict()

    grads = grads_for(rng, weights + biases)
    grads[3] = grads[3][:-1]  # the last bias gradient has the wrong shape
    with pytest.raises(ValueError, match=r"grads\[3\].*shape"):
        opt.step(grads)
    with pytest.raises(ValueError, match="grads has 3 arrays"):
        opt.step(grads[:3])
    with pytest.raises(TypeError, match=r"grads\[0\].*dtype"):
        opt.step([g.astype(np.int32) for g in grads_for(rng, weights + biases)])
    aliased = grads_for(rng, weights + biases)
    aliased[2] = biases[0]  # a gradient that is a parameter
    with pytest.raises(ValueError, match=r"params\[2\] and grads\[2\] share memory"):
        opt.step(aliased)
    opt.param_groups[1]["lr"] = -1.0
    with pytest.raises(ValueError, match=r"param_groups\[1\].*lr"):
        opt.step(grads_for(rng, weights + biases))

    for p, before in zip(weights + biases, params_before):
        np.testing.assert_array_equal(p, before)
    after = opt.state_dict()
    for i, s in state_before["state"].items():
        assert after["state"][i]["step"] == s["step"]
        np.testing.assert_array_equal(after["state"][i]["exp_avg"], s["exp_avg"])


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(lr=-1.0), ValueError, "lr"),
    (dict(betas=(0.9, 1.0)), ValueError, "beta2"),
    (dict(betas=0.9), TypeError, "betas"),
    (dict(eps=-1.0), ValueError, "eps"),
    (dict(weight_decay=-1.0), ValueError, "weight_decay"),
])
def test_bad_constructor_arguments(kwargs, error, words):
    with pytest.raises(error, match=words):
        optim_mlir.AdamW([np.ones(2)], **kwargs)


def test_bad_params():
    with pytest.raises(TypeError, match="params must be a list"):
        optim_mlir.AdamW(np.ones(3))
    with pytest.raises(ValueError, match="empty"):
        optim_mlir.AdamW([])
    with pytest.raises(ValueError, match="read-only"):
        optim_mlir.AdamW([np.ones(3)[::1].copy(), read_only(np.ones(2))])
    with pytest.raises(ValueError, match="more than once"):
        p = np.ones(2)
        optim_mlir.AdamW([{"params": [p]}, {"params": [p]}])


def read_only(a):
    a.flags.writeable = False
    return a


@pytest.mark.parametrize("key", ["amsgrad", "maximize", "decoupled_weight_decay"])
def test_torch_options_must_be_bools(key):
    with pytest.raises(TypeError, match=rf"param_groups\[0\]\['{key}'\] must be a bool"):
        optim_mlir.AdamW([{"params": [np.ones(3)], key: 1}])
    # Set between steps, a bad one is refused before any array changes.
    p = np.linspace(-1.0, 1.0, 5)
    opt = optim_mlir.AdamW([p])
    opt.step([np.ones_like(p)])
    p_before, m_before = p.copy(), opt.state[0]["exp_avg"].copy()
    opt.param_groups[0][key] = "yes"
    with pytest.raises(TypeError, match=rf"param_groups\[0\]\['{key}'\] must be a bool"):
        opt.step([np.ones_like(p)])
    np.testing.assert_array_equal(p, p_before)
    np.testing.assert_array_equal(opt.state[0]["exp_avg"], m_before)
    assert opt.state[0]["step"] == 1


def test_amsgrad_turned_on_between_steps_starts_its_maximum_at_zero():
    rng = np.random.default_rng(9)
    p = rng.standard_normal(6)
    opt = optim_mlir.AdamW([p], lr=1e-2)
    opt.step([rng.standard_normal(6)])
    opt.param_groups[0]["amsgrad"] = True
    opt.step([rng.standard_normal(6)])
    # max(0, v) is v: the maximum is this step's v.
    np.testing.assert_array_equal(opt.state[0]["max_exp_avg_sq"], opt.state[0]["exp_avg_sq"])


@pytest.mark.parametrize("step", [2.5, -1, 2**63 - 1, float("inf"), "3", True])
def test_load_state_dict_refuses_a_bad_step(step):
    p = np.ones(3)
    opt = optim_mlir.AdamW([p])
    saved = opt.state_dict()
    saved["state"] = {0: {"step": step, "exp_avg": np.zeros(3), "exp_avg_sq": np.zeros(3)}}
    with pytest.raises(ValueError, match=r"state\[0\]\['step'\]"):
        opt.load_state_dict(saved)
    assert opt.state == {}


def test_last_possible_step_then_refusal_changes_nothing():
    # Group 1's parameter is one step from the 64-bit limit: its step runs,
    # the next one raises before group 0's parameter moves.
    a, b = np.ones(3), np.ones(3)
    opt = optim_mlir.AdamW([{"params": [a]}, {"params": [b]}])
    saved = opt.state_dict()
    saved["state"] = {1: {"step": 2**63 - 2, "exp_avg": np.zeros(3),
                          "exp_avg_sq": np.zeros(3)}}
    opt.load_state_dict(saved)
    opt.step([None, np.ones(3)])
    assert opt.state[1]["step"] == 2**63 - 1
    b_after = b.copy()
    with pytest.raises(ValueError, match="64 bits"):
        opt.step([np.ones(3), np.ones(3)])
    np.testing.assert_array_equal(a, np.ones(3))
    np.testing.assert_array_equal(b, b_after)
    assert 0 not in opt.state and opt.state[1]["step"] == 2**63 - 1


def test_a_state_step_that_is_not_an_integer_is_named():
    p = np.ones(3)
    opt = optim_mlir.AdamW([p])
    opt.step([np.ones(3)])
    opt.state[0]["step"] = 1.0
    p_before = p.copy()
    with pytest.raises(TypeError, match=r"state\[0\]\['step'\] must be an integer"):
        opt.step([np.ones(3)])
    np.testing.assert_array_equal(p, p_before)


def test_load_state_dict_refuses_complex_moments():
    p = np.ones(3)
    opt = optim_mlir.AdamW([p])
    saved = opt.state_dict()
    saved["state"] = {0: {"step": 1, "exp_avg": np.ones(3, np.complex128),
                          "exp_avg_sq": np.ones(3)}}
    with pytest.raises(TypeError, match=r"\['exp_avg'\] is complex"):
        opt.load_state_dict(saved)
    assert opt.state == {}


def test_a_state_step_without_a_next_step_is_named():
    # 2**63 - 1 steps taken: the next count would not fit in 64 bits. The
    # state's step is to blame, not the count the optimizer derives from it.
    p = np.ones(3)
    opt = optim_mlir.AdamW([p])
    opt.step([np.ones(3)])
    opt.state[0]["step"] = 2**63 - 1
    p_before = p.copy()
    with pytest.raises(ValueError, match=r"state\[0\]\['step'\] is 9223372036854775807"):
        opt.step([np.ones(3)])
    np.testing.assert_array_equal(p, p_before)


@pytest.mark.parametrize("key", ["step", "exp_avg", "exp_avg_sq"])
def test_load_state_dict_names_a_missing_key(key):
    p = np.ones(3)
    opt = optim_mlir.AdamW([p])
    opt.step([np.ones(3)])
    saved = opt.state_dict()
    del saved["state"][0][key]
    state_before = {k: np.copy(v) for k, v in opt.state[0].items()}
    with pytest.raises(ValueError, match=rf"state\[0\] has no '{key}'"):
        opt.load_state_dict(saved)
    for k, v in state_before.items():
        np.testing.assert_array_equal(opt.state[0][k], v)


@pytest.mark.parametrize("moment", [np.array(["a", "b", "c"]),
                                    np.ma.masked_array(np.ones(3), mask=[0, 1, 0])])
def test_load_state_dict_refuses_strings_and_masked_moments(moment):
    p = np.ones(3)
    opt = optim_mlir.AdamW([p])
    saved = opt.state_dict()
    saved["state"] = {0: {"step": 1, "exp_avg": moment, "exp_avg_sq": np.ones(3)}}
    with pytest.raises(TypeError, match=r"state\[0\]\['exp_avg'\] (has dtype <U1|is a masked)"):
        opt.load_state_dict(saved)
    assert opt.state == {}
