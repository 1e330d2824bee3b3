#!/bin/bash
# mpirun.sh N PROGRAM ARGS… — runs PROGRAM as N MPI ranks the way the tests need on any machine:
# as root (--allow-run-as-root), more ranks than cores (--oversubscribe), unbound (each rank's
# thread count is its own business), and without Open MPI's single-copy mechanism (CMA), which
# containers often forbid.
set -u
N=$1
shift
export OMPI_MCA_btl_vader_single_copy_mechanism=none
exec mpirun --allow-run-as-root --oversubscribe --bind-to none -np "$N" "$@"
