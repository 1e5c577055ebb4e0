#!/usr/bin/env python3
"""PyTorch eager baselines for bench/run.sh: the same models and training steps as dynalens, written plainly.

grokking:  Nanda et al. 2023 one-layer transformer (p=113, 30% of pairs, d_model 128, 4 heads of 32, d_mlp 512,
           ReLU, no LayerNorm, learned positions), full batch, float64 cross-entropy on the last position's logits,
           AdamW lr 1e-3, weight decay 1, betas (0.9, 0.98), linear warm-up over 10 steps.
           As in dynalens, only the last position's query is computed (it attends to every position, so no mask);
           --variant all computes every position as Nanda's notebook does and keeps the last logits.
induction: 2-layer attention-only transformer (n_ctx 24, vocab 32, d_model 64, 2 heads of 32, causal), batch 64 of
           repeated random tokens, float64 next-token cross-entropy, AdamW lr 3e-3, no weight decay.

Prints "RESULT torch_<model>_t<threads>_<what> <value>" lines.
usage: grokking_torch.py THREADS [WARMUP] [TIMED]
DEVICE=cuda runs the same steps on the GPU (bench/gpu_check.sh; step times then include a synchronize per phase).
"""
import math
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

DEVICE = torch.device(__import__("os").environ.get("DEVICE", "cpu"))


def sync():
    if DEVICE.type == "cuda":   # CUDA ops are asynchronous: without this, the timers measure kernel launches
        torch.cuda.synchronize()


class Grokking(nn.Module):
    def __init__(self, p=113, d_model=128, n_heads=4, d_head=32, d_mlp=512, n_ctx=3, all_positions=False):
        super().__init__()
        s = 1 / math.sqrt(d_model)
        self.W_E = nn.Parameter(torch.randn(p + 1, d_model) * s)
        self.W_pos = nn.Parameter(torch.randn(n_ctx, d_model) * s)
        self.W_Q = nn.Parameter(torch.randn(n_heads, d_model, d_head) * s)
        self.W_K = nn.Parameter(torch.randn(n_heads, d_model, d_head) * s)
        self.W_V = nn.Parameter(torch.randn(n_heads, d_model, d_head) * s)
        self.W_O = nn.Parameter(torch.randn(n_heads, d_head, d_model) * s)
        self.W_in = nn.Parameter(torch.randn(d_model, d_mlp) * s)
        self.b_in = nn.Parameter(torch.zeros(d_mlp))
        self.W_out = nn.Parameter(torch.randn(d_mlp, d_model) * s)
        self.b_out = nn.Parameter(torch.zeros(d_model))
        self.W_U = nn.Parameter(torch.randn(d_model, p) / math.sqrt(p))
        self.d_head = d_head
        self.all_positions = all_positions
        self.register_buffer("mask", torch.tril(torch.ones(n_ctx, n_ctx)))

    def forward(self, tokens):
        x = self.W_E[tokens] + self.W_pos                                   # [b, n, d]
        k = torch.einsum("bpd,hde->bhpe", x, self.W_K)
        v = torch.einsum("bpd,hde->bhpe", x, self.W_V)
        if self.all_positions:                                              # Nanda's notebook: every query
            q = torch.einsum("bpd,hde->bhpe", x, self.W_Q)
            scores = torch.einsum("bhqe,bhke->bhqk", q, k) / math.sqrt(self.d_head)
            scores = scores.masked_fill(self.mask == 0, -1e10)
            z = torch.einsum("bhqk,bhke->bhqe", F.softmax(scores, dim=-1), v)
            x = x + torch.einsum("bhqe,hed->bqd", z, self.W_O)
            x = x[:, -1]
        else:                                                               # the last query sees every key
            q = torch.einsum("bd,hde->bhe", x[:, -1], self.W_Q)
            scores = torch.einsum("bhe,bhke->bhk", q, k) / math.sqrt(self.d_head)
            z = torch.einsum("bhk,bhke->bhe", F.softmax(scores, dim=-1), v)
            x = x[:, -1] + torch.einsum("bhe,hed->bd", z, self.W_O)
        x = x + F.relu(x @ self.W_in + self.b_in) @ self.W_out + self.b_out
        return x @ self.W_U                                                 # [b, p] last-position logits


class AttnOnly(nn.Module):
    def __init__(self, vocab=32, n_ctx=24, d_model=64, n_heads=2, d_head=32, n_layers=2):
        super().__init__()
        s = 1 / math.sqrt(d_model)
        self.W_E = nn.Parameter(torch.randn(vocab, d_model) * s)
        self.W_pos = nn.Parameter(torch.randn(n_ctx, d_model) * s)
        self.layers = nn.ParameterList()
        for _ in range(n_layers):
            for shape in [(n_heads, d_model, d_head)] * 3 + [(n_heads, d_head, d_model)]:
                self.layers.append(nn.Parameter(torch.randn(*shape) * s))
        self.W_U = nn.Parameter(torch.randn(d_model, vocab) / math.sqrt(vocab))
        self.n_layers, self.d_head = n_layers, d_head
        self.register_buffer("mask", torch.tril(torch.ones(n_ctx, n_ctx)))

    def forward(self, tokens):
        n = tokens.shape[1]
        x = self.W_E[tokens] + self.W_pos[:n]
        for l in range(self.n_layers):
            W_Q, W_K, W_V, W_O = self.layers[4 * l:4 * l + 4]
            q = torch.einsum("bpd,hde->bhpe", x, W_Q)
            k = torch.einsum("bpd,hde->bhpe", x, W_K)
            v = torch.einsum("bpd,hde->bhpe", x, W_V)
            scores = torch.einsum("bhqe,bhke->bhqk", q, k) / math.sqrt(self.d_head)
            scores = scores.masked_fill(self.mask[:n, :n] == 0, -1e9)
            z = torch.einsum("bhqk,bhke->bhqe", F.softmax(scores, dim=-1), v)
            x = x + torch.einsum("bhqe,hed->bqd", z, W_O)
        return x @ self.W_U                                                 # [b, n, vocab]


def ce64(logits, labels):
    logp = logits.to(torch.float64).log_softmax(dim=-1)
    return -logp.gather(-1, labels.unsqueeze(-1)).mean()


def timed_steps(model, opt, sched, batch_fn, warmup, timed):
    fwd = bwd = upd = 0.0
    per_step = []
    loss = None
    for s in range(warmup + timed):
        tokens, labels = batch_fn(s)
        tokens, labels = tokens.to(DEVICE), labels.to(DEVICE)
        sync()
        t0 = time.perf_counter()
        loss = ce64(model(tokens), labels)
        sync()
        t1 = time.perf_counter()
        loss.backward()
        sync()
        t2 = time.perf_counter()
        opt.step()
        sched.step()
        opt.zero_grad(set_to_none=False)
        sync()
        t3 = time.perf_counter()
        if s >= warmup:
            fwd, bwd, upd = fwd + t1 - t0, bwd + t2 - t1, upd + t3 - t2
            per_step.append(t3 - t0)
    # the median step: on a shared machine, other processes' bursts hit a few steps
    return 1000 * statistics.median(per_step), 1000 * fwd / timed, 1000 * bwd / timed, 1000 * upd / timed, loss.item()


def report(key, r):
    ms, fwd, bwd, upd, loss = r
    print(f"RESULT {key}_ms_per_step {ms:.4f}")
    print(f"RESULT {key}_forward_and_loss_ms {fwd:.4f}")
    print(f"RESULT {key}_backward_ms {bwd:.4f}")
    print(f"RESULT {key}_optimizer_ms {upd:.4f}")
    print(f"# {key}: loss after the timed steps {loss:.4f}", file=sys.stderr)
    sys.stdout.flush()


def grokking(threads, warmup, timed, all_positions):
    torch.manual_seed(0)
    p, frac = 113, 0.3
    pairs = torch.tensor([(a, b, p) for a in range(p) for b in range(p)])
    labels = (pairs[:, 0] + pairs[:, 1]) % p
    idx = torch.randperm(len(pairs))[: int(frac * len(pairs))]
    tokens, y = pairs[idx], labels[idx]
    assert len(tokens) == 3830
    model = Grokking(p=p, all_positions=all_positions).to(DEVICE)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1.0, betas=(0.9, 0.98))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda step: min(step / 10, 1))
    r = timed_steps(model, opt, sched, lambda s: (tokens, y), warmup, timed)
    report(f"torch_grokking{'_allpos' if all_positions else ''}_t{threads}", r)


def induction(threads, warmup, timed):
    torch.manual_seed(0)
    vocab, n_ctx, batch = 32, 24, 64
    model = AttnOnly(vocab=vocab, n_ctx=n_ctx).to(DEVICE)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.0, betas=(0.9, 0.98))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda step: min(step / 10, 1))

    def batch_fn(step):
        g = torch.Generator().manual_seed(step)
        half = torch.randint(0, vocab, (batch, n_ctx // 2), generator=g)
        seq = torch.cat([half, half], dim=1)                 # repeated random tokens
        return seq, torch.roll(seq, -1, dims=1)             # next token (the last position's target wraps)

    r = timed_steps(model, opt, sched, batch_fn, warmup, timed)
    report(f"torch_induction_t{threads}", r)


def gemm(threads, warmup, timed):
    """The twelve matrix products of a grokking step alone (TrainingBench gemm has the same list)."""
    g = torch.Generator().manual_seed(0)
    products = [(3830, 128, 128), (3830, 128, 512), (3830, 512, 128), (3830, 128, 113)]
    ops = [(torch.randn(n, k, generator=g).to(DEVICE), torch.randn(k, c, generator=g).to(DEVICE),
            torch.randn(n, c, generator=g).to(DEVICE)) for n, k, c in products]
    times = []
    for s in range(warmup + timed):
        sync()
        t0 = time.perf_counter()
        for x, w, dy in ops:
            x @ w            # forward  Y  = X W
            dy @ w.t()       # backward dX = dY W^T
            x.t() @ dy       # backward dW = X^T dY
        sync()
        if s >= warmup:
            times.append(time.perf_counter() - t0)
    ms = 1000 * statistics.median(times)
    flops = sum(3 * 2.0 * n * k * c for n, k, c in products)
    print(f"RESULT torch_gemm_grokking_t{threads}_ms {ms:.4f}")
    print(f"RESULT torch_gemm_grokking_t{threads}_gflops {flops / ms / 1e6:.4f}")
    sys.stdout.flush()


if __name__ == "__main__":
    threads = int(sys.argv[1])
    warmup = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    timed = int(sys.argv[3]) if len(sys.argv) > 3 else 30
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)
    import os
    print(f"# torch {torch.__version__} on {DEVICE}, intra-op threads {torch.get_num_threads()}, "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset (OpenBLAS uses every core)')}", file=sys.stderr)
    grokking(threads, warmup, timed, all_positions=False)
    grokking(threads, warmup, max(timed // 3, 5), all_positions=True)
    induction(threads, warmup, timed * 4)
    gemm(threads, warmup, timed)
