#!/usr/bin/env python3
"""Prints the benchmark table (with ratios and targets) from the RESULT lines bench/run.sh collected."""
import sys

r = {}
skip = None
for line in open(sys.argv[1]):
    if line.startswith("RESULT "):
        _, k, v = line.split()
        v = float(v)
        # repeated rounds: a round's step time and its phases are kept together, from the round with the lower median
        if "gemm_" in k and k in r:  # the matrix products alone: the best round
            if k.endswith("_ms") and r[k] <= v:
                continue
            if k.endswith("_gflops") and r[k] >= v:
                continue
        if k.endswith("_ms_per_step") and k in r and r[k] <= v:
            skip = k[: -len("_ms_per_step")]
            continue
        if k.endswith("_ms_per_step"):
            skip = None
        elif skip and k.startswith(skip + "_"):
            continue
        r[k] = v


def g(k):
    return r.get(k, float("nan"))


print("\n== training step, ms (lower is better); target: dynalens <= 0.7 x PyTorch eager at equal threads ==")
print(f"{'model':<22}{'threads':>8}{'dynalens':>11}{'torch':>11}{'ratio':>8}  target   torch all-positions")
for model in ("grokking", "induction"):
    for t in (1, 2):
        d, p = g(f"{model}_t{t}_ms_per_step"), g(f"torch_{model}_t{t}_ms_per_step")
        ratio = d / p
        allpos = g(f"torch_{model}_allpos_t{t}_ms_per_step")
        extra = f"{allpos:10.1f}" if model == "grokking" else ""
        print(f"{model:<22}{t:>8}{d:>11.1f}{p:>11.1f}{ratio:>8.2f}  {'met' if ratio <= 0.7 else 'MISSED':<8}{extra}")

print("\n== phases, ms per step (dynalens: forward | loss | backward | optimizer; torch: forward+loss | backward | optimizer) ==")
for model in ("grokking", "induction"):
    for t in (1, 2):
        d = [g(f"{model}_t{t}_{p}_ms") for p in ("forward", "loss", "backward", "optimizer")]
        p = [g(f"torch_{model}_t{t}_{x}") for x in ("forward_and_loss_ms", "backward_ms", "optimizer_ms")]
        print(f"{model:<10} t{t}  dynalens {' | '.join(f'{x:6.1f}' for x in d)}    torch {' | '.join(f'{x:6.1f}' for x in p)}")

if any("gemm_grokking" in k for k in r):
    print("\n== grokking: the step's 12 matrix products alone (4 forward, 8 backward), ms; the floor under a step ==")
    print(f"{'threads':>7}{'dynalens':>10}{'GFLOP/s':>9}{'torch':>8}{'GFLOP/s':>9}   dynalens step = products + rest"
          f"   best ratio if the rest were free")
    for t in (1, 2):
        dg, tg = g(f"gemm_grokking_t{t}_ms"), g(f"torch_gemm_grokking_t{t}_ms")
        ds, ts = g(f"grokking_t{t}_ms_per_step"), g(f"torch_grokking_t{t}_ms_per_step")
        print(f"{t:>7}{dg:>10.1f}{g(f'gemm_grokking_t{t}_gflops'):>9.1f}{tg:>8.1f}{g(f'torch_gemm_grokking_t{t}_gflops'):>9.1f}"
              f"   {ds:6.1f} = {dg:5.1f} + {ds - dg:5.1f}             {dg / ts:5.2f}")

if "overhead_none_s" in r:
    print(f"\n== checkpoint overhead ({int(g('overhead_steps'))} steps, 1 thread, eval every 100, no analyses, runs in order A B B A) ==")
    print(f"no checkpoints (only the last)  {g('overhead_none_s'):8.2f} s")
    print(f"checkpoint every 100 steps      {g('overhead_every100_s'):8.2f} s")
    pct = g('overhead_total_pct')
    print(f"overhead from total times       {pct:8.2f} %   target <= 3%: {'met' if pct <= 3 else 'MISSED'}")
    print(f"every 100, with the analyses    {g('overhead_every100_analyses_s'):8.2f} s  = {g('overhead_analyses_pct'):+.1f} % (analyses run on their own"
          f" thread; on a busy 2-core machine they take CPU from training)")
    print(f"checkpoint write in-run         {g('checkpoint_write_ms_mean'):8.1f} ms mean, {g('checkpoint_write_ms_max'):.1f} ms max"
          f" = {g('checkpoint_write_pct_of_run'):.2f} % of the checkpointed runs' time")

marks = sorted(int(k.split("step")[1].split("_")[0]) for k in r if k.startswith("memory_rss_step"))
if marks:
    print("\n== JVM resident memory (VmRSS, -Xms1g -Xmx1g -XX:+AlwaysPreTouch), default grokking run ==")
    for m in marks:
        print(f"step {m:>6}  RSS {g(f'memory_rss_step{m}_mb'):8.1f} MB   heap used {g(f'memory_heap_used_step{m}_mb'):7.1f} MB")
    if len(marks) > 1:
        a, b = g(f"memory_rss_step{marks[1]}_mb"), g(f"memory_rss_step{marks[-1]}_mb")
        grow = b - a
        print(f"growth step {marks[1]} -> {marks[-1]}: {grow:+.1f} MB  target flat (< 5% or 50 MB): "
              f"{'met' if abs(grow) < max(50, 0.05 * a) else 'MISSED'}")
    print(f"memory run wall time {g('memory_run_s'):.0f} s")

if "read_java_best_ms" in r:
    n = int(g("read_checkpoints"))
    j, h = g("read_java_best_ms"), g("read_h5py_best_ms")
    print(f"\n== reading params/blocks.0.mlp.W_in across {n} checkpoints (best of 5; first pass in brackets) ==")
    print(f"dynalens RunArchive.readTensor  {j:8.1f} ms  ({g('read_java_first_ms'):.1f} ms, cold JVM)")
    print(f"h5py                            {h:8.1f} ms  ({g('read_h5py_first_ms'):.1f} ms)")
    print(f"ratio dynalens / h5py           {j / h:8.2f}")
