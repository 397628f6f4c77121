#!/bin/sh
# valgrind_batch.sh: a short --batch run (tiny golden model, 6 tickers,
# 3 dates) under valgrind --leak-check=full. Fails on any definite or
# indirect leak and on any memcheck error not covered by
# tests/valgrind.supp. Not part of `make check` (several minutes: libtorch
# under valgrind); run from the build directory:
#   srcdir=SRC sh SRC/tests/valgrind_batch.sh
set -u
KT_TEST=valgrind
. "${srcdir:=.}/tests/testlib.sh"
BIN=./kronos-tui
command -v valgrind >/dev/null || { echo "valgrind not installed: skipped"; exit 77; }
${CC:-cc} -shared -fPIC -O1 -o "$T/hwy_stub.so" "$srcdir/tests/valgrind_hwy_stub.c" || fail "stub"
awk -v tickers=6 -v last=2019-03-05 -f "$srcdir/tests/synth_prices.awk" > "$T/prices.csv"
# --trace-children: where OpenBLAS falls back to a generic kernel,
# kronos-tui re-executes itself (src/model/blas.h); the new image stays checked.
OMP_NUM_THREADS=1 LC_ALL=C LD_PRELOAD="$T/hwy_stub.so" \
  valgrind --trace-children=yes --leak-check=full --show-leak-kinds=definite,indirect,possible \
    --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
    --suppressions="$srcdir/tests/valgrind.supp" --num-callers=40 --log-file="$T/vg.txt" \
    $BIN --prices "$T/prices.csv" --tokenizer "$srcdir/tests/data/tiny/tokenizer" \
    --model "$srcdir/tests/data/tiny/model" --lookback 30 --horizons 1 --max-context 128 \
    --batch --max-folds 1 --threads 1 --output-dir "$T/run" 2> "$T/err"
rc=$?
grep -E 'definitely lost|indirectly lost|possibly lost|still reachable|suppressed:|ERROR SUMMARY' "$T/vg.txt"
[ $rc -eq 0 ] || { cat "$T/err"; KEEP=1; fail "exit $rc (99: memcheck errors or leaks), log $T/vg.txt"; }
grep -q 'Finished in .*: 3 dates' "$T/err" || { cat "$T/err"; fail "the run did not score 3 dates"; }
echo "valgrind_batch.sh: ok"
