#!/bin/sh
# console_resize_storm.sh (issue 9, fault injection): the terminal is resized
# 50 times a second for 10 seconds while the real kronos-tui console scores a
# run of the tiny golden model. The console must survive (alive after every
# resize, a complete redraw afterwards), the run must finish and exit 0, the
# terminal must be restored, and the run's outputs must be byte-identical to
# a --batch run of the same configuration.
#
# The storm is driven by tests/pty_driver, which owns the pseudo-terminal
# (TIOCSWINSZ + SIGWINCH, exactly what a terminal emulator does): a
# `tmux resize-window` per step would start a tmux client 500 times, and on
# a loaded 2-core machine that takes 50-150 ms each, far from 50 a second.
# The console run is tests/kronos-tui-slow (the same src/cli/main.c and
# libraries, kronos_forecast wrapped by tests/slow_forecast.c), whose
# KRONOS_TUI_TEST_DELAY_MS stretches the run: its
# sleeps alone last >= 19.8 s however fast the machine, so the 10 s storm,
# which starts as soon as the console shows the run being scored, falls
# while dates are being scored with ~10 s to spare for the first frame.
# Every wait of the driver is polled with a limit of minutes.
set -u
: "${srcdir:=.}"
BIN=./kronos-tui
SLOW=./tests/kronos-tui-slow
DRV=./tests/pty_driver
[ -x "$DRV" ] || { echo "FAIL: $DRV not built"; exit 1; }
[ -x "$SLOW" ] || { echo "FAIL: $SLOW not built"; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/kt-storm.XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

awk -f "$srcdir/tests/synth_prices.awk" > "$T/prices.csv"
CFG="--prices $T/prices.csv --tokenizer $srcdir/tests/data/tiny/tokenizer \
--model $srcdir/tests/data/tiny/model --max-context 128 --lookback 30 --horizons 1,5 \
--max-folds 3 --batch-size 4 --threads 1"

# the reference: the same configuration in --batch mode
# shellcheck disable=SC2086
$BIN $CFG --batch --output-dir "$T/ref" 2> "$T/ref.err" || { cat "$T/ref.err"; fail "reference --batch run"; }

# the storm; 3 micro-batches per date x 66 dates x 100 ms >= 19.8 s of scoring
# shellcheck disable=SC2086
env TERM=xterm-256color LC_ALL=C.UTF-8 KRONOS_TUI_TEST_DELAY_MS=100 \
    $DRV storm --seconds 10 --rate 50 \
    --wait-file "$T/storm/events.jsonl" --wait-text '"event":"finished"' \
    -- $SLOW $CFG --output-dir "$T/storm" > "$T/drv.out" 2> "$T/drv.err"
rc=$?
cat "$T/drv.out"
[ $rc -eq 0 ] || { cat "$T/drv.err"; fail "pty_driver storm: exit $rc"; }
grep -q '^storm: 500 resizes in ' "$T/drv.out" || fail "the storm did not run 500 resizes"
grep -qx 'exit status 0' "$T/drv.out" || { cat "$T/drv.err"; fail "the console run did not exit 0"; }
grep -qx 'terminal restored (canonical mode, echo, normal screen)' "$T/drv.out" || fail "terminal not restored"

grep -qx 'the run was still going when the storm ended' "$T/drv.out" ||
    fail "the run was over before the storm ended"
n=$(grep -c '"event":"date_done"' "$T/storm/events.jsonl")
[ "$n" -eq 66 ] || fail "$n dates done, expected 66"
grep -q '"event":"cancelled"' "$T/storm/events.jsonl" && fail "the run was cancelled"

for f in scores.csv per_date_metrics.csv fold_summaries.csv ic_decay_stats.csv churn.csv \
         leak_tripwires.json; do
    [ -s "$T/ref/$f" ] || fail "the reference run has no $f"
    cmp -s "$T/ref/$f" "$T/storm/$f" || fail "$f differs from the --batch run after the storm"
done
echo "console_resize_storm.sh: ok"
