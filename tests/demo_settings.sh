#!/bin/sh
# demo_settings.sh: `kronos-tui` without data or model runs the documented
# demo (data/README.md): the shipped market and checkpoint, smoke mode from
# 2022-12-01, horizons 5 and 20, lookback 128, the mean of 16 paths sampled
# with temperature 1 and top-p 0.9. One date (--end 2023-01-03) on one
# thread; the first scores are golden numbers of the shipped checkpoint.
set -eu
: "${srcdir:=.}"
fail() { echo "FAIL: $*" >&2; exit 1; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kt-demo-settings.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
# the market is built in the build tree, the checkpoint is in the source tree
mkdir "$TMP/datadir"
ln -s "$(cd data/demo && pwd)" "$TMP/datadir/demo"
ln -s "$(cd "$srcdir/data/models" && pwd)" "$TMP/datadir/models"
KRONOS_TUI_DATADIR="$TMP/datadir" ./kronos-tui --batch --end 2023-01-03 --threads 1 \
    --output-dir "$TMP/run" > "$TMP/log" 2>&1 || { cat "$TMP/log"; fail "demo run failed"; }
grep -q "running the embedded demo" "$TMP/log" || fail "no demo notice: $(head -1 "$TMP/log")"
cfg="$TMP/run/config.json"
for kv in '"sample-count": 16' '"temperature": 1.0' '"top-p": 0.9' '"lookback": 128' \
    '"mode": "smoke"' '"start": "2022-12-01"' '"name": "demo"' '"seed": 0'; do
    grep -qF "$kv" "$cfg" || fail "config.json lacks $kv"
done
tr -d ' \n' < "$cfg" | grep -qF '"horizons":[5,20]' || fail "demo horizons are not 5,20"
[ "$(wc -l < "$TMP/run/scores.csv")" -eq 195 ] || fail "expected 97 tickers x 2 horizons"
sed -n 2,3p "$TMP/run/scores.csv" > "$TMP/first"
cat > "$TMP/expected" <<'EOS'
2023-01-03,COM01,fold_01,5,-0.02550459628,59.34677009,60.9,0.01330049261
2023-01-03,COM01,fold_01,20,0.08378488094,66.00249925,60.9,0.0328407225
EOS
cmp -s "$TMP/first" "$TMP/expected" || fail "first demo scores differ: $(cat "$TMP/first")"
echo "PASS: demo_settings"
