#!/bin/sh
# bench_console_latency.sh (make bench-console): how fast the console reacts
# to a key and to a terminal resize while a date is being scored (issue 5:
# within 100 ms). A benchmark, not a test: not in TESTS, no wall-clock
# assertion.
#
# Usage (from the build directory):
#   tests/bench_console_latency.sh [--demo] [TRIALS]
# Default: the tiny golden model in a CPU-bound configuration (batch size 1,
# 4 horizons: the worker computes all the time). --demo: the embedded demo
# model (bigger). TRIALS defaults to 20. KT_BENCH_NICE (default 19) is the
# nice level given to the worker threads (every thread but the UI one), so
# that the benchmark does not disturb a shared machine; 0 leaves them alone.
#
# tests/pty_driver runs ./kronos-tui on a pseudo-terminal it owns: it times
# from writing `?` to the arrival of the help overlay's text, and from the
# TIOCSWINSZ resize (alternating 100x30 and 120x40; the kernel sends SIGWINCH)
# to the console's full-screen redraw, trials starting at random points of a
# date. (Timing through tmux instead measured mostly tmux: starting a tmux
# client took 50-150 ms on the loaded 2-core development machine.)
: "${srcdir:=.}"
BIN=./kronos-tui
DRV=./tests/pty_driver
DEMO=0
[ "${1:-}" = "--demo" ] && { DEMO=1; shift; }
N=${1:-20}
[ -x "$DRV" ] || { echo "bench_console_latency: build tests/pty_driver first (make check or make bench-console)" >&2; exit 2; }
T=$(mktemp -d "${TMPDIR:-/tmp}/kt-bench-lat.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM

if [ $DEMO -eq 1 ]; then
    ARGS="--output-dir $T/run --mode full"
    what="embedded demo model"
else
    awk -f "$srcdir/tests/synth_prices.awk" > "$T/prices.csv"
    ARGS="--prices $T/prices.csv --tokenizer $srcdir/tests/data/tiny/tokenizer \
--model $srcdir/tests/data/tiny/model --max-context 128 --lookback 60 --horizons 1,5,20,60 \
--mode full --batch-size 1 --threads 1 --output-dir $T/run"
    what="tiny model, batch size 1, 4 horizons"
fi
echo "kronos-tui console latency, $what, $(nproc) CPUs:"
# shellcheck disable=SC2086
env TERM=xterm-256color LC_ALL=C.UTF-8 \
    $DRV latency --trials "$N" --nice "${KT_BENCH_NICE:-19}" -- $BIN $ARGS 2>"$T/err"
rc=$?
[ $rc -eq 0 ] || cat "$T/err" >&2
exit $rc
