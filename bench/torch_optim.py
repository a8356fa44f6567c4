#!/usr/bin/env python3
"""torch optimizer benchmark: optim_mlir.torch.AdamW against torch's fused
and foreach AdamW and DeepSpeed's CPU Adam, from Python, on CPU tensors.

Run it through bench/run.sh, which builds the project first:

    bench/run.sh torch            full run: results/torch.json, docs/benchmarks.md
    bench/run.sh torch --smoke    tiny models, 2 repetitions

Every system steps its own copy of the same parameters, with the same
gradients, through `optimizer.step()` as a training loop calls it (each
creates its state at a warm-up step), interleaved round-robin in one run, at
each thread count (`torch.set_num_threads`, which GNU OpenMP's torch and
DeepSpeed follow). The models: GPT-2 small's 148 tensors, 600 tensors of 64K
elements, and one tensor as large as GPT-2 small. In bf16, torch and
optim_mlir keep bf16 states (torch's fused kernel computes in f32), while
DeepSpeed keeps f32 states, so it moves 22 bytes per element where the
others move 14. The per-tensor cost of a step is timed on 600 tensors of 16
elements.
"""

import os

import run as bench
import peers

LR, BETAS, EPS, WEIGHT_DECAY = 1e-3, (0.9, 0.999), 1e-8, 1e-2
SYSTEMS = {"optim_mlir": "optim_mlir.torch.AdamW", "torch_fused": "torch fused",
           "torch_foreach": "torch foreach", "deepspeed": "DeepSpeed CPU Adam"}
PEERS = ["torch_fused", "torch_foreach", "deepspeed"]


def cases(smoke):
    """(label, tensor sizes) of every case."""
    model = bench.MODELS["gpt2-tiny" if smoke else "gpt2"]
    gpt2 = [bench.elements(s) for s in model]
    many = [4 << 10] * 20 if smoke else [64 << 10] * 600
    return [("GPT-2 tiny" if smoke else "GPT-2", gpt2),
            (f"{len(many)}x{many[0] >> 10}K", many),
            ("one tensor of GPT-2's size", [sum(gpt2)])]


def make_systems(torch, sizes, dtype, absent):
    """{system: optimizer} over copies of one set of parameters and gradients."""
    import optim_mlir.torch as otorch  # the build's (main puts it first on the path)
    gen = torch.Generator().manual_seed(0)
    base = [torch.randn(n, generator=gen).to(dtype) for n in sizes]
    grads = [0.01 * torch.randn(n, generator=gen).to(dtype) for n in sizes]

    def params():
        ps = [torch.nn.Parameter(b.clone()) for b in base]
        for p, g in zip(ps, grads):
            p.grad = g
        return ps

    hyper = dict(lr=LR, betas=BETAS, eps=EPS, weight_decay=WEIGHT_DECAY)
    makers = {"optim_mlir": lambda: otorch.AdamW(params(), **hyper),
              "torch_fused": lambda: torch.optim.AdamW(params(), fused=True, **hyper),
              "torch_foreach": lambda: torch.optim.AdamW(params(), foreach=True, **hyper)}

    def deepspeed():
        from deepspeed.ops.adam import DeepSpeedCPUAdam
        return DeepSpeedCPUAdam(params(), adamw_mode=True, fp32_optimizer_states=True, **hyper)
    makers["deepspeed"] = deepspeed
    systems = {}
    for name, make in makers.items():
        try:
            opt = make()
            opt.step()  # creates the state; fails here if the system cannot run
            systems[name] = opt
        except Exception as err:  # an absent or unbuildable peer is reported, not fatal
            absent[name] = f"{type(err).__name__}: {err}"
    return systems


def per_tensor_overhead(torch, reps):
    """Seconds per tensor of one optim_mlir.torch step on 600 tensors of 16
    f32 elements, where the arithmetic is negligible."""
    systems = make_systems(torch, [16] * 600, torch.float32, {})
    result = peers.round_robin({"optim_mlir": peers._repeat(systems["optim_mlir"].step)},
                               reps, 2, 20)
    return result["optim_mlir"]["median_ns"] / 600 * 1e-9


def evaluate_targets(rows, overhead_s):
    label = lambda r: f"{r['dtype']} {r['case']} T={r['threads']}"
    times = "{:.2f}x".format
    targets = []

    def target(name, rows, peer, bound):
        items, intervals = bench.paired_items(rows, peer, "optim_mlir", label)
        targets.append(bench.judge(name, items, times, bound, intervals=intervals))

    models = [r for r in rows if not r["case"].startswith("one tensor")]
    target(">= 1.0x torch fused in every configuration", models, "torch_fused", 1.0)
    target(">= 1.5x torch fused on the 600-tensor model",
           [r for r in rows if r["case"].startswith("600x")], "torch_fused", 1.5)
    targets.append(bench.judge("Python overhead per tensor per step < 1 us",
                               [("600 tensors of 16 elements", overhead_s * 1e6)],
                               "{:.2f} us".format, 1.0, upper=True))
    whole = []
    for r in rows:
        if r["case"].startswith("GPT-2") and r["threads"] == 2:
            one = next((o for o in rows if o["case"].startswith("one tensor")
                        and o["dtype"] == r["dtype"] and o["threads"] == 2), None)
            if one and "optim_mlir" in r["systems"] and "optim_mlir" in one["systems"]:
                whole.append((f"{r['dtype']} T=2", r["systems"]["optim_mlir"]["median_ns"]
                               / one["systems"]["optim_mlir"]["median_ns"]))
    targets.append(bench.judge("whole-model step within 5% of one tensor of its size, 2 threads",
                               whole, "{:.3f}".format, 1.05, upper=True))
    return targets


def markdown(rows, meta, targets):
    m = meta["machine"]
    lines = [f"Produced by `{meta['command']}` on {meta['date']} (revision {m['revision']}), "
             f"{m['cpu']}, {meta['reps']} rounds after {meta['warmup']} warm-up steps; torch "
             f"{meta['versions']['torch']}, DeepSpeed {meta['versions']['deepspeed'] or 'absent'}. "
             "Milliseconds per step (median); a ratio is the peer's time over "
             "optim_mlir's, in the same rounds (above 1: optim_mlir is faster).", ""]
    for system, reason in sorted(meta["absent"].items()):
        lines.append(f"- {system} absent: {reason}")
    if meta["absent"]:
        lines.append("")
    lines += ["| dtype | case | threads | " + " | ".join(SYSTEMS.values()) + " | "
              + " | ".join(f"vs {SYSTEMS[p]}" for p in PEERS) + " |",
              "|---" * (3 + len(SYSTEMS) + len(PEERS)) + "|"]
    for r in rows:
        s = r["systems"]
        ms, ratios = bench.peer_cells(s, SYSTEMS, PEERS)
        lines.append("| " + " | ".join([r["dtype"], r["case"], str(r["threads"])] + ms + ratios)
                     + " |")
    lines += ["", f"Python overhead of an optim_mlir.torch step: "
              f"{meta['overhead_s'] * 1e6:.2f} us per tensor (600 tensors of 16 elements).", ""]
    lines += bench.targets_table(targets)
    return "\n".join(lines) + "\n"


def main():
    setup = bench.torch_suite(__doc__.split("\n\n")[0], "torch", 11, "torch optimizer")
    if setup is None:
        return
    args, torch, optim_opt, threads, reps, warmup = setup
    dtypes = {"f32": torch.float32, "bf16": torch.bfloat16}

    rows, absent = [], {}
    for dtype_name, dtype in dtypes.items():
        for case, sizes in cases(args.smoke):
            if args.sizes and case not in args.sizes.split(","):
                continue
            systems = make_systems(torch, sizes, dtype, absent)
            for t in threads:
                torch.set_num_threads(t)
                bench.log(f"{dtype_name} {case} ({len(sizes)} tensors, {sum(sizes):,} "
                          f"elements) T={t}")
                runs = {name: peers._repeat(opt.step) for name, opt in systems.items()}
                result = peers.round_robin(runs, reps, warmup, 1)
                for peer in PEERS:
                    if peer in result and "optim_mlir" in result:
                        result[peer]["speedup"], _ = bench.paired_ratio(
                            result[peer]["samples_ns"], result["optim_mlir"]["samples_ns"])
                rows.append({"dtype": dtype_name, "case": case, "tensors": len(sizes),
                             "elements": sum(sizes), "threads": t, "systems": result})
                bench.log("  " + ", ".join(f"{k} {s['median_ns'] / 1e6:.1f} ms"
                                            for k, s in result.items()))
            del systems
    overhead_s = per_tensor_overhead(torch, reps)
    bench.log(f"optim_mlir.torch: {overhead_s * 1e6:.2f} us per tensor")

    meta = bench.suite_meta("torch", optim_opt, ("torch", "deepspeed"), threads, reps, warmup,
                            absent, overhead_s=overhead_s)
    targets = evaluate_targets(rows, overhead_s)
    write_doc = not args.smoke and not args.no_doc
    bench.report("torch-smoke" if args.smoke else "torch", meta, targets, rows,
                 ("torch", markdown(rows, meta, targets)) if write_doc else None)


if __name__ == "__main__":
    os.environ.setdefault("KMP_BLOCKTIME", "1")
    main()
