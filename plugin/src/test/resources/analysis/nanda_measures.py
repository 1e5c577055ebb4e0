#!/usr/bin/python3
"""Independent numpy implementation of Nanda et al. 2023's progress measures, for cross-checking dynalens.

Reads one dynalens checkpoint with h5py, runs the 1-layer transformer in float64 over all p^2 inputs (the plain
way: every position, causal mask, no table tricks), and computes, following the paper's code
(mechanistic-interpretability-grokking/progress-measures-paper, transformers.py / Grokking_Analysis.ipynb):
key frequencies by neuron clustering (scanning k = 1..(p-1)//2, fixing the code's off-by-one), restricted loss
(bias-corrected, all p^2 pairs) and excluded loss (all key frequencies removed at once, train pairs).

usage: nanda_measures.py CHECKPOINT.h5 P TRAIN_ROWS_FILE [LOSS_FREQS]
  train rows: a*p+b, one per line; LOSS_FREQS: comma-separated key frequencies for restricted/excluded loss
  (default: the ones this script finds; "none" for the empty set)
prints JSON: {"key_freqs": [...], "restricted_loss": x, "excluded_loss": y, "neuron_frac_explained": [...]}
"""
import json
import sys

import h5py
import numpy as np


def forward(params, p):
    W_E = params["embed.W_E"]; W_pos = params["pos_embed.W_pos"]
    W_Q = params["blocks.0.attn.W_Q"]; W_K = params["blocks.0.attn.W_K"]
    W_V = params["blocks.0.attn.W_V"]; W_O = params["blocks.0.attn.W_O"]
    W_in = params["blocks.0.mlp.W_in"]; b_in = params["blocks.0.mlp.b_in"]
    W_out = params["blocks.0.mlp.W_out"]; b_out = params["blocks.0.mlp.b_out"]
    W_U = params["unembed.W_U"]
    a, b = np.meshgrid(np.arange(p), np.arange(p), indexing="ij")
    tokens = np.stack([a.ravel(), b.ravel(), np.full(p * p, p)], axis=1)     # [p^2, 3], row a*p+b
    resid = W_E[tokens] + W_pos[None, :3]                                      # [batch, pos, d_model]
    q = np.einsum("bpd,hde->bhpe", resid, W_Q)
    k = np.einsum("bpd,hde->bhpe", resid, W_K)
    v = np.einsum("bpd,hde->bhpe", resid, W_V)
    scores = np.einsum("bhqe,bhke->bhqk", q, k) / np.sqrt(W_Q.shape[-1])
    mask = np.triu(np.ones((3, 3), dtype=bool), k=1)
    scores = np.where(mask, -np.inf, scores)
    scores = scores - scores.max(-1, keepdims=True)
    pattern = np.exp(scores); pattern /= pattern.sum(-1, keepdims=True)
    z = np.einsum("bhqk,bhke->bhqe", pattern, v)
    resid = resid + np.einsum("bhqe,hed->bqd", z, W_O)
    post = np.maximum(resid @ W_in + b_in, 0)                                  # hook_post
    resid = resid + post @ W_out + b_out
    logits = resid @ W_U
    return post[:, -1], logits[:, -1]                                          # last position


def make_fourier_basis(p):
    basis = [np.ones(p)]
    for freq in range(1, p // 2 + 1):
        basis.append(np.cos(2 * np.pi * np.arange(p) * freq / p))
        basis.append(np.sin(2 * np.pi * np.arange(p) * freq / p))
    basis = np.stack(basis)
    return basis / np.linalg.norm(basis, axis=-1, keepdims=True)


def fft2d(mat, basis, p):
    # mat [p*p, n] -> [p, p, n]: basis @ grid @ basis^T per column
    grid = mat.reshape(p, p, -1)
    return np.einsum("xyn,fx,gy->fgn", grid, basis, basis)


def extract_freq_2d(tensor, freq):
    index_1d = [0, 2 * freq - 1, 2 * freq]
    return tensor[[[i] * 3 for i in index_1d], [index_1d] * 3]


def cross_entropy(logits, labels):
    logits = logits - logits.max(-1, keepdims=True)
    logprobs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    return -logprobs[np.arange(len(labels)), labels].mean()


def component_xpy(logits, freq, basis):
    cos_a_cos_b = (basis[2 * freq - 1][:, None] * basis[2 * freq - 1][None, :]).ravel()
    sin_a_sin_b = (basis[2 * freq][:, None] * basis[2 * freq][None, :]).ravel()
    sin_a_cos_b = (basis[2 * freq][:, None] * basis[2 * freq - 1][None, :]).ravel()
    cos_a_sin_b = (basis[2 * freq - 1][:, None] * basis[2 * freq][None, :]).ravel()
    cos_xpy = (cos_a_cos_b - sin_a_sin_b) / np.sqrt(2)
    sin_xpy = (sin_a_cos_b + cos_a_sin_b) / np.sqrt(2)
    return cos_xpy[:, None] @ (cos_xpy[None, :] @ logits) + sin_xpy[:, None] @ (sin_xpy[None, :] @ logits)


def main():
    path, p, train_file = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    with h5py.File(path, "r") as f:
        params = {k: np.asarray(v[()], dtype=np.float64) for k, v in f["params"].items()}
    train_rows = np.loadtxt(train_file, dtype=np.int64, ndmin=1)
    post, logits = forward(params, p)
    basis = make_fourier_basis(p)

    centred = post - post.mean(0, keepdims=True)
    fourier_acts = fft2d(centred, basis, p)
    d_mlp = post.shape[1]
    neuron_freqs, neuron_frac = [], []
    for ni in range(d_mlp):
        best_frac, best_freq = -1e6, -1
        denominator = (fourier_acts[:, :, ni] ** 2).sum()
        for freq in range(1, (p - 1) // 2 + 1):
            numerator = (extract_freq_2d(fourier_acts[:, :, ni], freq) ** 2).sum()
            frac = numerator / denominator if denominator > 0 else 0.0
            if frac > best_frac:
                best_frac, best_freq = frac, freq
        neuron_freqs.append(best_freq); neuron_frac.append(best_frac)
    neuron_freqs, neuron_frac = np.array(neuron_freqs), np.array(neuron_frac)
    key_freqs = np.unique(neuron_freqs[neuron_frac >= 0.85])

    a, b = np.meshgrid(np.arange(p), np.arange(p), indexing="ij")
    labels = ((a + b) % p).ravel()
    loss_freqs = key_freqs
    if len(sys.argv) > 4:
        loss_freqs = [] if sys.argv[4] == "none" else [int(k) for k in sys.argv[4].split(",")]
    trig = sum((component_xpy(logits, int(k), basis) for k in loss_freqs), np.zeros_like(logits))
    restricted = trig + (logits - trig).mean(0, keepdims=True)               # the paper's bias correction
    excluded = logits - trig
    print(json.dumps({
        "key_freqs": [int(k) for k in key_freqs],
        "restricted_loss": float(cross_entropy(restricted, labels)),
        "excluded_loss": float(cross_entropy(excluded[train_rows], labels[train_rows])),
        "test_like_full_loss": float(cross_entropy(logits, labels)),
        "neuron_frac_explained": [float(x) for x in neuron_frac],
    }))


if __name__ == "__main__":
    main()
