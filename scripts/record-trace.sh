#!/bin/sh
# Records a kalloc trace set: the kmem and vmalloc ftrace events of a workload, with the /proc
# snapshots taken just before tracing starts (zoneinfo, buddyinfo, vmallocinfo). Run as root.
#
#   scripts/record-trace.sh OUT-PREFIX defaults|pinned SECONDS -- WORKLOAD...
#
# writes OUT-PREFIX.trace.gz, OUT-PREFIX.zoneinfo, OUT-PREFIX.buddyinfo, OUT-PREFIX.vmallocinfo.
# `pinned` sets vm.percpu_pagelist_high_fraction=256 while recording (high_min = high_max: no
# automatic tuning of the per-CPU caches); `defaults` records with the kernel's own tuning (the
# sysctl at 0). The workload runs for at most SECONDS. Every setting changed is put back on exit.
# Tracing uses its own tracefs instance, so it leaves the global trace buffer alone.
set -eu
[ $# -ge 4 ] && [ "$4" = "--" ] || { echo "usage: $0 OUT-PREFIX defaults|pinned SECONDS -- WORKLOAD..." >&2; exit 2; }
out=$1 mode=$2 seconds=$3
shift 4
case $mode in defaults) fraction=0 ;; pinned) fraction=256 ;; *) echo "mode: defaults or pinned" >&2; exit 2 ;; esac

T=/sys/kernel/tracing
[ -d "$T/events" ] || mount -t tracefs nodev "$T"
inst=$T/instances/kalloc-record-$$
old_fraction=$(cat /proc/sys/vm/percpu_pagelist_high_fraction)
old_kptr=$(cat /proc/sys/kernel/kptr_restrict)
restore() {
  echo "$old_fraction" > /proc/sys/vm/percpu_pagelist_high_fraction
  echo "$old_kptr" > /proc/sys/kernel/kptr_restrict
  [ -d "$inst" ] && rmdir "$inst"
}
trap restore EXIT

mkdir "$inst"
echo 0 > "$inst/tracing_on"
echo 32768 > "$inst/buffer_size_kb"   # per CPU: room for the whole run, no lost events
for e in kmem/mm_page_alloc kmem/mm_page_free kmem/mm_page_free_batched kmem/mm_page_pcpu_drain \
         kmem/mm_page_alloc_zone_locked vmalloc/alloc_vmap_area vmalloc/free_vmap_area_noflush \
         vmalloc/purge_vmap_area_lazy; do
  echo 1 > "$inst/events/$e/enable"
done
echo "$fraction" > /proc/sys/vm/percpu_pagelist_high_fraction
echo 1 > /proc/sys/kernel/kptr_restrict   # real addresses in /proc/vmallocinfo (root has CAP_SYSLOG)

# Snapshots first, then tracing on with a shell builtin (no fork, so no allocation in between).
cat /proc/zoneinfo > "$out.zoneinfo"
cat /proc/buddyinfo > "$out.buddyinfo"
cat /proc/vmallocinfo > "$out.vmallocinfo"
echo 1 > "$inst/tracing_on"
timeout "$seconds" "$@" || true
echo 0 > "$inst/tracing_on"

cat "$inst/trace" | gzip -9 > "$out.trace.gz"
echo "$out.trace.gz: $(gzip -dc "$out.trace.gz" | grep -vc '^#') events; lost: $(grep -h 'overrun' "$inst"/per_cpu/cpu*/stats | tr '\n' ' ')"
