#!/bin/sh
# blas_kernel.sh: the BLAS kernel matches the CPU, through the command line
# (issue 14). tests/blas_shim.so plays an OpenBLAS that does not know this
# CPU (it reports the generic "Prescott" kernel while OPENBLAS_CORETYPE is
# unset), as OpenBLAS 0.3.21 does on a newer Xeon.
#  1. OpenBLAS falls back: kronos-tui and kronos-bench re-execute with the
#     kernel matching the CPU (SkylakeX on AVX-512, Haswell on AVX2), say so,
#     and do not warn; the run's REPORT.md and metadata record it.
#  2. The user's OPENBLAS_CORETYPE wins, even a slow one: never overwritten,
#     and device, --batch, REPORT.md and metadata warn with the cost and fix.
#  3. Nothing faked: the kernel OpenBLAS picks here is used or upgraded, and
#     nothing warns.
set -u
KT_TEST=blas
. "${srcdir:=.}/tests/testlib.sh"
BIN=./kronos-tui
SHIM=./tests/blas_shim.so
TOK="$srcdir/tests/data/tiny/tokenizer"
MOD="$srcdir/tests/data/tiny/model"
LC_ALL=C
export LC_ALL
unset KRONOS_TUI_BLAS_REPLACED
# the shim is preloaded before the sanitizer runtime of an ASan build
ASAN_OPTIONS="verify_asan_link_order=0:${ASAN_OPTIONS:-}"
export ASAN_OPTIONS
[ -f "$SHIM" ] || fail "$SHIM not built"
./kronos-tui device | grep -q 'BLAS:            OpenBLAS' || { echo "SKIP: the BLAS is not OpenBLAS"; exit 77; }

# The kernel matching this CPU, read from /proc/cpuinfo independently of
# the code under test.
flags=$(grep -m1 '^flags' /proc/cpuinfo)
has() { case " $flags " in *" $1 "*) return 0 ;; esac; return 1; }
if has avx512f && has avx512cd && has avx512bw && has avx512dq && has avx512vl; then
    BEST=SkylakeX CPU=AVX512
elif has avx2 && has fma; then
    BEST=Haswell CPU=AVX2
else
    echo "SKIP: this CPU has neither AVX2 nor AVX-512"; exit 77
fi
CHOSEN="$BEST (chosen by kronos-tui; OpenBLAS picked Prescott)"

# ---- 1. fallback: re-executed with the matching kernel -----------------
env -u OPENBLAS_CORETYPE LD_PRELOAD="$SHIM" $BIN device > "$T/dev1" 2> "$T/dev1.err" || fail "device: exit $?"
grep -qx "  BLAS kernel:     $CHOSEN" "$T/dev1" || { cat "$T/dev1"; fail "device: expected kernel '$CHOSEN'"; }
[ ! -s "$T/dev1.err" ] || { cat "$T/dev1.err"; fail "device warned about a matching kernel"; }

env -u OPENBLAS_CORETYPE LD_PRELOAD="$SHIM" ./kronos-bench --tickers 1 --lookback 16 --horizons 2 --threads 1 \
    > "$T/bench" 2>&1 || { cat "$T/bench"; fail "kronos-bench: exit $?"; }
grep -qx "  BLAS kernel:      $CHOSEN" "$T/bench" || { cat "$T/bench"; fail "kronos-bench: expected '$CHOSEN'"; }
! grep -q 'warning' "$T/bench" || fail "kronos-bench warned about a matching kernel"

# 6 tickers, weekday bars 2019-01-01 .. 2019-03-29 (deterministic walk)
awk -v tickers=6 -v last=2019-03-29 -f "$srcdir/tests/synth_prices.awk" > "$T/prices.csv"
ARGS="--prices $T/prices.csv --tokenizer $TOK --model $MOD --lookback 20 --horizons 1 --max-context 64 --batch
      --max-folds 1 --threads 1"
# shellcheck disable=SC2086
env -u OPENBLAS_CORETYPE LD_PRELOAD="$SHIM" $BIN $ARGS --output-dir "$T/run1" > "$T/run1.out" 2>&1 ||
    { cat "$T/run1.out"; fail "batch run: exit $?"; }
! grep -q 'kernel' "$T/run1.out" || { cat "$T/run1.out"; fail "batch run warned about a matching kernel"; }
grep -q "^- device: cpu (verified), threads 1, BLAS OpenBLAS [0-9.]*, kernel $CHOSEN, SIMD $CPU\$" \
    "$T/run1/REPORT.md" || { grep device "$T/run1/REPORT.md"; fail "REPORT.md: device line"; }
python3 - "$T/run1/experiment_metadata.json" "$BEST" <<'PY' || fail "experiment_metadata.json (fallback)"
import json, sys
d = json.load(open(sys.argv[1]))["device"]
want = {"blas_kernel": sys.argv[2], "blas_kernel_source": "kronos-tui", "blas_kernel_replaced": "Prescott",
        "blas_kernel_slow": False, "blas_warning": ""}
bad = {k: d.get(k) for k in want if d.get(k) != want[k]}
if bad:
    sys.exit("metadata device: got %r, want %r" % (bad, want))
PY

# ---- 2. the user's choice wins, and a slow one is warned about ---------
WARN="OPENBLAS_CORETYPE selects the Prescott kernel, below this $CPU CPU: matrix products run about 4x slower and an evaluation 2-3x slower. Unset OPENBLAS_CORETYPE (kronos-tui then picks $BEST) or set OPENBLAS_CORETYPE=$BEST."
for pre in "" "$SHIM"; do
    OPENBLAS_CORETYPE=Prescott LD_PRELOAD="$pre" $BIN device > "$T/dev2" 2> "$T/dev2.err" || fail "device: exit $?"
    grep -qx "  BLAS kernel:     Prescott (OPENBLAS_CORETYPE)" "$T/dev2" ||
        { cat "$T/dev2"; fail "device (preload '$pre'): the user's OPENBLAS_CORETYPE was not kept"; }
    [ "$(cat "$T/dev2.err")" = "kronos-tui device: warning: $WARN" ] ||
        { cat "$T/dev2.err"; fail "device: expected the warning: $WARN"; }
done
# shellcheck disable=SC2086
OPENBLAS_CORETYPE=Prescott $BIN $ARGS --output-dir "$T/run2" > "$T/run2.out" 2>&1 ||
    { cat "$T/run2.out"; fail "batch run (Prescott): exit $?"; }
grep -qxF "warning: $WARN" "$T/run2.out" || { cat "$T/run2.out"; fail "--batch: no kernel warning"; }
grep -qF -- "- **warning**: $WARN" "$T/run2/REPORT.md" || fail "REPORT.md: no kernel warning"
grep -q "kernel Prescott (OPENBLAS_CORETYPE), SIMD" "$T/run2/REPORT.md" || fail "REPORT.md: kernel"
python3 - "$T/run2/experiment_metadata.json" "$WARN" <<'PY' || fail "experiment_metadata.json (Prescott)"
import json, sys
d = json.load(open(sys.argv[1]))["device"]
want = {"blas_kernel": "Prescott", "blas_kernel_source": "env", "blas_kernel_replaced": "",
        "blas_kernel_slow": True, "blas_warning": sys.argv[2]}
bad = {k: d.get(k) for k in want if d.get(k) != want[k]}
if bad:
    sys.exit("metadata device: got %r, want %r" % (bad, want))
PY
# the kernel does not decide results beyond rounding: same rows, same dates
cut -d, -f1-4 "$T/run1/scores.csv" > "$T/keys1"
cut -d, -f1-4 "$T/run2/scores.csv" > "$T/keys2"
cmp -s "$T/keys1" "$T/keys2" || fail "scores.csv rows differ between kernels"

# ---- 3. nothing faked: OpenBLAS's own pick, kept or upgraded -----------
env -u OPENBLAS_CORETYPE $BIN device > "$T/dev3" 2> "$T/dev3.err" || fail "device: exit $?"
k=$(sed -n 's/^  BLAS kernel:     //p' "$T/dev3")
case "$k" in
    "$BEST (chosen by kronos-tui; OpenBLAS picked "*) ;;     # a CPU newer than OpenBLAS
    Haswell|Zen) [ "$CPU" = AVX2 ] || fail "kernel $k on an AVX-512 CPU was not upgraded" ;;
    SkylakeX|Cooperlake|SapphireRapids) ;;
    *) fail "unexpected kernel '$k' on this $CPU CPU" ;;
esac
[ ! -s "$T/dev3.err" ] || { cat "$T/dev3.err"; fail "device warned"; }
echo "blas_kernel: $BEST on this $CPU CPU; OpenBLAS's own pick here: $k"
