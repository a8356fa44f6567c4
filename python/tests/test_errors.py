"""Bad input to optim_mlir.adamw_step raises a named error and changes nothing."""

import numpy as np
import pytest

import optim_mlir

GOOD_HYPER = dict(t=3, lr=1e-2, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.1)


def good_args():
    """Three float64 tensors with non-trivial state."""
    rng = np.random.default_rng(0)
    shapes = [(4,), (2, 3), ()]
    args = {name: [np.asarray(rng.random(s)) for s in shapes]
            for name in ("params", "grads", "m", "v")}
    return args


def snapshot(args):
    return {name: [np.copy(a) if isinstance(a, np.ndarray) else a for a in arrays]
            for name, arrays in args.items()
            if isinstance(arrays, list)}


def assert_unchanged(args, before):
    for name, arrays in before.items():
        for a, b in zip(args[name], arrays):
            if isinstance(a, np.ndarray):
                np.testing.assert_array_equal(a, b)


def read_only(a):
    a.flags.writeable = False
    return a


# (what to break, how, expected error, words the message must contain)
TENSOR_CASES = [
    ("length", lambda a: a["grads"].pop(), ValueError, ["grads", "2 arrays", "3"]),
    ("length_m", lambda a: a["m"].append(np.zeros(1)), ValueError, ["m", "4 arrays"]),
    ("shape", lambda a: a["m"].__setitem__(1, np.zeros((3, 2))), ValueError,
     ["m[1]", "shape (3, 2)", "(2, 3)"]),
    ("shape_0d", lambda a: a["v"].__setitem__(2, np.zeros(1)), ValueError, ["v[2]", "shape"]),
    ("int_dtype", lambda a: a["params"].__setitem__(0, np.arange(4)), TypeError,
     ["params[0]", "int64", "float64, float32, bfloat16 (ml_dtypes) or float16"]),
    ("longdouble", lambda a: a["params"].__setitem__(0, np.zeros(4, np.longdouble)),
     TypeError, ["params[0]", "float128"]),
    ("big_endian", lambda a: a["m"].__setitem__(0, np.zeros(4, ">f8")), TypeError,
     ["m[0]", "native byte order"]),
    ("read_only_params", lambda a: read_only(a["params"][2]), ValueError,
     ["params[2]", "read-only"]),
    ("read_only_m", lambda a: read_only(a["m"][1]), ValueError, ["m[1]", "read-only"]),
    ("read_only_v", lambda a: read_only(a["v"][0]), ValueError, ["v[0]", "read-only"]),
    ("strided", lambda a: a["params"].__setitem__(0, np.zeros(8)[::2]), ValueError,
     ["params[0]", "contiguous"]),
    ("fortran", lambda a: a["v"].__setitem__(1, np.zeros((2, 3), order="F")), ValueError,
     ["v[1]", "contiguous"]),
    ("transposed_grad", lambda a: a["grads"].__setitem__(1, np.zeros((3, 2)).T), ValueError,
     ["grads[1]", "contiguous"]),
    ("list_element", lambda a: a["grads"].__setitem__(0, [0.0] * 4), TypeError,
     ["grads[0]", "numpy.ndarray", "list"]),
    ("scalar_element", lambda a: a["m"].__setitem__(2, 0.0), TypeError,
     ["m[2]", "numpy.ndarray", "float"]),
    ("array_not_list", lambda a: a.__setitem__("params", np.zeros(3)), TypeError,
     ["params", "list", "ndarray"]),
    ("none_list", lambda a: a.__setitem__("v", None), TypeError, ["v", "list"]),
]


@pytest.mark.parametrize("case", TENSOR_CASES, ids=[c[0] for c in TENSOR_CASES])
def test_bad_tensors(case):
    _, corrupt, error, words = case
    args = good_args()
    corrupt(args)
    before = snapshot(args)
    with pytest.raises(error) as info:
        optim_mlir.adamw_step(**args, **GOOD_HYPER)
    for word in words:
        assert word in str(info.value)
    assert_unchanged(args, before)


HYPER_CASES = [
    ("t", 0, ValueError, ["t", ">= 1"]),
    ("t", -5, ValueError, ["t", ">= 1"]),
    ("t", 2.0, TypeError, ["t", "integer", "float"]),
    ("t", True, TypeError, ["t", "integer"]),
    ("t", "3", TypeError, ["t", "integer"]),
    ("t", 2**63, ValueError, ["t", "64 bits"]),
    ("lr", -1e-3, ValueError, ["lr", ">= 0"]),
    ("lr", "0.1", TypeError, ["lr", "real number", "str"]),
    ("lr", float("nan"), ValueError, ["lr", "finite"]),
    ("lr", 10**400, ValueError, ["lr", "finite"]),
    ("beta1", 1.0, ValueError, ["beta1", "[0, 1)"]),
    ("beta1", -0.1, ValueError, ["beta1", "[0, 1)"]),
    ("beta2", 1.5, ValueError, ["beta2", "[0, 1)"]),
    ("beta2", float("inf"), ValueError, ["beta2", "finite"]),
    ("beta1", None, TypeError, ["beta1", "real number", "NoneType"]),
    ("eps", -1e-8, ValueError, ["eps", ">= 0"]),
    ("weight_decay", -0.1, ValueError, ["weight_decay", ">= 0"]),
    ("weight_decay", [0.1], TypeError, ["weight_decay", "real number", "list"]),
]


@pytest.mark.parametrize("case", HYPER_CASES,
                         ids=[f"{c[0]}={c[1]!r:.24}" for c in HYPER_CASES])
def test_bad_hyperparameters(case):
    name, value, error, words = case
    args = good_args()
    before = snapshot(args)
    with pytest.raises(error) as info:
        optim_mlir.adamw_step(**args, **{**GOOD_HYPER, name: value})
    for word in words:
        assert word in str(info.value)
    assert_unchanged(args, before)


def test_last_tensor_bad_leaves_first_untouched():
    # Everything is checked before the kernel runs: tensors 0 and 1 are fine,
    # tensor 2 is not, and nothing moves.
    args = good_args()
    args["m"][2] = read_only(args["m"][2])
    before = snapshot(args)
    with pytest.raises(ValueError, match=r"m\[2\]"):
        optim_mlir.adamw_step(**args, **GOOD_HYPER)
    assert_unchanged(args, before)


def test_extension_checks_the_element_types_it_is_given():
    # The extension trusts the element types the Python layer names only as
    # far as memory safety allows: an array whose width differs from its
    # named type raises before any array of the call changes.
    from optim_mlir import _core

    args = good_args()
    elements = [("f64",) * 4 + ("", "")] * 3
    elements[1] = ("f64", "f32", "f64", "f64", "", "")
    before = snapshot(args)
    with pytest.raises(TypeError, match="grads: not an array of f32 elements"):
        _core.adamw_step(args["params"], args["grads"], args["m"], args["v"], [], [], [], [], [],
                         elements, 3, 1e-2, 0.9, 0.999, 1e-8, 0.1, False, False, [])
    assert_unchanged(args, before)


def test_numpy_scalars_are_accepted():
    args = good_args()
    optim_mlir.adamw_step(**args, t=np.int64(3), lr=np.float32(1e-2), beta1=np.float64(0.9),
                          beta2=0.999, eps=0, weight_decay=0)


def _views(n, *ranges):
    """Float64 views [a, b) of one buffer of n elements."""
    buffer = np.random.default_rng(1).random(n)
    return [buffer[a:b] for a, b in ranges]


# (what aliases what, how, words the message must contain)
ALIAS_CASES = [
    ("m_is_v", lambda a: a["v"].__setitem__(0, a["m"][0]), ["m[0]", "v[0]"]),
    ("param_is_grad", lambda a: a["grads"].__setitem__(1, a["params"][1]),
     ["params[1]", "grads[1]"]),
    ("m_overlaps_param_of_another_tensor",
     lambda a: [a[k].__setitem__(i, x.reshape(a[k][i].shape)) for (k, i), x in
                zip((("params", 0), ("m", 1)), _views(10, (0, 4), (2, 8)))],
     ["params[0]", "m[1]"]),
    ("v_overlaps_grad",
     lambda a: [a[k].__setitem__(0, x) for k, x in
                zip(("v", "grads"), _views(8, (0, 4), (3, 7)))],
     ["v[0]", "grads[0]"]),
]


@pytest.mark.parametrize("case", ALIAS_CASES, ids=[c[0] for c in ALIAS_CASES])
def test_shared_memory(case):
    _, alias, words = case
    args = good_args()
    alias(args)
    before = snapshot(args)
    with pytest.raises(ValueError, match="share memory") as info:
        optim_mlir.adamw_step(**args, **GOOD_HYPER)
    for word in words:
        assert word in str(info.value)
    assert_unchanged(args, before)


def test_disjoint_views_and_shared_grads_are_accepted():
    # Disjoint views of one buffer are separate tensors, and two tensors may
    # read one gradient: the step is the same as on separate arrays.
    rng = np.random.default_rng(2)
    flat = rng.random(8)
    g = rng.random(4)
    moments = [rng.random(4) for _ in range(4)]
    shared = dict(params=[flat[:4], flat[4:]], grads=[g, g],
                  m=moments[:2], v=moments[2:])
    separate = {name: [np.copy(a) for a in arrays] for name, arrays in shared.items()}
    optim_mlir.adamw_step(**shared, **GOOD_HYPER)
    optim_mlir.adamw_step(**separate, **GOOD_HYPER)
    np.testing.assert_array_equal(flat, np.concatenate(separate["params"]))
    for name in ("m", "v"):
        for a, b in zip(shared[name], separate[name]):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", ["lr", "eps", "weight_decay"])
def test_hyperparameter_beyond_float32_is_refused_for_float32_steps(name):
    # A float32 step would round it to inf and turn the parameters into inf
    # or nan; torch refuses such an lr too. float64 steps hold it.
    args = {key: [a.astype(np.float32) for a in arrays]
            for key, arrays in good_args().items()}
    before = snapshot(args)
    with pytest.raises(ValueError, match=rf"{name} is 1e\+39, which float32 cannot hold"):
        optim_mlir.adamw_step(**args, **{**GOOD_HYPER, name: 1e39})
    assert_unchanged(args, before)

    args = good_args()
    optim_mlir.adamw_step(**args, **{**GOOD_HYPER, "lr": 1e-40, name: 1e39})
    assert all(np.isfinite(p).all() for p in args["params"])


def test_optimizer_lr_beyond_float32_is_refused():
    w = np.ones(3, np.float32)
    opt = optim_mlir.AdamW([w], lr=1e39)
    with pytest.raises(ValueError, match=r"param_groups\[0\]\['lr'\] is 1e\+39"):
        opt.step([np.ones(3, np.float32)])
    np.testing.assert_array_equal(w, np.ones(3, np.float32))
    assert not opt.state


@pytest.mark.parametrize("name", ["params", "grads", "m", "v"])
def test_masked_arrays_are_refused(name):
    # The step would update every element and ignore the mask.
    args = good_args()
    args[name][0] = np.ma.masked_array(args[name][0], mask=[0, 1, 0, 0])
    before = snapshot(args)
    with pytest.raises(TypeError, match=rf"{name}\[0\] is a masked array"):
        optim_mlir.adamw_step(**args, **GOOD_HYPER)
    assert_unchanged(args, before)
