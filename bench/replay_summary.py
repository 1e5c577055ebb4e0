#!/usr/bin/env python3
"""Compares PyTorch replays (bench/torch_replay.py output) with the dynalens runs they replay.

For each replay TSV named replay-RUN_ID.tsv, reads RUNS_DIR/RUN_ID/metrics.h5 and prints one markdown row: the first
evaluated step with test loss below 1 and below 0.1 in each, and both final test losses. Runs still training show
their last step.

usage: replay_summary.py RUNS_DIR replay-RUN_ID.tsv...     (Debian /usr/bin/python3: h5py, numpy)
"""
import os
import sys

import h5py
import numpy as np


def first_below(steps, losses, threshold):
    below = np.nonzero(np.asarray(losses) < threshold)[0]
    return int(steps[below[0]]) if len(below) else None


def main():
    runs_dir, tsvs = sys.argv[1], sys.argv[2:]
    print("| run | test loss < 1: dynalens / torch | test loss < 0.1: dynalens / torch | "
          "final test loss: dynalens / torch |")
    print("|---|---|---|---|")
    for tsv in tsvs:
        run_id = os.path.basename(tsv)[len("replay-"):-len(".tsv")]
        rows = np.loadtxt(tsv, skiprows=1, ndmin=2)
        t_steps, t_test = rows[:, 0].astype(int), rows[:, 3]
        metrics = os.path.join(runs_dir, run_id, "metrics.h5")
        if not os.path.exists(metrics):
            print(f"| {run_id} | — / {first_below(t_steps, t_test, 1.0)} | — / {first_below(t_steps, t_test, 0.1)} | "
                  f"not trained yet / {t_test[-1]:.2e} |")
            continue
        with h5py.File(metrics) as f:
            d_steps, d_test = np.asarray(f["step"]), np.asarray(f["test_loss"])
        last = int(d_steps[-1])
        t_final = t_test[t_steps <= last][-1]   # compare at the same step when the run is still training

        def pair(th):
            d, t = first_below(d_steps, d_test, th), first_below(t_steps, t_test, th)
            return f"{d if d is not None else '—'} / {t if t is not None else '—'}"

        at = "" if last == int(t_steps[-1]) else f" (at step {last})"
        print(f"| {run_id} | {pair(1.0)} | {pair(0.1)} | {d_test[-1]:.2e} / {t_final:.2e}{at} |")


if __name__ == "__main__":
    main()
