#!/bin/sh
# run_dir.sh: run directories end to end with the tiny golden model:
# status.json / events.jsonl (parsed with jansson by tests/check_jsonl),
# --status lines and exit codes, kill -9 mid-date then --resume with
# byte-identical CSVs, stale heartbeat, resume refused after the data or a
# setting changed, a second writer refused, --attach to a live --batch run
# inside tmux (progress advances; two viewers; quitting leaves the run
# alone), and SIGHUP (tmux kill-session) to a console run: it goes on
# detached and finishes.
set -u
: "${srcdir:=.}"
BIN=./kronos-tui
CHK=./tests/check_jsonl
TOK="$srcdir/tests/data/tiny/tokenizer"
MOD="$srcdir/tests/data/tiny/model"
T=$(mktemp -d "${TMPDIR:-/tmp}/kt-run-dir.XXXXXX")
TM="tmux -L kt-run-dir-$$ -f /dev/null"
PIDS=""
cleanup() {
    for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
    command -v tmux >/dev/null 2>&1 && $TM kill-server >/dev/null 2>&1
    [ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
export LC_ALL=C

# the same synthetic prices as eval_batch.sh: 12 tickers, weekday bars
# 2019-01-01 .. 2019-09-30 (deterministic walk)
awk -f "$srcdir/tests/synth_prices.awk" > "$T/prices.csv"
cp "$T/prices.csv" "$T/p1.csv"

M="--tokenizer $TOK --model $MOD --max-context 128"
FAST="--lookback 30 --horizons 1,5 --max-folds 3"
# slow enough to be watched (~0.5 s per date, 131 dates); always stopped early
SLOW="--lookback 60 --horizons 1,5,20,60 --mode full --batch-size 1 --threads 1"

count() { c=$(grep -c "\"event\":\"$1\"" "$2" 2>/dev/null); echo "${c:-0}"; }
# wait_count EVENT FILE N [SECONDS]
wait_count() {
    i=0
    while [ "$(count "$1" "$2")" -lt "$3" ]; do
        i=$((i + 1)); [ $i -gt $(( ${4:-30} * 20 )) ] && fail "timed out waiting for $3 $1 in $2"
        sleep 0.05
    done
}
expect_line() { # FILE LINE: the exact line is in FILE
    grep -qxF -- "$2" "$1" || { cat "$1" >&2; fail "expected line: $2"; }
}

# ---- 1. batch + --json: files, JSON lines, --status ----------------------
$BIN --prices "$T/p1.csv" $M $FAST --batch --json --output-dir "$T/fast" > "$T/out.jsonl" 2> "$T/err1"
rc=$?; [ $rc -eq 0 ] || { cat "$T/err1"; fail "fast run exit $rc"; }
for f in config.json inputs.json status.json events.jsonl journal.ktj .lock REPORT.md; do
    [ -s "$T/fast/$f" ] || fail "missing $f"
done
$CHK "$T/out.jsonl" > "$T/chk1" || fail "--json lines do not parse"
$CHK "$T/fast/events.jsonl" > "$T/chk2" || fail "events.jsonl does not parse"
expect_line "$T/chk2" "run_started 1"
expect_line "$T/chk2" "fold_started 3"
expect_line "$T/chk2" "date_done 66"
expect_line "$T/chk2" "finished 1"
cmp -s "$T/out.jsonl" "$T/fast/events.jsonl" || fail "events.jsonl differs from the --json lines"
$CHK --status "$T/fast/status.json" > "$T/chk3" || fail "status.json"
expect_line "$T/chk3" "format kronos-tui-status version 1 state finished heartbeat 5"
grep -q "\"checksums\"" "$T/fast/inputs.json" || fail "inputs.json checksums"

$BIN --status "$T/fast" > "$T/st1"; rc=$?
[ $rc -eq 0 ] || fail "--status of a finished run exit $rc"
expect_line "$T/st1" "Run:      kronos-eval (smoke)"
expect_line "$T/st1" "State:    finished"
expect_line "$T/st1" "Fold:     fold_03 (3/3)"
expect_line "$T/st1" "Date:     2019-05-31 (23/23)"
expect_line "$T/st1" "Dates:    66 of 66 done (0 resumed)"
expect_line "$T/st1" "Report:   $T/fast/REPORT.md"
# the median per-date RankIC of horizon 1, recomputed from per_date_metrics.csv
med=$(awk -F, 'NR > 1 && $3 == 1 && $5 != "" { print $5 }' "$T/fast/per_date_metrics.csv" | sort -g |
      awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%+.4f", m }')
n1=$(awk -F, 'NR > 1 && $3 == 1 && $5 != ""' "$T/fast/per_date_metrics.csv" | wc -l)
grep -qE "^RankIC 1d: median \\$med, latest [+-][0-9.]+ \\($n1 dates\\)\$" "$T/st1" ||
    { cat "$T/st1"; fail "RankIC 1d line (expected median $med over $n1 dates)"; }
grep -qE '^RankIC 5d: median ' "$T/st1" || fail "RankIC 5d line"

$BIN --status "$T/nonexistent" > "$T/st0"; rc=$?
[ $rc -eq 13 ] || fail "--status of a missing run exit $rc"
grep -q '^State:    no status' "$T/st0" || fail "missing status line"

# ---- 2. resume refused: settings, then data changed ------------------------
cp "$T/fast/status.json" "$T/status.before"
$BIN --resume "$T/fast" --batch --lookback 40 2> "$T/err2"; rc=$?
[ $rc -eq 7 ] || { cat "$T/err2"; fail "resume with another lookback: exit $rc"; }
grep -qF "the setting \"lookback\" differs from the run recorded there (recorded 30, now 40)" "$T/err2" ||
    { cat "$T/err2"; fail "settings mismatch message"; }
sed -i '100s/,\([0-9]*\)\.\([0-9]\)/,\1.9/' "$T/p1.csv"
cmp -s "$T/prices.csv" "$T/p1.csv" && fail "the data change did not happen"
$BIN --resume "$T/fast" --batch 2> "$T/err3"; rc=$?
[ $rc -eq 7 ] || { cat "$T/err3"; fail "resume after a data change: exit $rc"; }
grep -qF "the price data changed since the run was recorded: $T/p1.csv has checksum fnv1a64:" "$T/err3" ||
    { cat "$T/err3"; fail "data mismatch message"; }
cmp -s "$T/status.before" "$T/fast/status.json" || fail "a refused resume touched status.json"
$BIN --resume "$T/nope" --batch 2> "$T/err4"; rc=$?
[ $rc -eq 2 ] || fail "resume of a non-run directory: exit $rc"
grep -qF "not a run directory" "$T/err4" || fail "non-run directory message"

# ---- 3. kill -9 in the middle of a date, stale heartbeat, --resume ----------
KILLS="$FAST --max-folds 2 --batch-size 1 --threads 1"
$BIN --prices "$T/prices.csv" $M $KILLS --batch --output-dir "$T/ref" 2>/dev/null || fail "reference run"
$BIN --prices "$T/prices.csv" $M $KILLS --batch --heartbeat 0.5 --output-dir "$T/kill" 2>/dev/null &
pid=$!; PIDS="$PIDS $pid"
wait_count date_done "$T/kill/events.jsonl" 10
# a micro-batch of the next date is done: the date is in flight
n0=$(count batch_progress "$T/kill/events.jsonl")
wait_count batch_progress "$T/kill/events.jsonl" $((n0 + 2))
kill -9 $pid; wait $pid 2>/dev/null
done_k=$(count date_done "$T/kill/events.jsonl")
[ "$done_k" -lt 43 ] || fail "the run finished before kill -9"
tail -1 "$T/kill/events.jsonl" | grep -q '"event":"\(batch_progress\|date_started\|metrics\|date_done\)"' ||
    fail "kill -9 did not land inside a date"
sleep 2
$BIN --status "$T/kill" > "$T/st2"; rc=$?
[ $rc -eq 12 ] || { cat "$T/st2"; fail "--status of a killed run: exit $rc (want 12, stale)"; }
grep -q "^State:    running, STALE: no heartbeat for [0-9]*:[0-9][0-9] (expected every 0.5 s); the writing process is gone: resume with --resume $T/kill\$" "$T/st2" ||
    { cat "$T/st2"; fail "stale line"; }
$BIN --resume "$T/kill" --batch 2> "$T/err5"; rc=$?
[ $rc -eq 0 ] || { cat "$T/err5"; fail "--resume after kill -9: exit $rc"; }
nres=$(grep -c 'Resumed from the journal' "$T/err5")
[ "$nres" -ge 10 ] || fail "only $nres dates resumed"
for f in scores.csv per_date_metrics.csv fold_summaries.csv ic_decay_stats.csv churn.csv leak_tripwires.json; do
    cmp -s "$T/ref/$f" "$T/kill/$f" || fail "$f differs after kill -9 + --resume"
done
$CHK "$T/kill/events.jsonl" > "$T/chk4" || fail "events.jsonl after a torn kill -9 does not parse"
expect_line "$T/chk4" "run_started 2"
$BIN --status "$T/kill" > "$T/st3"; rc=$?
[ $rc -eq 0 ] || fail "--status after resume: exit $rc"
expect_line "$T/st3" "Dates:    43 of 43 done ($nres resumed)"

# ---- 4. a second writer is refused ----------------------------------------
$BIN --prices "$T/prices.csv" $M $SLOW --batch --heartbeat 0.5 --output-dir "$T/slow" 2> "$T/slow.err" &
spid=$!; PIDS="$PIDS $spid"
wait_count date_done "$T/slow/events.jsonl" 2
$BIN --prices "$T/prices.csv" $M $SLOW --batch --output-dir "$T/slow" 2> "$T/err6"; rc=$?
[ $rc -eq 6 ] || { cat "$T/err6"; fail "second writer: exit $rc"; }
grep -qF "$T/slow: the run directory is being written by another process (pid $spid," "$T/err6" ||
    { cat "$T/err6"; fail "second writer message"; }
$BIN --resume "$T/slow" --batch 2>/dev/null; rc=$?
[ $rc -eq 6 ] || fail "--resume of a live run: exit $rc"
$BIN --status "$T/slow" > "$T/st4"; rc=$?
[ $rc -eq 0 ] || { cat "$T/st4"; fail "--status of a live run: exit $rc"; }
grep -q '^State:    running, live (heartbeat 0:0[0-9] ago, every 0.5 s)$' "$T/st4" || { cat "$T/st4"; fail "live line"; }

# ---- 5. --attach to the live batch run inside tmux ---------------------------
if ! command -v tmux >/dev/null 2>&1; then
    echo "SKIP: tmux is not installed: --attach and SIGHUP checks skipped" >&2
    kill -TERM $spid; wait $spid
    exit 77
fi
shot() { $TM capture-pane -p -t "$1" > "$T/screen.$1" 2>/dev/null; }
date_on() { grep -oE '20[0-9]{2}-[0-9]{2}-[0-9]{2} \([0-9]+/[0-9]+\)' "$T/screen.$1" | head -1; }
wait_screen() { # SESSION TEXT
    i=0
    while shot "$1"; ! grep -qF -- "$2" "$T/screen.$1"; do
        i=$((i + 1)); [ $i -gt 400 ] && { cat "$T/screen.$1" >&2; fail "$1: no \"$2\" on screen"; }
        sleep 0.1
    done
}
for v in v1 v2; do
    $TM new-session -d -s $v -x 120 -y 40 "env TERM=screen $BIN --attach $T/slow --refresh 0.25; echo VIEWER_EXIT=\$?; sleep 60"
done
wait_screen v1 "attached, read-only"
wait_screen v2 "attached, read-only"
wait_screen v1 "RUNNING"
d1=$(date_on v1)
[ -n "$d1" ] || { cat "$T/screen.v1" >&2; fail "no date progress on the viewer's screen"; }
i=0
while d2=$(shot v1; date_on v1); [ "$d2" = "$d1" ]; do
    i=$((i + 1)); [ $i -gt 100 ] && fail "the viewer's progress did not advance from $d1"
    sleep 0.1
done
$TM send-keys -t v1 q
wait_screen v1 "VIEWER_EXIT=0"
n1=$(count date_done "$T/slow/events.jsonl")
sleep 1
kill -0 $spid 2>/dev/null || fail "quitting a viewer stopped the run"
[ "$(count date_done "$T/slow/events.jsonl")" -gt "$n1" ] || fail "the run stopped advancing after the viewer quit"
wait_screen v2 "RUNNING"
# SIGTERM: the run stops resumably; the other viewer shows it
kill -TERM $spid; wait $spid; rc=$?
[ $rc -eq 130 ] || fail "SIGTERM exit $rc"
wait_screen v2 "STOPPED"
$BIN --status "$T/slow" > "$T/st5"; rc=$?
[ $rc -eq 11 ] || fail "--status of an interrupted run: exit $rc"
expect_line "$T/st5" "State:    interrupted; resume with --resume $T/slow"
$TM send-keys -t v2 q

# ---- 6. console run in tmux; SIGHUP (kill-session) -> goes on detached --------
HUP="--lookback 60 --horizons 1,5,20 --max-folds 1 --batch-size 1 --threads 1"
$TM new-session -d -s con -x 120 -y 40 "env TERM=screen $BIN --prices $T/prices.csv $M $HUP --output-dir $T/hup; sleep 60"
wait_screen con "RUNNING"
wait_count date_done "$T/hup/events.jsonl" 3
cpid=$(cat "$T/hup/.lock")
PIDS="$PIDS $cpid"
# nobody is attached to the tmux session: the run advances anyway
n1=$(count date_done "$T/hup/events.jsonl")
wait_count date_done "$T/hup/events.jsonl" $((n1 + 2))
$TM kill-session -t con
sleep 0.5
kill -0 "$cpid" 2>/dev/null || fail "SIGHUP killed the console run"
i=0
while ! grep -q '"event":"finished"' "$T/hup/events.jsonl"; do
    i=$((i + 1)); [ $i -gt 600 ] && fail "the detached run did not finish"
    kill -0 "$cpid" 2>/dev/null || grep -q '"event":"finished"' "$T/hup/events.jsonl" ||
        fail "the detached run died"
    sleep 0.1
done
grep -q '"event":"cancelled"' "$T/hup/events.jsonl" && fail "SIGHUP cancelled the run"
$BIN --status "$T/hup" > "$T/st6"; rc=$?
[ $rc -eq 0 ] || fail "--status after the detached run: exit $rc"
expect_line "$T/st6" "State:    finished"
[ -s "$T/hup/REPORT.md" ] || fail "no REPORT.md after the detached run"
echo "run_dir.sh: ok"
