#!/usr/bin/env python3
"""Replays a dynalens grokking run in PyTorch from the run's own step-0 checkpoint and data split.

Independent check of the training loop (model, float64 loss, AdamW, warm-up): PyTorch starts from exactly the weights
dynalens archived at step 0, trains on exactly the same training pairs, and its losses are compared with the
run's metrics.h5 at every evaluated step. The two cannot stay bitwise equal (different kernels, float32 rounding), so
early steps should agree to ~1e-5 relative and later ones drift apart; what must agree is the course of the run
(when it memorises, when it groks).

The split is dynalens's (plugin/.../task/Examples.split): a Fisher-Yates shuffle of the pair indices a*p + b driven
by java.util.SplittableRandom(seed), the first floor(frac * p^2) pairs train. SplittableRandom is reimplemented
below (Java 17 algorithm, mix32 + boundedNextInt) and checked against the run: the step-0 train loss must match.

usage: torch_replay.py RUN_DIR STEPS [EVAL_EVERY] > replay.tsv     (Debian /usr/bin/python3: torch, h5py, numpy)
DEVICE=cuda replays on the GPU (float32 matmuls, TF32 off). The run's metrics.h5 may be partial or absent: steps it
does not have print nan in the dynalens columns.
"""
import json
import math
import os
import sys

import h5py
import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from grokking_torch import DEVICE, Grokking, ce64  # noqa: E402

M64 = (1 << 64) - 1
GOLDEN_GAMMA = 0x9E3779B97F4A7C15


class SplittableRandom:
    """java.util.SplittableRandom (JDK 17): enough of it for nextInt(bound)."""

    def __init__(self, seed):
        self.seed = seed & M64

    def next_int(self):
        self.seed = (self.seed + GOLDEN_GAMMA) & M64
        z = self.seed
        z = ((z ^ (z >> 33)) * 0x62A9D9ED799705F5) & M64
        r = (((z ^ (z >> 28)) * 0xCB24D0A5C88C35B3) & M64) >> 32
        return r - (1 << 32) if r >= (1 << 31) else r  # as a Java int

    def next_int_bounded(self, bound):  # RandomSupport.boundedNextInt
        r = self.next_int()
        m = bound - 1
        if bound & m == 0:
            return r & m
        u = (r & 0xFFFFFFFF) >> 1
        while True:
            r = u % bound
            if u + m - r < (1 << 31):  # no int overflow in Java's u + m - r
                return r
            u = (self.next_int() & 0xFFFFFFFF) >> 1


def split(p, frac, seed):
    n = p * p
    perm = list(range(n))
    rng = SplittableRandom(seed)
    for i in range(n - 1, 0, -1):
        j = rng.next_int_bounded(i + 1)
        perm[i], perm[j] = perm[j], perm[i]
    n_train = int(frac * n)
    return perm[:n_train], perm[n_train:]


def examples(indices, p):
    idx = torch.tensor(indices)
    a, b = idx // p, idx % p
    tokens = torch.stack([a, b, torch.full_like(a, p)], dim=1)
    return tokens, (a + b) % p


def main():
    run_dir, steps = sys.argv[1], int(sys.argv[2])
    eval_every = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    torch.set_num_threads(1)
    with h5py.File(os.path.join(run_dir, "run.h5")) as f:
        cfg = json.loads(np.asarray(f["config_json"]).reshape(-1)[0])
    p = cfg["p"]
    model = Grokking(p=p, d_model=cfg["d_model"], n_heads=cfg["n_heads"], d_head=cfg["d_head"], d_mlp=cfg["d_mlp"])
    names = {"W_E": "embed.W_E", "W_pos": "pos_embed.W_pos", "W_Q": "blocks.0.attn.W_Q", "W_K": "blocks.0.attn.W_K",
             "W_V": "blocks.0.attn.W_V", "W_O": "blocks.0.attn.W_O", "W_in": "blocks.0.mlp.W_in",
             "b_in": "blocks.0.mlp.b_in", "W_out": "blocks.0.mlp.W_out", "b_out": "blocks.0.mlp.b_out",
             "W_U": "unembed.W_U"}
    with h5py.File(os.path.join(run_dir, "ckpt", "step-00000000.h5")) as f:
        with torch.no_grad():
            for attr, name in names.items():
                getattr(model, attr).copy_(torch.from_numpy(np.asarray(f["params/" + name], dtype=np.float32)))
    model.to(DEVICE)
    torch.backends.cuda.matmul.allow_tf32 = False   # keep float32 matmuls float32, as on the CPU
    metrics = os.path.join(run_dir, "metrics.h5")
    theirs = {"step": [], "train_loss": [], "test_loss": []}
    if os.path.exists(metrics):
        with h5py.File(metrics) as f:
            theirs = {k: np.asarray(f[k]) for k in f.keys()}
    train_idx, test_idx = split(p, cfg["train_fraction"], cfg["seed"])
    x_train, y_train = examples(train_idx, p)
    x_test, y_test = examples(test_idx, p)
    x_train, y_train, x_test, y_test = (t.to(DEVICE) for t in (x_train, y_train, x_test, y_test))

    opt = torch.optim.AdamW(model.parameters(), lr=cfg["lr"], weight_decay=cfg["weight_decay"],
                            betas=(cfg["beta1"], cfg["beta2"]), eps=cfg["eps"])
    warmup = cfg["warmup_steps"]
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(s / warmup, 1))
    row_of = {int(s): i for i, s in enumerate(theirs["step"])}
    print("step\ttorch_train_loss\tdynalens_train_loss\ttorch_test_loss\tdynalens_test_loss", flush=True)
    for step in range(steps + 1):
        loss = ce64(model(x_train), y_train)
        if step % eval_every == 0 or step == steps:
            with torch.no_grad():
                test = ce64(model(x_test), y_test).item()
            i = row_of.get(step)
            ours = (theirs["train_loss"][i], theirs["test_loss"][i]) if i is not None else (math.nan, math.nan)
            print(f"{step}\t{loss.item():.6e}\t{ours[0]:.6e}\t{test:.6e}\t{ours[1]:.6e}", flush=True)
        if step == steps:
            break
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()


if __name__ == "__main__":
    main()
