#!/usr/bin/env bash
# Prints the path of the MKL any-CPU shim (mkl_any_cpu.c) to preload, building it with cc when needed; prints nothing
# when it does not apply (not an AMD CPU, DYNALENS_MKL_ANY_CPU=0) or cannot be built (no C compiler): then MKL simply
# keeps its generic kernels. Usage: so=$(plugin/src/main/native/mkl_any_cpu.sh OUT_DIR)
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:?output directory}"
[[ "${DYNALENS_MKL_ANY_CPU:-1}" == 0 ]] && exit 0
grep -q -m1 AuthenticAMD /proc/cpuinfo 2>/dev/null || exit 0 # Intel CPUs get MKL's fast kernels already
so="$out/libdynalens-mkl-any-cpu.so"
if [[ ! -f "$so" || "$here/mkl_any_cpu.c" -nt "$so" ]]; then
  command -v cc >/dev/null || exit 0
  mkdir -p "$out" && cc -shared -fPIC -O2 -o "$so.tmp.$$" "$here/mkl_any_cpu.c" 2>/dev/null && mv "$so.tmp.$$" "$so" || { rm -f "$so.tmp.$$"; exit 0; }
fi
echo "$so"
