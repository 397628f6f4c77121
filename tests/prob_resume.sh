#!/bin/sh
# prob_resume.sh: sampled paths (issue 17) through kill -9 and --resume,
# with the tiny golden model: paths.csv and prob_metrics.csv (and
# scores.csv) byte-identical to an uninterrupted run after a kill -9 in
# the middle of a date, and after a kill between a date's paths record
# and its journal record (simulated: the journal's last record cut off);
# a run directory whose journal has dates but no paths.ktp (an older
# kronos-tui) refused with exit 7; --score checks (exit 2, exit 7).
. "${srcdir:-.}/tests/run_dir_lib.sh"

P="--lookback 30 --horizons 1,5 --max-folds 2 --sample-count 4 --temperature 1 --top-p 0.9"
KILLS="$P --batch-size 1 --threads 1"
OUT="paths.csv prob_metrics.csv scores.csv per_date_metrics.csv"

$BIN --prices "$T/prices.csv" $M $KILLS --batch --output-dir "$T/ref" 2> "$T/ref.err" ||
    { cat "$T/ref.err"; fail "reference run"; }
head -1 "$T/ref/paths.csv" | grep -qx 'date,ticker,horizon,path,pred_return' || fail "paths.csv header"
head -1 "$T/ref/prob_metrics.csv" | grep -qx 'date,fold_id,horizon,n_names,brier,coverage_80,crps,pit_mean' ||
    fail "prob_metrics.csv header"
# 4 paths of every scored row; one prob_metrics row per date and horizon
rows=$(($(wc -l < "$T/ref/scores.csv") - 1))
[ $(($(wc -l < "$T/ref/paths.csv") - 1)) -eq $((rows * 4)) ] || fail "paths.csv: not 4 paths per score row"
[ $(($(wc -l < "$T/ref/prob_metrics.csv") - 1)) -eq 86 ] || fail "prob_metrics.csv: not 43 dates x 2 horizons"
grep -q '^## Probabilistic forecasts (4 sampled paths)' "$T/ref/REPORT.md" || fail "REPORT.md section"
grep -q '^| 5d | HistVol20 | ' "$T/ref/REPORT.md" || fail "REPORT.md HistVol20 row"
grep -q '; Brier 0\.[0-9]*, 80% coverage [0-9.]*%$' "$T/ref.err" || fail "--batch date line without Brier"

# ---- 1. kill -9 in the middle of a date, then --resume ------------------------
$BIN --prices "$T/prices.csv" $M $KILLS --batch --output-dir "$T/kill" 2>/dev/null &
pid=$!; PIDS="$PIDS $pid"
wait_count date_done "$T/kill/events.jsonl" 10
n0=$(count batch_progress "$T/kill/events.jsonl")
wait_count batch_progress "$T/kill/events.jsonl" $((n0 + 2))
hold $pid
kill -9 $pid; wait $pid 2>/dev/null
[ "$(count date_done "$T/kill/events.jsonl")" -lt 43 ] || fail "the run finished before kill -9"
[ -s "$T/kill/paths.ktp" ] || fail "no paths.ktp in the killed run"
$BIN --resume "$T/kill" --batch 2> "$T/kill.err"; rc=$?
[ $rc -eq 0 ] || { cat "$T/kill.err"; fail "--resume after kill -9: exit $rc"; }
nres=$(grep -c 'Resumed from the journal' "$T/kill.err")
[ "$nres" -ge 10 ] || fail "only $nres dates resumed"
for f in $OUT; do
    cmp -s "$T/ref/$f" "$T/kill/$f" || fail "$f differs after kill -9 + --resume"
done

# ---- 2. killed between a date's paths and its journal record ------------------
cp -r "$T/kill" "$T/gap"
rm -f "$T/gap/.lock" "$T/gap/paths.csv" "$T/gap/prob_metrics.csv"
sed -i '$d' "$T/gap/journal.ktj"   # the last date: paths written, journal not
last=$(tail -1 "$T/gap/paths.ktp" | cut -f2)
[ "$(grep -c . "$T/gap/paths.ktp")" -eq $(($(grep -c . "$T/gap/journal.ktj") + 1)) ] || fail "gap set-up"
$BIN --resume "$T/gap" --batch 2> "$T/gap.err"; rc=$?
[ $rc -eq 0 ] || { cat "$T/gap.err"; fail "--resume with a paths record ahead of the journal: exit $rc"; }
grep -q "\\] $last: Scored" "$T/gap.err" || fail "the date $last was not recomputed"
for f in $OUT; do
    cmp -s "$T/ref/$f" "$T/gap/$f" || fail "$f differs after a paths record ahead of the journal"
done
[ "$(grep -c "	$last	" "$T/gap/paths.ktp")" -eq 1 ] || fail "paths.ktp holds $last twice"

# ---- 3. an older run directory: journal dates, no paths.ktp -> exit 7 ----------
cp -r "$T/kill" "$T/old"
rm -f "$T/old/.lock" "$T/old/paths.ktp"
cp "$T/old/journal.ktj" "$T/old.journal"
$BIN --resume "$T/old" --batch 2> "$T/old.err"; rc=$?
[ $rc -eq 7 ] || { cat "$T/old.err"; fail "a journal without paths.ktp: exit $rc, want 7"; }
grep -qF "$T/old/paths.ktp: missing, but the journal holds 43 completed dates" "$T/old.err" ||
    { cat "$T/old.err"; fail "message for a journal without paths"; }
cmp -s "$T/old.journal" "$T/old/journal.ktj" || fail "a refused resume changed the journal"

# ---- 4. --score ---------------------------------------------------------------
$BIN --prices "$T/prices.csv" $M --score p_up --batch --output-dir "$T/s1" 2> "$T/s1.err"; rc=$?
[ $rc -eq 2 ] || fail "--score p_up with one sample: exit $rc, want 2"
grep -qF -- "--score p_up needs sampled paths: --sample-count 2 or more" "$T/s1.err" || fail "--score message"
$BIN --prices "$T/prices.csv" $M $P --score mode --batch --output-dir "$T/s2" 2> "$T/s2.err"; rc=$?
[ $rc -eq 2 ] || fail "--score mode: exit $rc, want 2"
$BIN --resume "$T/ref" --score median --batch 2> "$T/s3.err"; rc=$?
[ $rc -eq 7 ] || { cat "$T/s3.err"; fail "--resume with another --score: exit $rc, want 7"; }
grep -qF 'the setting "score" differs from the run recorded there (recorded "mean", now "median")' "$T/s3.err" ||
    { cat "$T/s3.err"; fail "--score mismatch message"; }
# --score p_up ranks by the share of paths up: scores.csv's score is p_up
$BIN --prices "$T/prices.csv" $M $KILLS --score p_up --batch --output-dir "$T/pup" 2>/dev/null ||
    fail "--score p_up run"
awk -F, 'NR > 1 && $5 != 0 && $5 != 0.25 && $5 != 0.5 && $5 != 0.75 && $5 != 1 { bad++ } END { exit bad > 0 }' \
    "$T/pup/scores.csv" || fail "--score p_up: a score is not a multiple of 1/4"
cmp -s "$T/ref/paths.csv" "$T/pup/paths.csv" || fail "--score changed the paths"
echo "prob_resume.sh: ok"
