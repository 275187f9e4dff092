#!/usr/bin/env bash
# Runs every test suite and prints one summary line: "N passed, N failed".
#   unit tests (cmocka) in the normal and the ASan+UBSan build,
#   fuzz corpora replayed (both builds),
#   integration tests against the real binary (normal, then ASan build).
# Each suite prints TAP lines ("ok ..." / "not ok ..."); we count them.
set -u
cd "$(dirname "$0")/.."

pass=0 fail=0
log=$(mktemp -d /tmp/turnpike-tests.XXXXXX)
trap 'rm -rf "$log"' EXIT

count() { # name, file holding a suite's output, its exit code
	local p f
	p=$(grep -cE '^ok ' "$2")
	f=$(grep -cE '^not ok ' "$2")
	if [ "$3" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1; echo "not ok - $1 exited $3 without a failing test"
	fi
	pass=$((pass + p)); fail=$((fail + f))
	printf '# %-40s %3d passed, %d failed\n' "$1" "$p" "$f"
}

suite() { # name, command...
	local name=$1 out="$log/$(echo "$1" | tr ' /' '__')" t0=$SECONDS; shift
	echo "# --- $name"
	"$@" >"$out" 2>&1; local rc=$?
	echo "# $name took $((SECONDS - t0)) s"
	grep -E '^(not )?ok |^# ' "$out" | grep -vE '^# (--- |[a-z_/ ]+ +[0-9]+ passed)' | sed 's/^/  /'
	[ $rc -ne 0 ] && { echo "  (output of $name)"; tail -40 "$out" | sed 's/^/  | /'; }
	count "$name" "$out" $rc
}

replay() { # build dir
	local rc=0 b
	for b in "$1"/replay/fuzz_*; do
		[ -x "$b" ] || continue
		local n=${b##*/fuzz_}
		if "$b" "tests/fuzz/corpus/$n" >"$log/replay.out" 2>&1; then
			echo "ok - replay $n corpus ($(tail -1 "$log/replay.out"))"
		else
			echo "not ok - replay $n corpus"; tail -20 "$log/replay.out"; rc=1
		fi
	done
	return $rc
}

for build in build build-asan; do
	for t in "$build"/tests/test_*; do
		[ -x "$t" ] || continue
		suite "$build/${t##*/}" env CMOCKA_MESSAGE_OUTPUT=TAP "$t"
	done
	suite "$build fuzz replay" replay "$build"
done

for t in tests/integ/test_*.sh; do
	suite "integ ${t##*/}" env TURNPIKE=bin/turnpike TOOLS=build/tools "$t"
	suite "integ ${t##*/} (asan)" env TURNPIKE=build-asan/bin/turnpike \
		TOOLS=build/tools ASAN_OPTIONS=detect_leaks=1 "$t"
done

echo
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
