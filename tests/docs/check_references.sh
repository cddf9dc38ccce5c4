#!/usr/bin/env bash
# Every `path/file.c:function` named in docs/*.md must still be defined in
# that file, so the walk-throughs cannot drift from the code.
#   check_references.sh <source-dir>
set -u
src=${1:?source dir}
status=0
count=0
while IFS= read -r ref; do
  file=${ref%%:*}
  func=${ref##*:}
  count=$((count + 1))
  if [ ! -f "$src/$file" ]; then
    echo "missing file: $ref"
    status=1
  elif ! grep -Eq "^[A-Za-z_].*[ *]${func}\(" "$src/$file"; then
    echo "no function ${func} in ${file}"
    status=1
  fi
done < <(grep -ohE '(src|tests|guests)/[A-Za-z0-9_/]+\.[chS]:[A-Za-z_][A-Za-z0-9_]*' "$src"/docs/*.md | sort -u)
if [ "$count" -eq 0 ]; then
  echo "no references found in docs/"
  exit 1
fi
echo "$count references checked"
exit $status
