#!/bin/sh
# test_gen_market.sh: the demo market generator is deterministic and its
# output has the documented shape (calendar with holidays, listings, gaps).
set -eu
gen=./kronos-gen-market
d=gen_market_test
rm -rf "$d" && mkdir -p "$d"
fail() { echo "FAIL: $*" >&2; exit 1; }

$gen -o "$d/a.csv"
$gen --seed 1 > "$d/b.csv"
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
# the planted signal (data/README.md): pressure events (a close-to-close move
# of 3-7.5 % on more than 2.5x the mean volume of the 20 bars before) are
# followed by a drift in their direction, overreactions (a move of more than
# 7.5 %) by a drift against it. Measured on the default market: 503 / 508
# pressure events up / down, 20 bars later +0.0953 / -0.0975; 689 / 743
# overreactions up / down, 20 bars later -0.1157 / +0.1129.
events() {
    awk -F, '
NR > 1 { t = $2; n = ++cnt[t]; c[t, n] = $6; v[t, n] = $7 }
END {
    for (t in cnt)
        for (k = 21; k + 20 <= cnt[t]; k++) {
            s = 0
            for (j = k - 20; j < k; j++) s += v[t, j]
            r = log(c[t, k] / c[t, k - 1])
            f = log(c[t, k + 20] / c[t, k])
            if (r > 0.075 || r < -0.075) {
                if (r > 0) { ou += f; nou++ } else { od += f; nod++ }
            } else if (v[t, k] > 2.5 * s / 20 && (r > 0.03 || r < -0.03)) {
                if (r > 0) { pu += f; npu++ } else { pd += f; npd++ }
            }
        }
    printf "%d %d %d %d %.4f %.4f %.4f %.4f\n", npu, npd, nou, nod,
        pu / (npu + !npu), pd / (npd + !npd), ou / (nou + !nou), od / (nod + !nod)
}' "$1"
}
events "$d/a.csv" > "$d/events"
read npu npd nou nod pu pd ou od < "$d/events"
for n in "$npu" "$npd"; do
    [ "$n" -gt 400 ] && [ "$n" -lt 620 ] || fail "pressure events: $npu up, $npd down (expected about 505 each)"
done
for n in "$nou" "$nod"; do
    [ "$n" -gt 580 ] && [ "$n" -lt 850 ] || fail "overreactions: $nou up, $nod down (expected about 715 each)"
done
awk -v a="$pu" -v b="$pd" 'BEGIN { exit !(a > 0.07 && b < -0.07) }' ||
    fail "no drift after pressure events: 20-bar return $pu after up events, $pd after down events"
awk -v a="$ou" -v b="$od" 'BEGIN { exit !(a < -0.08 && b > 0.08) }' ||
    fail "overreactions not given back: 20-bar return $ou after up moves, $od after down moves"
# without the planted signal the same rule finds few, uninformative bars
# (measured: 74 + 107 pressure-like bars, 2 overreaction-like)
$gen --event-prob 0 -o "$d/flat.csv"
events "$d/flat.csv" > "$d/flat_events"
read npu npd nou nod pu pd ou od < "$d/flat_events"
[ $((npu + npd)) -lt 400 ] && [ $((nou + nod)) -lt 20 ] ||
    fail "$npu + $npd pressure-like and $nou + $nod overreaction-like bars without events"
# bad option values are refused
if $gen --halflife 0 > /dev/null 2>&1; then fail "--halflife 0 accepted"; fi
if $gen --event-jump 0.5 > /dev/null 2>&1; then fail "--event-jump 0.5 accepted"; fi
if $gen --event-days 2.5 > /dev/null 2>&1; then fail "--event-days 2.5 accepted"; fi
if $gen --overreaction-share 1.5 > /dev/null 2>&1; then fail "--overreaction-share 1.5 accepted"; fi
# --tickers N: N tickers in 10 sectors (the 2,000-ticker store of README's
# Performance section); not a multiple of 10 is refused
n=$($gen --tickers 30 --years 2019-2021 | sed 1d | cut -d, -f2 | sort -u | wc -l)
[ "$n" -eq 30 ] || fail "--tickers 30 gave $n tickers"
$gen --tickers 30 --years 2020-2020 | grep -q '^2020-01-02,REA03,' || fail "--tickers 30: no REA03"
if $gen --tickers 15 > /dev/null 2>&1; then fail "--tickers 15 accepted"; fi
rm -rf "$d"
echo "PASS: gen_market"
