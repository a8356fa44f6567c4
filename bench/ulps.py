#!/usr/bin/env python3
"""How far the compiled f32 step drifts from a float64 reference, in ulps.

Runs `--steps` f32 steps of optim_mlir.adamw_step and, side by side, the
textbook AdamW formula in float64 from the same initial f32 values and the
same gradients, and reports the largest distance in f32 ulps between the f32
state and the float64 state rounded to f32: after one step (the rounding of
the step itself) and over the whole run (rounding accumulated through m, v and
p). torch.optim.AdamW (fused and foreach, f32) is measured the same way when
torch is importable, for scale.

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


def ulps(x32, ref64):
    """Largest |x - round_f32(ref)| in units of the f32 spacing at the reference."""
    r = ref64.astype(np.float32)
    spacing = np.spacing(np.abs(r)).astype(np.float64)
    return float(np.max(np.abs(x32.astype(np.float64) - r.astype(np.float64)) / spacing))


class Compiled:
    name = "optim_mlir"

    def __init__(self, p):
        self.state = [p.copy(), np.zeros_like(p), np.zeros_like(p)]

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

    def step(self, g, t):
        self.p.grad = self.torch.from_numpy(g)
        self.opt.step()
        state = self.opt.state[self.p]
        return [self.p.detach().numpy(), state["exp_avg"].numpy(),
                state["exp_avg_sq"].numpy()]


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

    ref = [p0.astype(np.float64), np.zeros(args.elements), np.zeros(args.elements)]
    worst = {s.name: {"first": None, "run": [0.0, 0.0, 0.0]} for s in systems}
    for t in range(1, args.steps + 1):
        # Gradients of varying scale, so that v spans several binades.
        g = (rng.standard_normal(args.elements)
             * np.exp(rng.uniform(-4, 2, args.elements))).astype(np.float32)
        reference_step(*ref, g.astype(np.float64), t, **HYPER)
        for s in systems:
            state = s.step(g, t)
            errs = [ulps(x, r) for x, r in zip(state, ref)]
            w = worst[s.name]
            w["run"] = [max(a, b) for a, b in zip(w["run"], errs)]
            if t == 1:
                w["first"] = errs

    print(f"{args.elements} elements, {args.steps} steps, f32 against the float64 "
          "reference, largest distance in f32 ulps (p, m, v):")
    for name, w in worst.items():
        first = ", ".join(f"{e:.1f}" for e in w["first"])
        run = ", ".join(f"{e:.1f}" for e in w["run"])
        print(f"  {name:14s} after step 1: {first:22s} over the run: {run}")


if __name__ == "__main__":
    main()
