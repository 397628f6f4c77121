#!/bin/sh
# shard.sh: a sharded evaluation without Slurm (issue 18): four shards run
# one after the other with --shard I/4, `kronos-tui merge` gives the same
# bytes as an unsharded run; a missing shard is refused by merge (exit 9,
# named, with the sbatch --array list) and resumed with --shard auto as a
# resubmitted `sbatch --array=2` sets the Slurm variables; conflicting
# specs, other settings and foreign directories are refused (exit 7);
# four tasks starting at once agree on one plan; merge refuses a shard that
# is still running (tests/kronos-tui-slow holds its pace).
set -u
: "${srcdir:=.}"
BIN=./kronos-tui
TOK="$srcdir/tests/data/tiny/tokenizer"
MOD="$srcdir/tests/data/tiny/model"
T=$(mktemp -d "${TMPDIR:-/tmp}/kt-shard.XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
unset SLURM_ARRAY_TASK_ID SLURM_ARRAY_TASK_COUNT SLURM_ARRAY_TASK_MIN SLURM_ARRAY_TASK_MAX

awk -f "$srcdir/tests/synth_prices.awk" > "$T/prices.csv"
C="--prices $T/prices.csv --tokenizer $TOK --model $MOD --lookback 30 --horizons 1,5 --max-context 128 --batch --max-folds 2 --threads 1"
OUT="scores.csv per_date_metrics.csv fold_summaries.csv ic_decay_stats.csv churn.csv
churn_diagnostics.csv baselines.csv cost_overlays.csv stability_scorecard.csv leak_tripwires.json"
same() { # same DIR: every output of DIR equals the unsharded run's
  for f in $OUT; do cmp "$T/full/$f" "$1/$f" || fail "$1/$f differs from the unsharded run"; done
}

$BIN $C --output-dir "$T/full" 2> "$T/full.err" || { cat "$T/full.err"; fail "unsharded run"; }

# 1. four shards in turn, then merge: the same bytes
for i in 0 1 2 3; do
  $BIN $C --output-dir "$T/sh" --shard $i/4 2> "$T/s$i.err" || { cat "$T/s$i.err"; fail "shard $i"; }
done
# 43 dates dealt round robin: 11, 11, 11, 10
grep -q '^Shard 3/4 done: 10 dates; once every shard is done: kronos-tui merge ' "$T/s3.err" || { cat "$T/s3.err"; fail "shard 3 line"; }
[ "$(sed -n 's/.*"shards": \([0-9]*\),*/\1/p' "$T/sh/shard_plan.json")" = 4 ] || fail "plan shards"
grep -q '"dates": 43' "$T/sh/shard_plan.json" || fail "plan dates"
[ -f "$T/sh/shard-2/journal.ktj" ] && [ -f "$T/sh/shard-2/status.json" ] && [ -f "$T/sh/shard-2/.lock" ] || fail "shard directory"
[ ! -e "$T/sh/scores.csv" ] || fail "a shard wrote the run's report"
$BIN --status "$T/sh" > "$T/st1"; rc=$?
[ $rc -eq 0 ] || { cat "$T/st1"; fail "status exit $rc"; }
grep -qx 'Dates:    43 of 43 done (100%)' "$T/st1" || { cat "$T/st1"; fail "status dates"; }
grep -qx 'Shard 3:  done, 10 of 10 dates' "$T/st1" || { cat "$T/st1"; fail "status shard line"; }
$BIN --attach "$T/sh" > "$T/at1" 2> "$T/at1.err" < /dev/null || fail "--attach on a sharded run"
grep -qx 'Shard 0:  done, 11 of 11 dates' "$T/at1" && grep -q "is a sharded run: showing every shard" "$T/at1.err" || { cat "$T/at1" "$T/at1.err"; fail "--attach shards"; }
$BIN merge "$T/sh" > "$T/m1" 2>&1 || { cat "$T/m1"; fail "merge"; }
grep -q "^Merged 4 shards (43 of 43 dates) into $T/sh" "$T/m1" || { cat "$T/m1"; fail "merge line"; }
same "$T/sh"
[ -s "$T/sh/REPORT.md" ] && [ -s "$T/sh/experiment_metadata.json" ] && [ -s "$T/sh/config.json" ] || fail "merged report files"
# --resume of one shard: every date from its journal
$BIN --resume "$T/sh" --shard 1/4 --batch 2> "$T/r1.err" || { cat "$T/r1.err"; fail "resume shard 1"; }
grep -q '11 dates (11 resumed)' "$T/r1.err" || { cat "$T/r1.err"; fail "resume shard 1 line"; }
# the same with --resume=DIR (one argument): also the shard's directory
$BIN --resume="$T/sh" --shard 2/4 --batch 2> "$T/r2.err" || { cat "$T/r2.err"; fail "resume= shard 2"; }
grep -q '11 dates (11 resumed)' "$T/r2.err" || { cat "$T/r2.err"; fail "resume= shard 2 line"; }

# 2. shard 2 missing: merge refuses, names it, writes nothing
for i in 0 1 3; do
  $BIN $C --output-dir "$T/part" --shard $i/4 2> "$T/p$i.err" || { cat "$T/p$i.err"; fail "part shard $i"; }
done
$BIN --status "$T/part" > "$T/st2"; rc=$?
[ $rc -eq 13 ] || { cat "$T/st2"; fail "status of a run with a shard not started: exit $rc"; }
grep -qx 'Shard 2:  not started, 0 of 11 dates' "$T/st2" || { cat "$T/st2"; fail "status not started"; }
grep -qx 'Dates:    32 of 43 done (74%)' "$T/st2" || { cat "$T/st2"; fail "status partial dates"; }
# --attach on a terminal follows the sharded run until q (tmux as the terminal)
if command -v tmux >/dev/null 2>&1; then
  TM="tmux -L kt-shard-$$"
  screen_has() { # screen_has TEXT: polls the pane for TEXT, up to 30 s
    _i=0
    while [ $_i -lt 300 ]; do
      $TM capture-pane -p -t kt 2>/dev/null | grep -qF -- "$1" && return 0
      sleep 0.1; _i=$((_i + 1))
    done
    $TM capture-pane -p -t kt 2>/dev/null; return 1
  }
  $TM new-session -d -s kt -x 100 -y 30 "$BIN --attach $T/part --refresh 0.2; echo attach-exit=\$?; sleep 60"
  screen_has 'Shard 2:  not started, 0 of 11 dates' && screen_has 'q quits (the run goes on)' ||
    { $TM kill-server; fail "--attach on a terminal: no live view of the shards"; }
  $TM send-keys -t kt q
  screen_has 'attach-exit=13' || { $TM kill-server; fail "--attach: q did not quit with the status code 13"; }
  $TM kill-server 2>/dev/null
fi
$BIN merge "$T/part" > "$T/m2" 2>&1; rc=$?
[ $rc -eq 9 ] || { cat "$T/m2"; fail "merge with a missing shard: exit $rc"; }
grep -q '^  shard 2: not started, 0 of 11 dates journaled$' "$T/m2" || { cat "$T/m2"; fail "missing shard named"; }
grep -q '^  sbatch --array=2 SCRIPT$' "$T/m2" || { cat "$T/m2"; fail "sbatch list"; }
[ ! -e "$T/part/scores.csv" ] && [ ! -e "$T/part/REPORT.md" ] || fail "merge wrote outputs with a shard missing"
$BIN merge "$T/part" --allow-partial > "$T/m3" 2>&1 || { cat "$T/m3"; fail "merge --allow-partial"; }
head -1 "$T/part/REPORT.md" | grep -q '^> \*\*PARTIAL REPORT\*\* .*shards 2 are missing or unfinished; 32 of 43 planned dates' ||
  { head -3 "$T/part/REPORT.md"; fail "partial banner"; }
# a resubmitted `sbatch --array=2`: COUNT 1, MIN = MAX = 2, still shard 2 of 4
SLURM_ARRAY_TASK_ID=2 SLURM_ARRAY_TASK_COUNT=1 SLURM_ARRAY_TASK_MIN=2 SLURM_ARRAY_TASK_MAX=2 \
  $BIN $C --output-dir "$T/part" --shard auto 2> "$T/p2.err" || { cat "$T/p2.err"; fail "resubmitted shard 2"; }
grep -q 'shard 2 of 4 (0-based)' "$T/p2.err" || { cat "$T/p2.err"; fail "auto shard line"; }
$BIN merge "$T/part" > "$T/m4" 2>&1 || { cat "$T/m4"; fail "merge after the resubmission"; }
if [ -n "${TM:-}" ]; then # every shard done: --attach shows it and ends by itself
  $TM new-session -d -s kt -x 100 -y 30 "$BIN --attach $T/part --refresh 0.2; echo attach-exit=\$?; sleep 60"
  screen_has "Merge:    kronos-tui merge $T/part" && screen_has 'attach-exit=0' ||
    { $TM kill-server; fail "--attach on a finished sharded run did not end with exit 0"; }
  $TM kill-server 2>/dev/null
fi
same "$T/part"
if head -1 "$T/part/REPORT.md" | grep -q PARTIAL; then fail "complete merge still marked partial"; fi

# 2b. four tasks starting at once on a fresh directory (the first
# submission of --array=0-3): one creates the plan, all agree with it
for i in 0 1 2 3; do
  SLURM_ARRAY_TASK_ID=$i SLURM_ARRAY_TASK_COUNT=4 SLURM_ARRAY_TASK_MIN=0 SLURM_ARRAY_TASK_MAX=3 \
    $BIN $C --output-dir "$T/race" --shard auto 2> "$T/race$i.err" &
  eval "pid$i=\$!"
done
for i in 0 1 2 3; do
  eval "wait \$pid$i" || { cat "$T/race$i.err"; fail "concurrent task $i"; }
done
[ "$(ls -a "$T/race" | grep -c '^\.shard_plan')" = 0 ] || fail "a temporary plan file was left"
$BIN merge "$T/race" > /dev/null 2>&1 || fail "merge of the concurrent tasks"
same "$T/race"

# 2c. merge while a shard runs: refused, the shard named as running
SLOWBIN=./tests/kronos-tui-slow
rm -f "$T/sh/shard-2/journal.ktj"
KRONOS_TUI_TEST_DELAY_MS=500 $SLOWBIN $C --output-dir "$T/sh" --shard 2/4 2> "$T/run2.err" &
rpid=$!
n=0
until grep -q '"dates_done": [1-9]' "$T/sh/shard-2/status.json" 2>/dev/null && grep -q '"state": "running"' "$T/sh/shard-2/status.json"; do
  n=$((n + 1)); [ $n -lt 600 ] || { kill $rpid; fail "shard 2 never ran"; }
  sleep 0.05
done
$BIN merge "$T/sh" > "$T/m5" 2>&1; rc=$?
kill -INT $rpid; wait $rpid
[ $rc -eq 9 ] || { cat "$T/m5"; fail "merge while shard 2 runs: exit $rc"; }
grep -q '^  shard 2: running, [0-9]* of 11 dates journaled$' "$T/m5" || { cat "$T/m5"; fail "running shard named"; }
same "$T/sh"
$BIN $C --output-dir "$T/sh" --shard 2/4 2> /dev/null || fail "shard 2 resumed"
$BIN merge "$T/sh" > /dev/null 2>&1 || fail "merge after shard 2 resumed"
same "$T/sh"

# 3. bad input: exit codes and messages naming the directory and the difference
$BIN $C --output-dir "$T/sh" --shard 1/3 2> "$T/e1"; rc=$?
[ $rc -eq 7 ] || fail "conflicting shard count: exit $rc"
grep -q "$T/sh: --shard 1/3 conflicts with the run's shard plan of 4 shards" "$T/e1" || { cat "$T/e1"; fail "conflict message"; }
SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_TASK_COUNT=3 SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_MAX=3 \
  $BIN $C --output-dir "$T/new" --shard auto 2> "$T/e2"; rc=$?
[ $rc -eq 2 ] || fail "first array not spanning 0..N-1: exit $rc"
grep -q "$T/new: the first submission of a sharded run must be an array spanning 0..N-1 (sbatch --array=0-2)" "$T/e2" || { cat "$T/e2"; fail "span message"; }
[ ! -e "$T/new" ] || fail "a refused shard created its directory"
$BIN $C --output-dir "$T/new" --shard auto 2> "$T/e3"; rc=$?
[ $rc -eq 2 ] && grep -q 'SLURM_ARRAY_TASK_ID is not set' "$T/e3" || { cat "$T/e3"; fail "auto outside Slurm: exit $rc"; }
$BIN $C --output-dir "$T/new" --shard 4/4 2> "$T/e4"; rc=$?
[ $rc -eq 2 ] && grep -q -- '--shard: expected "auto" or I/N' "$T/e4" || { cat "$T/e4"; fail "bad --shard: exit $rc"; }
# a shard with other settings than the plan
$BIN $C --output-dir "$T/mix" --shard 0/2 2> /dev/null || fail "mix shard 0"
$BIN $C --lookback 31 --output-dir "$T/mix" --shard 1/2 2> "$T/e5"; rc=$?
[ $rc -eq 7 ] || { cat "$T/e5"; fail "shard with other settings: exit $rc"; }
grep -q "$T/mix: this shard's settings or data differ from the run's shard plan" "$T/e5" || { cat "$T/e5"; fail "settings message"; }
# an existing shard run again with other settings: its directory refuses
$BIN $C --lookback 31 --output-dir "$T/sh" --shard 1/4 2> "$T/e6"; rc=$?
[ $rc -eq 7 ] && grep -q "$T/sh/shard-1: the setting \"lookback\" differs" "$T/e6" || { cat "$T/e6"; fail "shard dir settings: exit $rc"; }
same "$T/sh"
# merge into a directory that is not a sharded run; the other way round
$BIN merge "$T/full" 2> "$T/e7"; rc=$?
[ $rc -eq 7 ] && grep -q "$T/full: not a sharded run (no shard_plan.json" "$T/e7" || { cat "$T/e7"; fail "merge of an unsharded run: exit $rc"; }
$BIN $C --output-dir "$T/full" --shard 0/2 2> "$T/e8"; rc=$?
[ $rc -eq 7 ] && grep -q "$T/full holds an unsharded run" "$T/e8" || { cat "$T/e8"; fail "--shard into an unsharded run: exit $rc"; }
$BIN $C --output-dir "$T/sh" 2> "$T/e9"; rc=$?
[ $rc -eq 7 ] && grep -q "$T/sh is a sharded run" "$T/e9" || { cat "$T/e9"; fail "unsharded run into a sharded run: exit $rc"; }
same "$T/sh"
same "$T/part"
# a shard whose journal holds another shard's date: overlapping shards
cp "$T/sh/shard-0/journal.ktj" "$T/j0"
tail -n +2 "$T/sh/shard-1/journal.ktj" | head -1 >> "$T/sh/shard-0/journal.ktj"
$BIN merge "$T/sh" 2> "$T/e10"; rc=$?
[ $rc -eq 7 ] && grep -q "$T/sh/shard-0/journal.ktj: date 2019-0[0-9]-[0-9]* belongs to shard 1, not to shard 0" "$T/e10" || { cat "$T/e10"; fail "overlap: exit $rc"; }
cp "$T/j0" "$T/sh/shard-0/journal.ktj"
echo "shard.sh: ok"
