#!/bin/sh
# slurm.sh: a sharded evaluation on a real single-node Slurm cluster
# (issue 18; munged + slurmctld + slurmd started under a temp dir by
# tests/slurm_lib.sh; skipped, exit 77, where they cannot start).
#  1. the tiny model, 2 folds, as a 4-task array with
#     contrib/slurm/submit.sh (array + merge job with afterok): the merged
#     outputs are byte-identical to an unsharded run;
#  2. the same array, one task cancelled (scancel) while it runs: merge
#     refuses (exit 9) and names it, `sbatch --array=K` of that index
#     alone resumes it, and merge gives the same bytes.
# Wall times are printed, never asserted.
set -u
KT_TEST=slurm; . "${srcdir:-.}/tests/testlib.sh"
. "$srcdir/tests/slurm_lib.sh"
trap 'slurm_stop; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
abs() { (cd "$(dirname "$1")" && echo "$PWD/$(basename "$1")"); }
BIN=$(abs ./kronos-tui)
SLOW=$(abs ./tests/kronos-tui-slow)
CONTRIB=$(abs "$srcdir/contrib/slurm")
TOK=$(abs "$srcdir/tests/data/tiny/tokenizer")
MOD=$(abs "$srcdir/tests/data/tiny/model")
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

slurm_start; rc=$?
if [ $rc -ne 0 ]; then echo "SKIP: Slurm test cluster: $SLURM_SKIP"; exit 77; fi
unset SLURM_ARRAY_TASK_ID SLURM_ARRAY_TASK_COUNT SLURM_ARRAY_TASK_MIN SLURM_ARRAY_TASK_MAX SLURM_JOB_ID

awk -f "$srcdir/tests/synth_prices.awk" > "$T/prices.csv"
export PRICES="$T/prices.csv" TOKENIZER="$TOK" MODEL="$MOD" KRONOS_TUI="$BIN"
export KRONOS_ARGS="--lookback 30 --horizons 1,5 --max-context 128 --max-folds 2"
OUT="scores.csv per_date_metrics.csv fold_summaries.csv ic_decay_stats.csv churn.csv
churn_diagnostics.csv baselines.csv cost_overlays.csv stability_scorecard.csv leak_tripwires.json"
same() {
  for f in $OUT; do cmp "$T/full/$f" "$1/$f" || fail "$1/$f differs from the unsharded run"; done
}
queue_empty() { [ -z "$(squeue -h -o %i 2>/dev/null)" ]; }
# wait_queue SECONDS WHAT: polls squeue until no job is left
wait_queue() {
  slurm_wait "$1" queue_empty || { squeue; tail -5 "$T"/work/*.log; fail "$2: jobs still queued after $1 s"; }
}

# the reference: unsharded, one thread (each task below runs one thread)
t0=$(now)
# shellcheck disable=SC2086
$BIN --batch --prices "$PRICES" --tokenizer "$TOK" --model "$MOD" $KRONOS_ARGS --threads 1 \
  --output-dir "$T/full" 2> "$T/full.err" || { cat "$T/full.err"; fail "unsharded run"; }
t_full=$(secs "$t0" "$(now)")

# 1. the array and the dependent merge job, through contrib/slurm/submit.sh
mkdir -p "$T/work"; cd "$T/work" || fail "cd"
export RUN_DIR="$T/arr"
t0=$(now)
sh "$CONTRIB/submit.sh" --array=0-3 --cpus-per-task=1 > "$T/submit.out" 2>&1 ||
  { cat "$T/submit.out"; fail "submit.sh"; }
grep -q '^array job [0-9]*, merge job [0-9]* (runs when every task succeeded)$' "$T/submit.out" ||
  { cat "$T/submit.out"; fail "submit.sh output"; }
wait_queue 300 "array + merge"
t_arr=$(secs "$t0" "$(now)")
cat "$T"/work/kronos-merge_*.log > "$T/merge1.log" 2>/dev/null
grep -q "^Merged 4 shards (43 of 43 dates) into $T/arr" "$T/merge1.log" ||
  { cat "$T/merge1.log" "$T"/work/kronos-eval_*.log; fail "the merge job"; }
for i in 0 1 2 3; do
  grep -q "shard $i of 4 (0-based)" "$T"/work/kronos-eval_*_$i.log || fail "task $i log"
done
same "$T/arr"
[ -s "$T/arr/REPORT.md" ] || fail "merged REPORT.md"

# 2. one task cancelled mid-run, merge refuses, --array=K alone, merge
export RUN_DIR="$T/cx" KRONOS_TUI="$SLOW" KRONOS_TUI_TEST_DELAY_MS=300
K=1
job=$(sbatch --parsable --array=0-3 --cpus-per-task=1 "$CONTRIB/kronos-shards.sbatch") || fail "sbatch"
job=${job%%;*}
# progressing: shard K's status shows a journaled date while it runs
progressing() {
  grep -q '"state": "running"' "$T/cx/shard-$K/status.json" 2>/dev/null &&
    ! grep -q '"dates_done": 0,' "$T/cx/shard-$K/status.json"
}
slurm_wait 120 progressing || { squeue; cat "$T/cx/shard-$K/status.json"; fail "shard $K never ran"; }
scancel "${job}_$K" || fail "scancel"
wait_queue 300 "array with task $K cancelled"
grep -q '"state": "finished"' "$T/cx/shard-$K/status.json" && fail "shard $K finished before scancel"
$BIN merge "$T/cx" > "$T/m2.out" 2> "$T/m2.err"; rc=$?
[ $rc -eq 9 ] || { cat "$T/m2.err"; fail "merge with task $K cancelled: exit $rc"; }
grep -q "^  shard $K: [a-z ]*, [0-9]* of 11 dates journaled\$" "$T/m2.err" || { cat "$T/m2.err"; fail "merge names shard $K"; }
grep -q "^  sbatch --array=$K SCRIPT\$" "$T/m2.err" || { cat "$T/m2.err"; fail "the --array list"; }
[ "$(grep -c '^  shard ' "$T/m2.err")" = 1 ] || { cat "$T/m2.err"; fail "only shard $K is missing"; }
[ ! -e "$T/cx/scores.csv" ] || fail "merge wrote outputs with a shard missing"
$BIN --status "$T/cx" > "$T/st2"; rc=$?
[ $rc -eq 11 ] || [ $rc -eq 12 ] || { cat "$T/st2"; fail "--status of the cancelled shard: exit $rc"; }
sbatch --parsable --array=$K --cpus-per-task=1 "$CONTRIB/kronos-shards.sbatch" > /dev/null || fail "resubmit"
wait_queue 300 "resubmitted task $K"
grep -q "shard $K of 4 (0-based)" "$T"/work/kronos-eval_*_$K.log || fail "resubmitted task log"
$BIN merge "$T/cx" > "$T/m3.out" 2> "$T/m3.err" || { cat "$T/m3.err"; fail "merge after the resubmission"; }
same "$T/cx"
echo "slurm.sh: unsharded run ${t_full} s, 4-task array + merge job ${t_arr} s (2 cores, tiny model, wall time from submit to an empty queue)"
echo "slurm.sh: ok"
