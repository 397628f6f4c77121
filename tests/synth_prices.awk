# synth_prices.awk: the integration tests' small price store: 12 tickers
# (T00-T11), every weekday of 2019-01..09, a seeded multiplicative walk.
# Usage: awk -f tests/synth_prices.awk > prices.csv
# Options: -v tickers=N (T00..T<N-1>, default 12) and -v last=YYYY-MM-DD
# (the last calendar day, default 2019-09-30). The draws are taken day by
# day, ticker by ticker, so a shorter store is a prefix of a longer one
# with the same number of tickers.
BEGIN {
  if (tickers == "") tickers = 12;
  if (last == "") last = "2019-09-30";
  print "date,ticker,open,high,low,close,volume";
  split("31 28 31 30 31 30 31 31 30", dm, " "); wd = 1; s = 7;
  for (k = 0; k < tickers; k++) px[k] = 20 + k;
  for (m = 1; m <= 9; m++) for (d = 1; d <= dm[m]; d++) {
    if (sprintf("2019-%02d-%02d", m, d) > last) exit;
    if (wd < 5) for (k = 0; k < tickers; k++) {
      s = (s * 1103515245 + 12345) % 2147483648; u = s / 2147483648;
      px[k] = px[k] * (1 + (u - 0.5) * 0.04);
      printf "2019-%02d-%02d,T%02d,%.4f,%.4f,%.4f,%.4f,%d\n", m, d, k, px[k], px[k]*1.01, px[k]*0.99, px[k], 1000 + k;
    }
    wd = (wd + 1) % 7;
  } }
