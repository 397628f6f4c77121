#!/bin/sh
# report_html.sh: REPORT.html of a small evaluation in a real headless
# browser (Debian's chromium). A 2-fold --batch run with the tiny golden
# model over 24 synthetic tickers and 2 sampled paths draws every figure
# (the reliability and PIT figures need S >= 2); the page must be
# self-contained (no script, no external reference, the SVGs inline),
# load without a console error or a refused or failed request, keep its 10
# inline <svg> in the DOM, and its screenshots (light and dark) must show
# the figures (tests/screenshot_check.py). chromium runs with a private
# HOME and profile, file:// only: its proxy and resolver point nowhere.
# Skips (77) when chromium or python3 is missing.
KT_TEST=report-html; . "${srcdir:-.}/tests/testlib.sh"
BROWSER=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$BROWSER" ]; then
  echo "SKIP: chromium not found (Debian package: chromium; ./setup.sh installs it)"
  exit 77
fi
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 not found (Debian package: python3)"; exit 77; }
BIN=./kronos-tui
TOK="$srcdir/tests/data/tiny/tokenizer"
MOD="$srcdir/tests/data/tiny/model"

awk -v tickers=24 -f "$srcdir/tests/synth_prices.awk" > "$T/prices.csv"
$BIN --prices "$T/prices.csv" --tokenizer "$TOK" --model "$MOD" --lookback 30 --horizons 1,5 \
  --max-context 128 --batch --max-folds 2 --sample-count 2 --output-dir "$T/run" 2> "$T/err" ||
  { cat "$T/err" >&2; fail "evaluation run"; }
R="$T/run"

# the files: 10 figures as PNG and SVG; REPORT.md links the PNGs
for f in ic_decay cumulative_rankic monthly_rankic_heatmap rankic_histogram quintile_returns \
         cumulative_net_spread churn_timeseries churn_distribution reliability pit_histogram; do
  [ -s "$R/figures/$f.png" ] || fail "missing figures/$f.png"
  [ -s "$R/figures/$f.svg" ] || fail "missing figures/$f.svg"
  grep -q "^!\[.*\](figures/$f.png)\$" "$R/REPORT.md" || fail "REPORT.md does not link figures/$f.png"
done
grep -q 'figure not drawn' "$R/REPORT.md" && fail "REPORT.md: a figure was not drawn"

# the page is self-contained
H="$R/REPORT.html"
[ -s "$H" ] || fail "no REPORT.html"
[ "$(grep -o '<svg' "$H" | wc -l)" -eq 10 ] || fail "REPORT.html: expected 10 inline <svg>"
# the two probabilistic figures sit in the probabilistic section
sed -n '/^## Probabilistic forecasts/,/^## /p' "$R/REPORT.md" > "$T/prob.md"
grep -qx '!\[.*\](figures/reliability.png)' "$T/prob.md" || fail "reliability not in the probabilistic section"
grep -qx '!\[.*\](figures/pit_histogram.png)' "$T/prob.md" || fail "pit_histogram not in the probabilistic section"
grep -qi '<script\|<img\|<link\|<iframe\|<object\|src=\|@import\|@font-face' "$H" &&
  fail "REPORT.html references something outside itself"
grep -o 'https\?://[^"]*' "$H" | grep -v '^http://www.w3.org/' | grep -q . &&
  fail "REPORT.html has a URL other than an XML namespace"
# the same sections as REPORT.md, in the same order
grep '^## ' "$R/REPORT.md" | sed 's/^## //' > "$T/md.sections"
grep -o '<h2>[^<]*</h2>' "$H" | sed 's/<h2>\(.*\)<\/h2>/\1/' > "$T/html.sections"
cmp -s "$T/md.sections" "$T/html.sections" || { diff "$T/md.sections" "$T/html.sections" >&2; fail "sections differ"; }

# chromium: private HOME and profile, no network (proxy and resolver nowhere)
chrome() {
  HOME="$T/home" XDG_CONFIG_HOME="$T/home/.config" XDG_CACHE_HOME="$T/home/.cache" \
  timeout 120 "$BROWSER" --headless --disable-gpu --no-sandbox --no-first-run \
    --no-default-browser-check --disable-extensions --disable-sync --disable-default-apps \
    --disable-background-networking --disable-component-update --disable-breakpad \
    --proxy-server=127.0.0.1:9 --host-resolver-rules='MAP * ~NOTFOUND' \
    --user-data-dir="$T/profile" --enable-logging=stderr --v=0 "$@"
}
mkdir -p "$T/home"
chrome --dump-dom "file://$H" > "$T/dom.html" 2> "$T/dom.log" || { tail "$T/dom.log" >&2; fail "chromium --dump-dom"; }
[ "$(grep -o '<svg' "$T/dom.html" | wc -l)" -eq 10 ] || fail "the DOM does not hold 10 <svg>"
grep -q '<h1>' "$T/dom.html" || fail "the DOM has no <h1>"
chrome --screenshot="$T/light.png" --window-size=1100,4200 --hide-scrollbars "file://$H" \
  > /dev/null 2> "$T/light.log" || { tail "$T/light.log" >&2; fail "chromium --screenshot"; }
chrome --screenshot="$T/dark.png" --window-size=1100,4200 --hide-scrollbars --force-dark-mode \
  --blink-settings=preferredColorScheme=0 "file://$H" > /dev/null 2> "$T/dark.log" ||
  { tail "$T/dark.log" >&2; fail "chromium --screenshot (dark)"; }
# Every console message fails: a script error ("Uncaught ...") and, as the
# page's Content-Security-Policy blocks every load, any attempt to load a
# file or reach the network ("... violates the following Content Security
# Policy directive ..."). First, on a page that does both, the check must
# see them (chromium's log format is not a stable interface).
BAD='CONSOLE|Uncaught|Failed to load|Refused to|net::ERR_'
printf '%s\n' '<!DOCTYPE html><html><head><meta charset="utf-8">' \
  '<meta http-equiv="Content-Security-Policy" content="default-src '"'none'"'; style-src '"'unsafe-inline'"'">' \
  '</head><body><img src="http://example.invalid/a.png"><svg><image href="x.png"/></svg></body></html>' > "$T/bad.html"
chrome --dump-dom "file://$T/bad.html" > /dev/null 2> "$T/bad.log"
grep -E "$BAD" "$T/bad.log" | grep -q 'example.invalid' ||
  { grep -v dbus "$T/bad.log" >&2; fail "the console check does not see a blocked load (chromium's log format changed?)"; }
for log in dom light dark; do
  if grep -E "$BAD" "$T/$log.log" | grep -q .; then
    grep -E "$BAD" "$T/$log.log" >&2
    fail "chromium reported an error or a blocked load in REPORT.html ($log)"
  fi
done
python3 "$srcdir/tests/screenshot_check.py" "$T/light.png" light || fail "light screenshot"
python3 "$srcdir/tests/screenshot_check.py" "$T/dark.png" dark || fail "dark screenshot"
[ -n "${KEEP:-}" ] && echo "kept: $T (light.png, dark.png, run/)"
echo "report_html.sh: ok"
