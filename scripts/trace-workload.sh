#!/bin/sh
# The workload of the shipped traces (packages/lab/data/*-gzip.*): copy a source tree into a
# fresh directory, compress every file and decompress it again with two parallel workers (many
# short processes), then delete it all; meanwhile bursts of 96 concurrent short-lived processes,
# more than the kernel's per-CPU cache of free stacks, so each burst allocates and frees kernel
# stacks in the vmalloc space. It allocates and frees page cache, anonymous memory, page tables
# and vmalloc areas, and is not a kernel build.
#
#   scripts/trace-workload.sh SOURCE-DIR
set -eu
src=${1:?usage: $0 SOURCE-DIR}
work=$(mktemp -d)
( for burst in 1 2 3 4 5 6 7 8; do
    for p in $(seq 96); do sleep 0.05 & done
    wait
  done ) &
cp -r "$src" "$work/tree"
find "$work/tree" -type f -print0 | xargs -0 -P2 -n 16 gzip -1 -f
find "$work/tree" -type f -print0 | xargs -0 -P2 -n 16 gzip -d -f
rm -rf "$work"
wait
