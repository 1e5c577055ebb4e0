#!/usr/bin/env bash
# Training benchmark (issue 10): dynalens vs PyTorch eager, checkpoint overhead, resident memory, reading a tensor
# across checkpoints vs h5py. Everything in one run on one machine; prints a table of ratios at the end.
# Results and how to read them: docs/TRAINING-PERFORMANCE.md.
#
#   bench/run.sh                       # full run (memory to 10k steps: ~15-25 min on 2 cores)
#   MEMORY_STEPS=40000 bench/run.sh    # also the 40k-step RSS point (~1 h)
#   QUICK=1 bench/run.sh               # smoke run: few steps, small overhead/memory runs, 40 checkpoints
#   ROUNDS=2 ROUNDS_T2=1 TIMED_T2=10 OVERHEAD_STEPS=300 bench/run.sh   # what fitted on a loaded 2-core machine
#
# Needs: JDK 17 + Maven (offline ~/.m2 as for the build), Debian python3-torch + libopenblas0-pthread, python3-h5py.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
out="$root/bench/target"
mkdir -p "$out"
log="$out/results.txt"
: > "$log"

PY=/usr/bin/python3 # Debian's interpreter: python3-torch and python3-h5py live there, not in a pyenv/venv python
if [[ -n "${QUICK:-}" ]]; then
  WARMUP=2 TIMED=5 ROUNDS=1 OVERHEAD_STEPS=${OVERHEAD_STEPS:-200} MEMORY_STEPS=${MEMORY_STEPS:-300} READ_N=${READ_N:-40}
else
  WARMUP=5 TIMED=${TIMED:-30} OVERHEAD_STEPS=${OVERHEAD_STEPS:-500} MEMORY_STEPS=${MEMORY_STEPS:-10000} READ_N=${READ_N:-400}
fi

# ---- prerequisites ------------------------------------------------------------------------------------------------
if ! "$PY" -c 'import torch, h5py' 2>/dev/null; then
  echo "bench: installing python3-torch, libopenblas0-pthread, python3-h5py (Debian)" >&2
  apt-cache policy python3-torch libopenblas0-pthread | grep -E '^\S|Candidate' >&2
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO=sudo
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y python3-torch libopenblas0-pthread python3-h5py >&2
fi
# torch uses whatever libblas.so.3 resolves to; the reference BLAS is ~25x slower (ANCHORS.md section 4)
OPENBLAS=/usr/lib/x86_64-linux-gnu/openblas-pthread
[[ -f $OPENBLAS/libblas.so.3 ]] || { echo "bench: $OPENBLAS/libblas.so.3 missing: apt-get install libopenblas0-pthread" >&2; exit 2; }
TORCH_ENV=(env LD_LIBRARY_PATH="$OPENBLAS${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}")

# the same allocator for both sides: tcmalloc when present (glibc malloc makes libtorch step times erratic)
for tc in /usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4 /usr/lib/x86_64-linux-gnu/libtcmalloc.so.4; do
  if [[ -z "${LD_PRELOAD:-}" && -f "$tc" ]]; then export LD_PRELOAD="$tc"; fi
done
# the dynalens side runs as the launcher runs it: with the MKL any-CPU shim on AMD CPUs (plugin/src/main/native);
# torch uses OpenBLAS, which has no vendor check
mkl_shim="$("$root/plugin/src/main/native/mkl_any_cpu.sh" "$out" || true)"
export MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-33554432}" MALLOC_TRIM_THRESHOLD_="${MALLOC_TRIM_THRESHOLD_:-4294967296}"

# ---- build (offline reactor build of the plugin and what it needs; nothing installed) -----------------------------
echo "bench: building" >&2
(cd "$root" && mvn -B -q -o -pl plugin -am test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile="$out/classpath.txt") >&2
CP="$root/plugin/target/test-classes:$root/plugin/target/classes:$root/archive/target/classes:$(cat "$out/classpath.txt")"

java_bench() { # THREADS HEAP ARGS...
  local threads=$1 heap=$2; shift 2
  LD_PRELOAD="${mkl_shim:+$mkl_shim:}${LD_PRELOAD:-}" java $heap -Dai.djl.offline=true -Dai.djl.pytorch.num_threads="$threads" -Dai.djl.pytorch.num_interop_threads=1 \
    -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Dorg.slf4j.simpleLogger.log.io.jhdf=error \
    -Dorg.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils=error \
    -cp "$CP" org.dynalens.plugin.train.TrainingBench "$@"
}

{
  echo "# date $(date -u +%FT%TZ)"
  echo "# host $(hostname) cpu '$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)' cores $(nproc) mem $(free -g | awk '/Mem/{print $2}')G"
  echo "# java $(java -version 2>&1 | head -1) torch $("$PY" -c 'import torch; print(torch.__version__)') LD_PRELOAD=${LD_PRELOAD:-} dynalens also preloads: ${mkl_shim:-nothing}"
  echo "# loadavg at start $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee -a "$log"

# ---- 0. resident memory over a long run: started first, in the background, because it is by far the longest part
# (10k steps). It keeps one core busy during the timings below, equally for dynalens and torch (they alternate).
marks="1000 10000"; [[ $MEMORY_STEPS -lt 10000 ]] && marks="$MEMORY_STEPS"; [[ $MEMORY_STEPS -ge 40000 ]] && marks="1000 10000 40000"
echo "bench: resident memory, $MEMORY_STEPS steps (marks: $marks), in the background" >&2
java_bench 1 "-Xms1g -Xmx1g -XX:+AlwaysPreTouch" memory "$MEMORY_STEPS" $marks > "$out/memory.txt" 2> "$out/memory.err" &
mem_pid=$!

# ---- 1. ms per step (median step), interleaved: dynalens, torch, dynalens, torch at 1 thread, then at 2 -----------
# the table takes each side's better round: on a shared machine a round can be hit by another process's burst
for t in 1 2; do
  rounds=${ROUNDS:-2}; timed=$TIMED
  if [[ $t -eq 2 ]]; then rounds=${ROUNDS_T2:-$rounds}; timed=${TIMED_T2:-$TIMED}; fi
  for round in $(seq "$rounds"); do
    echo "bench: step times, $t thread(s), round $round" >&2
    java_bench "$t" "-Xms1g -Xmx1g" steps "$WARMUP" "$timed" | tee -a "$log"
    java_bench "$t" "-Xms1g -Xmx1g" gemm "$WARMUP" "$timed" | tee -a "$log"
    # torch.set_num_threads does not reach Debian's OpenBLAS (torch sees a generic libblas.so.3): without this, a
    # "1-thread" torch run does its matmuls on 2 OpenBLAS threads
    "${TORCH_ENV[@]}" OPENBLAS_NUM_THREADS="$t" "$PY" "$here/grokking_torch.py" "$t" "$WARMUP" "$timed" | tee -a "$log"
    echo "# loadavg after $t-thread round $round $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$log"
  done
done

# ---- 2. checkpoint overhead (1 thread, as training runs by default) ----------------------------------------------
echo "bench: checkpoint overhead, $OVERHEAD_STEPS steps x 5 runs" >&2
java_bench 1 "-Xms1g -Xmx1g" overhead "$OVERHEAD_STEPS" | tee -a "$log"

# ---- 3. reading one parameter across all checkpoints: dynalens vs h5py ------------------------------------------
echo "bench: reading $READ_N checkpoints" >&2
readdir="$out/read-archive"
rm -rf "$readdir"
java_bench 1 "-Xmx1g" read "$readdir" "$READ_N" | tee -a "$log"
"$PY" - "$readdir" <<'EOF' | tee -a "$log"
import glob, sys, time
import h5py
files = sorted(glob.glob(sys.argv[1] + "/runs/*/ckpt/step-*.h5"))
best, first = float("inf"), None
for rep in range(5):
    t0 = time.perf_counter()
    s = 0.0
    for f in files:
        with h5py.File(f, "r") as h:
            s += float(h["params/blocks.0.mlp.W_in"][()].ravel()[7])
    ms = 1000 * (time.perf_counter() - t0)
    first = ms if first is None else first
    best = min(best, ms)
print(f"RESULT read_h5py_first_ms {first:.4f}")
print(f"RESULT read_h5py_best_ms {best:.4f}")
print(f"RESULT read_h5py_files {len(files)}")
assert files, "no checkpoint files found"
EOF

# ---- 4. resident memory: wait for the background run started before the timings -----------------------------------
echo "bench: waiting for the memory run (pid $mem_pid)" >&2
wait "$mem_pid"
cat "$out/memory.txt" >> "$log"
grep -v '^RESULT' "$out/memory.err" >&2 || true
echo "# loadavg at end $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$log"

# ---- table -------------------------------------------------------------------------------------------------------
"$PY" "$here/table.py" "$log"
