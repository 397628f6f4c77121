#!/bin/sh
# prob_benchmark.sh: with --benchmark the labels are excess returns, but
# the sampled paths forecast each ticker's own close, so the probabilistic
# scores (issue 17) use the ticker's raw return. The benchmark BIG jumps
# between 100 and 300 every bar, so an excess label differs from the raw
# return by +200 % or -67 %: prob_metrics.csv must equal a recomputation
# from paths.csv and the raw closes (p_up, Brier, 80 % interval, CRPS,
# PIT as evaluation.md defines them), scores.csv keeps the excess label,
# and REPORT.md says which return the paths are scored against.
. "${srcdir:-.}/tests/run_dir_lib.sh"

awk -F, 'NR > 1 && !seen[$1]++ { n++; c = n % 2 ? 100 : 300;
          printf "%s,BIG,%d,%d,%d,%d,5000\n", $1, c, c, c, c }' "$T/prices.csv" >> "$T/prices.csv"
$BIN --prices "$T/prices.csv" $M --lookback 30 --horizons 1,5 --max-folds 1 --sample-count 4 \
    --temperature 1 --top-p 0.9 --benchmark BIG --batch --output-dir "$T/run" 2> "$T/err" ||
    { cat "$T/err"; fail "evaluation run"; }
R="$T/run"
grep -q "^The labels are excess returns over BIG (\`scores.csv\`, RankIC), but the paths forecast each ticker's own close" \
    "$R/REPORT.md" || fail "REPORT.md does not say the paths are scored against the raw return"

# the recomputation: closes by ticker and bar, then every row of scores.csv
awk -F, -v S=4 '
function abs(v) { return v < 0 ? -v : v }
FILENAME ~ /prices.csv$/ { if (FNR > 1) { nb[$2]++; close_[$2, nb[$2]] = $6; bar[$2, $1] = nb[$2] } next }
FILENAME ~ /paths.csv$/ { if (FNR > 1) { k = $1 SUBSEP $2 SUBSEP $3; px[k, $4] = $5 } next }
FILENAME ~ /scores.csv$/ {
  if (FNR == 1) next
  # date,ticker,fold_id,horizon,score,pred_close,spot_close,label
  d = $1; t = $2; h = $4; b = bar[t, d]
  if (b + h > nb[t]) next
  y = close_[t, b + h] / close_[t, b] - 1
  yb = close_["BIG", bar["BIG", d] + h] / close_["BIG", bar["BIG", d]] - 1
  if (abs($8 - (y - yb)) > 1e-6) { printf "scores.csv %s %s %dd: label %s, not the excess %.10g\n", d, t, h, $8, y - yb; bad = 1 }
  k = d SUBSEP t SUBSEP h
  up = 0; below = 0; a = 0; sp = 0
  for (s = 0; s < S; s++) { x[s] = px[k, s]; up += x[s] > 0; below += x[s] <= y; a += abs(x[s] - y) }
  for (s = 0; s < S; s++) for (r = 0; r < S; r++) sp += abs(x[s] - x[r])
  for (i = 1; i < S; i++) { v = x[i]; j = i - 1; while (j >= 0 && x[j] > v) { x[j + 1] = x[j]; j-- } x[j + 1] = v }
  pos = 0.1 * (S - 1); lo = x[int(pos)] + (x[int(pos) + 1] - x[int(pos)]) * (pos - int(pos))
  pos = 0.9 * (S - 1); hi = x[int(pos)] + (x[int(pos) + 1] - x[int(pos)]) * (pos - int(pos))
  p = up / S; o = y > 0
  g = d SUBSEP h
  n[g]++; brier[g] += (p - o) ^ 2; cov[g] += (lo <= y && y <= hi)
  crps[g] += a / S - sp / (2 * S * S); pit[g] += below / S
  next
}
FILENAME ~ /prob_metrics.csv$/ {
  if (FNR == 1) next
  g = $1 SUBSEP $3
  if (n[g] != $4) { printf "%s %sd: n_names %s, recomputed %d\n", $1, $3, $4, n[g]; bad = 1; next }
  if (!n[g]) next
  want[1] = brier[g] / n[g]; want[2] = cov[g] / n[g]; want[3] = crps[g] / n[g]; want[4] = pit[g] / n[g]
  for (c = 5; c <= 8; c++)
    if (abs($c - want[c - 4]) > 1e-8 * abs(want[c - 4]) + 1e-12) {
      printf "prob_metrics.csv %s %sd column %d: %s, recomputed from the raw return %.10g\n", $1, $3, c, $c, want[c - 4]; bad = 1
    }
  rows++
}
END { if (!rows) { print "no prob_metrics.csv row checked"; bad = 1 } else print rows " prob_metrics.csv rows checked"; exit bad }
' "$T/prices.csv" "$R/paths.csv" "$R/scores.csv" "$R/prob_metrics.csv" > "$T/check" ||
    { head -20 "$T/check" >&2; fail "prob_metrics.csv does not score the paths against the raw return"; }
cat "$T/check"
echo "prob_benchmark.sh: ok"
