#!/usr/bin/env bash
# GPU-side checks, for a machine with an NVIDIA GPU and Python PyTorch (no Java needed):
#  1. whether DJL's CUDA JNI library (pytorch-jni cu128, built for libtorch 2.7.1) loads against the libtorch there;
#  2. PyTorch eager step times of the bench models on the GPU (bench/grokking_torch.py with DEVICE=cuda);
#  3. an independent PyTorch replay of each given grokking run from its own step-0 checkpoint and split
#     (bench/torch_replay.py), all runs at once, one process each.
# usage: bench/gpu_check.sh OUT_DIR DJL_JNI_SO STEPS RUN_DIR...
set -u
out=$1 jni=$2 steps=$3; shift 3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
{
  nvidia-smi -L
  python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.get_device_name(0))'
  command -v java || echo "no java on this machine"
  python3 - "$jni" <<'PY'
import ctypes, os, sys, torch
lib = os.path.join(os.path.dirname(torch.__file__), "lib")
for name in ["libc10.so", "libc10_cuda.so", "libtorch_cpu.so", "libtorch_cuda.so", "libtorch.so"]:
    ctypes.CDLL(os.path.join(lib, name), mode=ctypes.RTLD_GLOBAL)
try:
    ctypes.CDLL(sys.argv[1], mode=os.RTLD_NOW)
    print("DJL cu128 JNI: loads against torch", torch.__version__)
except OSError as e:
    print("DJL cu128 JNI: does not load against torch", torch.__version__, "->", e)
PY
} > "$out/probe.txt" 2>&1
for run in "$@"; do
  DEVICE=cuda python3 "$here/torch_replay.py" "$run" "$steps" 10 > "$out/replay-$(basename "$run").tsv" 2>> "$out/replay.err" &
done
wait
[ -n "${SKIP_BENCH:-}" ] || DEVICE=cuda python3 "$here/grokking_torch.py" 1 20 100 > "$out/gpu-bench.txt" 2>&1
cat "$out/probe.txt" "$out/gpu-bench.txt" 2>/dev/null
for f in "$out"/replay-*.tsv; do echo "$f: $(wc -l < "$f") rows, last: $(tail -1 "$f")"; done
tail -5 "$out/replay.err" 2>/dev/null
