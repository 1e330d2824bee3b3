// bench_main.cc — Google Benchmark main shared by the core benchmarks; NNBERT_THREADS sets threads.
#include <benchmark/benchmark.h>

BENCHMARK_MAIN();
