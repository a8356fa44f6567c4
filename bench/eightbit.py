#!/usr/bin/env python3
"""8-bit optimizer benchmark: optim_mlir.torch.AdamW8bit (f32 parameters and
gradients, 8-bit moments in blocks of 256) against a probe that moves its
bytes, bitsandbytes' and torchao's AdamW8bit on the CPU, and torch's fused
float32 AdamW, from Python.

Run it through bench/run.sh, which builds the project first:

    bench/run.sh 8bit            full run: results/eightbit.json, docs/benchmarks.md
    bench/run.sh 8bit --smoke    tiny sizes, 2 repetitions

Every system steps its own copy of the same parameters with the same
gradients through `optimizer.step()`, interleaved round-robin in one run, at
each thread count (`torch.set_num_threads`; the probe takes the count
itself). A step with 8-bit moments moves 16 bytes per element: p and g read
(8), p written (4), each moment's code read and written (4), plus 16 bytes
of absmax per block of 256; torch's float32 step moves 28.
"""

import ctypes
import os

import run as bench
import peers

LR, BETAS, EPS, WEIGHT_DECAY = 1e-3, (0.9, 0.999), 1e-8, 1e-2
BLOCK = 256
BYTES_PER_ELEMENT = 16 + 16 / BLOCK
SYSTEMS = {"probe": "probe", "optim_mlir": "optim_mlir AdamW8bit",
           "bitsandbytes": "bitsandbytes AdamW8bit", "torchao": "torchao AdamW8bit",
           "torch_fused": "torch fused f32"}
PEERS = ["bitsandbytes", "torchao", "torch_fused"]
# Optimizer-state bytes per parameter element: two 1-byte codes and two f32
# absmax per block; torch keeps two f32 moments.
STATE_BYTES = {"optim_mlir": 2 + 8 / BLOCK, "bitsandbytes": 2 + 8 / BLOCK,
               "torchao": 2 + 8 / BLOCK, "torch_fused": 8}
# A tensor below this many elements stays on one thread in the probe, as in
# optim_mlir's split (python/src: kElementsPerThread).
THRESHOLD = 1 << 16


def cases(smoke):
    model = bench.MODELS["gpt2-tiny" if smoke else "gpt2"]
    gpt2 = [bench.elements(s) for s in model]
    if smoke:
        return [("GPT-2 tiny", gpt2), ("100003", [100003])]
    return [("GPT-2", gpt2), ("16M", [16 << 20]), ("64M", [64 << 20])]


def build_probe(gen):
    lib = gen / "libeightbit.so"
    bench.run([bench.LLVM / "bin/clang++", "-std=c++17", "-O3", "-march=native", "-fopenmp",
               "-shared", "-fPIC", f"-I{bench.BENCH}", bench.BENCH / "eightbit.cpp", "-o", lib])
    probe = peers._load(lib).optim_bench_8bit_probe
    probe.argtypes = [ctypes.c_void_p] * 7 + [ctypes.c_int64, ctypes.c_int, ctypes.c_int64,
                                              ctypes.c_int64, ctypes.c_int64]
    probe.restype = None
    return probe


def make_systems(torch, sizes, absent, min_8bit_size):
    """{system: step()} over copies of one set of parameters and gradients;
    every optimizer has taken its first step (its state exists)."""
    import numpy as np
    import optim_mlir.torch as otorch  # the build's (main puts it first on the path)
    gen = torch.Generator().manual_seed(0)
    base = [torch.randn(n, generator=gen) for n in sizes]
    grads = [0.01 * torch.randn(n, generator=gen) for n in sizes]

    def params():
        ps = [torch.nn.Parameter(b.clone()) for b in base]
        for p, g in zip(ps, grads):
            p.grad = g
        return ps

    hyper = dict(lr=LR, betas=BETAS, eps=EPS, weight_decay=WEIGHT_DECAY)

    def bitsandbytes():
        import bitsandbytes as bnb
        return bnb.optim.AdamW8bit(params(), min_8bit_size=min_8bit_size, **hyper)

    def torchao():
        from torchao.optim import AdamW8bit
        return AdamW8bit(params(), block_size=BLOCK, **hyper)

    makers = {"optim_mlir": lambda: otorch.AdamW8bit(params(), min_8bit_size=min_8bit_size,
                                                      **hyper),
              "bitsandbytes": bitsandbytes, "torchao": torchao,
              "torch_fused": lambda: torch.optim.AdamW(params(), fused=True, **hyper)}
    systems, keep = {}, []
    for name, make in makers.items():
        try:
            opt = make()
            opt.step()  # creates the state; fails here if the system cannot run
            systems[name] = opt.step
            keep.append(opt)
        except Exception as err:  # an absent or unbuildable peer is reported, not fatal
            absent[name] = f"{type(err).__name__}: {err}"
    # The probe's own buffers, of the same sizes.
    arrays = [[np.zeros(n, dt) for n in sizes] for dt in (np.float32, np.float32, np.uint8,
                                                          np.uint8)]
    arrays += [[np.zeros(-(-n // BLOCK), np.float32) for n in sizes] for _ in range(2)]
    tables = [np.array([a.ctypes.data for a in column], np.uintp) for column in arrays]
    counts = np.array(sizes, np.int64)
    return systems, (arrays, tables, counts)


def probe_run(probe, buffers, threads):
    _, tables, counts = buffers

    def run(count):
        probe(*(t.ctypes.data for t in tables), counts.ctypes.data, len(counts), threads,
              THRESHOLD, BLOCK, count)
    return run


def evaluate_targets(rows):
    label = lambda r: f"{r['case']} T={r['threads']}"
    targets = []
    large = [r for r in rows if r["case"] in ("16M", "64M")]
    items, intervals = bench.paired_items(large, "probe", "optim_mlir", label)
    targets.append(bench.judge(">= 0.80 of the probe from 16M elements, 1 and 2 threads",
                               items, "{:.0%}".format, 0.80, intervals=intervals))
    gpt2 = [r for r in rows if r["case"] == "GPT-2" and r["threads"] == 2]
    for peer, bound in (("bitsandbytes", 30.0), ("torch_fused", 1.4)):
        items, intervals = bench.paired_items(gpt2, peer, "optim_mlir", label)
        targets.append(bench.judge(f">= {bound:g}x {SYSTEMS[peer]} on GPT-2 small, 2 threads",
                                   items, "{:.2f}x".format, bound, intervals=intervals))
    return targets


def markdown(rows, meta, targets):
    m = meta["machine"]
    v = meta["versions"]
    lines = [f"Produced by `{meta['command']}` on {meta['date']} (revision {m['revision']}), "
             f"{m['cpu']}, {meta['reps']} rounds after {meta['warmup']} warm-up steps; torch "
             f"{v['torch']}, bitsandbytes {v['bitsandbytes'] or 'absent'}, torchao "
             f"{v['torchao'] or 'absent'}. Milliseconds per step (median); GB/s counts "
             f"{BYTES_PER_ELEMENT:.4g} bytes per element for the probe and optim_mlir; a ratio "
             "is the peer's time over optim_mlir's in the same rounds (above 1: optim_mlir "
             "is faster).", ""]
    for system, reason in sorted(meta["absent"].items()):
        lines.append(f"- {system} absent: {reason}")
    if meta["absent"]:
        lines.append("")
    lines += ["| case | threads | " + " | ".join(SYSTEMS.values())
              + " | optim_mlir GB/s | % of probe | "
              + " | ".join(f"vs {SYSTEMS[p]}" for p in PEERS) + " |",
              "|---" * (4 + len(SYSTEMS) + len(PEERS)) + "|"]
    for r in rows:
        s = r["systems"]
        ms, ratios = bench.peer_cells(s, SYSTEMS, PEERS)
        ours = s.get("optim_mlir", {})
        gbs = f"{BYTES_PER_ELEMENT * r['elements'] / ours['median_ns']:.1f}" if ours else "-"
        of_probe = f"{ours['of_probe']:.0%}" if "of_probe" in ours else "-"
        lines.append("| " + " | ".join([r["case"], str(r["threads"])] + ms + [gbs, of_probe]
                                       + ratios) + " |")
    lines += ["", "Optimizer state, bytes per parameter element: "
              + ", ".join(f"{SYSTEMS[k]} {b:.3g}" for k, b in STATE_BYTES.items()) + ".", ""]
    lines += bench.targets_table(targets)
    return "\n".join(lines) + "\n"


def main():
    setup = bench.torch_suite(__doc__.split("\n\n")[0], "eightbit", 9, "8-bit")
    if setup is None:
        return
    args, torch, optim_opt, threads, reps, warmup = setup
    gen = optim_opt.parent.parent / "bench"  # the build's
    gen.mkdir(parents=True, exist_ok=True)
    probe = build_probe(gen)

    rows, absent = [], {}
    for case, sizes in cases(args.smoke):
        if args.sizes and case not in args.sizes.split(","):
            continue
        # GPT-2's small tensors (biases, norms) keep 32-bit state in every
        # 8-bit optimizer, as bitsandbytes' default min_8bit_size does.
        systems, buffers = make_systems(torch, sizes, absent, 4096)
        for t in threads:
            torch.set_num_threads(t)
            bench.log(f"{case} ({len(sizes)} tensors, {sum(sizes):,} elements) T={t}")
            runs = {"probe": probe_run(probe, buffers, t)}
            runs.update({name: peers._repeat(step) for name, step in systems.items()})
            result = peers.round_robin(runs, reps, warmup, 1)
            ours = result.get("optim_mlir")
            if ours:
                ours["of_probe"], _ = bench.paired_ratio(result["probe"]["samples_ns"],
                                                         ours["samples_ns"])
                for peer in PEERS:
                    if peer in result:
                        result[peer]["speedup"], _ = bench.paired_ratio(
                            result[peer]["samples_ns"], ours["samples_ns"])
            rows.append({"case": case, "tensors": len(sizes), "elements": sum(sizes),
                         "threads": t, "systems": result})
            bench.log("  " + ", ".join(f"{k} {s['median_ns'] / 1e6:.1f} ms"
                                        for k, s in result.items()))
        del systems, buffers

    meta = bench.suite_meta("8bit", optim_opt, ("torch", "bitsandbytes", "torchao"), threads,
                            reps, warmup, absent, state_bytes=STATE_BYTES)
    targets = evaluate_targets(rows)
    write_doc = not args.smoke and not args.no_doc
    bench.report("eightbit-smoke" if args.smoke else "eightbit", meta, targets, rows,
                 ("eightbit", markdown(rows, meta, targets)) if write_doc else None)


if __name__ == "__main__":
    os.environ.setdefault("KMP_BLOCKTIME", "1")
    main()
