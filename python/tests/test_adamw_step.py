"""optim_mlir.adamw_step against the numpy reference and the contract's
examples."""

import os
import signal
import threading
import time

import numpy as np
import pytest

import _reference as ref
import optim_mlir

# 0-d, one element, sizes around the vector width (not multiples of 16),
# multi-dimensional, empty.
SHAPES = [(), (1,), (7,), (16,), (17,), (33,), (3, 5), (2, 3, 4), (4, 1, 9),
          (1000,), (0,), (2, 0, 3)]


def make_tensors(rng, shapes, dtype):
    params = [np.asarray(rng.standard_normal(s), dtype=dtype) for s in shapes]
    m = [np.zeros(s, dtype) for s in shapes]
    v = [np.zeros(s, dtype) for s in shapes]
    return params, m, v


def run_against_reference(dtypes, steps, lr_of, beta1, beta2, eps, wd, seed=0):
    """Steps every tensor with optim_mlir and with the reference; compares."""
    rng = np.random.default_rng(seed)
    shapes = SHAPES * (len(dtypes) // len(SHAPES) + 1)
    params, m, v = [], [], []
    for shape, dtype in zip(shapes, dtypes):
        (p,), (mi,), (vi,) = make_tensors(rng, [shape], dtype)
        params.append(p), m.append(mi), v.append(vi)
    expected = [(p.astype(np.float64), mi.astype(np.float64), vi.astype(np.float64))
                for p, mi, vi in zip(params, m, v)]
    for t in range(1, steps + 1):
        grads = [np.asarray(rng.standard_normal(p.shape), p.dtype) for p in params]
        optim_mlir.adamw_step(params, grads, m, v, t, lr_of(t), beta1, beta2, eps, wd)
        expected = [ref.adamw(ep, g, em, ev, t, lr_of(t), beta1, beta2, eps, wd)
                    for (ep, em, ev), g in zip(expected, grads)]
    for p, mi, vi, (ep, em, ev) in zip(params, m, v, expected):
        ref.assert_close(p, ep, p.dtype)
        ref.assert_close(mi, em, p.dtype)
        ref.assert_close(vi, ev, p.dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("wd", [0.0, 0.01, 0.3])
def test_many_shapes_many_steps(dtype, wd):
    run_against_reference([dtype] * len(SHAPES), steps=50, lr_of=lambda t: 1e-2,
                          beta1=0.9, beta2=0.999, eps=1e-8, wd=wd)


def test_other_betas_and_eps():
    run_against_reference([np.float64] * len(SHAPES), steps=40, lr_of=lambda t: 3e-3,
                          beta1=0.5, beta2=0.95, eps=1e-3, wd=0.05, seed=1)


def test_lr_schedule_and_mixed_dtypes():
    # float32 and float64 tensors in one call share one compiled step.
    dtypes = [np.float32, np.float64] * len(SHAPES)
    run_against_reference(dtypes[:len(SHAPES)], steps=30,
                          lr_of=lambda t: 1e-2 * 0.5 * (1 + np.cos(np.pi * t / 30)),
                          beta1=0.9, beta2=0.99, eps=1e-8, wd=0.1, seed=2)


def test_lr_and_t_do_not_recompile():
    rng = np.random.default_rng(3)
    params, m, v = make_tensors(rng, [(5,), (2, 7)], np.float32)
    grads = [np.ones_like(p) for p in params]
    optim_mlir.adamw_step(params, grads, m, v, 1, 1e-3, 0.9, 0.999, 1e-8, 0.123)
    compiled, cached = optim_mlir._compile_count(), optim_mlir._cache_size()
    for t in range(2, 12):
        optim_mlir.adamw_step(params, grads, m, v, t, 1e-3 * t, 0.9, 0.999, 1e-8, 0.123)
    assert optim_mlir._compile_count() == compiled
    assert optim_mlir._cache_size() == cached
    # A new weight decay is a new step function.
    optim_mlir.adamw_step(params, grads, m, v, 12, 1e-3, 0.9, 0.999, 1e-8, 0.124)
    assert optim_mlir._compile_count() == compiled + 1


def test_cache_keeps_the_64_most_recent_steps():
    # A weight-decay schedule compiles a step per value; the cache keeps the
    # 64 most recently used and compiles an evicted one again, correctly.
    rng = np.random.default_rng(4)
    p0, g, m0, v0 = (rng.random(7) for _ in range(4))
    decays = [1e-3 * (k + 1) for k in range(70)]

    def step(wd):
        p, m, v = p0.copy(), m0.copy(), v0.copy()
        optim_mlir.adamw_step([p], [g], [m], [v], 3, 1e-2, 0.9, 0.999, 1e-8, wd)
        for actual, expected in zip((p, m, v), ref.adamw(p0, g, m0, v0, 3, 1e-2, 0.9,
                                                         0.999, 1e-8, wd)):
            ref.assert_close(actual, expected, np.float64)

    for wd in decays:
        step(wd)
    assert optim_mlir._cache_size() == 64
    compiled = optim_mlir._compile_count()
    step(decays[-1])
    assert optim_mlir._compile_count() == compiled
    step(decays[0])
    assert optim_mlir._compile_count() == compiled + 1
    assert optim_mlir._cache_size() == 64


# --- The contract's five themes ------------------------------------------


def test_weight_decay_zero_is_plain_adam():
    rng = np.random.default_rng(4)
    params, m, v = make_tensors(rng, [(9,), (3, 3)], np.float64)
    expected = [(p.copy(), mi.copy(), vi.copy()) for p, mi, vi in zip(params, m, v)]
    for t in range(1, 21):
        grads = [rng.standard_normal(p.shape) for p in params]
        optim_mlir.adamw_step(params, grads, m, v, t, 1e-2, 0.9, 0.999, 1e-8, 0.0)
        # Plain Adam = Adam+L2 with a zero coefficient: no decay term anywhere.
        expected = [ref.adam_l2(ep, g, em, ev, t, 1e-2, 0.9, 0.999, 1e-8, 0.0)
                    for (ep, em, ev), g in zip(expected, grads)]
    for p, (ep, _, _) in zip(params, expected):
        np.testing.assert_allclose(p, ep, rtol=0, atol=1e-9)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_decay_with_zero_gradient(dtype):
    params = [np.array([1.0], dtype)]
    grads = [np.array([0.0], dtype)]
    m, v = [np.zeros(1, dtype)], [np.zeros(1, dtype)]
    optim_mlir.adamw_step(params, grads, m, v, t=1, lr=0.1, beta1=0.9, beta2=0.999,
                          eps=1e-8, weight_decay=0.5)
    np.testing.assert_allclose(params[0], [0.95], rtol=1e-6)
    assert m[0][0] == 0 and v[0][0] == 0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_decay_never_enters_the_moments(dtype):
    params = [np.array([1.0], dtype)]
    grads = [np.array([1.0], dtype)]
    m, v = [np.zeros(1, dtype)], [np.zeros(1, dtype)]
    optim_mlir.adamw_step(params, grads, m, v, t=1, lr=1e-3, beta1=0.9, beta2=0.999,
                          eps=1e-8, weight_decay=0.1)
    np.testing.assert_allclose(m[0], [0.1], rtol=1e-6)  # (1-b1)*g, not 0.11
    np.testing.assert_allclose(v[0], [0.001], rtol=1e-6)  # (1-b2)*g^2


def test_every_tensor_sees_the_same_decay_factor():
    # Zero gradient, zero m, very different v: AdamW shrinks every tensor by
    # exactly (1 - lr*wd); coupled L2 would shrink each differently.
    lr, wd, t = 0.1, 0.1, 1000
    v_values = [1.0, 1e-4, 123.0, 0.0]
    shapes = [(3,), (2, 2), (), (17,)]
    dtypes = [np.float64, np.float32, np.float64, np.float32]
    params = [np.full(s, 3.0, d) for s, d in zip(shapes, dtypes)]
    grads = [np.zeros(s, d) for s, d in zip(shapes, dtypes)]
    m = [np.zeros(s, d) for s, d in zip(shapes, dtypes)]
    v = [np.full(s, vv, d) for s, vv, d in zip(shapes, v_values, dtypes)]
    optim_mlir.adamw_step(params, grads, m, v, t, lr, 0.9, 0.999, 1e-8, wd)
    for p in params:
        np.testing.assert_allclose(p, 3.0 * (1 - lr * wd), rtol=1e-6)
    # The L2 reference, in contrast, depends on v.
    factors = [ref.adam_l2(3.0, 0.0, 0.0, vv, t, lr, 0.9, 0.999, 1e-8, wd)[0] / 3.0
               for vv in v_values[:2]]
    assert abs(factors[0] - factors[1]) > 1e-3


def test_update_is_in_place():
    base = np.arange(12, dtype=np.float64)
    view = base[2:8]  # contiguous view: the update must reach `base`
    p_ref, g = np.ones((2, 3), np.float32), np.ones((2, 3), np.float32)
    m_ref, v_ref = np.zeros((2, 3), np.float32), np.zeros((2, 3), np.float32)
    params = [p_ref, view]
    m = [m_ref, np.zeros(6)]
    v = [v_ref, np.zeros(6)]
    before = base.copy()
    result = optim_mlir.adamw_step(params, [g, np.ones(6)], m, v, 1, 0.1, 0.9, 0.999,
                                   1e-8, 0.0)
    assert result is None
    assert params[0] is p_ref and m[0] is m_ref and v[0] is v_ref
    np.testing.assert_allclose(p_ref, 0.9, rtol=1e-6)
    np.testing.assert_allclose(m_ref, 0.1, rtol=1e-6)
    np.testing.assert_allclose(v_ref, 0.001, rtol=1e-6)
    np.testing.assert_allclose(base[2:8], before[2:8] - 0.1, atol=1e-9)
    np.testing.assert_array_equal(base[:2], before[:2])
    np.testing.assert_array_equal(base[8:], before[8:])


def test_read_only_gradients_are_accepted():
    g = np.ones(4)
    g.flags.writeable = False
    p, m, v = np.ones(4), np.zeros(4), np.zeros(4)
    optim_mlir.adamw_step([p], [g], [m], [v], 1, 0.1, 0.9, 0.999, 1e-8, 0.0)
    np.testing.assert_allclose(p, 0.9, atol=1e-9)


def test_empty_lists_are_a_no_op():
    assert optim_mlir.adamw_step([], [], [], [], 1, 1e-3, 0.9, 0.999, 1e-8, 0.0) is None


# --- The usual sanity checks of an AdamW step, without torch --------------


def test_first_step_moves_by_lr():
    # Bias correction: on step 1, m̂/sqrt(v̂) = sign(g), so the move is ≈ lr.
    p = [np.array([5.0])]
    optim_mlir.adamw_step(p, [np.array([0.37])], [np.zeros(1)], [np.zeros(1)], 1, 1e-2,
                          0.9, 0.999, 1e-8, 0.0)
    assert abs((5.0 - p[0][0]) - 1e-2) < 1e-3


def test_zero_grad_decay_is_independent_of_v():
    lr, wd = 0.1, 0.05
    p = [np.array([3.0])]
    optim_mlir.adamw_step(p, [np.zeros(1)], [np.zeros(1)], [np.array([123.0])], 1, lr,
                          0.9, 0.999, 1e-8, wd)
    assert abs(p[0][0] - 3.0 * (1 - lr * wd)) < 1e-6


def test_many_tensors_in_one_call():
    # Nineteen tensors of both dtypes in one call, one compiled step.
    dtypes = [np.float32, np.float64, np.float64] * 7
    run_against_reference(dtypes[:19], steps=10, lr_of=lambda t: 1e-2,
                          beta1=0.9, beta2=0.999, eps=1e-8, wd=0.02, seed=5)


def test_concurrent_calls_from_threads():
    # Compiling and the kernel run without the GIL; calls from several
    # threads on their own arrays, each with its own weight decay (a step
    # compiled while other threads run theirs), must each get the
    # single-threaded result.
    from concurrent.futures import ThreadPoolExecutor

    def worker(seed):
        run_against_reference([np.float64] * 4, steps=20, lr_of=lambda t: 1e-2,
                              beta1=0.9, beta2=0.999, eps=1e-8, wd=0.01 + 1e-4 * seed,
                              seed=seed)

    with ThreadPoolExecutor(max_workers=4) as pool:
        for future in [pool.submit(worker, seed) for seed in range(8)]:
            future.result()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_fork_while_another_thread_compiles():
    # A process forked while another thread compiles must be able to step
    # (and to compile) in the child: fork waits for the compile to end
    # rather than leaving the child a lock that no thread will release.
    stop = threading.Event()

    def compile_forever():
        p, g, m, v = ([np.ones(3)] for _ in range(4))
        k = 0
        while not stop.is_set():
            k += 1
            optim_mlir.adamw_step(p, g, m, v, 1, 1e-3, 0.9, 0.999, 1e-8, 1e-3 + 1e-9 * k)

    compiler = threading.Thread(target=compile_forever)
    compiler.start()
    try:
        time.sleep(0.05)
        for attempt in range(5):
            pid = os.fork()
            if pid == 0:  # the child: one step with a new weight decay
                status = 1
                try:
                    rng = np.random.default_rng(attempt)
                    p0, g, m0, v0 = (rng.random(9) for _ in range(4))
                    p, m, v = p0.copy(), m0.copy(), v0.copy()
                    optim_mlir.adamw_step([p], [g], [m], [v], 2, 1e-2, 0.9, 0.999, 1e-8, 0.75)
                    expected = ref.adamw(p0, g, m0, v0, 2, 1e-2, 0.9, 0.999, 1e-8, 0.75)
                    status = 0 if all(np.allclose(a, b, rtol=0, atol=1e-12)
                                      for a, b in zip((p, m, v), expected)) else 2
                finally:
                    os._exit(status)
            deadline = time.monotonic() + 60
            while (done := os.waitpid(pid, os.WNOHANG))[0] == 0:
                if time.monotonic() > deadline:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                    pytest.fail(f"fork {attempt}: the child hung")
                time.sleep(0.01)
            assert os.waitstatus_to_exitcode(done[1]) == 0, f"fork {attempt}"
    finally:
        stop.set()
        compiler.join()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gradient_spikes_keep_v_finite_where_it_fits(dtype):
    # (1 - beta2) * g * g overflows as g * g first for |g| above the square
    # root of the largest float (1.8e19 in f32, 1.3e154 in f64), though the
    # new v fits up to |g| = sqrt(max / (1 - beta2)) (5.8e20, 4.2e155). The
    # step computes ((1 - beta2) * g) * g, as torch does: v stays finite and
    # the parameter keeps learning. Up to the boundary, and just past it,
    # where v is inf in the reference too.
    big = float(np.finfo(dtype).max)
    limit = np.sqrt(big) / np.sqrt(0.001)
    g = np.array([np.sqrt(big) * 0.99, np.sqrt(big) * 1.01, limit * 0.5, -limit * 0.99],
                 dtype)
    p, m, v = np.ones(4, dtype), np.zeros(4, dtype), np.zeros(4, dtype)
    optim_mlir.adamw_step([p], [g], [m], [v], 1, 1e-3, 0.9, 0.999, 1e-8, 1e-2)
    expected_v = 0.001 * g.astype(np.float64) * g  # left to right: no overflow
    assert np.all(np.isfinite(v))
    np.testing.assert_allclose(v, expected_v, rtol=1e-6)
    # First step: the update is lr * sign(g), plus the decay.
    np.testing.assert_allclose(p, 1 - 1e-3 * np.sign(g) - 1e-3 * 1e-2, rtol=1e-6)

    g = np.array([limit * 1.01], dtype)
    p, m, v = np.ones(1, dtype), np.zeros(1, dtype), np.zeros(1, dtype)
    optim_mlir.adamw_step([p], [g], [m], [v], 1, 1e-3, 0.9, 0.999, 1e-8, 1e-2)
    assert np.isinf(v[0])
