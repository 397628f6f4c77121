#!/bin/sh
# bench_cli.sh: kronos-bench's command line. A bad value names the
# option, what was expected and the value (as kronos-tui forecast does),
# with exit 2 and nothing on stdout; --dates N times N dates in one process
# and reports the last; --precision int8 reports its fidelity against
# fp32; the default memory budget is kronos-tui's (2048 MB); --help exits 0. A benchmark's timings are not asserted here (they depend
# on the machine).
set -u
srcdir=${srcdir:-.}
bin=./kronos-bench
export LC_ALL=C
unset LANGUAGE
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kt-bench-cli.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
fail=0
no() { echo "FAIL: $*"; fail=1; }

# option value: the message's "expected ..." part
while read -r opt val want; do
    $bin "--$opt" "$val" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    [ "$rc" -eq 2 ] || no "--$opt $val: exit $rc, expected 2"
    [ ! -s "$tmp/out" ] || no "--$opt $val: wrote to stdout"
    want="kronos-bench: --$opt: expected $want, got \"$val\""
    [ "$(cat "$tmp/err")" = "$want" ] || no "--$opt $val: stderr '$(cat "$tmp/err")', expected '$want'"
done <<'CASES'
dates 0 an integer in [1, 100000]
dates x an integer in [1, 100000]
tickers 5x an integer in [1, 100000]
lookback 1 an integer in [2, 100000]
samples -3 an integer in [1, 100000]
threads 99999 an integer in [0, 1024]
budget-mb 0 an integer in [1, 10000000]
seed x a non-negative integer
seed -1 a non-negative integer
seed 18446744073709551616 a non-negative integer
horizons 20,x up to 8 comma-separated horizons from 1 to 10000
horizons 20,,60 up to 8 comma-separated horizons from 1 to 10000
horizons 0 up to 8 comma-separated horizons from 1 to 10000
horizons 1,2,3,4,5,6,7,8,9 up to 8 comma-separated horizons from 1 to 10000
precision fp16 fp32 or int8
CASES

$bin --help >"$tmp/help" 2>&1 || no "--help: exit $?"
grep -q '^Usage: kronos-bench ' "$tmp/help" || no "--help: no usage line"
[ -f "$srcdir/doc/kronos-bench.1" ] || no "no man page doc/kronos-bench.1"

$bin --tickers 2 --lookback 16 --horizons 2,3 --threads 1 --dates 3 >"$tmp/run" 2>&1 ||
    { cat "$tmp/run"; no "3 dates: exit $?"; }
grep -q '^  workload:         2 tickers x 1 samples, lookback 16, horizons 2,3 (one generation of 3)$' "$tmp/run" ||
    no "workload line"
grep -q '^  micro-batches:    1 of up to 2 rows (memory budget 2048 MB)$' "$tmp/run" || no "default budget"
grep -q '^                    date 3 of 3; the first took [0-9.]* s' "$tmp/run" || no "--dates 3: no 'date 3 of 3'"
grep -q '^    encode [0-9.]* s, prefill [0-9.]* s, 2 generation steps [0-9.]* s, decode [0-9.]* s$' "$tmp/run" ||
    no "phase line (2 generation steps)"
# --precision int8: the date again in fp32, and the fidelity of the ids
# and the closes against it (2 rows x 3 steps)
$bin --tickers 2 --lookback 16 --horizons 3 --threads 1 --dates 1 --precision int8 >"$tmp/int8" 2>&1 ||
    { cat "$tmp/int8"; no "--precision int8: exit $?"; }
grep -q '^  precision:        int8; fidelity against fp32 on the same inputs and seed:$' "$tmp/int8" ||
    no "--precision int8: no fidelity header"
grep -q '^    first generated token: s1 agrees in [0-2] of 2 rows ([0-9.]*%), s1 and s2 in [0-2] ([0-9.]*%)$' "$tmp/int8" ||
    no "--precision int8: first-token line"
grep -q '^    all 3 steps: s1 ids agree [0-9.]*%, s2 ids [0-9.]*%' "$tmp/int8" || no "--precision int8: all-steps line"
grep -q '^    forecast close: |int8 - fp32| / fp32 median [0-9.e+-]*%, max [0-9.e+-]*%$' "$tmp/int8" ||
    no "--precision int8: forecast close line"
grep -q 'verified 1, 192 tensors' "$tmp/int8" || no "--precision int8: the device check does not count the 32 int8 copies"
[ "$fail" -eq 0 ] || cat "$tmp/run" "$tmp/int8"
exit "$fail"
