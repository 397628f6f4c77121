#!/bin/sh
# i18n_batch.sh: LANG=de_DE.UTF-8 kronos-tui --batch prints German progress
# lines while every CSV/JSON output is byte-identical to an English (C
# locale) run; CSV headers, JSON keys and the JSON event schema stay
# untranslated; zh_CN prints Chinese lines. Uses the build's catalogs
# (po/*.gmo) through KRONOS_TUI_LOCALEDIR.
set -u
: "${srcdir:=.}"
BIN=./kronos-tui
TOK="$srcdir/tests/data/tiny/tokenizer"
MOD="$srcdir/tests/data/tiny/model"
fail() { echo "FAIL: $*" >&2; exit 1; }
have_locale() { locale -a 2>/dev/null | grep -qix "$1"; }
if ! have_locale de_DE.utf8 || ! have_locale zh_CN.utf8; then
  echo "SKIP: the de_DE.UTF-8 and zh_CN.UTF-8 locales are missing (run ./setup.sh build as root, or locale-gen)"
  exit 77
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/kt-i18n-batch.XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT

# A locale tree with the catalogs of this build (build dir first, then
# the source dir, where gettext's po/Makefile puts them).
for l in de zh_CN; do
  g=po/$l.gmo; [ -f "$g" ] || g="$srcdir/po/$l.gmo"
  [ -f "$g" ] || fail "$l.gmo not built"
  mkdir -p "$T/locale/$l/LC_MESSAGES" && cp "$g" "$T/locale/$l/LC_MESSAGES/kronos-tui.mo"
done
export KRONOS_TUI_LOCALEDIR="$T/locale"
unset LANGUAGE LC_ALL LC_MESSAGES LC_NUMERIC

# 0. kronos-bench loads the catalogs too: its usage and its number errors
LANG=de_DE.UTF-8 ./kronos-bench --help | grep -q '^Aufruf: kronos-bench ' || fail "kronos-bench: no German usage"
[ "$(LANG=de_DE.UTF-8 ./kronos-bench --dates x 2>&1)" = 'kronos-bench: --dates: ganze Zahl in [1, 100000] erwartet, erhalten: "x"' ] ||
  fail "kronos-bench: no German number error"
[ "$(LANG=zh_CN.UTF-8 ./kronos-bench --dates 0 2>&1)" = 'kronos-bench：--dates：应为 [1, 100000] 内的整数，实际为 "0"' ] ||
  fail "kronos-bench: no Chinese number error"

# 12 tickers, weekday bars 2019-01-01 .. 2019-09-30 (as in eval_batch.sh)
awk -f "$srcdir/tests/synth_prices.awk" > "$T/prices.csv"
# --temperature 0.5 makes the run parse a decimal option (a comma-decimal
# LC_NUMERIC would change the samples and therefore the CSVs).
COMMON="--prices $T/prices.csv --tokenizer $TOK --model $MOD --lookback 30 --horizons 1,5 --max-context 128 --max-folds 1 --temperature 0.5 --seed 3"

LANG=C $BIN $COMMON --batch --output-dir "$T/en" 2> "$T/en.err" > /dev/null || { cat "$T/en.err"; fail "English run"; }
LANG=de_DE.UTF-8 $BIN $COMMON --batch --output-dir "$T/de" 2> "$T/de.err" > /dev/null || { cat "$T/de.err"; fail "German run"; }
LANG=zh_CN.UTF-8 $BIN $COMMON --batch --output-dir "$T/zh" 2> "$T/zh.err" > /dev/null || { cat "$T/zh.err"; fail "Chinese run"; }

# 1. German and Chinese progress lines (and no English ones)
grep -q '^\[1/[0-9]*\] 2019-03-01: 12 Ticker bewertet, 0 übersprungen ([0-9.]* s, Laufzeit [0-9]*:[0-9][0-9], ETA ' "$T/de.err" \
  || { cat "$T/de.err"; fail "German date line"; }
grep -q '^Fold fold_01 (1/1): [0-9]* Tage$' "$T/de.err" || fail "German fold line"
grep -q '^Fertig nach .*Bericht: '"$T"'/de/REPORT.md$' "$T/de.err" || fail "German finished line"
grep -q '^Lauf kronos-eval (smoke): 12 Ticker, Daten ' "$T/de.err" || fail "German run line"
if grep -q 'Scored\|Finished in\|Headline RankIC' "$T/de.err"; then fail "English text in the German run"; fi
grep -q '^\[1/[0-9]*\] 2019-03-01：已评分 12 个标的，跳过 0 个' "$T/zh.err" || { cat "$T/zh.err"; fail "Chinese date line"; }
grep -q '^完成，用时 ' "$T/zh.err" || fail "Chinese finished line"
grep -q 'Scored 12 tickers' "$T/en.err" || fail "English date line"

# 2. machine-read outputs are byte-identical across languages
for f in scores.csv per_date_metrics.csv fold_summaries.csv ic_decay_stats.csv churn.csv leak_tripwires.json; do
  cmp "$T/en/$f" "$T/de/$f" || fail "$f differs between English and German runs"
  cmp "$T/en/$f" "$T/zh/$f" || fail "$f differs between English and Chinese runs"
done
# experiment_metadata.json differs only in its timestamps and paths
for l in de zh; do
  sed -e 's/"[a-z_]*_at": "[^"]*"//g' -e "s|$T/$l|RUN|g" "$T/$l/experiment_metadata.json" > "$T/$l.meta"
done
sed -e 's/"[a-z_]*_at": "[^"]*"//g' -e "s|$T/en|RUN|g" "$T/en/experiment_metadata.json" > "$T/en.meta"
cmp "$T/en.meta" "$T/de.meta" || fail "experiment_metadata.json differs (beyond timestamps)"
grep -q '"temperature": 0.5' "$T/de/experiment_metadata.json" || fail "decimal point in German JSON"

# 3. headers, keys and the event schema are untranslated
head -1 "$T/de/scores.csv" | grep -qx 'date,ticker,fold_id,horizon,score,pred_close,spot_close,label' || fail "scores.csv header"
head -1 "$T/zh/per_date_metrics.csv" | grep -q '^date,fold_id,horizon,n_names,rankic,ic,' || fail "per_date_metrics.csv header"
head -1 "$T/zh/ic_decay_stats.csv" | grep -qx 'fold_id,horizon,early_median,late_median,decay,pct_positive,flags' || fail "ic_decay_stats.csv header"
grep -q '"controls"' "$T/de/leak_tripwires.json" || fail "leak_tripwires.json keys"
LANG=de_DE.UTF-8 $BIN $COMMON --json --output-dir "$T/dejson" 2> /dev/null > "$T/de.jsonl" || fail "German --json run"
head -1 "$T/de.jsonl" | grep -q '"schema": *"kronos-tui.events/1"' || fail "event schema"
head -1 "$T/de.jsonl" | grep -q '"event": *"run_started"' || fail "event name"
grep -q '"event": *"date_done".*"scored": *12' "$T/de.jsonl" || fail "date_done keys"

# 4. the German REPORT.md is translated prose; --help too
grep -q '^# Kronos-Walk-forward-Stabilitätsbericht: ' "$T/de/REPORT.md" || fail "German REPORT.md title"
grep -q '^- Modus: smoke, Zeitraum .*, 1 Fold, [0-9]* Bewertungstage$' "$T/de/REPORT.md" || { head -5 "$T/de/REPORT.md"; fail "German REPORT.md plurals"; }
LANG=de_DE.UTF-8 $BIN --help | grep -q '^Auswertungsoptionen' || fail "German --help"
LANG=zh_CN.UTF-8 $BIN --help | grep -q '^评估选项' || fail "Chinese --help"
LANG=de_DE.UTF-8 $BIN forecast --help | grep -q '^Aufruf: kronos-tui forecast' || fail "German forecast --help"
LANG=de_DE.UTF-8 $BIN device --help | grep -q '^Aufruf: kronos-tui device' || fail "German device --help"

# 5. an error message names file, line and field in German too
printf 'date,ticker,open,high,low,close\n2019-01-02,A,1,1,1,1\n2019-01-0x,A,1,1,1,1\n' > "$T/bad.csv"
LANG=de_DE.UTF-8 $BIN --prices "$T/bad.csv" --tokenizer $TOK --model $MOD --batch --output-dir "$T/bad" 2> "$T/bad.err"
rc=$?; [ $rc -eq 3 ] || { cat "$T/bad.err"; fail "bad data exit $rc"; }
grep -q 'bad.csv:3:1: date: kein Datum' "$T/bad.err" || { cat "$T/bad.err"; fail "German data error"; }
echo "PASS: i18n batch (de, zh_CN)"
