#!/bin/sh
# eval_batch.sh: kronos-tui --batch end to end with the tiny golden model:
# log lines, output files, the empty case, exit codes, SIGINT + resume
# with byte-identical outputs; the outputs of a 3-fold run recomputed
# independently (tests/recompute_run.py).
set -u
: "${srcdir:=.}"
BIN=./kronos-tui
TOK="$srcdir/tests/data/tiny/tokenizer"
MOD="$srcdir/tests/data/tiny/model"
T=$(mktemp -d "${TMPDIR:-/tmp}/kt-eval-batch.XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# 12 tickers, weekday bars 2019-01-01 .. 2019-09-30 (deterministic walk)
awk -f "$srcdir/tests/synth_prices.awk" > "$T/prices.csv"

COMMON="--prices $T/prices.csv --tokenizer $TOK --model $MOD --lookback 30 --horizons 1,5 --max-context 128"

# 1. a batch run: lines, files, exit 0
$BIN $COMMON --batch --max-folds 1 --output-dir "$T/run" 2> "$T/err1" > "$T/out1"
rc=$?; [ $rc -eq 0 ] || { cat "$T/err1"; fail "batch run exit $rc"; }
grep -q '^\[1/[0-9]*\] 2019-03-01: Scored 12 tickers, 0 skipped ([0-9.]* s, elapsed [0-9]*:[0-9][0-9], ETA ' "$T/err1" || { cat "$T/err1"; fail "date line"; }
grep -q '^Fold fold_01, horizon 5d: [0-9]* total scores' "$T/err1" || fail "fold line"
grep -q '^Headline RankIC 1d: .*, t -*[0-9.]* Newey-West, naive t -*[0-9.]*, [0-9]* dates)$' "$T/err1" ||
  { grep Headline "$T/err1"; fail "headline line"; }
grep -q "^Finished in .*Report: $T/run/REPORT.md\$" "$T/err1" || fail "finished line"
# the scorecard of the dates so far after each fold (the console's verdict)
grep -q '^Scorecard after fold_01 (21 dates): gate 1 not run, gate 2 [a-z ]*, gate 3 [a-z ]*; net spread after costs (base_slippage): 1d [-+][0-9]*\.[0-9][0-9]%, 5d [-+][0-9]*\.[0-9][0-9]%$' "$T/err1" ||
  { grep Scorecard "$T/err1"; fail "scorecard line"; }
if grep -q "$(printf '\r')" "$T/err1"; then fail "carriage return in --batch output"; fi
for f in scores.csv per_date_metrics.csv fold_summaries.csv ic_decay_stats.csv churn.csv \
         leak_tripwires.json REPORT.md experiment_metadata.json stability_scorecard.csv \
         churn_diagnostics.csv baselines.csv cost_overlays.csv; do
  [ -s "$T/run/$f" ] || fail "missing $f"
done
head -1 "$T/run/scores.csv" | grep -qx 'date,ticker,fold_id,horizon,score,pred_close,spot_close,label' || fail "scores header"
# 21 March dates x 12 tickers x 2 horizons
[ "$(tail -n +2 "$T/run/scores.csv" | wc -l)" -eq 504 ] || fail "score rows"

# 2. the empty case: lookback longer than any history -> exit 0, REPORT_EMPTY.md
$BIN $COMMON --batch --lookback 5000 --max-folds 1 --output-dir "$T/empty" 2> "$T/err2"
rc=$?; [ $rc -eq 0 ] || { cat "$T/err2"; fail "empty run exit $rc"; }
grep -q '12 of 12 tickers skipped: fewer than 5000 bars before 2019-02-28' "$T/empty/REPORT_EMPTY.md" || fail "empty reason"
grep -q '^warning: no evaluation rows: ' "$T/err2" || fail "empty warning"
[ "$(cat "$T/empty/scores.csv")" = 'date,ticker,fold_id,horizon,score,pred_close,spot_close,label' ] || fail "empty scores.csv"
# the scorecard over zero rows: one row per horizon, no number, every gate not_run
[ "$(cat "$T/empty/stability_scorecard.csv")" = 'horizon,rankic_headline,rankic_mean,nw_t,pct_positive,churn_median_20,cost_survival,momentum_corr_median,best_baseline,best_baseline_rankic,gate_1,gate_2,gate_3
1,,,,,,,,,,not_run,not_run,not_run
5,,,,,,,,,,not_run,not_run,not_run' ] || { cat "$T/empty/stability_scorecard.csv"; fail "empty stability_scorecard.csv"; }
[ "$(cat "$T/empty/churn_diagnostics.csv")" = 'horizon,k,churn_median,churn_mean,churn_p90,pct_high_churn,flags' ] ||
  fail "empty churn_diagnostics.csv"
[ "$(cat "$T/empty/baselines.csv")" = 'date,fold_id,horizon,signal,n_names,rankic,quintile_spread' ] ||
  fail "empty baselines.csv"
[ "$(cat "$T/empty/cost_overlays.csv")" = 'date,fold_id,horizon,scenario,gross_spread,turnover,cost,net_spread,impact_missing' ] ||
  fail "empty cost_overlays.csv"
# no figure over zero rows, and the report says so (also as HTML)
[ ! -e "$T/empty/figures" ] || fail "figures/ of an empty run"
grep -q '^- Figures: figure not drawn: no evaluation rows$' "$T/empty/REPORT_EMPTY.md" || fail "REPORT_EMPTY.md: figures"
grep -q '<li>Figures: figure not drawn: no evaluation rows</li>' "$T/empty/REPORT_EMPTY.html" ||
  fail "REPORT_EMPTY.html: figures"
[ ! -e "$T/empty/REPORT.html" ] || fail "REPORT.html of an empty run"

# 3. exit codes
$BIN --lookback 0 2>/dev/null; [ $? -eq 2 ] || fail "usage exit code"
printf 'date,ticker,open,high,low,close\n2019-01-02,A,1,2,1,1\n2019-01-03,A,x,2,1,1\n' > "$T/bad.csv"
$BIN --prices "$T/bad.csv" --tokenizer "$TOK" --model "$MOD" --batch 2> "$T/err3"
[ $? -eq 3 ] || fail "data exit code"
grep -q "bad.csv:3:3: open: not a number: \"x\"" "$T/err3" || fail "data message"
$BIN --prices "$T/prices.csv" --tokenizer "$T" --model "$MOD" --batch 2>/dev/null
[ $? -eq 4 ] || fail "model exit code"
$BIN --help | grep -q '130  interrupted' || fail "--help exit codes"

# 4. SIGINT mid-run -> 130, then the same command resumes; bytes equal a clean run
$BIN $COMMON --batch --max-folds 3 --output-dir "$T/ref" 2>/dev/null || fail "reference run"
# The reference run's outputs recomputed independently from its scores.csv
# and the price store (tests/recompute_run.py: per-date RankIC/IC/spreads,
# fold summaries, IC decay, churn, the REPORT.md and metadata headline).
command -v python3 >/dev/null 2>&1 || fail "python3 is needed for tests/recompute_run.py (setup.sh installs it)"
python3 "$srcdir/tests/recompute_run.py" "$T/ref" --prices "$T/prices.csv" || fail "recomputed outputs disagree"
# Ties: T00..T03 copied as U00..U03 give identical series, so tied scores
# and labels on a date (average ranks, top-K and quintile tie-breaks).
awk -F, -v OFS=, 'NR == 1 { print; next } { print } $2 ~ /^T0[0-3]$/ { sub(/^T/, "U", $2); print }' \
  "$T/prices.csv" > "$T/prices_ties.csv"
$BIN --prices "$T/prices_ties.csv" --tokenizer "$TOK" --model "$MOD" --lookback 30 --horizons 1,5 \
  --max-context 128 --batch --max-folds 1 --output-dir "$T/ties" 2>/dev/null || fail "tied run"
python3 "$srcdir/tests/recompute_run.py" "$T/ties" --prices "$T/prices_ties.csv" --expect-ties ||
  fail "recomputed outputs of the tied run disagree"
$BIN $COMMON --batch --max-folds 3 --output-dir "$T/int" 2> "$T/err4" &
pid=$!
i=0
while ! grep -q '^\[3/' "$T/err4" 2>/dev/null; do
  i=$((i + 1)); [ $i -gt 600 ] && fail "no progress"; sleep 0.05
done
kill -INT $pid
wait $pid; rc=$?
if grep -q '^Finished' "$T/err4"; then
  echo "note: the run finished before SIGINT took effect" >&2
else
  [ $rc -eq 130 ] || { cat "$T/err4"; fail "interrupted exit $rc"; }
  grep -q '^Interrupted after [0-9]* completed dates' "$T/err4" || fail "interrupted line"
fi
$BIN $COMMON --batch --max-folds 3 --output-dir "$T/int" 2> "$T/err5" || fail "resumed run"
grep -q 'Resumed from the journal' "$T/err5" || fail "nothing resumed"
for f in scores.csv per_date_metrics.csv fold_summaries.csv ic_decay_stats.csv churn.csv leak_tripwires.json \
         stability_scorecard.csv churn_diagnostics.csv baselines.csv cost_overlays.csv; do
  cmp -s "$T/ref/$f" "$T/int/$f" || fail "$f differs after resume"
done
# the figures too (PNG and SVG), drawn by a process that resumed
[ "$(ls "$T/ref/figures" | wc -l)" -eq 16 ] || fail "expected 16 figure files"
for f in "$T/ref/figures/"*; do
  cmp -s "$f" "$T/int/figures/$(basename "$f")" || fail "figures/$(basename "$f") differs after resume"
done
# cost overlays: five scenarios per (date, horizon); gross has no cost; other
# cost settings only rewrite the report (the journal resumes every date)
[ "$(tail -n +2 "$T/ref/cost_overlays.csv" | wc -l)" -eq $(( $(tail -n +2 "$T/ref/per_date_metrics.csv" | grep -vc ',,,') * 5 )) ] ||
  fail "cost_overlays.csv rows"
awk -F, '$4 == "gross" && ($7 != 0 || $5 != $8) { bad = 1 } END { exit bad }' "$T/ref/cost_overlays.csv" ||
  fail "gross scenario with a cost"
$BIN $COMMON --batch --max-folds 3 --cost-bps 25 --aum 5e7 --output-dir "$T/ref" 2> "$T/err6" || fail "rerun with other costs"
grep -q 'Resumed from the journal' "$T/err6" || fail "other costs did not resume"
grep -q 'base cost 25 bps, AUM 50000000 USD' "$T/ref/REPORT.md" || fail "REPORT.md cost settings"

# 5. the model's training cutoff (report-only: the journal resumes): the
# warning, the scorecard by period, both recomputed; a bad date exits 2
python3 "$srcdir/tests/recompute_run.py" "$T/ref" --prices "$T/prices.csv" || fail "recomputed outputs with other costs disagree"
[ -e "$T/ref/stability_scorecard_by_period.csv" ] && fail "a scorecard by period without a cutoff"
$BIN $COMMON --batch --max-folds 3 --model-cutoff 2019-03-15 --output-dir "$T/ref" 2> "$T/err7" || fail "rerun with a cutoff"
grep -q 'Resumed from the journal' "$T/err7" || fail "a cutoff did not resume"
grep -qx "warning: pretraining overlap: 11 of 66 evaluation dates are on or before the model's last training date 2019-03-15 (--model-cutoff): the model has seen them, so their numbers overstate out-of-sample skill" "$T/err7" ||
  { grep -i overlap "$T/err7"; fail "pretraining overlap warning"; }
grep -q '^> \*\*Warning: pretraining overlap.\*\* 11 of 66 evaluation dates' "$T/ref/REPORT.md" || fail "REPORT.md overlap warning"
python3 "$srcdir/tests/recompute_run.py" "$T/ref" --prices "$T/prices.csv" || fail "recomputed outputs by period disagree"
$BIN $COMMON --batch --model-cutoff 2019-02-30 --output-dir "$T/bad" 2> "$T/err8"
rc=$?; [ $rc -eq 2 ] || fail "--model-cutoff 2019-02-30: exit $rc, expected 2"
grep -qF 'kronos-tui: --model-cutoff: expected a date YYYY-MM-DD or none, got "2019-02-30"' "$T/err8" ||
  { cat "$T/err8"; fail "--model-cutoff message"; }

# 6. --precision int8: part of the fingerprint (an fp32 run never resumes
# as int8), named in REPORT.md and experiment_metadata.json; fp32 reports
# stay as they were (no precision line)
$BIN $COMMON --batch --max-folds 3 --precision int8 --output-dir "$T/ref" 2> "$T/err9"
rc=$?; [ $rc -eq 7 ] || fail "int8 over an fp32 run: exit $rc, expected 7"
grep -qF "the setting \"precision\" differs from the run recorded there (recorded \"fp32\", now \"int8\")" "$T/err9" ||
  { cat "$T/err9"; fail "int8 over fp32: message"; }
$BIN $COMMON --batch --max-folds 1 --precision int8 --output-dir "$T/i8" 2> "$T/err10" || { cat "$T/err10"; fail "int8 run"; }
grep -qx "\- precision: int8 (the predictor's matrix products; the forecasts differ from fp32's)" "$T/i8/REPORT.md" ||
  fail "REPORT.md: no int8 line"
python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["model"]["precision"] != "int8")' \
  "$T/i8/experiment_metadata.json" || fail "experiment_metadata.json: model.precision"
grep -q 'precision' "$T/ref/REPORT.md" && fail "an fp32 REPORT.md names a precision"
echo "eval_batch.sh: ok"
