#!/bin/sh
# test_gen_market.sh: the demo market generator is deterministic and its
# output has the documented shape (calendar with holidays, listings, gaps).
set -eu
gen=./kronos-gen-market
d=gen_market_test
rm -rf "$d" && mkdir -p "$d"
fail() { echo "FAIL: $*" >&2; exit 1; }

$gen -o "$d/a.csv"
$gen --seed 20250601 > "$d/b.csv"
cmp "$d/a.csv" "$d/b.csv" || fail "same seed, different bytes"
$gen --seed 7 -o "$d/c.csv"
cmp -s "$d/a.csv" "$d/c.csv" && fail "different seeds, same bytes"

[ "$(head -1 "$d/a.csv")" = "date,ticker,open,high,low,close,volume,amount" ] || fail "header"
rows=$(($(wc -l < "$d/a.csv") - 1))
[ "$rows" -gt 140000 ] && [ "$rows" -lt 152000 ] || fail "row count $rows"
cut -d, -f1 "$d/a.csv" | sed 1d | sort -u > "$d/dates"
ndates=$(wc -l < "$d/dates")
[ "$ndates" -eq 1512 ] || fail "trading days $ndates (expected 1512 for 2018-2023)"
for h in 2018-01-01 2019-01-21 2019-04-19 2019-05-27 2019-07-04 2019-09-02 2019-11-28 2019-12-25 2021-12-24 2022-07-04; do
    grep -qx "$h" "$d/dates" && fail "holiday $h is a trading day"
done
grep -qx 2019-07-05 "$d/dates" || fail "2019-07-05 should be a trading day"
ntick=$(cut -d, -f2 "$d/a.csv" | sed 1d | sort -u | wc -l)
[ "$ntick" -eq 100 ] || fail "tickers $ntick"
# late listings / early delistings / halts: some tickers have fewer bars
short=$(cut -d, -f2 "$d/a.csv" | sed 1d | sort | uniq -c | awk -v n="$ndates" '$1 < n' | wc -l)
[ "$short" -ge 8 ] || fail "only $short tickers with missing bars"
# OHLC consistency: low <= min(open, close) <= max(open, close) <= high, volume > 0
awk -F, 'NR > 1 && ($5 > $3 || $5 > $6 || $4 < $3 || $4 < $6 || $7 <= 0 || $5 <= 0) { bad++ } END { exit bad > 0 }' \
    "$d/a.csv" || fail "inconsistent OHLC rows"
# bad option values are refused
if $gen --halflife 0 > /dev/null 2>&1; then fail "--halflife 0 accepted"; fi
rm -rf "$d"
echo "PASS: gen_market"
