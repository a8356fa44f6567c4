#!/usr/bin/env python3
# ===- gen-adamw-bench.py - The GPU AdamW benchmark, as MLIR ---------------===#
#
# Prints an MLIR module that times, on the GPU, with the host clock around
# synchronous calls (each call ends with a stream synchronisation):
#
#   gpt2  the AdamW step of the 148 tensors of GPT-2 small (124,439,808 f32
#         parameters; weight decay 0.1 on matrices, none on biases and
#         LayerNorm), and a kernel that moves the same bytes: it reads param,
#         grad, m and v and writes param, m and v (28 bytes per element) with
#         one addition each, through the same mapping;
#   big   the same two on one tensor of --big-elements elements.
#
# Compile it with `optim-opt --optim-gpu-pipeline=...` (with and without
# `multi-tensor=true`: one launch for the 148 tensors, or one per tensor) and
# run it with `mlir-runner` and liboptim_cuda_runtime.so; bench/gpu/run.sh
# does both. Each result line reads:
#
#   <set> <kernel>: <ms> ms per call, <GB/s> GB/s effective (28 B/element)
#
# ===-----------------------------------------------------------------------===#
import argparse
import math

HIDDEN, LAYERS, VOCAB, CONTEXT = 768, 12, 50257, 1024


def gpt2_small():
    """(name, shape, weight decay) of GPT-2 small's parameters."""
    tensors = [("wte", (VOCAB, HIDDEN), 0.1), ("wpe", (CONTEXT, HIDDEN), 0.1)]
    for layer in range(LAYERS):
        for name, shape in [
            ("ln_1.weight", (HIDDEN,)),
            ("ln_1.bias", (HIDDEN,)),
            ("attn.c_attn.weight", (HIDDEN, 3 * HIDDEN)),
            ("attn.c_attn.bias", (3 * HIDDEN,)),
            ("attn.c_proj.weight", (HIDDEN, HIDDEN)),
            ("attn.c_proj.bias", (HIDDEN,)),
            ("ln_2.weight", (HIDDEN,)),
            ("ln_2.bias", (HIDDEN,)),
            ("mlp.c_fc.weight", (HIDDEN, 4 * HIDDEN)),
            ("mlp.c_fc.bias", (4 * HIDDEN,)),
            ("mlp.c_proj.weight", (4 * HIDDEN, HIDDEN)),
            ("mlp.c_proj.bias", (HIDDEN,)),
        ]:
            tensors.append((f"h.{layer}.{name}", shape, 0.1 if len(shape) == 2 else 0.0))
    tensors += [("ln_f.weight", (HIDDEN,), 0.0), ("ln_f.bias", (HIDDEN,), 0.0)]
    return tensors


def memref(shape):
    return "memref<" + "x".join(str(d) for d in shape) + "xf32>"


def identity_map(rank):
    dims = ", ".join(f"d{i}" for i in range(rank))
    return f"affine_map<({dims}) -> ({dims})>"


class Emitter:
    def __init__(self):
        self.lines = []
        self.counter = 0

    def emit(self, line=""):
        self.lines.append(line)

    def fresh(self, prefix="v"):
        self.counter += 1
        return f"%{prefix}{self.counter}"


def state_args(tensors):
    args = []
    for i, (_, shape, _) in enumerate(tensors):
        for s in "pgmv":
            args.append(f"%{s}{i}: {memref(shape)}")
    return args


def emit_step(e, name, tensors):
    e.emit(f"func.func @{name}({', '.join(state_args(tensors))}, %t: i64, %lr: f32) {{")
    for i, (label, shape, wd) in enumerate(tensors):
        e.emit(f"  // {label}")
        e.emit(
            f"  optim.adamw_step %p{i}, %g{i}, %m{i}, %v{i}, step %t, lr %lr "
            f"{{weight_decay = {wd:.1e} : f64}} : {memref(shape)}"
        )
    e.emit("  return")
    e.emit("}")
    e.emit()


def emit_copy(e, name, tensors):
    """Reads param, grad, m and v, writes param, m and v: AdamW's traffic."""
    e.emit(f"func.func @{name}({', '.join(state_args(tensors))}) {{")
    for i, (_, shape, _) in enumerate(tensors):
        rank = len(shape)
        maps = ", ".join([identity_map(rank)] * 4)
        iterators = ", ".join(['"parallel"'] * rank)
        t = memref(shape)
        e.emit(f"  linalg.generic {{indexing_maps = [{maps}], iterator_types = [{iterators}]}}")
        e.emit(f"      ins(%g{i} : {t}) outs(%p{i}, %m{i}, %v{i} : {t}, {t}, {t}) {{")
        e.emit("  ^bb0(%gi: f32, %pi: f32, %mi: f32, %vi: f32):")
        e.emit("    %pn = arith.addf %pi, %gi : f32")
        e.emit("    %mn = arith.addf %mi, %gi : f32")
        e.emit("    %vn = arith.addf %vi, %gi : f32")
        e.emit("    linalg.yield %pn, %mn, %vn : f32, f32, f32")
        e.emit("  }")
    e.emit("  return")
    e.emit("}")
    e.emit()


def emit_timing(e, label, callee, operands, types, elements, iterations, warmup, with_step):
    """Calls `callee` `warmup` times, then `iterations` times between two
    readings of the host clock, and prints the time and bandwidth."""
    call_types = ", ".join(types + (["i64", "f32"] if with_step else []))

    def loop(count):
        e.emit(f"  scf.for %i = %c0 to {count} step %c1 {{")
        args = list(operands)
        if with_step:
            e.emit("    %i64 = arith.index_cast %i : index to i64")
            e.emit("    %t = arith.addi %i64, %c1_i64 : i64")
            args += ["%t", "%lr"]
        e.emit(f"    func.call @{callee}({', '.join(args)}) : ({call_types}) -> ()")
        e.emit("  }")

    e.emit(f"  // {label}")
    e.emit(f"  %warmup_{callee} = arith.constant {warmup} : index")
    loop(f"%warmup_{callee}")
    start, end = e.fresh("start"), e.fresh("end")
    e.emit(f"  {start} = func.call @rtclock() : () -> f64")
    e.emit(f"  %iterations_{callee} = arith.constant {iterations} : index")
    loop(f"%iterations_{callee}")
    e.emit(f"  {end} = func.call @rtclock() : () -> f64")
    seconds, per_call, ms, gbps = (e.fresh(p) for p in ("seconds", "per_call", "ms", "gbps"))
    e.emit(f"  {seconds} = arith.subf {end}, {start} : f64")
    e.emit(f"  %count_{callee} = arith.constant {float(iterations)} : f64")
    e.emit(f"  {per_call} = arith.divf {seconds}, %count_{callee} : f64")
    e.emit(f"  {ms} = arith.mulf {per_call}, %thousand : f64")
    e.emit(f"  %bytes_{callee} = arith.constant {28.0 * elements} : f64")
    rate = e.fresh("rate")
    e.emit(f"  {rate} = arith.divf %bytes_{callee}, {per_call} : f64")
    e.emit(f"  {gbps} = arith.divf {rate}, %giga : f64")
    e.emit(f'  vector.print str "{label}: "')
    e.emit(f"  vector.print {ms} : f64 punctuation <no_punctuation>")
    e.emit('  vector.print str " ms per call, "')
    e.emit(f"  vector.print {gbps} : f64 punctuation <no_punctuation>")
    e.emit('  vector.print str " GB/s effective (28 B/element)\\n"')


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--iterations", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--big-elements", type=int, default=64 * 1024 * 1024)
    args = parser.parse_args()

    gpt2 = gpt2_small()
    big = [("big", (args.big_elements,), 0.1)]
    gpt2_elements = sum(math.prod(shape) for _, shape, _ in gpt2)

    e = Emitter()
    e.emit("// Generated by bench/gpu/gen-adamw-bench.py.")
    e.emit()
    e.emit("func.func private @rtclock() -> f64")
    e.emit()
    emit_step(e, "step_gpt2", gpt2)
    emit_copy(e, "copy_gpt2", gpt2)
    emit_step(e, "step_big", big)
    emit_copy(e, "copy_big", big)

    e.emit("func.func @main() {")
    e.emit("  %c0 = arith.constant 0 : index")
    e.emit("  %c1 = arith.constant 1 : index")
    e.emit("  %c1_i64 = arith.constant 1 : i64")
    e.emit("  %lr = arith.constant 3.0e-4 : f32")
    e.emit("  %thousand = arith.constant 1000.0 : f64")
    e.emit("  %giga = arith.constant 1.0e9 : f64")
    # Device state, filled with plain values: p = 0.5, g = 0.25, m = 0,
    # v = 0.0625.
    fill = {"p": "5.0e-01", "g": "2.5e-01", "m": "0.0", "v": "6.25e-02"}
    for s, value in fill.items():
        e.emit(f"  %fill_{s} = arith.constant {value} : f32")

    def allocate(prefix, tensors):
        operands, types = [], []
        for i, (_, shape, _) in enumerate(tensors):
            for s in "pgmv":
                name = f"%{prefix}_{s}{i}"
                e.emit(f"  {name} = gpu.alloc () : {memref(shape)}")
                e.emit(f"  gpu.memset {name}, %fill_{s} : {memref(shape)}, f32")
                operands.append(name)
                types.append(memref(shape))
        return operands, types

    def free(operands, types):
        for name, t in zip(operands, types):
            e.emit(f"  gpu.dealloc {name} : {t}")

    operands, types = allocate("gpt2", gpt2)
    emit_timing(e, "gpt2 adamw", "step_gpt2", operands, types, gpt2_elements,
                args.iterations, args.warmup, True)
    emit_timing(e, "gpt2 copy", "copy_gpt2", operands, types, gpt2_elements,
                args.iterations, args.warmup, False)
    free(operands, types)
    operands, types = allocate("big", big)
    emit_timing(e, "big adamw", "step_big", operands, types, args.big_elements,
                args.iterations, args.warmup, True)
    emit_timing(e, "big copy", "copy_big", operands, types, args.big_elements,
                args.iterations, args.warmup, False)
    free(operands, types)
    e.emit("  return")
    e.emit("}")
    print("\n".join(e.lines))


if __name__ == "__main__":
    main()
