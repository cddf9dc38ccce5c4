#!/bin/sh
# cli_check.sh STATUS PROGRAM [ARGS...]
#
# Run PROGRAM and check that it exits with STATUS and that its stderr is
# exactly one line starting "lguest-emu: " (or empty when STATUS is 0).
# Lines starting "lguest-emu: warning: " are left out of that count when
# CLI_ALLOW_WARNINGS is set.  When CLI_EXPECT_STDOUT is set, stdout (without
# its trailing newlines) must equal it; when CLI_EXPECT_STDOUT_LINE is set,
# stdout must have a line equal to it.  When CLI_EXPECT_STDERR is set, the
# counted stderr (without its trailing newline) must equal it.  stdin is
# /dev/null, or what `printf "$CLI_STDIN_PRINTF"` prints when that is set.
expected=$1
shift
out=$(mktemp)
errors=$(mktemp)
input=$(mktemp)
trap 'rm -f "$out" "$errors" "$errors.counted" "$input"' EXIT

if [ -n "${CLI_STDIN_PRINTF:-}" ]; then
	# shellcheck disable=SC2059 # the variable is the format, on purpose
	printf "$CLI_STDIN_PRINTF" >"$input"
fi

"$@" <"$input" >"$out" 2>"$errors"
status=$?

echo "exit status $status, stdout:"
cat "$out"
echo "stderr:"
cat "$errors"

if [ -n "${CLI_ALLOW_WARNINGS:-}" ]; then
	grep -v '^lguest-emu: warning: ' "$errors" >"$errors.counted"
else
	cp "$errors" "$errors.counted"
fi
lines=$(wc -l <"$errors.counted")

if [ "$status" -ne "$expected" ]; then
	echo "FAIL: expected exit status $expected, got $status"
	exit 1
fi
if [ "${CLI_EXPECT_STDOUT+set}" = set ] && [ "$(cat "$out")" != "$CLI_EXPECT_STDOUT" ]; then
	echo "FAIL: expected stdout '$CLI_EXPECT_STDOUT'"
	exit 1
fi
if [ "${CLI_EXPECT_STDOUT_LINE+set}" = set ] && ! grep -qxF -- "$CLI_EXPECT_STDOUT_LINE" "$out"; then
	echo "FAIL: expected a line '$CLI_EXPECT_STDOUT_LINE' on stdout"
	exit 1
fi
if [ "${CLI_EXPECT_STDERR+set}" = set ] && [ "$(cat "$errors.counted")" != "$CLI_EXPECT_STDERR" ]; then
	echo "FAIL: expected stderr '$CLI_EXPECT_STDERR'"
	exit 1
fi
if [ "$expected" -eq 0 ]; then
	if [ -s "$errors.counted" ]; then
		echo "FAIL: expected nothing on stderr"
		exit 1
	fi
	exit 0
fi
if [ "$lines" -ne 1 ] || [ "$(tail -c 1 "$errors.counted" | od -An -c | tr -d ' ')" != '\n' ]; then
	echo "FAIL: expected exactly one line on stderr, got $lines"
	exit 1
fi
case $(cat "$errors.counted") in
"lguest-emu: "*) ;;
*)
	echo "FAIL: the line does not start with 'lguest-emu: '"
	exit 1
	;;
esac
exit 0
