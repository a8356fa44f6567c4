#!/usr/bin/env python3
"""How far the compiled f32 step is from a float64 reference, in f32 ulps.

Runs `--steps` f32 steps of optim_mlir.adamw_step and, at every step, the
textbook AdamW formula in float64 from the same f32 state and gradient, and
reports the largest distance between the f32 result and the float64 one over
the whole run, in f32 ulps. p and m can cancel (p*(1-lr*wd) - update,
beta1*m + (1-beta1)*g), so their ulps are taken at the larger of the value
before and after the step, the scale of the operands; v has no cancellation.
torch.optim.AdamW (fused and foreach, f32) is measured the same way when torch
is importable, for scale.

    PYTHONPATH=build/python_packages python3 bench/ulps.py [--steps 1000]
"""

import argparse

import numpy as np

import optim_mlir

HYPER = dict(lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2)


def reference_step(p, g, m, v, t, lr, beta1, beta2, eps, weight_decay):
    """The textbook AdamW step in float64, in place."""
    m[:] = beta1 * m + (1 - beta1) * g
    v[:] = beta2 * v + (1 - beta2) * g * g
    mhat = m / (1 - beta1**t)
    vhat = v / (1 - beta2**t)
    p[:] = p - lr * (mhat / (np.sqrt(vhat) + eps) + weight_decay * p)


def ulps(x32, ref64, before=None):
    """Largest |x - ref| in f32 ulps at max(|ref|, |before|)."""
    scale = np.abs(ref64) if before is None else np.maximum(np.abs(ref64), np.abs(before))
    spacing = np.spacing(scale.astype(np.float32)).astype(np.float64)
    return float(np.max(np.abs(x32.astype(np.float64) - ref64) / spacing))


class Compiled:
    name = "optim_mlir"

    def __init__(self, p):
        self.state = [p.copy(), np.zeros_like(p), np.zeros_like(p)]

    def current(self):
        return self.state

    def step(self, g, t):
        p, m, v = self.state
        optim_mlir.adamw_step([p], [g], [m], [v], t, **HYPER)
        return self.state


class Torch:
    def __init__(self, p, mode):
        import torch

        self.torch = torch
        self.name = f"torch {mode}"
        self.p = torch.tensor(p.copy(), requires_grad=True)
        self.opt = torch.optim.AdamW([self.p], lr=HYPER["lr"],
                                     betas=(HYPER["beta1"], HYPER["beta2"]),
                                     eps=HYPER["eps"],
                                     weight_decay=HYPER["weight_decay"],
                                     **{mode: True})

    def current(self):
        state = self.opt.state.get(self.p)
        if not state:  # before the first step
            zeros = np.zeros_like(self.p.detach().numpy())
            return [self.p.detach().numpy(), zeros, zeros]
        return [self.p.detach().numpy(), state["exp_avg"].numpy(),
                state["exp_avg_sq"].numpy()]

    def step(self, g, t):
        self.p.grad = self.torch.from_numpy(g)
        self.opt.step()
        return self.current()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--elements", type=int, default=100_003)
    args = ap.parse_args()

    rng = np.random.default_rng(0)
    p0 = rng.standard_normal(args.elements).astype(np.float32)
    systems = [Compiled(p0)]
    try:
        systems += [Torch(p0, "fused"), Torch(p0, "foreach")]
    except ImportError:
        print("torch is not importable: measuring optim_mlir only")

    worst = {s.name: [0.0, 0.0, 0.0] for s in systems}
    for t in range(1, args.steps + 1):
        # Gradients of varying scale, so that v spans several binades.
        g = (rng.standard_normal(args.elements)
             * np.exp(rng.uniform(-4, 2, args.elements))).astype(np.float32)
        for s in systems:
            before = [x.astype(np.float64) for x in s.current()]
            ref = [x.copy() for x in before]
            reference_step(ref[0], g.astype(np.float64), ref[1], ref[2], t, **HYPER)
            after = s.step(g, t)
            errs = [ulps(after[0], ref[0], before[0]), ulps(after[1], ref[1], before[1]),
                    ulps(after[2], ref[2])]
            worst[s.name] = [max(a, b) for a, b in zip(worst[s.name], errs)]

    print(f"{args.elements} elements, {args.steps} steps: largest distance of one f32 "
          "step from the float64 step, in f32 ulps")
    print(f"  {'':14s} {'p':>6s} {'m':>6s} {'v':>6s}")
    for name, w in worst.items():
        print(f"  {name:14s} " + " ".join(f"{e:6.2f}" for e in w))


if __name__ == "__main__":
    main()
