"""Regenerates Inputs/: AdamW steps as torch-mlir and JAX export them, with
the frontend's own results for one step from recorded inputs.

    python3 -m pip install -r requirements.txt && python3 export.py

Each Inputs/<case>.mlir holds the exported linalg-on-tensors function @step
and a @main that calls it on fixed inputs and prints, per output, PASS when
it is within the case's tolerance of what the frontend computed, else FAIL.
The inputs vary what the raising must not depend on: parameter counts and
shapes, f32 and f64, the hyperparameters, and whether there is weight decay.
The negative cases are optimizers that are not AdamW.
"""
import os
import subprocess
import sys

import numpy as np
import torch
import torch.optim.adam as adam

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(1234)


def literal(array, element):
    """A dense attribute of `array` (MLIR accepts nested lists)."""
    def fmt(x):
        return f"{float(x):.17e}" if element.startswith("f") else str(int(x))
    def nest(a):
        if a.ndim == 0:
            return fmt(a)
        return "[" + ", ".join(nest(x) for x in a) + "]"
    return f"dense<{nest(np.asarray(array))}>"


def tensor_type(shape, element):
    return "tensor<" + "".join(f"{d}x" for d in shape) + element + ">"


def error_function(shape, element):
    """@err_<shape>: the largest |a - b| / (|b| + 1e-3) over the elements."""
    n = int(np.prod(shape)) if shape else 1
    name = "err_" + ("x".join(map(str, shape)) or "scalar") + "_" + element
    ty = tensor_type(shape, element)
    flat = tensor_type([n], element)
    collapse = (f"tensor.collapse_shape %a [[{', '.join(map(str, range(len(shape))))}]] "
                f": {ty} into {flat}") if len(shape) > 1 else None
    lines = [f"func.func private @{name}(%a0: {ty}, %b0: {ty}) -> f64 {{"]
    if len(shape) > 1:
        dims = ", ".join(map(str, range(len(shape))))
        lines += [f"  %a = tensor.collapse_shape %a0 [[{dims}]] : {ty} into {flat}",
                  f"  %b = tensor.collapse_shape %b0 [[{dims}]] : {ty} into {flat}"]
    elif len(shape) == 0:
        lines += [f"  %a = tensor.expand_shape %a0 [] output_shape [1] : {ty} into {flat}",
                  f"  %b = tensor.expand_shape %b0 [] output_shape [1] : {ty} into {flat}"]
    else:
        lines += [f"  %a = tensor.cast %a0 : {ty} to {flat}",
                  f"  %b = tensor.cast %b0 : {ty} to {flat}"]
    conv = ("arith.extf {0} : " + element + " to f64") if element == "f32" else None
    lines += [
        "  %c0 = arith.constant 0 : index",
        "  %c1 = arith.constant 1 : index",
        f"  %n = arith.constant {n} : index",
        "  %zero = arith.constant 0.0 : f64",
        "  %floor = arith.constant 1.0e-3 : f64",
        "  %e = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> f64 {",
        f"    %x0 = tensor.extract %a[%i] : {flat}",
        f"    %y0 = tensor.extract %b[%i] : {flat}",
    ]
    if element == "f32":
        lines += ["    %x = arith.extf %x0 : f32 to f64", "    %y = arith.extf %y0 : f32 to f64"]
    elif element == "f64":
        lines += ["    %x = arith.addf %x0, %zero : f64", "    %y = arith.addf %y0, %zero : f64"]
    else:  # integer step counts
        lines += [f"    %x = arith.sitofp %x0 : {element} to f64",
                  f"    %y = arith.sitofp %y0 : {element} to f64"]
    lines += [
        "    %d = arith.subf %x, %y : f64",
        "    %ad = math.absf %d : f64",
        "    %ay = math.absf %y : f64",
        "    %den = arith.addf %ay, %floor : f64",
        "    %r = arith.divf %ad, %den : f64",
        "    %m = arith.maximumf %acc, %r : f64",
        "    scf.yield %m : f64",
        "  }",
        "  return %e : f64",
        "}",
    ]
    return name, "\n".join(lines)


def main_function(args, results, expected, tolerance):
    """@main: @step on `args`, each result compared with `expected`."""
    lines = ["func.func @main() {"]
    errs, names = [], []
    for i, (a, (shape, element)) in enumerate(args):
        lines.append(f"  %in{i} = arith.constant {literal(a, element)} : "
                     f"{tensor_type(shape, element)}")
    ins = ", ".join(f"%in{i}" for i in range(len(args)))
    in_types = ", ".join(tensor_type(s, e) for _, (s, e) in args)
    out_types = ", ".join(tensor_type(s, e) for s, e in results)
    lines.append(f"  %out:{len(results)} = func.call @step({ins}) : ({in_types}) -> ({out_types})")
    lines.append(f"  %tol = arith.constant {tolerance:.1e} : f64")
    for i, (x, (shape, element)) in enumerate(zip(expected, results)):
        name, text = error_function(shape, element)
        if name not in names:
            names.append(name)
            errs.append(text)
        ty = tensor_type(shape, element)
        lines += [
            f"  %want{i} = arith.constant {literal(x, element)} : {ty}",
            f"  %err{i} = func.call @{name}(%out#{i}, %want{i}) : ({ty}, {ty}) -> f64",
            f"  %ok{i} = arith.cmpf ole, %err{i}, %tol : f64",
            f"  scf.if %ok{i} {{ vector.print str \"PASS\\n\" }} "
            f"else {{ vector.print str \"FAIL\\n\" }}",
        ]
    lines += ["  return", "}"]
    return "\n".join(errs + lines)


def torch_case(name, shapes, dtype, lr, betas, eps, weight_decay, *, decoupled=True,
               amsgrad=False, step_fn=None, count=3.0, capturable=False):
    """A torch step over parameters of `shapes`: arguments p, g, m, v, step
    per parameter (and with `capturable`, the learning rate as a 0-d f32
    tensor, last); results the new p, m, v and step per parameter. torch
    refuses a capturable step on the CPU, so the results recorded for it are
    the default branch's, the same AdamW."""
    from torch_mlir import fx
    k = len(shapes)

    def default_step(ps, gs, ms, vs, steps, maxs, lr=lr, capturable=False):
        adam.adam(ps, gs, ms, vs, maxs, steps, foreach=False, capturable=capturable,
                  decoupled_weight_decay=decoupled, amsgrad=amsgrad, lr=lr, beta1=betas[0],
                  beta2=betas[1], weight_decay=weight_decay, eps=eps, maximize=False)

    class Step(torch.nn.Module):
        def __init__(self, capturable):
            super().__init__()
            self.capturable = capturable

        def forward(self, *flat):
            ps = [flat[5 * i].clone() for i in range(k)]
            gs = [flat[5 * i + 1] for i in range(k)]
            ms = [flat[5 * i + 2].clone() for i in range(k)]
            vs = [flat[5 * i + 3].clone() for i in range(k)]
            steps = [flat[5 * i + 4].clone() for i in range(k)]
            maxs = [v.clone() for v in vs] if amsgrad else []
            if self.capturable:
                default_step(ps, gs, ms, vs, steps, maxs, lr=flat[-1], capturable=True)
            else:
                (step_fn or default_step)(ps, gs, ms, vs, steps, maxs)
            return tuple(x for i in range(k) for x in (ps[i], ms[i], vs[i], steps[i]))

    element = "f64" if dtype is torch.float64 else "f32"
    flat, args = [], []
    for shape in shapes:
        for kind in ("p", "g", "m", "v"):
            x = rng.standard_normal(shape)
            if kind == "v":
                x = np.abs(x) * 0.01
            if kind == "m":
                x = x * 0.1
            flat.append(torch.tensor(x, dtype=dtype))
            args.append((flat[-1].numpy(), (list(shape), element)))
        flat.append(torch.tensor(count))
        args.append((np.array(count), ([], "f32")))
    if capturable:
        flat.append(torch.tensor(lr))
        args.append((np.array(lr), ([], "f32")))
    module = fx.export_and_import(Step(capturable), *flat, output_type="linalg-on-tensors",
                                  func_name="step")
    outputs = Step(False)(*flat)
    results = [(list(o.shape), "f32" if o.dtype is torch.float32 else "f64") for o in outputs]
    # The exported program computes parts of an f64 step in f32 (its step
    # count is an f32 tensor), unlike torch's eager step: f32 tolerance.
    return str(module), main_function(args, results, [o.numpy() for o in outputs], 1e-5)


def optax_case(name, shapes, lr, b1, b2, eps, weight_decay, count=3):
    """An optax.adamw update over parameters of `shapes`, through StableHLO."""
    import jax
    import jax.numpy as jnp
    import optax
    opt = optax.adamw(lr, b1=b1, b2=b2, eps=eps, weight_decay=weight_decay)
    params = {f"w{i}": jnp.asarray(rng.standard_normal(s), jnp.float32)
              for i, s in enumerate(shapes)}
    grads = {k: jnp.asarray(rng.standard_normal(v.shape), jnp.float32) for k, v in params.items()}
    state = opt.init(params)
    mu = {k: jnp.asarray(rng.standard_normal(v.shape) * 0.1, jnp.float32) for k, v in params.items()}
    nu = {k: jnp.asarray(np.abs(rng.standard_normal(v.shape)) * 0.01, jnp.float32)
          for k, v in params.items()}
    state = (state[0]._replace(count=jnp.asarray(count, jnp.int32), mu=mu, nu=nu),) + state[1:]

    def step(params, grads, state):
        updates, state = opt.update(grads, state, params)
        return optax.apply_updates(params, updates), state

    lowered = jax.jit(step).lower(params, grads, state)
    stablehlo = lowered.as_text()
    linalg = subprocess.run(["torch-mlir-opt", "--stablehlo-legalize-to-linalg", "--inline",
                             "--canonicalize"], input=stablehlo, capture_output=True,
                            text=True, check=True).stdout
    # The exported function is @main; the checks' is @main too.
    linalg = linalg.replace("func.func public @main(", "func.func @step(")
    flat_in, _ = jax.tree_util.tree_flatten((params, grads, state))
    out = step(params, grads, state)
    flat_out, _ = jax.tree_util.tree_flatten(out)
    def describe(x):
        x = np.asarray(x)
        return (x, (list(x.shape), "i32" if x.dtype == np.int32 else "f32"))
    args = [describe(x) for x in flat_in]
    results = [describe(x)[1] for x in flat_out]
    return linalg, main_function(args, results, [np.asarray(x) for x in flat_out], 1e-5)


def decay_and_moments(p, g, m, v, s, lr, betas, weight_decay):
    """The first half of torch's AdamW step, in place: the count, the
    decoupled decay and the moments."""
    s.add_(1)
    p.mul_(1 - lr * weight_decay)
    m.lerp_(g, 1 - betas[0])
    v.mul_(betas[1]).addcmul_(g, g, value=1 - betas[1])


def no_bias_correction(lr, betas, eps, weight_decay):
    """AdamW without its bias corrections: Adam's first paper version."""
    def step(ps, gs, ms, vs, steps, maxs):
        for p, g, m, v, s in zip(ps, gs, ms, vs, steps):
            decay_and_moments(p, g, m, v, s, lr, betas, weight_decay)
            p.addcdiv_(m, v.sqrt().add_(eps), value=-lr)
    return step


def mismatched_betas(lr, betas, eps, weight_decay):
    """AdamW whose first bias correction uses 0.95 where the moment uses
    beta1."""
    def step(ps, gs, ms, vs, steps, maxs):
        for p, g, m, v, s in zip(ps, gs, ms, vs, steps):
            decay_and_moments(p, g, m, v, s, lr, betas, weight_decay)
            bc1 = 1 - 0.95 ** s
            bc2 = 1 - betas[1] ** s
            denom = (v.sqrt() / bc2.sqrt()).add_(eps)
            p.sub_(m / denom * (lr / bc1))
    return step


CASES = {
    # name: (text of @step, text of @main), what the raise must do
    "torch-adamw-f32": lambda: torch_case("torch-adamw-f32", [(4, 8), (16,)], torch.float32,
                                          1e-3, (0.9, 0.999), 1e-8, 1e-2),
    "torch-adamw-f64": lambda: torch_case("torch-adamw-f64", [(3, 5), (2, 2, 3), (7,)],
                                          torch.float64, 2e-3, (0.8, 0.99), 1e-6, 0.0),
    "torch-adamw-capturable-f32": lambda: torch_case(
        "torch-adamw-capturable-f32", [(4, 8), (6,)], torch.float32, 1e-3, (0.9, 0.999), 1e-8,
        1e-2, capturable=True),
    "optax-adamw-f32": lambda: optax_case("optax-adamw-f32", [(4, 8), (5,)],
                                          1e-3, 0.9, 0.999, 1e-8, 1e-4),
    "torch-adam-l2": lambda: torch_case("torch-adam-l2", [(4, 8)], torch.float32,
                                        1e-3, (0.9, 0.999), 1e-8, 0.1, decoupled=False),
    "torch-amsgrad": lambda: torch_case("torch-amsgrad", [(4, 8)], torch.float32,
                                        1e-3, (0.9, 0.999), 1e-8, 1e-2, amsgrad=True),
    "torch-no-bias-correction": lambda: torch_case(
        "torch-no-bias-correction", [(4, 8)], torch.float32, 1e-3, (0.9, 0.999), 1e-8, 1e-2,
        step_fn=no_bias_correction(1e-3, (0.9, 0.999), 1e-8, 1e-2)),
    "torch-mismatched-betas": lambda: torch_case(
        "torch-mismatched-betas", [(4, 8)], torch.float32, 1e-3, (0.9, 0.999), 1e-8, 1e-2,
        step_fn=mismatched_betas(1e-3, (0.9, 0.999), 1e-8, 1e-2)),
}


def main():
    names = sys.argv[1:] or list(CASES)
    for name in names:
        step, checks = CASES[name]()
        path = os.path.join(HERE, "Inputs", name + ".mlir")
        with open(path, "w") as f:
            f.write(f"// Generated by export.py ({name}); regenerate rather than edit.\n")
            # The checks go inside the exported module, beside @step.
            body = step.strip()
            assert body.endswith("}")
            f.write(body[:-1] + checks + "\n}\n")
        print("wrote", path)


if __name__ == "__main__":
    main()
