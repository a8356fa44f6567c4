"""8-bit blockwise moments (bitsandbytes' format): the codes against an
independent float64 reference and against bitsandbytes itself, the torch
optimizer against bitsandbytes' AdamW8bit and torch's AdamW, and the edge
cases."""

import copy

import numpy as np
import pytest

import optim_mlir
from _reference import adamw_8bit, dequantize, dynamic_map

torch = pytest.importorskip(
    "torch", reason="torch is not installed; the torch comparisons are optional",
    exc_type=ImportError)
bnb = pytest.importorskip(
    "bitsandbytes", reason="bitsandbytes is not installed (python/requirements.txt)",
    exc_type=ImportError)
import bitsandbytes.functional as F  # noqa: E402

import optim_mlir.torch as optim_torch  # noqa: E402

HYPER = dict(lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01)


def zero_state(n, block=256):
    """Codes of 0 (127 in the signed map, 0 in the unsigned) and absmax 0."""
    blocks = -(-n // block)
    return (np.full(n, 127, np.uint8), np.zeros(n, np.uint8),
            np.zeros(blocks, np.float32), np.zeros(blocks, np.float32))


def gradients(rng, n):
    """Gradients across eight orders of magnitude, so that the moments fill
    every decade of the dynamic map."""
    return (rng.standard_normal(n) * 10.0 ** rng.uniform(-6, 1, n)).astype(np.float32)


def step(p, g, state, t, block=256):
    mq, vq, ma, va = state
    optim_mlir.adamw_step([p], [g], [mq], [vq], t, **HYPER, m_absmax=[ma], v_absmax=[va],
                          block_size=block)


def assert_codes(actual, expected, near, x_scale=1.0):
    """Codes equal the reference's but where the reference's scaled value lies
    within float32 noise (2e-6 relative) of a midpoint, and there at most one
    apart."""
    actual, expected = actual.astype(int), expected.astype(int)
    differ = actual != expected
    assert np.all(np.abs(actual - expected) <= 1)
    assert np.all(near[differ] <= 2e-6 * x_scale), np.nonzero(differ & (near > 2e-6))


@pytest.mark.parametrize("signed", [True, False])
def test_dynamic_map_is_bitsandbytes(signed):
    # The op's definition of the code tables gives bitsandbytes' map bit for
    # bit: what either writes, the other reads.
    np.testing.assert_array_equal(dynamic_map(signed),
                                  F.create_dynamic_map(signed=signed).numpy())


@pytest.mark.parametrize("n, block", [(5000, 256), (4096, 256), (1000, 64), (17, 16)])
def test_steps_match_float64_reference(n, block):
    # Ten steps, each checked against the float64 reference started from the
    # kernel's own state: dequantize, update, nearest code of x / absmax.
    rng = np.random.default_rng(n)
    p = rng.standard_normal(n).astype(np.float32)
    state = zero_state(n, block)
    for t in range(1, 11):
        g = gradients(rng, n)
        ref = adamw_8bit(p, g, *state, t, *HYPER.values(), block)
        step(p, g, state, t, block)
        # float32 against float64: 1e-6 relative, plus a thousandth of a
        # step (lr), where the new m cancels.
        np.testing.assert_allclose(p, ref[0], rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(state[2], ref[3], rtol=1e-6)
        np.testing.assert_allclose(state[3], ref[4], rtol=1e-6)
        assert_codes(state[0], ref[1], ref[5])
        assert_codes(state[1], ref[2], ref[6])


def test_amsgrad_max_v_8bit_matches_float64_reference():
    # amsgrad's max_v as 8-bit codes of the unsigned map, with its absmax.
    rng = np.random.default_rng(9)
    n = 1000
    p = rng.standard_normal(n).astype(np.float32)
    mq, vq, ma, va = zero_state(n)
    maxq, maxa = np.zeros(n, np.uint8), np.zeros(4, np.float32)
    for t in range(1, 8):
        g = gradients(rng, n)
        ref = adamw_8bit(p, g, mq, vq, ma, va, t, *HYPER.values(), 256, max_v=(maxq, maxa))
        optim_mlir.adamw_step([p], [g], [mq], [vq], t, **HYPER, max_v=[maxq],
                              m_absmax=[ma], v_absmax=[va], max_v_absmax=[maxa])
        # float32 against float64: 1e-6 relative, plus a thousandth of a
        # step (lr), where the new m cancels.
        np.testing.assert_allclose(p, ref[0], rtol=1e-6, atol=1e-6)
        assert_codes(maxq, ref[7], ref[9])
        np.testing.assert_allclose(maxa, ref[8], rtol=1e-6)
        assert_codes(vq, ref[2], ref[6])


def test_codes_against_bitsandbytes_quantize_blockwise():
    # One step from zero state: the moments are (1 - beta1) g and
    # (1 - beta2) g^2. bitsandbytes' quantize_blockwise of them gives the same
    # absmax and mostly the same codes; where they differ, this project's
    # code is the nearer one: bitsandbytes' CPU search does not always find
    # the nearest code (with normal gradients it agrees on 99.8% of m's codes
    # and 96.9% of v's, whose values span more decades).
    rng = np.random.default_rng(1)
    n = 100_000
    p, g = rng.standard_normal(n).astype(np.float32), rng.standard_normal(n).astype(np.float32)
    state = zero_state(n)
    step(p, g, state, 1)
    for codes, absmax, moment, signed, agreement in (
            (state[0], state[2], np.float32(0.1) * g, True, 0.99),
            (state[1], state[3], np.float32(0.001) * g * g, False, 0.95)):
        code = F.create_dynamic_map(signed=signed)
        theirs, qs = F.quantize_blockwise(torch.from_numpy(moment), code=code, blocksize=256)
        np.testing.assert_allclose(absmax, qs.absmax.numpy(), rtol=1e-6)
        theirs = theirs.numpy()
        assert np.mean(codes == theirs) > agreement
        x = moment / np.repeat(absmax, 256)[:n]
        table = code.numpy().astype(np.float64)
        ours_error, their_error = np.abs(x - table[codes]), np.abs(x - table[theirs])
        assert np.all(ours_error <= their_error + 1e-6 * np.abs(x))


def test_bitsandbytes_reads_our_state():
    rng = np.random.default_rng(2)
    n = 3000
    p, g = rng.standard_normal(n).astype(np.float32), gradients(rng, n)
    state = zero_state(n)
    for t in (1, 2):
        step(p, g, state, t)
    for codes, absmax, signed in ((state[0], state[2], True), (state[1], state[3], False)):
        theirs = F.dequantize_blockwise(torch.from_numpy(codes), absmax=torch.from_numpy(absmax),
                                        code=F.create_dynamic_map(signed=signed), blocksize=256)
        np.testing.assert_array_equal(
            theirs.numpy(), dequantize(codes, absmax, dynamic_map(signed), 256).astype(np.float32))


def test_zero_blocks_and_partial_block():
    # A block whose gradients are all 0 keeps absmax 0 and the codes of 0; the
    # partial last block (10 elements) is stepped like the others.
    n = 512 + 10
    p = np.ones(n, np.float32)
    g = np.zeros(n, np.float32)
    g[256:] = 0.5
    state = zero_state(n)
    step(p, g, state, 1)
    mq, vq, ma, va = state
    assert ma[0] == 0 and va[0] == 0
    assert np.all(mq[:256] == 127) and np.all(vq[:256] == 0)
    np.testing.assert_allclose(p[:256], 1 - 1e-3 * 0.01)  # decay only
    np.testing.assert_allclose(ma[1:], 0.05, rtol=1e-6)
    assert np.all(mq[256:] == 255) and np.all(vq[256:] == 255)  # the code 1
    np.testing.assert_allclose(p[256:], 1 - 1e-5 - 1e-3, rtol=1e-6)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_and_inf_gradients_stay_in_their_block(bad):
    rng = np.random.default_rng(3)
    n = 1024
    p, g = rng.standard_normal(n).astype(np.float32), gradients(rng, n)
    g[300] = bad
    state = zero_state(n)
    step(p, g, state, 1)
    assert not np.isfinite(p[300])
    assert not np.isfinite(state[3][1])  # v's absmax of block 1
    others = np.r_[0:256, 512:n]
    assert np.all(np.isfinite(p[others]))
    assert np.all(np.isfinite(state[2][[0, 2, 3]])) and np.all(np.isfinite(state[3][[0, 2, 3]]))


def test_bf16_params_with_8bit_moments():
    ml_dtypes = pytest.importorskip("ml_dtypes")
    rng = np.random.default_rng(4)
    n = 700
    p = rng.standard_normal(n).astype(ml_dtypes.bfloat16)
    g = gradients(rng, n).astype(ml_dtypes.bfloat16)
    state = zero_state(n)
    ref = adamw_8bit(p.astype(np.float64), g.astype(np.float64), *state, 1, *HYPER.values(), 256)
    step(p, g, state, 1)
    # Each parameter is the float32 result rounded once to bfloat16.
    np.testing.assert_allclose(p.astype(np.float64), ref[0], rtol=2**-8, atol=0)


@pytest.mark.parametrize("change, error, words", [
    (lambda a: a.update(m_absmax=[np.zeros(3, np.float32)]), ValueError, "m_absmax[0]"),
    (lambda a: a.update(v_absmax=None), ValueError, "both m_absmax and v_absmax"),
    (lambda a: a.update(block_size=100), ValueError, "multiple of 16"),
    (lambda a: a.update(m=[np.zeros(1000, np.float32)]), TypeError, "uint8 codes"),
    (lambda a: a.update(params=[np.zeros(1000, np.float64)], grads=[np.zeros(1000)]),
     TypeError, "params[0] is float64"),
    (lambda a: a.update(rounding="stochastic"), ValueError, "'nearest'"),
])
def test_bad_8bit_input_changes_nothing(change, error, words):
    n = 1000
    mq, vq, ma, va = zero_state(n)
    args = dict(params=[np.ones(n, np.float32)], grads=[np.ones(n, np.float32)], m=[mq],
                v=[vq], m_absmax=[ma], v_absmax=[va], block_size=256)
    change(args)
    before = [a.copy() for key in ("params", "m", "v", "m_absmax", "v_absmax")
              for a in (args[key] or [])]
    with pytest.raises(error) as info:
        optim_mlir.adamw_step(t=1, **HYPER, **args)
    assert words in str(info.value)
    after = [a for key in ("params", "m", "v", "m_absmax", "v_absmax") for a in (args[key] or [])]
    for x, y in zip(before, after):
        np.testing.assert_array_equal(x, y)


# The torch optimizer.

def model_params(seed=0):
    torch.manual_seed(seed)
    # 77100 elements (a partial last block), one of 4096 and one below
    # min_8bit_size.
    return [torch.randn(300, 257), torch.randn(64), torch.randn(4096)]


def run(make, params, steps, seed=1):
    params = [p.clone().requires_grad_() for p in params]
    opt = make(params)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        for p in params:
            p.grad = torch.randn(p.shape, generator=gen)
        opt.step()
    return params, opt


def test_adamw8bit_state_layout():
    params, opt = run(optim_torch.AdamW8bit, model_params(), 1)
    big, small = opt.state[params[0]], opt.state[params[1]]
    assert big["exp_avg"].dtype == torch.uint8 and big["exp_avg"].shape == (300, 257)
    assert big["exp_avg_sq"].dtype == torch.uint8
    assert big["exp_avg_absmax"].dtype == torch.float32
    assert big["exp_avg_absmax"].shape == (302,) == big["exp_avg_sq_absmax"].shape
    assert small["exp_avg"].dtype == torch.float32 and "exp_avg_absmax" not in small
    # 8-bit state: 2 bytes per element and 8 per block of 256.
    assert sum(t.nbytes for k, t in big.items() if k != "step") == 2 * 77100 + 8 * 302


def test_adamw8bit_against_bitsandbytes_and_torch():
    # Ten steps at lr 1e-3 from the same parameters and gradients. Both 8-bit
    # optimizers stay within a few steps' worth of torch's float32 AdamW
    # (each step moves a parameter by at most about lr), and nearly all
    # parameters agree with bitsandbytes' to float32 noise. They differ where
    # a moment's code differs: bitsandbytes' CPU search rounds some small
    # values to a farther code, and a v that rounds to 0 in one but not the
    # other gives a different step there.
    ours, _ = run(optim_torch.AdamW8bit, model_params(), 10)
    theirs, _ = run(lambda ps: bnb.optim.AdamW8bit(ps, lr=1e-3, min_8bit_size=4096),
                    model_params(), 10)
    exact, _ = run(lambda ps: torch.optim.AdamW(ps, lr=1e-3), model_params(), 10)
    for a, b, c in zip(ours, theirs, exact):
        diff = (a - b).abs().flatten()
        assert torch.quantile(diff, 0.99) <= 1e-4
        assert diff.median() <= 1e-5
        assert torch.quantile((a - c).abs().flatten(), 0.999) <= 1e-3
        assert torch.quantile((b - c).abs().flatten(), 0.999) <= 1e-3


def test_adamw8bit_trains_like_adamw():
    # A two-layer MLP fitting a random teacher for 300 steps: the final loss
    # of 8-bit AdamW is within 10% of float32 AdamW's, from the same start.
    def train(make):
        torch.manual_seed(0)
        teacher = torch.nn.Linear(64, 8)
        model = torch.nn.Sequential(torch.nn.Linear(64, 256), torch.nn.GELU(),
                                    torch.nn.Linear(256, 8))
        opt = make(model.parameters())
        gen = torch.Generator().manual_seed(1)
        for _ in range(300):
            x = torch.randn(128, 64, generator=gen)
            loss = (model(x) - teacher(x).detach()).square().mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
        x = torch.randn(4096, 64, generator=gen)
        with torch.no_grad():
            return float((model(x) - teacher(x)).square().mean())

    baseline = train(lambda ps: torch.optim.AdamW(ps, lr=1e-3))
    quantized = train(lambda ps: optim_torch.AdamW8bit(ps, lr=1e-3, min_8bit_size=1024))
    assert quantized <= 1.1 * baseline


def test_adamw8bit_state_dict_round_trip():
    params, opt = run(lambda ps: optim_torch.AdamW8bit(ps, lr=1e-3), model_params(), 3)
    saved = copy.deepcopy(opt.state_dict())
    copies = [p.detach().clone().requires_grad_() for p in params]
    other = optim_torch.AdamW8bit(copies, lr=1e-3)
    other.load_state_dict(saved)
    state = other.state[copies[0]]
    assert state["exp_avg"].dtype == torch.uint8
    assert state["exp_avg_absmax"].dtype == torch.float32
    gen = torch.Generator().manual_seed(5)
    for _ in range(3):
        grads = [torch.randn(p.shape, generator=gen) for p in params]
        for ps, o in ((params, opt), (copies, other)):
            for p, g in zip(ps, grads):
                p.grad = g.clone()
            o.step()
    for a, b in zip(params, copies):
        assert torch.equal(a, b)
    assert torch.equal(opt.state[params[0]]["exp_avg"], other.state[copies[0]]["exp_avg"])


def test_adamw8bit_bf16_params_keep_float32_absmax_on_load():
    p = torch.randn(5000, dtype=torch.bfloat16).requires_grad_()
    opt = optim_torch.AdamW8bit([p])
    p.grad = torch.randn(5000, dtype=torch.bfloat16)
    opt.step()
    other = optim_torch.AdamW8bit([p])
    other.load_state_dict(opt.state_dict())
    assert other.state[p]["exp_avg_absmax"].dtype == torch.float32
    assert other.state[p]["exp_avg"].dtype == torch.uint8


def test_adamw8bit_threads_split_on_blocks():
    # Shares of the elements start on whole blocks: any thread count gives
    # the same bits.
    results = []
    threads = torch.get_num_threads()
    try:
        for count in (1, 2, 3):
            torch.set_num_threads(count)
            start = torch.randn(300_001, generator=torch.Generator().manual_seed(0))
            results.append(run(optim_torch.AdamW8bit, [start], 2)[0][0])
    finally:
        torch.set_num_threads(threads)
    assert torch.equal(results[0], results[1]) and torch.equal(results[0], results[2])


def test_adamw8bit_amsgrad_keeps_8bit_max():
    params, opt = run(lambda ps: optim_torch.AdamW8bit(ps, amsgrad=True), model_params(), 3)
    state = opt.state[params[0]]
    assert state["max_exp_avg_sq"].dtype == torch.uint8
    assert state["max_exp_avg_sq_absmax"].shape == (302,)
    exact, _ = run(lambda ps: torch.optim.AdamW(ps, amsgrad=True), model_params(), 3)
    assert torch.quantile((params[0] - exact[0]).abs().flatten(), 0.99) <= 1e-4


def test_adamw8bit_bad_arguments():
    with pytest.raises(ValueError, match="block_size must be a multiple of 16"):
        optim_torch.AdamW8bit([torch.zeros(4, requires_grad=True)], block_size=100)
    with pytest.raises(ValueError, match="min_8bit_size"):
        optim_torch.AdamW8bit([torch.zeros(4, requires_grad=True)], min_8bit_size=-1)
    # A float64 parameter keeps float64 moments: the 8-bit step computes in
    # float32.
    p = torch.zeros(8192, dtype=torch.float64, requires_grad=True)
    opt = optim_torch.AdamW8bit([p])
    p.grad = torch.ones_like(p)
    opt.step()
    assert opt.state[p]["exp_avg"].dtype == torch.float64


# The numpy optimizer.

def test_numpy_adamw_uint8_states_step_like_adamw_step():
    rng = np.random.default_rng(6)
    shapes = [(70, 100), (64,), (5000,)]
    params = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    by_hand = [p.copy() for p in params]
    opt = optim_mlir.AdamW(params, lr=1e-3, state_dtype=np.uint8)
    states = [zero_state(p.size) if p.size >= 4096 else
              (np.zeros(p.size, np.float32), np.zeros(p.size, np.float32)) for p in by_hand]
    for t in range(1, 4):
        grads = [gradients(rng, p.size).reshape(p.shape) for p in params]
        opt.step(grads)
        for p, g, state in zip(by_hand, grads, states):
            flat, g = p.reshape(-1), g.reshape(-1)
            if len(state) == 4:
                step(flat, g, state, t)
            else:
                optim_mlir.adamw_step([flat], [g], [state[0]], [state[1]], t, **HYPER)
    for p, q in zip(params, by_hand):
        np.testing.assert_array_equal(p, q)
    assert opt.state[0]["exp_avg"].dtype == np.uint8
    assert opt.state[0]["exp_avg_absmax"].shape == (28,)
    assert opt.state[1]["exp_avg"].dtype == np.float32  # below min_8bit_size
    np.testing.assert_array_equal(opt.state[2]["exp_avg_sq"], states[2][1])


def test_numpy_adamw_uint8_state_dict_and_amsgrad():
    rng = np.random.default_rng(7)
    params = [rng.standard_normal(5000).astype(np.float32)]
    opt = optim_mlir.AdamW(params, state_dtype=np.uint8, amsgrad=True, block_size=128)
    opt.step([gradients(rng, 5000)])
    assert opt.state[0]["max_exp_avg_sq"].dtype == np.uint8
    assert opt.state[0]["max_exp_avg_sq_absmax"].shape == (40,)
    assert opt.state[0]["exp_avg_absmax"].shape == (40,)
    copies = [params[0].copy()]
    other = optim_mlir.AdamW(copies, state_dtype=np.uint8, amsgrad=True, block_size=128)
    other.load_state_dict(opt.state_dict())
    g = gradients(rng, 5000)
    opt.step([g])
    other.step([g.copy()])
    np.testing.assert_array_equal(params[0], copies[0])
    np.testing.assert_array_equal(opt.state[0]["exp_avg"], other.state[0]["exp_avg"])


def test_numpy_adamw_uint8_bad_state_changes_nothing():
    rng = np.random.default_rng(8)
    params = [rng.standard_normal(5000).astype(np.float32)]
    opt = optim_mlir.AdamW(params, state_dtype=np.uint8)
    opt.step([gradients(rng, 5000)])
    opt.state[0]["exp_avg_sq_absmax"] = np.zeros(3, np.float32)
    before = params[0].copy()
    with pytest.raises(ValueError, match=r"state\[0\]\['exp_avg_sq_absmax'\]"):
        opt.step([gradients(rng, 5000)])
    np.testing.assert_array_equal(params[0], before)
    with pytest.raises(ValueError, match="rounding must be 'nearest'"):
        optim_mlir.AdamW(params, state_dtype=np.uint8, rounding="stochastic")


def test_adamw8bit_grad_scale_and_found_inf():
    # What GradScaler hands a fused optimizer: the step divides the gradients
    # by the scale, and with found_inf set changes nothing, codes and absmax
    # included.
    plain, _ = run(optim_torch.AdamW8bit, model_params(), 2)
    params = [p.clone().requires_grad_() for p in model_params()]
    opt = optim_torch.AdamW8bit(params)
    gen = torch.Generator().manual_seed(1)
    for _ in range(2):
        for p in params:
            p.grad = 4 * torch.randn(p.shape, generator=gen)
        opt.grad_scale, opt.found_inf = torch.tensor(4.0), torch.tensor(0.0)
        opt.step()
    for a, b in zip(plain, params):
        assert torch.equal(a, b)
    before = copy.deepcopy(opt.state_dict()["state"])
    values = [p.detach().clone() for p in params]
    opt.found_inf = torch.tensor(1.0)
    opt.step()
    for a, b in zip(values, params):
        assert torch.equal(a, b)
    for key, state in opt.state_dict()["state"].items():
        for name, t in state.items():
            assert torch.equal(t, before[key][name]), name
