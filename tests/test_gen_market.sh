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
# the planted signal: pressure events (a move of more than 4.5 % on more than
# 2.5x the mean volume of the 20 bars before) are followed by a drift in their
# direction: 20 bars later, up events have gained about 7 %, down events lost
# about 4.5 % (the market drifts up). Measured on the default market:
# 1663 up and 1655 down events, +0.0688 / -0.0450.
awk -F, '
NR > 1 { t = $2; n = ++cnt[t]; c[t, n] = $6; v[t, n] = $7 }
END {
    for (t in cnt)
        for (k = 21; k + 20 <= cnt[t]; k++) {
            s = 0
            for (j = k - 20; j < k; j++) s += v[t, j]
            r = log(c[t, k] / c[t, k - 1])
            if (v[t, k] > 2.5 * s / 20 && (r > 0.045 || r < -0.045)) {
                f = log(c[t, k + 20] / c[t, k])
                if (r > 0) { up += f; nu++ } else { dn += f; nd++ }
            }
        }
    printf "%d %d %.4f %.4f\n", nu, nd, up / nu, dn / nd
}' "$d/a.csv" > "$d/events"
read nu nd up dn < "$d/events"
[ "$nu" -gt 1400 ] && [ "$nu" -lt 1900 ] && [ "$nd" -gt 1400 ] && [ "$nd" -lt 1900 ] ||
    fail "pressure events: $nu up, $nd down (expected about 1660 each)"
awk -v u="$up" -v d="$dn" 'BEGIN { exit !(u > 0.05 && d < -0.03 && u - d > 0.09) }' ||
    fail "no drift after pressure events: 20-bar return +$up after up events, $dn after down events"
# without the planted signal the same statistic shows nothing (few, noisy events)
$gen --event-prob 0 -o "$d/flat.csv"
awk -F, '
NR > 1 { t = $2; n = ++cnt[t]; c[t, n] = $6; v[t, n] = $7 }
END {
    for (t in cnt)
        for (k = 21; k <= cnt[t]; k++) {
            s = 0
            for (j = k - 20; j < k; j++) s += v[t, j]
            r = log(c[t, k] / c[t, k - 1])
            if (v[t, k] > 2.5 * s / 20 && (r > 0.045 || r < -0.045)) ne++
        }
    print ne + 0
}' "$d/flat.csv" > "$d/flat_events"
[ "$(cat "$d/flat_events")" -lt 800 ] || fail "$(cat "$d/flat_events") pressure-like bars without events (450 measured)"
# bad option values are refused
if $gen --halflife 0 > /dev/null 2>&1; then fail "--halflife 0 accepted"; fi
if $gen --event-jump 0.5 > /dev/null 2>&1; then fail "--event-jump 0.5 accepted"; fi
if $gen --event-days 2.5 > /dev/null 2>&1; then fail "--event-days 2.5 accepted"; fi
rm -rf "$d"
echo "PASS: gen_market"
