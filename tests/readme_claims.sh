#!/bin/sh
# readme_claims.sh: README claims checked through the command line with the
# tiny golden model (issue 14):
#  1. Price data: the header aliases (timestamp/timestamps, symbol/name, any
#     case) load the same data as the canonical names (byte-identical
#     outputs); a negative amount drops the row, counted and reported with
#     its FILE:LINE:COL; a missing amount (or volume) becomes 0, counted in
#     REPORT.md, and scores exactly like a literal 0.
#  2. --status exits 10 for a failed run.
#  3. --resume is refused (exit 7) when the model changed (predictor
#     weights, tokenizer config), leaving the run directory untouched; with
#     the recorded model back it resumes.
set -u
KT_TEST=readme-claims
. "${srcdir:=.}/tests/testlib.sh"
BIN=./kronos-tui
LC_ALL=C
export LC_ALL

# the model is a private copy: part 3 edits it
cp -R "$srcdir/tests/data/tiny" "$T/ck"
TOK="$T/ck/tokenizer"
MOD="$T/ck/model"
OPTS="--tokenizer $TOK --model $MOD --lookback 30 --horizons 1,5 --max-context 128 --max-folds 1 --batch"
OUTS="scores.csv per_date_metrics.csv fold_summaries.csv ic_decay_stats.csv churn.csv leak_tripwires.json"
run() { # NAME CSV: run on CSV into $T/NAME, stderr in $T/NAME.err; must exit 0
    $BIN --prices "$2" $OPTS --output-dir "$T/$1" 2> "$T/$1.err" ||
        { rc=$?; cat "$T/$1.err" >&2; fail "$1: exit $rc"; }
}
same_outputs() { # A B: every output CSV byte-identical
    for f in $OUTS; do cmp -s "$T/$1/$f" "$T/$2/$f" || fail "$2: $f differs from $1"; done
}

# 6 tickers, weekday bars 2019-01-01 .. 2019-05-31, plus an amount column
# (volume x close); header: date,ticker,open,high,low,close,volume,amount
awk -v tickers=6 -v last=2019-05-31 -f "$srcdir/tests/synth_prices.awk" |
    awk -F, 'NR == 1 { print $0 ",amount"; next } { printf "%s,%.2f\n", $0, $6 * $7 }' > "$T/p.csv"
[ "$(wc -l < "$T/p.csv")" -eq 655 ] || fail "expected 654 data rows"
# the row edited below: T02 on 2019-02-15, inside the lookback of the first
# evaluation dates (March)
L=$(grep -n '^2019-02-15,T02,' "$T/p.csv" | cut -d: -f1)
[ "$L" -eq 202 ] || fail "2019-02-15,T02 is on line $L, expected 202"
edit() { # FIELD VALUE > file: line $L with field FIELD (1-based) set to VALUE
    awk -F, -v OFS=, -v l="$L" -v f="$1" -v v="$2" 'NR == l { $f = v } { print }' "$T/p.csv"
}

# ---- 1a. header aliases -------------------------------------------------
run ref "$T/p.csv"
expect_line "$T/ref/REPORT.md" "- prices: $T/p.csv, 654 rows loaded, 0 dropped, 6 tickers"
[ "$(tail -n +2 "$T/ref/scores.csv" | wc -l)" -eq 252 ] || fail "ref: expected 21 dates x 6 tickers x 2 horizons"
n=0
for h in timestamp,symbol timestamps,name Timestamp,NAME TIMESTAMPS,Symbol DATE,Ticker; do
    n=$((n + 1))
    d=${h%,*}; t=${h#*,}
    { echo "$d,$t,Open,HIGH,low,Close,VOLUME,Amount"; tail -n +2 "$T/p.csv"; } > "$T/alias$n.csv"
    run alias$n "$T/alias$n.csv"
    same_outputs ref alias$n
    expect_line "$T/alias$n/REPORT.md" "- prices: $T/alias$n.csv, 654 rows loaded, 0 dropped, 6 tickers"
done
# an unknown name is not an alias: the date column is missing (exit 3)
{ echo "day,symbol,open,high,low,close,volume,amount"; tail -n +2 "$T/p.csv"; } > "$T/noalias.csv"
$BIN --prices "$T/noalias.csv" $OPTS --output-dir "$T/noalias" 2> "$T/noalias.err"; rc=$?
[ $rc -eq 3 ] || { cat "$T/noalias.err"; fail "header without a date column: exit $rc, expected 3"; }
grep -qF "kronos-tui: $T/noalias.csv:1:" "$T/noalias.err" &&
    grep -qF 'required column "date" missing from the header' "$T/noalias.err" ||
    { cat "$T/noalias.err"; fail "header without a date column: message"; }

# ---- 1b. a negative amount: row dropped, counted, reported -----------------
edit 8 -5.00 > "$T/neg.csv"
run neg "$T/neg.csv"
expect_line "$T/neg.err" "warning: prices: 1 of 654 rows dropped (first: $T/neg.csv:202:8: amount: -5.00 is negative; row dropped)"
expect_line "$T/neg/REPORT.md" "- prices: $T/neg.csv, 653 rows loaded, 1 dropped, 6 tickers"
expect_line "$T/neg/REPORT.md" "  - negative volume or amount: 1"
grep -qF '"price_rows_dropped": 1,' "$T/neg/experiment_metadata.json" ||
    fail "experiment_metadata.json: price_rows_dropped is not 1"
grep -qF '"negative_volume": 1,' "$T/neg/experiment_metadata.json" ||
    fail "experiment_metadata.json: price_rows_dropped_by_reason.negative_volume is not 1"
cmp -s "$T/ref/scores.csv" "$T/neg/scores.csv" && fail "neg: dropping a row in the lookback changed no score"

# ---- 1c. a missing amount (and volume) becomes 0, counted ---------------------
edit 8 "" > "$T/noamt.csv"
edit 8 0 > "$T/zeroamt.csv"
run noamt "$T/noamt.csv"
run zeroamt "$T/zeroamt.csv"
grep -q 'rows dropped\|row dropped' "$T/noamt.err" && fail "noamt: a row was dropped"
expect_line "$T/noamt/REPORT.md" "- prices: $T/noamt.csv, 654 rows loaded, 0 dropped, 6 tickers"
expect_line "$T/noamt/REPORT.md" "  - missing amount set to 0: 1"
grep -qF 'missing amount' "$T/zeroamt/REPORT.md" && fail "zeroamt: a literal 0 was counted as missing"
same_outputs zeroamt noamt
cmp -s "$T/ref/scores.csv" "$T/noamt/scores.csv" && fail "noamt: the amount of 0 changed no score"
edit 7 "" > "$T/novol.csv"
run novol "$T/novol.csv"
expect_line "$T/novol/REPORT.md" "- prices: $T/novol.csv, 654 rows loaded, 0 dropped, 6 tickers"
expect_line "$T/novol/REPORT.md" "  - missing volume set to 0: 1"

# ---- 2. --status exits 10 for a failed run --------------------------------
# a directory where scores.csv must go: the report cannot be renamed into
# place (works as root too, unlike permissions)
mkdir -p "$T/failed/scores.csv"
$BIN --prices "$T/p.csv" $OPTS --output-dir "$T/failed" 2> "$T/failed.err"; rc=$?
[ $rc -eq 6 ] || { cat "$T/failed.err"; fail "failed run: exit $rc, expected 6"; }
expect_line "$T/failed.err" "error: $T/failed/scores.csv: cannot write: Is a directory"
$BIN --status "$T/failed" > "$T/failed.st"; rc=$?
[ $rc -eq 10 ] || { cat "$T/failed.st"; fail "--status of a failed run: exit $rc, expected 10"; }
expect_line "$T/failed.st" "State:    failed: $T/failed/scores.csv: cannot write: Is a directory"
expect_line "$T/failed.st" "Dates:    21 of 21 done (0 resumed)"
tail -n 1 "$T/failed/events.jsonl" | grep -qF '"event":"failed"' || fail "events.jsonl does not end with failed"

# ---- 3. --resume refused when the model changed ------------------------------
# a finished run resumes with nothing to redo while the model is the same
$BIN --resume "$T/ref" --batch 2> "$T/res0.err" || { rc=$?; cat "$T/res0.err"; fail "resume, same model: exit $rc"; }
grep -q '^Finished in .*: 21 dates (21 resumed)\.' "$T/res0.err" || { cat "$T/res0.err"; fail "resume, same model: not all resumed"; }
cp -R "$T/ref" "$T/ref.before"
cp "$MOD/model.safetensors" "$T/model.orig"
cp "$TOK/config.json" "$T/tokcfg.orig"
refused() { # NAME FILE: --resume exits 7 naming FILE; the run dir is unchanged
    $BIN --resume "$T/ref" --batch > "$T/$1.out" 2> "$T/$1.err"; rc=$?
    [ $rc -eq 7 ] || { cat "$T/$1.err"; fail "$1: exit $rc, expected 7"; }
    [ "$(wc -l < "$T/$1.err")" -eq 1 ] || { cat "$T/$1.err"; fail "$1: expected one line on stderr"; }
    grep -qx "kronos-tui: $T/ref: the model changed since the run was recorded: $2 has checksum fnv1a64:[0-9a-f]\{16\}, the run recorded fnv1a64:[0-9a-f]\{16\}; a resumed run must use the same model (use another --output-dir for a new model)" "$T/$1.err" ||
        { cat "$T/$1.err"; fail "$1: message"; }
    diff -r -x .lock "$T/ref.before" "$T/ref" > /dev/null || fail "$1: the refused resume changed the run directory"
}
# the predictor's last weight byte changed (the file stays a valid checkpoint)
sz=$(wc -c < "$MOD/model.safetensors")
printf '\001' | dd of="$MOD/model.safetensors" bs=1 seek=$((sz - 1)) conv=notrunc 2> /dev/null
cmp -s "$MOD/model.safetensors" "$T/model.orig" && fail "the weight edit did not happen"
refused weights "$MOD/model.safetensors"
cp "$T/model.orig" "$MOD/model.safetensors"
# the tokenizer's config.json rewritten (same settings, one more newline)
echo >> "$TOK/config.json"
refused tokcfg "$TOK/config.json"
cp "$T/tokcfg.orig" "$TOK/config.json"
# the recorded model back: the resume goes through
$BIN --resume "$T/ref" --batch 2> "$T/res1.err" || { rc=$?; cat "$T/res1.err"; fail "resume, model restored: exit $rc"; }
echo "readme_claims.sh: ok"
