#!/bin/sh
# forecast.sh: `kronos-tui forecast` end to end on the golden fixtures:
# every greedy case must match greedy_forecasts.csv within 1e-4 relative
# (timestamps exactly), and bad input must fail with the right exit code.
set -u
srcdir=${srcdir:-.}
bin=./kronos-tui
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kt-forecast.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
fail=0

for fx in tiny tiny_fixed_te; do
    d=$srcdir/tests/data/$fx
    # one line per case: case start lookback pred_len max_context
    tail -n +2 "$d/greedy_forecasts.csv" | cut -d, -f1-5 | sort -u -t, -k1,1n | tr ',' ' ' >"$tmp/cases"
    while read -r c start lb pl mc; do
        if ! $bin forecast --tokenizer "$d/tokenizer" --model "$d/model" --input "$d/input.csv" \
            --start "$start" --lookback "$lb" --pred-len "$pl" --max-context "$mc" \
            --top-k 1 --top-p 1.0 --threads 1 >"$tmp/out.csv" 2>"$tmp/err"; then
            echo "FAIL $fx case $c: exit status $?: $(cat "$tmp/err")"
            fail=1
            continue
        fi
        awk -F, -v c="$c" 'NR > 1 && $1 == c { sub(/^[^,]*,[^,]*,[^,]*,[^,]*,[^,]*,/, ""); print }' \
            "$d/greedy_forecasts.csv" >"$tmp/want.csv"
        tail -n +2 "$tmp/out.csv" >"$tmp/got.csv"
        if ! awk -F, -v fx="$fx" -v c="$c" '
            NR == FNR { want[FNR] = $0; n = FNR; next }
            {
                m = FNR
                split(want[FNR], w, ",")
                if ($1 != w[1]) { printf "FAIL %s case %d row %d: timestamp %s, want %s\n", fx, c, FNR, $1, w[1]; bad = 1 }
                for (k = 2; k <= 7; k++) {
                    d = $k - w[k]; if (d < 0) d = -d
                    s = w[k] < 0 ? -w[k] : w[k]
                    if (d > 1e-4 * s + 1e-6) { printf "FAIL %s case %d row %d col %d: %s, want %s\n", fx, c, FNR, k, $k, w[k]; bad = 1 }
                }
            }
            END { if (m != n) { printf "FAIL %s case %d: %d rows, want %d\n", fx, c, m, n; bad = 1 } exit bad }' \
            "$tmp/want.csv" "$tmp/got.csv"; then
            fail=1
        else
            echo "ok $fx case $c ($pl rows)"
        fi
    done <"$tmp/cases"
done

# Errors: exit codes from src/base/exitcodes.h.
d=$srcdir/tests/data/tiny
expect() { # expected-status description command...
    want=$1; what=$2; shift 2
    "$@" >"$tmp/out" 2>"$tmp/err"
    got=$?
    if [ "$got" -ne "$want" ] || { [ "$want" -ne 0 ] && [ ! -s "$tmp/err" ]; }; then
        echo "FAIL $what: exit $got (want $want): $(cat "$tmp/err")"
        fail=1
    else
        echo "ok $what (exit $got)"
    fi
}
expect 0 "--help" $bin forecast --help
expect 2 "missing --lookback" $bin forecast --tokenizer "$d/tokenizer" --model "$d/model" --input "$d/input.csv" --pred-len 2
expect 2 "bad --top-p" $bin forecast --tokenizer "$d/tokenizer" --model "$d/model" --input "$d/input.csv" --lookback 8 --pred-len 2 --top-p 2
expect 2 "bad --precision" $bin forecast --tokenizer "$d/tokenizer" --model "$d/model" --input "$d/input.csv" --lookback 8 --pred-len 2 --precision fp16
grep -qx 'kronos-tui forecast: --precision: expected fp32 or int8, got "fp16"' "$tmp/err" ||
    { echo "FAIL: --precision fp16: $(head -n 1 "$tmp/err")"; fail=1; }
expect 0 "--precision int8" $bin forecast --tokenizer "$d/tokenizer" --model "$d/model" --input "$d/input.csv" --lookback 32 --pred-len 4 --precision int8
[ "$(wc -l <"$tmp/out")" -eq 5 ] || { echo "FAIL: --precision int8: $(wc -l <"$tmp/out") lines, want 5"; fail=1; }
expect 3 "missing input" $bin forecast --tokenizer "$d/tokenizer" --model "$d/model" --input "$tmp/nope.csv" --lookback 8 --pred-len 2
printf 'date,open,high,low,close\n2020-01-01,1,2,0.5,x\n' >"$tmp/bad.csv"
expect 3 "non-numeric close" $bin forecast --tokenizer "$d/tokenizer" --model "$d/model" --input "$tmp/bad.csv" --lookback 1 --pred-len 2
grep -q "line 2: column close" "$tmp/err" || { echo "FAIL: error does not name line and column: $(cat "$tmp/err")"; fail=1; }
expect 3 "lookback past the end" $bin forecast --tokenizer "$d/tokenizer" --model "$d/model" --input "$d/input.csv" --start 1400 --lookback 500 --pred-len 2
expect 4 "missing model dir" $bin forecast --tokenizer "$d/tokenizer" --model "$tmp" --input "$d/input.csv" --lookback 8 --pred-len 2

# Past the end of the file the timestamps continue on weekdays (daily bars):
# the file ends on Friday 2022-02-18, so 6 steps skip two weekends.
n=$(($(wc -l <"$d/input.csv") - 1))
last=$(tail -n 1 "$d/input.csv" | cut -d, -f1)
[ "$last" = 2022-02-18 ] || { echo "FAIL: the fixture's last row is $last, this check expects 2022-02-18"; fail=1; }
expect 0 "future past end of file" $bin forecast --tokenizer "$d/tokenizer" --model "$d/model" --input "$d/input.csv" \
    --start $((n - 20)) --lookback 20 --pred-len 6 --max-context 128 --seed 7
got=$(tail -n +2 "$tmp/out" | cut -d, -f1 | tr '\n' ' ')
want='2022-02-21 00:00:00 2022-02-22 00:00:00 2022-02-23 00:00:00 2022-02-24 00:00:00 2022-02-25 00:00:00 2022-02-28 00:00:00 '
if [ "$got" = "$want" ]; then
    echo "ok future timestamps after $last: $got"
else
    echo "FAIL: future timestamps after $last: $got, want $want"
    fail=1
fi

# --seed reproduces a sampled forecast; another seed changes it.
args="--tokenizer $d/tokenizer --model $d/model --input $d/input.csv --start 10 --lookback 40 --pred-len 5 --max-context 128 --sample-count 3"
$bin forecast $args --seed 42 >"$tmp/a" && $bin forecast $args --seed 42 >"$tmp/b" && $bin forecast $args --seed 43 >"$tmp/c" || fail=1
cmp -s "$tmp/a" "$tmp/b" || { echo "FAIL: --seed 42 twice differs"; fail=1; }
cmp -s "$tmp/a" "$tmp/c" && { echo "FAIL: --seed 42 and 43 agree"; fail=1; }
# The default thread count: OMP_NUM_THREADS, else the CPUs in the affinity
# mask (libtorch's own default is 1 on some virtual machines); --threads wins.
threads_of() { grep -E '^ +intra threads:' | awk '{print $NF}'; }
t=$(OMP_NUM_THREADS=3 $bin device | threads_of)
[ "$t" = 3 ] || { echo "FAIL: OMP_NUM_THREADS=3 gave $t threads"; fail=1; }
t=$(OMP_NUM_THREADS=3 $bin device --threads 2 | threads_of)
[ "$t" = 2 ] || { echo "FAIL: --threads 2 gave $t threads"; fail=1; }
if command -v taskset >/dev/null 2>&1; then
    t=$(env -u OMP_NUM_THREADS taskset -c 0 $bin device | threads_of)
    [ "$t" = 1 ] || { echo "FAIL: one CPU in the affinity mask gave $t threads"; fail=1; }
fi
t=$($bin device --tokenizer "$d/tokenizer" --model "$d/model" --threads 3 | threads_of)
[ "$t" = 3 ] || { echo "FAIL: device with a model and --threads 3 gave $t threads"; fail=1; }
exit $fail
