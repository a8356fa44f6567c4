"""Steps on float64, float32, bfloat16 and float16 tensors, each of param,
grad, m and v with its own dtype, against a float64 reference of the formula
and, for all-bfloat16 and all-float16, against torch's fused AdamW."""

import ml_dtypes
import numpy as np
import pytest

import _reference as ref
import optim_mlir

bf16 = ml_dtypes.bfloat16

# (param, grad, m, v)
COMBINATIONS = [
    (bf16, bf16, bf16, bf16),
    (np.float16, np.float16, np.float16, np.float16),
    (bf16, bf16, np.float32, np.float32),
    (np.float16, np.float16, np.float32, np.float32),
    (np.float32, np.float32, bf16, bf16),
    (np.float32, bf16, np.float32, np.float32),
    (np.float64, np.float32, np.float64, np.float64),
]
HYPER = dict(lr=1e-2, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.1)


def compute_eps(dtypes):
    """The unit roundoff of the compute type: float64 when param, m or v is."""
    p, _, m, v = dtypes
    f64 = np.dtype(np.float64)
    return np.finfo(np.float64 if f64 in map(np.dtype, (p, m, v)) else np.float32).eps


def ulp(x, dtype):
    """The spacing of `dtype` at x (float64 array), as float64."""
    return np.abs(np.spacing(np.abs(x).astype(dtype)).astype(np.float64))


@pytest.mark.parametrize(
    "dtypes", COMBINATIONS, ids=lambda ds: "-".join(np.dtype(d).name for d in ds))
def test_each_value_is_the_compute_result_rounded_to_its_type(dtypes):
    # Each written value is within one ulp of its own type of the float64
    # step from the same (rounded) inputs, plus a few compute-type ulps of the
    # largest term it sums (cancellation). 1037 elements: not a multiple of
    # any vector width. Several steps, each checked from its own inputs.
    rng = np.random.default_rng(1)
    n = 1037
    p_t, g_t, m_t, v_t = dtypes
    p = rng.normal(size=n).astype(p_t)
    m = (0.1 * rng.normal(size=n)).astype(m_t)
    v = (0.01 * rng.random(n)).astype(v_t)
    eps_c = compute_eps(dtypes)
    for t in range(1, 6):
        g = rng.normal(size=n).astype(g_t)
        p0, m0, v0 = (x.astype(np.float64) for x in (p, m, v))
        g0 = g.astype(np.float64)
        ep, em, ev = ref.adamw(p0, g0, m0, v0, t, **HYPER)
        optim_mlir.adamw_step([p], [g], [m], [v], t, **HYPER)
        assert p.dtype == p_t and m.dtype == m_t and v.dtype == v_t
        b1, b2, lr, wd = HYPER["beta1"], HYPER["beta2"], HYPER["lr"], HYPER["weight_decay"]
        m_terms = np.abs(b1 * m0) + np.abs((1 - b1) * g0)
        v_terms = np.abs(b2 * v0) + np.abs((1 - b2) * g0 * g0)
        update = np.abs(em / (1 - b1**t)) / (np.sqrt(ev / (1 - b2**t)) + HYPER["eps"])
        p_terms = np.abs(p0) + lr * (update + wd * np.abs(p0))
        for name, out, expected, terms in (("m", m, em, m_terms), ("v", v, ev, v_terms),
                                           ("p", p, ep, p_terms)):
            err = np.abs(out.astype(np.float64) - expected)
            bound = ulp(expected, out.dtype) + 8 * eps_c * terms
            assert np.all(err <= bound), (
                f"step {t}, {name}: max err/bound {np.max(err / bound):.3g}")


def test_low_precision_states_are_not_f32_states():
    # The moments really are stored in bfloat16: the same step with f32
    # moments keeps bits that bfloat16 cannot hold.
    g = np.full(5, 0.3, np.float32)
    m16, v16 = np.zeros(5, bf16), np.zeros(5, bf16)
    m32, v32 = np.zeros(5, np.float32), np.zeros(5, np.float32)
    optim_mlir.adamw_step([np.ones(5, np.float32)], [g], [m16], [v16], 1, **HYPER)
    optim_mlir.adamw_step([np.ones(5, np.float32)], [g], [m32], [v32], 1, **HYPER)
    np.testing.assert_array_equal(m16, m32.astype(bf16))
    assert not np.array_equal(m16.astype(np.float32), m32)


def test_each_dtype_tuple_compiles_once():
    before = optim_mlir._compile_count()
    hyper = dict(HYPER, beta1=0.8125)  # a set of hyperparameters of its own
    for _ in range(3):
        for dtypes in COMBINATIONS[:3]:
            arrays = [np.zeros(4, d) for d in dtypes]
            optim_mlir.adamw_step(*[[a] for a in arrays], 1, **hyper)
    assert optim_mlir._compile_count() - before == 3


@pytest.mark.parametrize("dtype", [np.int16, np.longdouble, np.complex64])
def test_other_dtypes_are_named_and_nothing_changes(dtype):
    p, m, v = np.ones(4, bf16), np.zeros(4, np.float32), np.zeros(4, np.float32)
    before = [x.copy() for x in (p, m, v)]
    with pytest.raises(TypeError, match=r"grads\[0\] has dtype .*; expected float64, float32, "
                                        r"bfloat16 \(ml_dtypes\) or float16"):
        optim_mlir.adamw_step([p], [np.ones(4, dtype)], [m], [v], 1, **HYPER)
    for x, y in zip((p, m, v), before):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
def test_all_low_precision_matches_torch_fused(dtype):
    # torch's fused CPU AdamW keeps the states in the param's dtype and
    # computes in float32, as the step does; 20 steps agree to torch's own
    # fused-against-forloop tolerance for these dtypes.
    torch = pytest.importorskip("torch", exc_type=ImportError)
    np_dtype = bf16 if dtype == "bfloat16" else np.float16
    t_dtype = getattr(torch, dtype)
    torch.manual_seed(0)
    p0 = torch.randn(1037).to(t_dtype)
    pt = p0.clone().requires_grad_(True)
    opt = torch.optim.AdamW([pt], lr=1e-2, weight_decay=0.1, fused=True)
    p = p0.float().numpy().astype(np_dtype)
    m, v = np.zeros_like(p), np.zeros_like(p)
    for t in range(1, 21):
        g = torch.randn(1037).to(t_dtype)
        pt.grad = g.clone()
        opt.step()
        optim_mlir.adamw_step([p], [g.float().numpy().astype(np_dtype)], [m], [v], t,
                              **HYPER)
    np.testing.assert_allclose(p.astype(np.float32), pt.detach().float().numpy(),
                               rtol=5e-3, atol=5e-3)


@pytest.mark.parametrize("copy_dtype", [bf16, np.float16])
def test_master_weights_write_their_rounded_copy(copy_dtype):
    rng = np.random.default_rng(2)
    p = rng.normal(size=1037).astype(np.float32)
    copy = np.zeros(1037, copy_dtype)
    m, v = np.zeros_like(p), np.zeros_like(p)
    for t in range(1, 4):
        optim_mlir.adamw_step([p], [rng.normal(size=1037).astype(np.float32)], [m], [v], t,
                              **HYPER, param_copies=[copy])
        np.testing.assert_array_equal(copy, p.astype(copy_dtype))


def stochastic_step(seed, n=100_000, rounding="stochastic"):
    """One first step of 100,000 bf16 parameters at 1.5 whose update is a
    quarter of bf16's spacing there (2^-7): returns the new parameters."""
    p = np.full(n, 1.5, bf16)
    m, v = np.zeros(n, np.float32), np.zeros(n, np.float32)
    optim_mlir.adamw_step([p], [np.ones(n, np.float32)], [m], [v], 1, lr=2**-9, beta1=0.9,
                          beta2=0.999, eps=0.0, weight_decay=0.0, rounding=rounding,
                          seed=seed)
    return p.astype(np.float64)


def test_stochastic_rounding_is_unbiased_where_nearest_loses_the_update():
    # Nearest leaves every parameter at 1.5. Stochastic rounding moves each
    # down by 2^-7 with probability 1/4: the mean moves by the update, 2^-9,
    # within 5 standard errors (2^-7 * sqrt(3/16 / n)).
    nearest = stochastic_step(0, rounding="nearest")
    assert np.all(nearest == 1.5)
    moved = stochastic_step(7)
    assert set(np.unique(moved)) == {1.5, 1.5 - 2**-7}
    stderr = 2**-7 * np.sqrt(3 / 16 / moved.size)
    assert abs((moved.mean() - 1.5) + 2**-9) < 5 * stderr


def test_stochastic_rounding_is_a_function_of_the_seed():
    a, b, c = stochastic_step(7), stochastic_step(7), stochastic_step(8)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    # Seeds above 2**63 are valid too.
    np.testing.assert_array_equal(stochastic_step(2**64 - 1), stochastic_step(2**64 - 1))


def _documented_random_bits(seed, t, n):
    """The op description's generator, written independently in numpy: the
    key mix64(seed * G + t) once per step, then per element i
    mix32((i mod 2^32) ^ low(key)) ^ high(key)."""
    mask64 = (1 << 64) - 1

    def mix64(z):
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask64
        return z ^ (z >> 31)

    key = mix64((seed * 0x9E3779B97F4A7C15 + t) & mask64)
    x = np.arange(n, dtype=np.uint64).astype(np.uint32) ^ np.uint32(key & 0xFFFFFFFF)
    x ^= x >> np.uint32(16)
    x *= np.uint32(0x21F0AAAD)
    x ^= x >> np.uint32(15)
    x *= np.uint32(0x735A2D97)
    x ^= x >> np.uint32(15)
    return x ^ np.uint32(key >> 32)


def _round_stochastically(x, dtype, bits):
    """x (float32) rounded to bf16 or f16 as the op description says."""
    if dtype == bf16:
        pattern = (x.view(np.uint32) + (bits & np.uint32(0xFFFF))) & np.uint32(0xFFFF0000)
        exact = np.where(np.isnan(x), x, pattern.view(np.float32))
        return exact.astype(bf16)
    with np.errstate(over="ignore", invalid="ignore"):
        nearest = x.astype(np.float16)
        back = nearest.astype(np.float32)
        step = np.where(np.abs(x) > np.abs(back), 1, -1).astype(np.int16)
        neighbour = (nearest.view(np.int16) + step).view(np.float16)
        spacing = np.abs(neighbour.astype(np.float32) - back)
        uniform = (bits >> np.uint32(8)).astype(np.float32) * np.float32(2.0**-24)
        take = uniform * spacing < np.abs(x - back)
    return np.where(take, neighbour, nearest)


@pytest.mark.parametrize("dtype", [bf16, np.float16])
def test_stochastic_rounding_follows_the_documented_generator(dtype):
    # An f32 master that the step leaves unchanged (g = m = v = 0, no decay)
    # is written to its copy stochastically: bit for bit what the generator
    # and the rounding rule of the op description give, at every element of
    # a tensor that is not a multiple of any vector width, for seeds on both
    # sides of 2^63 and several steps.
    rng = np.random.default_rng(4)
    n = 4099
    master = (rng.normal(size=n) * 2.0 ** rng.integers(-20, 15, n)).astype(np.float32)
    master[:6] = [np.nan, np.inf, -np.inf, 0.0, 65519.0, 70000.0]
    for seed, t in ((0, 1), (12345, 7), (2**64 - 3, 1000)):
        p, copy = master.copy(), np.zeros(n, dtype)
        zeros = [np.zeros(n, np.float32) for _ in range(3)]
        optim_mlir.adamw_step([p], [zeros[0]], [zeros[1]], [zeros[2]], t, 1e-3, 0.9, 0.999,
                              1e-8, 0.0, param_copies=[copy], rounding="stochastic", seed=seed)
        expected = _round_stochastically(master, dtype, _documented_random_bits(seed, t, n))
        np.testing.assert_array_equal(copy.view(np.uint16), expected.view(np.uint16))


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(param_copies=[np.zeros(4, np.float32)]), TypeError,
     "param_copies[0] has dtype float32; expected bfloat16 or float16"),
    (dict(param_copies=[np.zeros(5, bf16)]), ValueError, "param_copies[0] has shape (5,)"),
    (dict(param_copies=[]), ValueError, "param_copies has 0 arrays but params has 1"),
    (dict(rounding="up"), ValueError, "rounding must be 'nearest' or 'stochastic'"),
    (dict(rounding="stochastic", seed=-1), ValueError, "seed must be in [0, 2**64)"),
    (dict(rounding="stochastic", seed=1.5), TypeError, "seed must be an integer"),
    (dict(rounding="stochastic"), ValueError,
     "rounding='stochastic' needs a bfloat16 or float16 params[0] to round"),
])
def test_bad_copies_and_rounding_are_named_and_nothing_changes(kwargs, error, words):
    p, m, v = np.ones(4, np.float32), np.zeros(4, np.float32), np.zeros(4, np.float32)
    copies = kwargs.get("param_copies") or []
    before = [x.copy() for x in (p, m, v, *copies)]
    with pytest.raises(error) as info:
        optim_mlir.adamw_step([p], [np.ones(4, np.float32)], [m], [v], 1, **HYPER, **kwargs)
    assert words in str(info.value)
    for x, y in zip((p, m, v, *copies), before):
        np.testing.assert_array_equal(x, y)


def model(rng, dtype=bf16):
    """A bf16 weight, a bf16 bias and an f32 scale: a mixed model."""
    return [rng.normal(size=(33, 17)).astype(dtype), rng.normal(size=17).astype(dtype),
            rng.normal(size=5).astype(np.float32)]


def grads_for(rng, params):
    return [rng.normal(size=p.shape).astype(p.dtype) for p in params]


def test_optimizer_state_dtype_and_master_weights_match_the_functional_step():
    rng = np.random.default_rng(3)
    params = model(rng)
    reference = [p.copy() for p in params]
    masters = [p.astype(np.float32) if p.dtype == bf16 else p for p in reference]
    ms = [np.zeros(p.shape, np.float32) for p in params]
    vs = [np.zeros(p.shape, np.float32) for p in params]
    opt = optim_mlir.AdamW(params, lr=1e-2, weight_decay=0.1, state_dtype=np.float32,
                           master_weights=True)
    for t in range(1, 4):
        grads = grads_for(rng, params)
        opt.step(grads)
        for i in range(3):
            copies = dict(param_copies=[reference[i]]) if reference[i].dtype == bf16 else {}
            optim_mlir.adamw_step([masters[i]], [grads[i]], [ms[i]], [vs[i]], t, lr=1e-2,
                                  beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.1,
                                  **copies)
    for i in range(3):
        assert opt.state[i]["exp_avg"].dtype == np.float32
        np.testing.assert_array_equal(params[i], reference[i])
        np.testing.assert_array_equal(opt.state[i]["exp_avg_sq"], vs[i])
    assert "master" in opt.state[0] and "master" not in opt.state[2]
    np.testing.assert_array_equal(opt.state[0]["master"], masters[0])


@pytest.mark.parametrize("rounding", ["nearest", "stochastic"])
def test_state_dict_resumes_exactly(rounding):
    # 5 steps in one go, and 3 steps, a state_dict, a new optimizer, 2 more:
    # the same bits, stochastic rounding included (its bits are a function of
    # the seed, the step and the element).
    def run(split):
        rng = np.random.default_rng(4)
        params = model(rng)
        options = dict(lr=1e-2, master_weights=True, rounding=rounding, seed=11)
        opt = optim_mlir.AdamW(params, **options)
        for t in range(5):
            if t == split:
                saved = opt.state_dict()
                opt = optim_mlir.AdamW(params, **options)
                opt.load_state_dict(saved)
            opt.step(grads_for(rng, params))
        return params, opt.state

    straight, straight_state = run(split=None)
    resumed, resumed_state = run(split=3)
    for a, b in zip(straight, resumed):
        np.testing.assert_array_equal(a, b)
    for i in straight_state:
        for key in ("exp_avg", "exp_avg_sq", "master"):
            if key in straight_state[i]:
                np.testing.assert_array_equal(straight_state[i][key], resumed_state[i][key])


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(state_dtype=np.int32), TypeError, "state_dtype must be None, float64"),
    (dict(master_weights="yes"), TypeError, "master_weights must be a bool"),
    (dict(rounding="up"), ValueError, "rounding must be 'nearest' or 'stochastic'"),
    (dict(seed=-3), ValueError, "seed must be in [0, 2**64)"),
])
def test_optimizer_options_are_checked(kwargs, error, words):
    with pytest.raises(error) as info:
        optim_mlir.AdamW([np.ones(3, bf16)], **kwargs)
    assert words in str(info.value)


def test_stochastic_rounding_of_float16_parameters_through_the_optimizer():
    # float16 at 1.5 has a spacing of 2^-10; an update of a quarter of it
    # (lr = 2^-12) is lost to nearest rounding, and kept on average by
    # stochastic rounding (5 standard errors).
    n = 100_000
    means = {}
    for rounding in ("nearest", "stochastic"):
        p = np.full(n, 1.5, np.float16)
        opt = optim_mlir.AdamW([p], lr=2**-12, eps=0.0, weight_decay=0.0,
                               rounding=rounding, seed=5)
        opt.step([np.ones(n, np.float16)])
        assert set(np.unique(p.astype(np.float64))) <= {1.5, 1.5 - 2**-10}
        means[rounding] = p.astype(np.float64).mean() - 1.5
    assert means["nearest"] == 0
    stderr = 2**-10 * np.sqrt(3 / 16 / n)
    assert abs(means["stochastic"] + 2**-12) < 5 * stderr


def _f32_from_bits(*patterns):
    return np.array(patterns, np.uint32).view(np.float32)


def test_copies_round_to_nearest_even_at_every_edge():
    # An f32 master with lr * update = 0 (g = m = v = 0, no decay) keeps its
    # values, so the copy is the master rounded: ties to even, carries into
    # the exponent, denormals (bf16 has f32's exponent range), the largest
    # finite values and infinity, signed zeros and NaN, each at the masked
    # remainder and in the vector body (the values are tiled to 37 elements).
    master = np.concatenate([
        _f32_from_bits(0x3F808000, 0x3F818000, 0x3F808001, 0x3F80FFFF, 0x3FFF8000,
                   0x00008000, 0x00018000, 0x00000001, 0x807FFFFF, 0x7F7F7FFF,
                   0x7F7F8000, 0xFF7FFFFF, 0x80000000, 0x7F800000, 0xFF800000),
        np.array([1 / 3, -2.5e-39, 3.0e38, 65519.0, 65520.0, 6e-8, -1e-8], np.float32),
    ])
    master = np.resize(master, 37)
    for dtype in (bf16, np.float16):
        p, copy = master.copy(), np.zeros(37, dtype)
        zeros = [np.zeros(37, np.float32) for _ in range(3)]
        optim_mlir.adamw_step([p], [zeros[0]], [zeros[1]], [zeros[2]], 1, 1e-3, 0.9, 0.999,
                              1e-8, 0.0, param_copies=[copy])
        np.testing.assert_array_equal(p.view(np.uint32), master.view(np.uint32))
        with np.errstate(over="ignore"):  # f16's infinities are expected
            expected = master.astype(dtype)
        np.testing.assert_array_equal(copy.view(np.uint16), expected.view(np.uint16))


def test_nan_copies_stay_nan():
    # Every NaN, quiet or signalling, of either sign, stays NaN; in bf16 it
    # is the quiet NaN 0x7fc0, as torch's conversion makes it.
    master = np.resize(_f32_from_bits(0x7FC00000, 0xFFC00000, 0x7F800001, 0xFFFFFFFF), 13)
    for dtype in (bf16, np.float16):
        p, copy = master.copy(), np.zeros(13, dtype)
        zeros = [np.zeros(13, np.float32) for _ in range(3)]
        optim_mlir.adamw_step([p], [zeros[0]], [zeros[1]], [zeros[2]], 1, 1e-3, 0.9, 0.999,
                              1e-8, 0.0, param_copies=[copy])
        assert np.all(np.isnan(copy.astype(np.float32)))
        if dtype == bf16:
            assert np.all(copy.view(np.uint16) == 0x7FC0)


def _round_f64(x, mantissa_bits):
    """x (float64, normal in the target's range) rounded to nearest even with
    `mantissa_bits` stored bits: scaled so that one target ulp is 1, where
    np.round rounds halves to even, and scaled back; all exact in float64."""
    ulp = np.exp2(np.floor(np.log2(np.abs(x))) - mantissa_bits)
    return np.round(x / ulp) * ulp


def test_f64_master_copies_are_correctly_rounded_not_rounded_twice():
    # Rounding f64 to f32 first, to nearest, then to bf16 or f16 errs where
    # the first rounding makes a tie: 1 + 2**-8 + 2**-30 is above the bf16
    # midpoint 1 + 2**-8, so it rounds up, but f32 rounds it to the midpoint,
    # which then rounds to even (down). Beside such values, random ones.
    rng = np.random.default_rng(3)
    witnesses = [1 + 2**-8 + 2**-30, -(1 + 2**-8 + 2**-40), 1 + 3 * 2**-8 - 2**-35,
                 1 + 2**-11 + 2**-40, -(1 + 2**-11 + 2**-30), 1 + 2**-8, 1 + 2**-11]
    master = np.concatenate([witnesses, rng.normal(size=30) * 2.0**rng.integers(-10, 10, 30)])
    for dtype, mantissa_bits in ((bf16, 7), (np.float16, 10)):
        p, copy = master.copy(), np.zeros(master.size, dtype)
        zeros = [np.zeros(master.size) for _ in range(3)]
        optim_mlir.adamw_step([p], [zeros[0]], [zeros[1]], [zeros[2]], 1, 1e-3, 0.9, 0.999,
                              1e-8, 0.0, param_copies=[copy])
        np.testing.assert_array_equal(copy.astype(np.float64), _round_f64(master, mantissa_bits))
