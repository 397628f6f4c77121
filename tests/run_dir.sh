#!/bin/sh
# run_dir.sh: run directories end to end with the tiny golden model:
# status.json / events.jsonl (parsed with jansson by tests/check_jsonl),
# --status lines and exit codes, kill -9 mid-date then --resume with
# byte-identical CSVs, stale heartbeat, resume refused after the data or a
# setting changed, a second writer refused, SIGTERM to a live run. The same
# runs watched in tmux (--attach, SIGHUP) are in run_dir_tmux.sh; both
# share tests/run_dir_lib.sh.
. "${srcdir:-.}/tests/run_dir_lib.sh"
cp "$T/prices.csv" "$T/p1.csv"

FAST="--lookback 30 --horizons 1,5 --max-folds 3"

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
hold $pid   # stopped where it is: the kill lands mid-run whatever the pace
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

# ---- 4. a second writer is refused; SIGTERM stops a live run resumably ------
start_slow "$T/slow"   # held after its first date: alive until let go
$BIN --prices "$T/prices.csv" $M $SLOW --batch --output-dir "$T/slow" 2> "$T/err6"; rc=$?
[ $rc -eq 6 ] || { cat "$T/err6"; fail "second writer: exit $rc"; }
grep -qF "$T/slow: the run directory is being written by another process (pid $spid," "$T/err6" ||
    { cat "$T/err6"; fail "second writer message"; }
$BIN --resume "$T/slow" --batch 2>/dev/null; rc=$?
[ $rc -eq 6 ] || fail "--resume of a live run: exit $rc"
$BIN --status "$T/slow" > "$T/st4"; rc=$?
[ $rc -eq 0 ] || { cat "$T/st4"; fail "--status of a live run: exit $rc"; }
grep -q '^State:    running, live (heartbeat [0-9]*:[0-9][0-9] ago, every 1000 s)$' "$T/st4" ||
    { cat "$T/st4"; fail "live line"; }
finished "$T/slow" && fail "the slow run ended before SIGTERM"
# the signal waits while the run is stopped; it lands once let go
kill -TERM $spid || fail "SIGTERM: no process $spid"
let_go $spid
wait $spid; rc=$?
[ $rc -eq 130 ] || { cat "$T/slow.err"; fail "SIGTERM exit $rc"; }
$BIN --status "$T/slow" > "$T/st5"; rc=$?
[ $rc -eq 11 ] || fail "--status of an interrupted run: exit $rc"
expect_line "$T/st5" "State:    interrupted; resume with --resume $T/slow"
grep -q '"event":"cancelled"' "$T/slow/events.jsonl" || fail "no cancelled event after SIGTERM"
echo "run_dir.sh: ok"
