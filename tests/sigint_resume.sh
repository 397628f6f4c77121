#!/bin/sh
# sigint_resume.sh: SIGINT at random points of 20 --batch runs (issue 9).
# Each trial starts the same small run (tiny golden model, the synthetic
# price store, 43 dates in 2 folds, one ticker per micro-batch), sends
# SIGINT after a seeded random delay, expects exit 130 (or 0 when the run
# finished first), resumes with --resume to completion and compares every
# output CSV (and leak_tripwires.json) byte for byte with an uninterrupted
# reference run. The points are seeded and stratified so that they cover
# the whole run whatever the machine's load: trials 1-3 wait a random
# delay from the spawn within the reference's start-up time (libtorch and
# model loading, before the run directory exists); trials 4-20 wait for
# a random number k of date_done events (spread over 0..43, so the last
# ones land near the end or after it) and then a random 0-40 ms more, so
# the signal lands inside a date, between dates, or in the reports.
# SIGINT_SEED / SIGINT_TRIALS override the seed (default 9) and the count.
# The runs start through `env --default-signal=INT`: a non-interactive
# shell starts background jobs with SIGINT ignored, which would hide the
# default action a terminal's Ctrl-C has before main() installs its
# handler. Last, one run gets SIGINT just after its "Finished" line (it
# used to die of SIGPIPE, exit 141, writing to the closed signal pipe):
# the run is stopped on that line, signalled while stopped, then let go.
set -u
: "${srcdir:=.}"
BIN=./kronos-tui
TOK="$srcdir/tests/data/tiny/tokenizer"
MOD="$srcdir/tests/data/tiny/model"
T=$(mktemp -d "${TMPDIR:-/tmp}/kt-sigint.XXXXXX")
PID=""
cleanup() {
    [ -n "$PID" ] && kill -9 "$PID" 2>/dev/null
    [ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
export LC_ALL=C
SEED=${SIGINT_SEED:-9}
TRIALS=${SIGINT_TRIALS:-20}
EARLY=$(( (TRIALS * 3 + 19) / 20 ))   # 3 of 20 from the spawn

awk -f "$srcdir/tests/synth_prices.awk" > "$T/prices.csv"
RUN="--prices $T/prices.csv --tokenizer $TOK --model $MOD --max-context 128 --lookback 30
     --horizons 1,5 --max-folds 2 --batch-size 1 --threads 1 --batch"
OUTS="scores.csv per_date_metrics.csv fold_summaries.csv ic_decay_stats.csv churn.csv
      churn_diagnostics.csv stability_scorecard.csv baselines.csv
      cost_overlays.csv leak_tripwires.json"
N_CSV=$(echo $OUTS | tr ' ' '\n' | grep -c '\.csv$')

env --default-signal=INT true 2>/dev/null ||
    { echo "SKIP: env --default-signal (coreutils >= 8.31) is missing"; exit 77; }
START="env --default-signal=INT $BIN"

ms() { echo $(( $(date +%s%N) / 1000000 )); }
# wait_file FILE: until FILE exists or the run ($PID) has ended
wait_file() {
    while [ ! -s "$1" ] && kill -0 "$PID" 2>/dev/null; do sleep 0.02; done
}

# ---- the reference run, timed: start-up (spawn -> events.jsonl) and run
t0=$(ms)
# shellcheck disable=SC2086
$START $RUN --output-dir "$T/ref" 2> "$T/ref.err" &
PID=$!
wait_file "$T/ref/events.jsonl"
t1=$(ms)
wait "$PID"; rc=$?; PID=""
t2=$(ms)
[ $rc -eq 0 ] || { cat "$T/ref.err"; fail "reference run exit $rc"; }
grep -q '^Finished in .*: 43 dates (0 resumed)' "$T/ref.err" || fail "reference: not 43 dates"
ls "$T/ref"/*.csv | sed 's|.*/||' > "$T/ref.csvs"
[ "$(wc -l < "$T/ref.csvs")" -eq "$N_CSV" ] || fail "reference: expected $N_CSV CSV files, got $(cat "$T/ref.csvs")"
startup=$((t1 - t0)) run=$((t2 - t1))

# per trial: dates to wait for (or "spawn") and a delay (ms), seeded LCG
awk -v seed="$SEED" -v n="$TRIALS" -v e="$EARLY" -v su="$startup" 'BEGIN {
    s = seed
    for (i = 0; i < n; i++) {
        s = (s * 1103515245 + 12345) % 2147483648; u = s / 2147483648
        if (i < e) { printf "spawn %d\n", su * (i + u) / e; continue }
        s = (s * 1103515245 + 12345) % 2147483648; v = s / 2147483648
        printf "%d %d\n", int(44 * (i - e + u) / (n - e)), 40 * v
    } }' > "$T/delays"

mid=0 early=0 finished=0 minc=999 maxc=-1 i=0
while read -r from delay; do
    i=$((i + 1))
    d="$T/t$i"
    # shellcheck disable=SC2086
    $START $RUN --output-dir "$d" 2> "$T/err$i" &
    PID=$!
    if [ "$from" != spawn ]; then
        wait_file "$d/events.jsonl"
        while [ "$(grep -c '"event":"date_done"' "$d/events.jsonl" 2>/dev/null)" -lt "$from" ] &&
              kill -0 "$PID" 2>/dev/null; do sleep 0.02; done
    fi
    sleep "$(awk -v m="$delay" 'BEGIN { printf "%.3f", m / 1000 }')"
    kill -INT "$PID" 2>/dev/null
    wait "$PID"; rc=$?; PID=""
    how=""
    if [ $rc -eq 0 ]; then
        grep -q '^Finished in .*: 43 dates' "$T/err$i" || { cat "$T/err$i"; fail "trial $i: exit 0, not finished"; }
        finished=$((finished + 1)); how="finished before the signal"
    elif [ $rc -eq 130 ] && [ ! -e "$d/config.json" ]; then
        # killed before main() installed the handler, or before the run
        # directory was recorded: nothing to resume, the same command
        # starts afresh
        [ ! -s "$d/journal.ktj" ] || fail "trial $i: a journal but no config.json"
        early=$((early + 1)); how="before the run directory existed"
        rm -rf "$d"
        # shellcheck disable=SC2086
        $BIN $RUN --output-dir "$d" 2> "$T/res$i"; rc=$?
        [ $rc -eq 0 ] || { cat "$T/res$i"; fail "trial $i: rerun exit $rc"; }
    elif [ $rc -eq 130 ]; then
        c=$(sed -n 's/^Interrupted after \([0-9]*\) completed date.*/\1/p' "$T/err$i")
        [ -n "$c" ] || { cat "$T/err$i"; fail "trial $i: exit 130 without the 'Interrupted after' line"; }
        mid=$((mid + 1)); how="interrupted after $c dates"
        [ "$c" -lt "$minc" ] && minc=$c
        [ "$c" -gt "$maxc" ] && maxc=$c
        $BIN --resume "$d" --batch 2> "$T/res$i"; rc=$?
        [ $rc -eq 0 ] || { cat "$T/res$i"; fail "trial $i: --resume exit $rc"; }
        r=$(sed -n 's/^Finished in .*: 43 dates (\([0-9]*\) resumed).*/\1/p' "$T/res$i")
        [ "$r" = "$c" ] || { cat "$T/res$i"; fail "trial $i: $c dates completed before SIGINT, $r resumed"; }
    else
        cat "$T/err$i"; fail "trial $i: exit $rc after SIGINT (want 130 or 0)"
    fi
    for f in $OUTS; do
        cmp -s "$T/ref/$f" "$d/$f" || fail "trial $i ($how): $f differs from the reference"
    done
    ls "$d"/*.csv | sed 's|.*/||' | cmp -s - "$T/ref.csvs" || fail "trial $i: other CSV files"
    if [ "$from" = spawn ]; then at="$delay ms after the spawn"; else at="$delay ms after date $from"; fi
    echo "trial $i: SIGINT $at: $how; outputs identical"
    rm -rf "$d"
done < "$T/delays"

[ $i -eq "$TRIALS" ] || fail "ran $i of $TRIALS trials"
echo "sigint_resume.sh: $TRIALS trials (seed $SEED; reference: start-up ${startup} ms, run ${run} ms):" \
     "$mid interrupted mid-run (after $minc..$maxc of 43 dates), $early before the run" \
     "directory existed, $finished finished first; every one resumed to identical outputs"
# most trials must really interrupt a run, or the test proves little
[ $mid -ge $((TRIALS / 2)) ] || fail "only $mid of $TRIALS trials interrupted a run mid-way"

# ---- SIGINT just after the last line: the finished run exits 0
# The run's stderr comes through a FIFO, read here line by line; on its
# "Finished" line the run is stopped (SIGSTOP) before it can exit, SIGINT is
# sent to the stopped process (it is checked to be stopped, not gone), and
# the process is let go (SIGCONT): the signal lands after that line
# whatever the machine's speed; then SIGINT follows SIGINT until the
# process has exited, so that every step of its way out gets one. Should the run exit before it is stopped,
# the attempt does not count and the run is repeated.
proc_state() { sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$1/status" 2>/dev/null; }
[ -r "/proc/$$/status" ] || { echo "SKIP: no /proc: the late SIGINT check needs it"; exit 77; }
mkfifo "$T/late.fifo" || fail "mkfifo"
caught=0 attempt=0
while [ $caught -eq 0 ]; do
    attempt=$((attempt + 1))
    [ $attempt -le 5 ] || fail "5 runs exited before they could be stopped after their Finished line"
    rm -rf "$T/late"
    : > "$T/late.err"
    # shellcheck disable=SC2086
    $START $RUN --output-dir "$T/late" 2> "$T/late.fifo" &
    PID=$!
    while IFS= read -r line; do
        printf '%s\n' "$line" >> "$T/late.err"
        case $line in
        "Finished in "*)
            kill -STOP "$PID" 2>/dev/null
            # wait until it is stopped (T) or gone (Z, or no entry)
            k=0
            while st=$(proc_state "$PID"); [ "$st" = R ] || [ "$st" = S ] || [ "$st" = D ]; do
                k=$((k + 1)); [ $k -gt 3000 ] && fail "the run (pid $PID) did not stop"
                sleep 0.01
            done
            if [ "$st" = T ]; then
                kill -INT "$PID" || fail "SIGINT: no process $PID"
                caught=1
            fi
            kill -CONT "$PID" 2>/dev/null
            # and more SIGINTs, back to back, until it has exited (shell
            # builtins only: they land all along its way out)
            n=0
            while [ $caught -eq 1 ] && read -r _ _ st _ < "/proc/$PID/stat" && [ "$st" != Z ]; do
                kill -INT "$PID" 2>/dev/null && n=$((n + 1))
            done 2>/dev/null
            ;;
        esac
    done < "$T/late.fifo"
    wait "$PID"; rc=$?; PID=""
    grep -q '^Finished in ' "$T/late.err" || { cat "$T/late.err"; fail "late SIGINT: the run did not finish"; }
    [ $caught -eq 1 ] || echo "late SIGINT: attempt $attempt: the run exited before it was stopped; again"
done
[ $rc -eq 0 ] || { cat "$T/late.err"; fail "SIGINT after the Finished line: exit $rc (want 0)"; }
for f in $OUTS; do
    cmp -s "$T/ref/$f" "$T/late/$f" || fail "late SIGINT: $f differs from the reference"
done
echo "late SIGINT: delivered to the stopped run after its Finished line (attempt $attempt)," \
     "then $n more until it exited: exit 0"
echo "sigint_resume.sh: ok"
