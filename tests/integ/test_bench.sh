#!/usr/bin/env bash
# The benchmark's smoke run (make bench BENCH_QUICK=1: tiny numbers that
# mean nothing) against the real binary and coturn: it must run to the
# end and fill every cell of the side-by-side table. No figure is judged
# here (speed is the bench's business, never a test's).
cd "$(dirname "$0")/../.." || exit 1
. tests/integ/lib.sh
case $TURNPIKE in *asan*)
	echo "# the bench smoke runs once, with the normal build"; exit 0 ;;
esac
LOADGEN=${LOADGEN:-build/bench/loadgen}
[ -x "$LOADGEN" ] || { not_ok "no $LOADGEN (make tests builds it)"; finish; exit 1; }

timeout 300 env TURNPIKE="$TURNPIKE" LOADGEN="$LOADGEN" PROBE="$PROBE" \
	BENCH_QUICK=1 BENCH_OUT="$WORK/bench.txt" scripts/bench.sh \
	>"$WORK/out.txt" 2>"$WORK/err.txt"
rc=$?
check "bench smoke run exits 0" test "$rc" -eq 0 ||
	tail -15 "$WORK/err.txt" | sed 's/^/#   /'
check "the table names both servers and the workers tried" bash -c \
	"grep -q '^turnpike .* vs coturn ' '$WORK/out.txt' &&
	 grep -q '^turnpike workers tried (64 B flat out, pkt/s): 1: [0-9]* 2: [0-9]*' '$WORK/out.txt'"
rows=$(grep -cE '^\| [A-Z].*\| +[0-9.]+ \| +[0-9.]+ \| +[0-9.]+ \| (higher|lower) +\|$' "$WORK/out.txt")
check "every metric row has both figures and a ratio (15 rows: $rows)" test "$rows" -eq 15
check "BENCH_OUT keeps the table and the raw loadgen lines" bash -c \
	"grep -q '^| Metric' '$WORK/bench.txt' && grep -q 'relay' '$WORK/bench.txt'"
check "no turnpike or coturn process of the bench is left" bash -c \
	"! pgrep -f '/tmp/turnpike-bench\.' >/dev/null"
finish
