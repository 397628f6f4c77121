#!/bin/sh
# fault_inject.sh: kronos-tui --batch under injected faults, each with its
# exact expected outcome (issue 9):
#  1. the output directory cannot be written        -> exit 6, message
#  2. the disk fills while the report is written     -> exit 6, ENOSPC named,
#     no report file half-written or renamed into place; a rerun completes
#  3. the journal is cut inside its last record      -> resume discards it
#     and recomputes only that date; outputs equal a clean run
#  4. a checkpoint file loses its last byte          -> exit 4, file named
#  5. the price CSV is replaced before a resume      -> refused (exit 7),
#     the journal and the outputs are left untouched
# Disk-full uses tests/fault_shim.so (LD_PRELOAD, built by make check).
set -u
KT_TEST=fault
. "${srcdir:=.}/tests/testlib.sh"
BIN=./kronos-tui
SHIM=./tests/fault_shim.so
TOK="$srcdir/tests/data/tiny/tokenizer"
MOD="$srcdir/tests/data/tiny/model"
LC_ALL=C
export LC_ALL
[ -f "$SHIM" ] || fail "$SHIM not built"

# 6 tickers, weekday bars 2019-01-01 .. 2019-05-31 (deterministic walk)
awk -v tickers=6 -v last=2019-05-31 -f "$srcdir/tests/synth_prices.awk" > "$T/prices.csv"

ARGS="--tokenizer $TOK --model $MOD --lookback 30 --horizons 1,5 --max-context 128 --batch --max-folds 1"
REPORTS="scores.csv per_date_metrics.csv fold_summaries.csv ic_decay_stats.csv churn.csv leak_tripwires.json"

# reference run
$BIN --prices "$T/prices.csv" $ARGS --output-dir "$T/ref" 2> "$T/err0" || { cat "$T/err0"; fail "reference run"; }
for f in $REPORTS REPORT.md experiment_metadata.json; do [ -s "$T/ref/$f" ] || fail "reference: no $f"; done
[ "$(wc -l < "$T/ref/journal.ktj")" -eq 22 ] || fail "reference journal: expected header + 21 records"

# 1. output directory not writable. Root ignores permission bits, so the
#    portable case is a run directory whose parent is a regular file; a
#    read-only parent is checked as well when not running as root.
: > "$T/plainfile"
$BIN --prices "$T/prices.csv" $ARGS --output-dir "$T/plainfile/run" 2> "$T/err1"
rc=$?; [ $rc -eq 6 ] || { cat "$T/err1"; fail "unwritable dir: exit $rc, expected 6"; }
grep -qx "kronos-tui: $T/plainfile/run: cannot create the run directory: Not a directory" "$T/err1" ||
  { cat "$T/err1"; fail "unwritable dir: message"; }
if [ "$(id -u)" -ne 0 ]; then
  mkdir "$T/ro" && chmod 555 "$T/ro"
  $BIN --prices "$T/prices.csv" $ARGS --output-dir "$T/ro/run" 2> "$T/err1b"
  rc=$?; [ $rc -eq 6 ] || { cat "$T/err1b"; fail "read-only dir: exit $rc, expected 6"; }
  grep -qx "kronos-tui: $T/ro/run: cannot create the run directory: Permission denied" "$T/err1b" ||
    { cat "$T/err1b"; fail "read-only dir: message"; }
fi

# 2. disk full after 10000 bytes of report files: scores.csv (18750 bytes)
#    cannot be completed.
ASAN_OPTIONS="verify_asan_link_order=0:${ASAN_OPTIONS:-}" LD_PRELOAD="$SHIM" KT_FAULT_BYTES=10000 \
  $BIN --prices "$T/prices.csv" $ARGS --output-dir "$T/full" 2> "$T/err2"
rc=$?; [ $rc -eq 6 ] || { cat "$T/err2"; fail "disk full: exit $rc, expected 6"; }
grep -qx "error: $T/full/scores.csv: cannot write: No space left on device" "$T/err2" ||
  { cat "$T/err2"; fail "disk full: message"; }
grep -q '^Finished' "$T/err2" && fail "disk full: run reported as finished"
[ -e "$T/full/scores.csv" ] && fail "disk full: a partial scores.csv was renamed into place"
[ -e "$T/full/REPORT.md" ] && fail "disk full: REPORT.md written for a failed report"
ls "$T/full" | grep -q '\.tmp' && fail "disk full: temporary files left: $(ls "$T/full")"
[ "$(wc -l < "$T/full/journal.ktj")" -eq 22 ] || fail "disk full: the computed dates were not kept"
# once there is space again, the same command completes from the journal
$BIN --prices "$T/prices.csv" $ARGS --output-dir "$T/full" 2> "$T/err2b" || { cat "$T/err2b"; fail "after disk full: rerun"; }
grep -q '^Finished in .*: 21 dates (21 resumed)\.' "$T/err2b" || { cat "$T/err2b"; fail "after disk full: not all resumed"; }
for f in $REPORTS; do cmp -s "$T/ref/$f" "$T/full/$f" || fail "after disk full: $f differs"; done

# 2b. the disk fills while REPORT.md, the last file, is written (report.c
#     writes scores, per-date, folds, decay, churn, tripwires, the metadata,
#     then REPORT.md, so a REPORT.md on disk means every output is complete):
#     exit 6, ENOSPC named, REPORT.md never renamed into place, no
#     temporaries left, every other output complete.
[ "$(wc -c < "$T/ref/REPORT.md")" -gt 2000 ] || fail "reference REPORT.md is too short for the disk-full case"
ASAN_OPTIONS="verify_asan_link_order=0:${ASAN_OPTIONS:-}" LD_PRELOAD="$SHIM" KT_FAULT_MATCH="REPORT.md.tmp." KT_FAULT_BYTES=1000 \
  $BIN --prices "$T/prices.csv" $ARGS --output-dir "$T/fu2" 2> "$T/err2c"
rc=$?; [ $rc -eq 6 ] || { cat "$T/err2c"; fail "disk full (report): exit $rc, expected 6"; }
grep -qx "error: $T/fu2/REPORT.md: cannot write: No space left on device" "$T/err2c" ||
  { cat "$T/err2c"; fail "disk full (report): message"; }
[ -e "$T/fu2/REPORT.md" ] && fail "disk full (report): partial REPORT.md renamed into place"
ls "$T/fu2" | grep -q '\.tmp' && fail "disk full (report): temporary files left"
for f in $REPORTS; do cmp -s "$T/ref/$f" "$T/fu2/$f" || fail "disk full (report): $f incomplete"; done
[ -s "$T/fu2/experiment_metadata.json" ] || fail "disk full (report): experiment_metadata.json missing"

# 3. the journal cut 100 bytes into its last record (a kill -9 during the
#    write): the torn record is discarded, only 2019-03-29 is recomputed.
cp -R "$T/ref" "$T/torn"
sz=$(wc -c < "$T/torn/journal.ktj")
head -c $((sz - 100)) "$T/ref/journal.ktj" > "$T/torn/journal.ktj"
lastlen=$(tail -n 1 "$T/ref/journal.ktj" | wc -c)
$BIN --prices "$T/prices.csv" $ARGS --output-dir "$T/torn" 2> "$T/err3" || { cat "$T/err3"; fail "torn journal: resume failed"; }
grep -qx "warning: journal: discarded $((lastlen - 100)) bytes of an incomplete last record (interrupted write)" "$T/err3" ||
  { cat "$T/err3"; fail "torn journal: warning"; }
[ "$(grep -c ': Resumed from the journal' "$T/err3")" -eq 20 ] || fail "torn journal: expected 20 resumed dates"
[ "$(grep -c ': Scored ' "$T/err3")" -eq 1 ] || fail "torn journal: expected exactly one recomputed date"
grep -q '^\[21/21\] 2019-03-29: Scored 6 tickers, 0 skipped' "$T/err3" || fail "torn journal: wrong date recomputed"
[ "$(wc -l < "$T/torn/journal.ktj")" -eq 22 ] || fail "torn journal: journal not repaired"
for f in $REPORTS; do cmp -s "$T/ref/$f" "$T/torn/$f" || fail "torn journal: $f differs from the clean run"; done

# 4. a checkpoint truncated by one byte (predictor, then tokenizer)
for part in model tokenizer; do
  mkdir -p "$T/ck"; rm -rf "$T/ck/$part"
  cp -R "$srcdir/tests/data/tiny/$part" "$T/ck/$part"
  sz=$(wc -c < "$T/ck/$part/model.safetensors")
  head -c $((sz - 1)) "$srcdir/tests/data/tiny/$part/model.safetensors" > "$T/ck/$part/model.safetensors"
  if [ $part = model ]; then set -- --tokenizer "$TOK" --model "$T/ck/model"; else set -- --tokenizer "$T/ck/tokenizer" --model "$MOD"; fi
  $BIN --prices "$T/prices.csv" "$@" --batch --output-dir "$T/ckrun" 2> "$T/err4"
  rc=$?; [ $rc -eq 4 ] || { cat "$T/err4"; fail "truncated $part checkpoint: exit $rc, expected 4"; }
  grep -q "^kronos-tui: $T/ck/$part/model.safetensors: tensor .*: data_offsets \[[0-9]*,$((sz - 8 - $(od -An -tu8 -N8 "$T/ck/$part/model.safetensors" | tr -d ' ')))\] beyond the end of the data ($((sz - 9 - $(od -An -tu8 -N8 "$T/ck/$part/model.safetensors" | tr -d ' '))) bytes; file truncated?)\$" "$T/err4" ||
    { cat "$T/err4"; fail "truncated $part checkpoint: message"; }
  [ -e "$T/ckrun" ] && fail "truncated $part checkpoint: a run directory was created"
done

# 5. the price CSV replaced (same path; one close price changed) before an
#    interrupted run resumes: refused, nothing in the run directory changes.
cp "$T/prices.csv" "$T/live.csv"
cp -R "$T/ref" "$T/repl"
jsz=$(wc -c < "$T/ref/journal.ktj")
head -c $((jsz - 100)) "$T/ref/journal.ktj" > "$T/repl/journal.ktj"
cp -R "$T/repl" "$T/repl.before"
sed '500s/^\(2019-04-26,T00,[^,]*,[^,]*,[^,]*\),[^,]*,/\1,21.0,/' "$T/live.csv" > "$T/live.new"
cmp -s "$T/live.csv" "$T/live.new" && fail "replace: the edit did not change the CSV"
mv "$T/live.new" "$T/live.csv"
$BIN --prices "$T/live.csv" $ARGS --output-dir "$T/repl" 2> "$T/err5"
rc=$?; [ $rc -eq 7 ] || { cat "$T/err5"; fail "replaced CSV: exit $rc, expected 7 (resume refused)"; }
grep -q "^kronos-tui: $T/repl: the price data changed since the run was recorded: $T/live.csv has checksum fnv1a64:[0-9a-f]\{16\}, the run recorded fnv1a64:[0-9a-f]\{16\}; a resumed run must use the same data (use another --output-dir for new data)\$" "$T/err5" ||
  { cat "$T/err5"; fail "replaced CSV: message"; }
for f in $(ls "$T/repl.before"); do cmp -s "$T/repl.before/$f" "$T/repl/$f" || fail "replaced CSV: $f was modified"; done
[ "$(ls "$T/repl" | wc -l)" -eq "$(ls "$T/repl.before" | wc -l)" ] || fail "replaced CSV: files added"

echo "fault_inject.sh: ok"
