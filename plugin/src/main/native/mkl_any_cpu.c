/*
 * Intel MKL, which the libtorch of DJL's pytorch-native-cpu has linked in, runs its fast (AVX2 / AVX-512) sgemm
 * kernels only where this function says the CPU is Intel's; on an AMD CPU with the same instructions it falls back to
 * slower generic code. Preloading this library (LD_PRELOAD) makes the answer "yes", so MKL picks its kernels from
 * the instruction sets the CPU reports, as it does on Intel. MKL's own feature checks still decide which kernels are
 * safe. Measured on an AMD EPYC with AVX-512: the twelve matrix products of a grokking step 66-82 ms -> 42 ms
 * (docs/TRAINING-PERFORMANCE.md). The `dynalens` launcher and bench/run.sh build and preload it on AMD CPUs
 * (mkl_any_cpu.sh); DYNALENS_MKL_ANY_CPU=0 turns it off.
 */
int mkl_serv_intel_cpu_true(void) { return 1; }
