#!/bin/sh
# device_exit.sh: exit 5 (a tensor off the CPU) through the command line,
# `kronos-tui device` and `--batch`. Debian's libtorch is CPU-only, so the
# violation is planted: tests/kronos-tui-planted is the real command line
# with kronos_open wrapped (tests/device_plant.c) to move the tensor named
# by KT_PLANT_TENSOR to the meta device after the checkpoint loads; the
# product's device check must find it, name it, and refuse.
set -u
KT_TEST=device-exit
. "${srcdir:=.}/tests/testlib.sh"
BIN=./kronos-tui
PLANTED=./tests/kronos-tui-planted
TOK="$srcdir/tests/data/tiny/tokenizer"
MOD="$srcdir/tests/data/tiny/model"
LC_ALL=C
export LC_ALL
unset KT_PLANT_TENSOR KT_PLANT_DEVICE

awk -v tickers=6 -v last=2019-05-31 -f "$srcdir/tests/synth_prices.awk" > "$T/prices.csv"
RUN="--prices $T/prices.csv --tokenizer $TOK --model $MOD --lookback 30 --horizons 1,5 --max-context 128 --max-folds 1 --batch"

# 0. without a planted tensor the planted build is the product: verified
$PLANTED device --tokenizer "$TOK" --model "$MOD" > "$T/out0" 2> "$T/err0"
rc=$?; [ $rc -eq 0 ] || { cat "$T/err0"; fail "device, nothing planted: exit $rc, expected 0"; }
expect_line "$T/out0" "  verified:        yes"
grep -q "violation" "$T/out0" && fail "device, nothing planted: a violation line"

# 1. `device`: a predictor weight on meta -> exit 5, named on both streams
KT_PLANT_TENSOR="predictor head.proj_s1.weight" \
    $PLANTED device --tokenizer "$TOK" --model "$MOD" > "$T/out1" 2> "$T/err1"
rc=$?; [ $rc -eq 5 ] || { cat "$T/out1" "$T/err1"; fail "device, planted: exit $rc, expected 5"; }
expect_line "$T/out1" "  verified:        NO"
expect_line "$T/out1" "  violation:       tensor predictor head.proj_s1.weight is on meta, not the CPU"
[ "$(cat "$T/err1")" = "kronos-tui device: tensor predictor head.proj_s1.weight is on meta, not the CPU" ] ||
    { cat "$T/err1"; fail "device, planted: stderr"; }

# 2. --batch: a tokenizer buffer (a rotary table) on meta -> exit 5 before
#    any run directory exists
KT_PLANT_TENSOR="tokenizer encoder.0.self_attn.rotary.inv_freq" \
    $PLANTED $RUN --output-dir "$T/run2" > "$T/out2" 2> "$T/err2"
rc=$?; [ $rc -eq 5 ] || { cat "$T/err2"; fail "--batch, planted: exit $rc, expected 5"; }
expect_line "$T/err2" "kronos-tui: device check failed: tensor tokenizer encoder.0.self_attn.rotary.inv_freq is on meta, not the CPU"
[ -e "$T/run2" ] && fail "--batch, planted: a run directory was created"
[ -s "$T/out2" ] && fail "--batch, planted: something on stdout"

# 3. --batch --json: the same refusal, nothing on stdout (no events: the run
#    never started)
KT_PLANT_TENSOR="predictor embedding.emb_s1.weight" \
    $PLANTED $RUN --json --output-dir "$T/run3" > "$T/out3" 2> "$T/err3"
rc=$?; [ $rc -eq 5 ] || { cat "$T/err3"; fail "--json, planted: exit $rc, expected 5"; }
expect_line "$T/err3" "kronos-tui: device check failed: tensor predictor embedding.emb_s1.weight is on meta, not the CPU"
[ -s "$T/out3" ] && fail "--json, planted: events on stdout"

# 4. a name the model does not have is a test error (exit 4), never a pass
KT_PLANT_TENSOR="predictor no.such.weight" \
    $PLANTED device --tokenizer "$TOK" --model "$MOD" > /dev/null 2> "$T/err4"
rc=$?; [ $rc -eq 4 ] || { cat "$T/err4"; fail "unknown tensor name: exit $rc, expected 4"; }
expect_line "$T/err4" 'kronos-tui device: device_plant: no tensor named "predictor no.such.weight"'

# 5. the product itself, same data: verified and the run goes through
$BIN device --tokenizer "$TOK" --model "$MOD" > "$T/out5" || fail "kronos-tui device: exit $?"
expect_line "$T/out5" "  verified:        yes"
$BIN $RUN --output-dir "$T/run5" 2> "$T/err5" || { rc=$?; cat "$T/err5"; fail "kronos-tui --batch: exit $rc"; }
echo "device_exit.sh: ok"
