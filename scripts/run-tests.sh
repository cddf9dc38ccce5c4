#!/usr/bin/env bash
# Every test: the Debug build in build/ and the ASan+UBSan build in
# build-sanitize/, each built and run with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
for type in Debug Sanitize; do
  dir=build; [ "$type" = Sanitize ] && dir=build-sanitize
  echo "== $type build ($dir)"
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE="$type" >/dev/null
  cmake --build "$dir" -j"$jobs"
  ctest --test-dir "$dir" --output-on-failure -j"$jobs"
done
