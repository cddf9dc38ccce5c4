#!/usr/bin/env bash
# Benchmarks for docs/performance.md.  Timings are wall-clock medians of
# several runs of a Release build; run on an otherwise idle machine.
#   bench/run.sh [build-dir]     (default: build-release, configured here)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build-release}
if [ ! -x "$dir/src/launcher/lguest-emu" ]; then
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release -DLG_BUILD_TESTS=OFF >/dev/null
  cmake --build "$dir" -j"$(nproc)" >/dev/null
fi
emu="$dir/src/launcher/lguest-emu"
guests="$dir/guests"
runs=${RUNS:-7}

# median wall time in ms of: "$@" (output discarded)
median_ms() {
  local t=()
  for _ in $(seq "$runs"); do
    local a b
    a=$(date +%s%N); "$@" >/dev/null 2>&1 || true; b=$(date +%s%N)
    t+=($(( (b - a) / 1000000 )))
  done
  printf '%s\n' "${t[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p"
}

echo "unicorn $(pkg-config --modversion unicorn 2>/dev/null || echo '?'), $(nproc) cores, $(date -u +%Y-%m-%d)"
echo "hello (bzImage) boot to power-off: $(median_ms "$emu" 32 "$guests/hello.bzImage") ms"
if [ -f "$guests/syscalls.vmlinux" ]; then
  d=$(median_ms "$emu" 32 "$guests/syscalls.vmlinux")
  h=$(median_ms "$emu" --no-direct-traps 32 "$guests/syscalls.vmlinux")
  echo "syscalls guest (100,000 int \$0x80 from ring 3): direct ${d} ms, through the Host ${h} ms"
fi

# --- Shadow paging (issue 4): the pgbench Guest does n of one operation;
# the cost of one is (median wall time with n - median with n = 0) / n.
# The Guest also times its loop with rdtsc (1 GHz of the Host's clock): a
# cross-check free of process start-up and exit.
median_us() {
  local t=()
  for _ in $(seq "$runs"); do
    local a b
    a=$(date +%s%N); "$@" >/dev/null 2>&1 || true; b=$(date +%s%N)
    t+=($(( (b - a) / 1000 )))
  done
  printf '%s\n' "${t[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p"
}
# pgbench_op "<op> [kernel args]" <n> <mem-MiB> [lguest-emu options...]
# prints "<wall> ns (TSC <t> ns)"
pgbench_op() {
  local spec=($1) n=$2 mem=$3 t0 tn tsc
  local op=${spec[0]} extra=("${spec[@]:1}")
  shift 3
  local run=("$emu" "$@" "$mem" "$guests/pgbench.vmlinux" "op=$op" "${extra[@]}")
  t0=$(median_us "${run[@]}" n=0)
  tn=$(median_us "${run[@]}" "n=$n")
  tsc=$("${run[@]}" "n=$n" 2>/dev/null | sed -n 's/.*, \([0-9]*\) ns each$/\1/p')
  echo "$(( (tn - t0) * 1000 / n )) ns (TSC ${tsc:-?} ns)"
}
if [ -f "$guests/pgbench.vmlinux" ]; then
  echo "pgbench, per operation, (median wall time of n - of 0) / n:"
  echo "  hypercall round trip (FLUSH_ASYNC, n=1000000): $(pgbench_op hcall 1000000 64)"
  echo "  SET_PTE of a shadowed entry, TLB flushed (n=200000): $(pgbench_op set_pte 200000 64)"
  echo "  SET_PTE of an entry with no shadow, no flush (n=200000): $(pgbench_op set_pte_clear 200000 64)"
  echo "  context switch: NEW_PGTABLE between 2 cached directories + 1 user read (n=200000): $(pgbench_op switch 200000 64)"
  echo "  the same + 16 user reads (n=100000): $(pgbench_op "switch pages=16" 100000 64)"
  echo "  context switch over 6 directories: slots recycled, + 1 user read (n=50000): $(pgbench_op "switch dirs=6" 50000 64)"
  echo "  demand fault: first write to a fresh page (n=100000): $(pgbench_op fault 100000 512)"
  # Its set-up takes the n first faults, so only the Guest's timing of the
  # second pass means anything.
  tsc=$("$emu" 512 "$guests/pgbench.vmlinux" op=refault n=100000 2>/dev/null |
        sed -n 's/.*, \([0-9]*\) ns each$/\1/p')
  echo "  demand fault on a page the host has backed, Dirty already set (n=100000): TSC ${tsc:-?} ns"
  echo "  MMIO read of a virtio register, emulated by the Launcher (n=200000): $(pgbench_op mmio 200000 64)"
  echo "  system call, int \$0x80 from ring 3, direct (n=1000000): $(pgbench_op syscall 1000000 64)"
  echo "  system call through the Host, --no-direct-traps (n=1000000): $(pgbench_op syscall 1000000 64 --no-direct-traps)"
fi
if [ -f "$guests/halt.vmlinux" ] && [ -x /usr/bin/time ]; then
  cpu=$(/usr/bin/time -f %P "$emu" 32 "$guests/halt.vmlinux" period_ms=25 2>&1 >/dev/null | tail -1)
  echo "idle Guest (20 HALTs of 25 ms): ${cpu} CPU"
  echo "20 virtual seconds of HALT with --deterministic: $(median_ms "$emu" --deterministic 32 "$guests/halt.vmlinux" period_ms=1000) ms"
fi
