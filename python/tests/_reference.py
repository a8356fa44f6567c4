"""Independent numpy references for the optim_mlir tests (float64)."""

import numpy as np


def adamw(p, g, m, v, t, lr, beta1, beta2, eps, weight_decay):
    """One AdamW step, written as the formula reads; returns new (p, m, v)."""
    p, g, m, v = (np.array(x, dtype=np.float64) for x in (p, g, m, v))
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    p = p - lr * (m_hat / (np.sqrt(v_hat) + eps) + weight_decay * p)
    return p, m, v


def adam_l2(p, g, m, v, t, lr, beta1, beta2, eps, weight_decay):
    """One step of Adam with coupled L2 (the decay folded into the gradient),
    as legacy torch.optim.Adam(weight_decay=...) does; returns (p, m, v)."""
    p, g, m, v = (np.array(x, dtype=np.float64) for x in (p, g, m, v))
    g = g + weight_decay * p
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
    return p, m, v


def assert_close(actual, expected, dtype):
    """float64: 1e-9 absolute; float32: 1e-5 relative (plus a tiny absolute
    floor for entries that are almost 0)."""
    if np.dtype(dtype) == np.float64:
        np.testing.assert_allclose(actual, expected, rtol=0, atol=1e-9)
    else:
        np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-7)


def adam_options(p, g, m, v, max_v, t, lr, beta1, beta2, eps, weight_decay, *,
                 maximize=False, decoupled=True):
    """One step of torch's Adam/AdamW with its options, as torch documents
    the algorithm: maximize negates g; L2 decay (decoupled=False) adds
    weight_decay * p to g; with max_v (amsgrad, None without) the
    denominator uses max(max_v, v). Returns new (p, m, v, max_v)."""
    p, g, m, v = (np.array(x, dtype=np.float64) for x in (p, g, m, v))
    if maximize:
        g = -g
    if not decoupled:
        g = g + weight_decay * p
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    if max_v is not None:
        max_v = np.maximum(np.array(max_v, dtype=np.float64), v)
    m_hat = m / (1 - beta1**t)
    v_hat = (v if max_v is None else max_v) / (1 - beta2**t)
    decay = weight_decay * p if decoupled else 0.0
    p = p - lr * (m_hat / (np.sqrt(v_hat) + eps) + decay)
    return p, m, v, max_v
