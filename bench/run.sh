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
