#!/bin/sh
# console_real.sh: the REAL ./kronos-tui console inside tmux, on a small run
# of the tiny golden model (tests/data/tiny) over tests/synth_prices.awk
# prices, asserting on the screen text: panels and values at 120x40 and
# 80x24 (metrics checked against a --batch run's per_date_metrics.csv), the
# too-small message at 60x15, the empty-results view, the help overlay,
# pause and resume, q's confirmation and the terminal restored after quit,
# monochrome under NO_COLOR and --no-color, ASCII under LANG=C vs UTF-8
# drawing, stdout not a terminal -> --batch, unknown TERM -> --batch.
# The runs with $DELAY go through tests/kronos-tui-slow (the same
# src/cli/main.c and libraries, kronos_forecast wrapped by
# tests/slow_forecast.c), whose KRONOS_TUI_TEST_DELAY_MS slows the scoring
# down (sleeps between micro-batches) so the screens can be watched without
# burning CPU; the other runs use ./kronos-tui itself. Skips (77) only when
# tmux is absent.
set -u
: "${srcdir:=.}"
if ! command -v tmux >/dev/null 2>&1; then
    echo "SKIP: tmux is not installed (Debian package: tmux); console tests not run"
    exit 77
fi
BIN=$(pwd)/kronos-tui
SLOW=$(pwd)/tests/kronos-tui-slow
[ -x "$SLOW" ] || { echo "FAIL: $SLOW not built"; exit 1; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kt-console-real.XXXXXX")
TM="tmux -L kt-console-real-$$ -f /dev/null"
cleanup() {
    $TM kill-server >/dev/null 2>&1
    [ -n "${KEEP:-}" ] || rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
UTF8=C.UTF-8
fails=0
checks=0
current=""
runs=0

awk -f "$srcdir/tests/synth_prices.awk" > "$TMP/prices.csv"
TOK=$(cd "$srcdir/tests/data/tiny/tokenizer" && pwd)
MOD=$(cd "$srcdir/tests/data/tiny/model" && pwd)
# 12 tickers; 3 folds (March, April, May 2019): 66 dates of 3 micro-batches;
# with the delay >= 0.45 s a date
CFG="--prices $TMP/prices.csv --tokenizer $TOK --model $MOD --max-context 128 --lookback 30 \
--horizons 1,5 --max-folds 3 --batch-size 4 --threads 1 --name console-real"
DELAY=KRONOS_TUI_TEST_DELAY_MS=150

. "$srcdir/tests/tmux_screen.sh"
tmux_server

# start W H ENV... -- ARGS...: the real binary in a fresh tmux session, on a
# fresh run directory ($RUN); with $DELAY among the ENVs, its slowed-down
# build tests/kronos-tui-slow
start() {
    w=$1 h=$2
    shift 2
    envs=""
    bin=$BIN
    while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do
        envs="$envs $1"
        [ "$1" = "$DELAY" ] && bin=$SLOW
        shift
    done
    [ "$1" = "--" ] && shift
    runs=$((runs + 1))
    RUN="$TMP/run$runs"
    rm -f "$TMP/pid" "$TMP/stty"
    cat > "$TMP/run.sh" <<EOF
sh -c 'echo \$\$ > "$TMP/pid"; exec env TERM=tmux-256color $envs "$bin" $* --output-dir "$RUN"' 2> "$TMP/stderr"
echo KT_EXIT=\$?
stty -a > "$TMP/stty"
sleep 600
EOF
    checks=$((checks + 1))
    new_session "$w" "$h" "sh $TMP/run.sh"
}

stop() { # end the current session's program (SIGTERM), if still running
    pid=$(cat "$TMP/pid" 2>/dev/null)
    [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
    wait_for "KT_EXIT=" >/dev/null
}

# overall dates done, from "N/66 dates"
dates_done() { grep -oE '[0-9]+/66 dates' "$TMP/screen" | head -1 | cut -d/ -f1; }

# The metrics row of horizon H on the screen must equal what the --batch
# run's per_date_metrics.csv gives for the first N dates (N read from the
# row): median, mean, % positive (x100) and the latest RankIC.
check_metrics() { # H
    row=$(grep -E "^│ [ ▶]$1d " "$TMP/screen" | head -1)
    [ -n "$row" ] || { fail "no metrics row for ${1}d"; return; }
    # shellcheck disable=SC2086
    set -- "$1" $(printf '%s\n' "$row" | sed 's/[│▶]/ /g')
    n=$3
    want=$(awk -F, -v h="$1" -v n="$n" 'NR > 1 && $3 == h && $5 != "" && k < n { v[++k] = $5 }
        END {
            if (k < n) { print "short"; exit }
            for (i = 1; i <= k; i++) { s += v[i]; p += v[i] > 0; w[i] = v[i] }
            for (i = 2; i <= k; i++) { x = w[i]; j = i - 1; while (j > 0 && w[j] > x) { w[j + 1] = w[j]; j-- } w[j + 1] = x }
            m = k % 2 ? w[(k + 1) / 2] : (w[k / 2] + w[k / 2 + 1]) / 2
            printf "%dd %d %.4f %.4f %.1f %.4f\n", h, k, m, s / k, 100 * p / k, v[k]
        }' "$TMP/ref/per_date_metrics.csv")
    got=$(printf '%s %s %s %s %s %s\n' "$2" "$3" "$4" "$5" "$7" "$8")
    [ "$got" = "$want" ] || fail "metrics row for ${1}d: got \"$got\" (horizon dates median mean %pos latest), want \"$want\""
}

# the reference: the same configuration in --batch mode (no delay)
# shellcheck disable=SC2086
"$BIN" $CFG --batch --output-dir "$TMP/ref" 2> "$TMP/ref.err" ||
    { cat "$TMP/ref.err"; echo "FAIL: reference --batch run"; exit 1; }
head -1 "$TMP/ref/per_date_metrics.csv" | grep -q '^date,fold_id,horizon,[a-z_]*,rankic' ||
    { head -1 "$TMP/ref/per_date_metrics.csv"; echo "FAIL: per_date_metrics.csv columns changed"; exit 1; }

# ---- panels and values at 120x40; pause, help, too small, 80x24, quit -----
# The run is held with the console's own pause (p) whenever the checks need
# it to stay where it is, and let go only to see it advance: its dates and
# its state do not depend on how fast the machine scores or draws.
current="panels 120x40"
# dates_done_past N: more than N dates done on the screen ($d: how many)
dates_done_past() { d=$(dates_done); [ "${d:-0}" -gt "$1" ]; }
# hold: pause the run and wait until the screen shows it paused
hold() { $TM send-keys -t kt p; wait_for "PAUSED" && expect "p Resume"; }
start 120 40 LC_ALL=$UTF8 $DELAY -- $CFG
wait_for "fold_01 (1/3)" && expect "RUNNING" "p Pause" && hold && {
    expect "kronos-tui  console-real  smoke" \
        "Data: 12 tickers 2019-01-01..2019-09-30" "Evaluated: 2019-02-12..2019-09-30" \
        "Model: Kronos d_model=32 layers=2 heads=2 s1=4 s2=4" \
        "76.5k params, context 128, lookback 30" \
        "─ ▶ Progress ─" "/66 dates" "fold_01 (1/3)  21 dates" \
        "✓ CPU verified (87 tensors)" "Threads 1" "BLAS " \
        "─ RankIC by horizon ─" "?/F1 Help" "p Resume" "r Reports" "q Quit"
    # the tiny model counts its steps: 3 micro-batches of 5 (max horizon),
    # after the date's share done
    expect_re "2019-03-[0-9]{2} \([0-9]+/21\)  [0-9]{1,3}%  step ([0-9]|1[0-5])/15, micro-batch [1-3]/3"
    expect_re "RSS [0-9.]+ (KiB|MiB|GiB)   Model 299\.1 KiB"
    borders_aligned 120
    [ "$(colour_codes)" -gt 0 ] || fail "no colour at all with colours enabled"
}

current="pause and resume"
# let it score a date, then hold it
$TM send-keys -t kt p
wait_for "RUNNING" && expect "p Pause" && expect_not "PAUSED"
within "$KT_WAIT" dates_done_past 0 || fail "no date done after resuming"
hold && {
    # no progress over 2 s (a few tries: the pause takes effect after the
    # micro-batch in flight, whose date may still complete)
    k=0
    while :; do
        snap
        d1=$(dates_done)
        sleep 2
        snap
        d2=$(dates_done)
        [ -n "$d1" ] && [ "$d1" = "$d2" ] && break
        k=$((k + 1))
        [ $k -ge 4 ] && { fail "progress moved while paused ($d1 -> $d2)"; break; }
    done
    [ "${d1:-0}" -ge 1 ] || fail "no date done before the pause"
    expect "─ RankIC by horizon ─" "Horizon  Dates  Median"
    # the metrics of the dates done so far equal the --batch run's
    check_metrics 1
    check_metrics 5
    $TM send-keys -t kt p
    wait_for "RUNNING" && expect "p Pause" && expect_not "PAUSED"
    within "$KT_WAIT" dates_done_past "${d2:-0}" ||
        fail "progress did not continue after resuming ($d2)"
}
# held from here to the quit: the run is still active whatever the pace
hold

current="help overlay"
$TM send-keys -t kt '?'
wait_for "pause or resume the run" && expect "─ Help ─" "quit (asks first while the run is active)"
$TM send-keys -t kt Escape
wait_gone "pause or resume the run"
$TM send-keys -t kt F1
wait_for "pause or resume the run"
$TM send-keys -t kt x
wait_gone "pause or resume the run"

current="too small 60x15"
$TM resize-window -t kt -x 60 -y 15
wait_for "The terminal is too small (60x15)." && expect "needs at least 80x24"

current="panels 80x24 (resized)"
$TM resize-window -t kt -x 80 -y 24
wait_for "│ Overall" && {
    borders_aligned 80
    expect "✓ CPU verified (87 tensors)" "/66 dates" "?/F1 Help" "q Quit"
    expect_re "fold_0[1-3] \([1-3]/3\)"
}

current="quit"
$TM send-keys -t kt q
wait_for "Stop the run?" && expect "y: stop and quit"
$TM send-keys -t kt n
wait_gone "Stop the run?"
expect "PAUSED"
$TM send-keys -t kt q
wait_for "Stop the run?"
$TM send-keys -t kt y
terminal_restored
expect "KT_EXIT=130"
expect_not "RankIC by horizon" "Stop the run?"
st=$("$BIN" --status "$RUN")
printf '%s\n' "$st" | grep -q "^State:    interrupted; resume with --resume $RUN\$" ||
    { echo "$st"; fail "--status after quitting: not interrupted"; }

# ---- the verdict and the net spread after a fold; the reports overlay -------
# The worker's scorecard after fold_01 must be what a --batch run of that
# one fold writes: its gates (stability_scorecard.csv) and, per horizon,
# the mean net spread of the base_slippage scenario (cost_overlays.csv), in
# percent with two decimals (the Net % column). Then, once finished, r
# lists the run directory's files and Enter shows REPORT.md in the console.
current="verdict after a fold"
# shellcheck disable=SC2086
"$BIN" $CFG --max-folds 1 --batch --output-dir "$TMP/ref1" 2> "$TMP/ref1.err" ||
    { cat "$TMP/ref1.err"; fail "reference --batch run of one fold"; }
want_gates=$(awk -F, 'NR == 2 { g = "1 " $11 ", 2 " $12 ", 3 " $13; gsub(/not_run/, "not run", g); print g }' \
    "$TMP/ref1/stability_scorecard.csv")
net_of() { # H: the mean net spread of base_slippage over the reference's dates, in %
    awk -F, -v h="$1" '$3 == h && $4 == "base_slippage" { s += $8; n++ }
        END { if (n) printf "%+.2f\n", 100 * s / n; else print "—" }' "$TMP/ref1/cost_overlays.csv"
}
# shellcheck disable=SC2086
start 120 40 LC_ALL=$UTF8 $DELAY -- $CFG --model-cutoff 2019-03-15
wait_for "Gates after fold_01" 120 && hold && {
    expect "Gates after fold_01: $want_gates" \
        "Evaluated: 2019-02-12..2019-09-30  ⚠ model saw 11 dates (to 2019-03-15)" \
        "⚠ pretraining overlap: 11 of 66 evaluation dates are on or before the model's last training date 2019-03-15"
    for h in 1 5; do
        row=$(grep -E "^│ [ ▶]${h}d " "$TMP/screen" | head -1)
        # shellcheck disable=SC2086
        set -- $(printf '%s\n' "$row" | sed 's/[│▶]/ /g')
        [ "$8" = "$(net_of $h)" ] ||
            fail "Net % of ${h}d: \"$8\" on the screen, $(net_of $h) from the --batch run's cost_overlays.csv"
    done
    $TM send-keys -t kt p
}
wait_for "FINISHED" 300 && {
    current="reports overlay"
    $TM send-keys -t kt r
    wait_for "stability_scorecard_by_period.csv" && {
        expect "Run directory: $RUN" "Report: $RUN/REPORT.md" "▶ REPORT.md" "stability_scorecard.csv" \
            "cost_overlays.csv" "baselines.csv" "churn_diagnostics.csv" "experiment_metadata.json"
        expect_re "REPORT\.html .*\(open it outside the console\)"
        expect_not "journal.ktj" ".tmp"
        # the report first, then the scorecard
        [ "$(grep -nE '(▶| ) (REPORT\.md|stability_scorecard\.csv) ' "$TMP/screen" | cut -d: -f1 | tr '\n' ' ')" != "" ] ||
            fail "no REPORT.md / stability_scorecard.csv lines"
        borders_aligned 120
    }
    current="report viewer"
    $TM send-keys -t kt Enter
    wait_for "REPORT.md: lines 1-35 of" && {
        expect "# Kronos walk-forward stability report: console-real" "## Verdict" \
            "Warning: pretraining overlap." "q/Esc: back"
        $TM send-keys -t kt End
        wait_for "## Run facts"
        $TM send-keys -t kt q
        wait_gone "REPORT.md: lines"
        expect "▶ REPORT.md"
        # REPORT.html next: named with its path, for a browser
        $TM send-keys -t kt Down Enter
        wait_for "REPORT.html is not a text file: open it in a browser or an image viewer."
        $TM send-keys -t kt Escape
        wait_gone "is not a text file"
        # then the scorecard CSV with its header
        $TM send-keys -t kt Down Enter
        wait_for "stability_scorecard.csv: lines 1-3 of 3" &&
            expect "horizon,rankic_headline,rankic_mean,nw_t,pct_positive"
        $TM send-keys -t kt Escape
        wait_gone "stability_scorecard.csv: lines"
        $TM send-keys -t kt x
        wait_gone "Run directory:"
        expect "RankIC by horizon"
    }
}
stop

# ---- a fresh start at 80x24 ------------------------------------------------
current="panels 80x24"
start 80 24 LC_ALL=$UTF8 $DELAY -- $CFG
wait_for "Dates timed" && {
    expect "console-real" "RUNNING" "─ ▶ Progress ─" "fold_01 (1/3)" "/66 dates" \
        "✓ CPU verified (87 tensors)" "Threads 1" "─ RankIC by horizon ─" "?/F1 Help" "q Quit"
    expect_re "^│ [ ▶]1d +[0-9]+ +-?[0-9]\.[0-9]{4} +-?[0-9]\.[0-9]{4}"
    borders_aligned 80
}
stop

# ---- starting below the minimum size ---------------------------------------
current="too small at start"
start 60 15 LC_ALL=$UTF8 $DELAY -- $CFG
wait_for "The terminal is too small (60x15)." && expect "needs at least 80x24" && expect_not "RankIC"
stop

# ---- the empty-results view ------------------------------------------------
for size in "120 40" "80 24"; do
    current="empty view $size"
    # shellcheck disable=SC2086
    start $size LC_ALL=$UTF8 -- $CFG --lookback 5000 --max-folds 1
    wait_for "No evaluation rows" && {
        expect "NO EVALUATION ROWS" \
            "The run finished, but no date produced an evaluation row." \
            "Why: 12 of 12 tickers skipped: fewer than 5000 bars before 2019-02-28" \
            "What to change:" "REPORT_EMPTY.md"
        borders_aligned "${size% *}"
        expect_not "RankIC by horizon" "p Pause"
        [ -s "$RUN/REPORT_EMPTY.md" ] || fail "no $RUN/REPORT_EMPTY.md"
    }
    $TM send-keys -t kt q # nothing running: no confirmation
    terminal_restored
    expect "KT_EXIT=0"
done

# ---- monochrome under NO_COLOR and --no-color ------------------------------
for how in "NO_COLOR=1 -- $CFG" "-- $CFG --no-color"; do
    current="monochrome (${how%% *})"
    # shellcheck disable=SC2086
    start 120 40 LC_ALL=$UTF8 $DELAY $how
    wait_for "CPU verified" && {
        expect "RUNNING" "✓ CPU verified (87 tensors)"
        n=$(colour_codes)
        [ "$n" -eq 0 ] || fail "$n colour codes in monochrome mode"
    }
    stop
done

# ---- ASCII under LANG=C, UTF-8 drawing under a UTF-8 locale -----------------
current="ascii (LANG=C)"
start 80 24 LANG=C LC_ALL=C $DELAY -- $CFG
wait_for "CPU verified" && {
    expect "+- > Progress ---" "| Overall " "[ok] CPU verified (87 tensors)" "/66 dates"
    if LC_ALL=C grep -q "$(printf '[\200-\377]')" "$TMP/screen"; then
        fail "non-ASCII bytes on the screen under LANG=C"
    fi
    borders_aligned 80
}
stop
current="utf-8 ($UTF8)"
start 80 24 LC_ALL=$UTF8 $DELAY -- $CFG
wait_for "CPU verified" && {
    expect "┌─ ▶ Progress ─" "│ Overall " "✓ CPU verified (87 tensors)" "█"
    expect_not "+- > Progress" "[ok] CPU verified"
}
stop

# ---- unknown TERM: --batch output with a one-line explanation -------------
current="unknown TERM"
start 80 24 LC_ALL=$UTF8 TERM=kt-no-such-terminal -- $CFG --max-folds 1
wait_for "KT_EXIT=" 300 && {
    expect "KT_EXIT=0"
    grep -qF "The terminal (TERM=kt-no-such-terminal) cannot show the console: using --batch output." "$TMP/stderr" ||
        { cat "$TMP/stderr"; fail "no one-line explanation for the unknown TERM"; }
    grep -q '^\[1/21\] 2019-03-01: Scored 12 tickers, 0 skipped' "$TMP/stderr" ||
        { cat "$TMP/stderr"; fail "no --batch lines after the unknown TERM"; }
    grep -q '^Finished in ' "$TMP/stderr" || fail "the --batch fallback did not finish"
}

# ---- stdout not a terminal: behaves as --batch and says so ----------------
current="stdout not a tty"
# shellcheck disable=SC2086
"$BIN" $CFG --max-folds 1 --output-dir "$TMP/notty" > "$TMP/notty.out" 2> "$TMP/notty.err" < /dev/null
rc=$?
[ $rc -eq 0 ] || fail "exit $rc with stdout not a terminal"
grep -qxF "stdout is not a terminal: using --batch output." "$TMP/notty.err" ||
    { cat "$TMP/notty.err"; fail "no explanation when stdout is not a terminal"; }
grep -q '^\[21/21\] 2019-03-29: Scored 12 tickers, 0 skipped' "$TMP/notty.err" ||
    { cat "$TMP/notty.err"; fail "no --batch date lines"; }
if grep -q "$(printf '\033')" "$TMP/notty.out" "$TMP/notty.err"; then
    fail "terminal escapes written when stdout is not a terminal"
fi

echo "console_real.sh: $checks console runs, $fails failure(s)"
[ $fails -eq 0 ]
