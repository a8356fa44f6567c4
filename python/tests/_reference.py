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


def dynamic_map(signed):
    """bitsandbytes' dynamic map (create_dynamic_map), from the definition in
    optim.adamw_step's description: float32 arithmetic, each fused
    multiply-add as one rounding of its exact value (exact in float64 here:
    the products and sums need at most 32 bits)."""
    f32 = np.float32
    data = []
    for k in range(7):
        n = 2**k + 1 if signed else 2**(k + 1) + 1
        step = f32((f32(1) - f32(0.1)) / f32(n - 1))
        j = np.arange(n, dtype=np.float64)
        low = (np.float64(step) * j + np.float64(f32(0.1))).astype(f32)
        high = (-np.float64(step) * (n - 1 - j) + 1.0).astype(f32)
        points = np.where(j < n // 2, low, high)
        x = f32(10.0 ** (k - 6)) * ((points[:-1] + points[1:]) / f32(2))
        data += list(x) + (list(-x) if signed else [])
    return np.sort(np.array(data + [0, 1], dtype=f32))


def nearest_codes(x, code):
    """The index of the code nearest to each x (ties to the lower index),
    and the distance of x from the midpoint it was compared with last."""
    mids = (code[:-1].astype(np.float64) + code[1:]) / 2
    index = np.searchsorted(mids, x, side="left")
    near = np.minimum(np.abs(x - mids[np.minimum(index, 254)]),
                      np.abs(x - mids[np.maximum(index - 1, 0)]))
    return index, near


def dequantize(codes, absmax, code, block):
    """Blockwise 8-bit state to float64: code[c] * absmax of c's block."""
    scale = np.repeat(absmax.astype(np.float64), block)[:codes.size]
    return code[codes.reshape(-1)].astype(np.float64) * scale


def quantize(x, code, block):
    """Float64 values to blockwise codes as optim.adamw_step writes them:
    absmax = the block's largest magnitude (float32), each x the nearest
    code of x / absmax (0 for a block of zeros). Returns (codes, absmax,
    distance of each scaled x from its nearest midpoint)."""
    blocks = -(-x.size // block)
    padded = np.zeros(blocks * block)
    padded[:x.size] = x
    absmax = np.abs(padded).reshape(blocks, block).max(axis=1).astype(np.float32)
    scale = np.repeat(np.where(absmax > 0, 1 / absmax.astype(np.float64), 0), block)
    scaled = np.clip(padded * scale, -1, 1)[:x.size]
    codes, near = nearest_codes(scaled, code)
    return codes.astype(np.uint8), absmax, near


def adamw_8bit(p, g, m_codes, v_codes, m_absmax, v_absmax, t, lr, beta1, beta2, eps,
               weight_decay, block, max_v=None):
    """One AdamW step on 8-bit blockwise moments, in float64: dequantize,
    update, requantize. max_v: None, or amsgrad's (codes, absmax), 8-bit too.
    Returns (p, m codes, v codes, m absmax, v absmax, distance of each scaled
    m and v from its nearest midpoint), and then, with max_v, its (codes,
    absmax, distances)."""
    unsigned = dynamic_map(False)
    m = dequantize(m_codes, m_absmax, dynamic_map(True), block)
    v = dequantize(v_codes, v_absmax, unsigned, block)
    old_max = None if max_v is None else dequantize(*max_v, unsigned, block)
    p, m, v, new_max = adam_options(p.reshape(-1), g.reshape(-1), m, v, old_max, t, lr,
                                    beta1, beta2, eps, weight_decay)
    mc, ma, mnear = quantize(m, dynamic_map(True), block)
    vc, va, vnear = quantize(v, unsigned, block)
    result = (p, mc, vc, ma, va, mnear, vnear)
    if max_v is not None:
        result += quantize(new_max, unsigned, block)
    return result
