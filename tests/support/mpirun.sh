#!/bin/bash
# mpirun.sh N PROGRAM ARGS… — runs PROGRAM as N MPI ranks the way the tests need on any machine:
# as root (--allow-run-as-root), more ranks than cores (--oversubscribe), unbound (each rank's
# thread count is its own business), and without Open MPI's single-copy mechanism (CMA), which
# containers often forbid.
set -u
N=$1
shift
export OMPI_MCA_btl_vader_single_copy_mechanism=none
# Under AddressSanitizer (scripts/test.sh --sanitize exports ASAN_OPTIONS): Open MPI's own leaks
# are suppressed, and leaks are traced with the slow unwinder, whose deeper stacks reach the MPI
# libraries (the fast one stops in MCA components that have no frame pointers).
if [ -n "${ASAN_OPTIONS:-}" ]; then
  export ASAN_OPTIONS="$ASAN_OPTIONS:fast_unwind_on_malloc=0"
  export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$(cd "$(dirname "$0")" && pwd)/lsan_openmpi.supp:print_suppressions=0"
fi
exec mpirun --allow-run-as-root --oversubscribe --bind-to none -np "$N" "$@"
