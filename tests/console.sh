#!/bin/sh
# console.sh: drive the ncurses console inside tmux and assert on the
# screen text. By default it runs tests/ui_feeder (scripted runs, no
# model); KT_FEEDER can point at another program taking the same
# arguments. Skips (77) only when tmux is absent.

if ! command -v tmux >/dev/null 2>&1; then
    echo "SKIP: tmux is not installed (Debian package: tmux); console tests not run"
    exit 77
fi

FEEDER=${KT_FEEDER:-$(pwd)/tests/ui_feeder}
if [ ! -x "$FEEDER" ]; then
    echo "FAIL: $FEEDER not built"
    exit 1
fi

SOCK="kt-console-$$"
: "${srcdir:=.}"
TM="tmux -L $SOCK -f /dev/null"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kt-console.XXXXXX")
cleanup() {
    $TM kill-server >/dev/null 2>&1
    rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

UTF8=C.UTF-8
fails=0
checks=0
current=""


. "$srcdir/tests/tmux_screen.sh"
tmux_server

# start W H ENV... -- ARGS...: run the feeder in a fresh session.
start() {
    w=$1 h=$2
    shift 2
    envs=""
    while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do
        envs="$envs $1"
        shift
    done
    [ "$1" = "--" ] && shift
    rm -f "$TMP/pid" "$TMP/stty"
    # the inner shell records its pid, then becomes the feeder
    cat > "$TMP/run.sh" <<EOF
sh -c 'echo \$\$ > "$TMP/pid"; exec env TERM=tmux-256color $envs "$FEEDER" $*'
echo KT_EXIT=\$?
stty -a > "$TMP/stty"
sleep 600
EOF
    checks=$((checks + 1))
    new_session "$w" "$h" "sh $TMP/run.sh"
}

# ---- panels and values at 120x40 -------------------------------------
current="panels 120x40"
start 120 40 LC_ALL=$UTF8 NO_COLOR= -- normal
wait_for "batch 9/10" && {
    expect "kronos-tui  demo-sp100  walk-forward" "RUNNING" \
        "Data: 98 tickers 2013-01-02..2018-12-31" "Evaluated: 2016-02-01..2018-12-31" \
        "Model: Kronos-small + Kronos-Tokenizer-base  24.7M params, context 512, lookback 252" \
        "51/2289 dates (42 resumed)" "fold_03 (3/109)  21 dates" \
        "2024-03-14 (10/21)  scored 78  skipped 11  batch 9/10" \
        "ETA (average) 01:33:13" "ETA (last 5 dates) 01:36:56" \
        "Last 3.00 s  Median 2.50 s" "p90 3.00 s  Dates timed 9" \
        "Tickers/s 36.0  Tokens/s 4000" "✓ CPU verified (412 tensors)" \
        "Threads 2   SIMD AVX2" "BLAS Haswell, OpenBLAS 0.3.21" "Model 94.2 MiB" \
        "IC decay flags:  fold_02 20d RAPID_DECAY" \
        "⚠ BRK.B skipped on 2024-03-14: 3 missing bars in the lookback" \
        "Resuming from the journal: 42 dates already scored" \
        "?/F1 Help" "p Pause" "r Reports" "q Quit"
    # Net %: the worker's scorecard after fold_02 (net spread after costs)
    expect_re "^│  5d +51 +0\.0412 +0\.0387 +0\.52 +61\.2 +0\.0843 +\+1\.23 +— +[▁▂▃▄▅▆▇█]{20}"
    expect_re "^│  20d +51 +0\.0250 +0\.0198 +0\.31 +55\.0 +0\.0616 +-0\.45 +⚠1 "
    expect "Latest  Net %   Flags" \
        "└─ Gates after fold_02: 1 pass, 2 fail, 3 not run ─" \
        "Evaluated: 2016-02-01..2018-12-31  ⚠ model saw 20 dates (to 2016-02-29)"
    expect_re "RSS [0-9.]+ (KiB|MiB|GiB)"
    borders_aligned 120
    [ "$(colour_codes)" -gt 0 ] || fail "no colour at all with colours enabled"
}

# resize down to 80x24, then below the minimum, then back
current="resize"
$TM resize-window -t kt -x 80 -y 24
wait_for "│ Overall" && borders_aligned 80
$TM resize-window -t kt -x 60 -y 15
wait_for "The terminal is too small (60x15)." && expect "needs at least 80x24"
$TM resize-window -t kt -x 120 -y 40
wait_for "batch 9/10" && borders_aligned 120

# ---- panels at 80x24 -------------------------------------------------
current="panels 80x24"
start 80 24 LC_ALL=$UTF8 -- normal
wait_for "batch 9/10" && {
    expect "fold_03 (3/109)" "2024-03-14 (10/21)  scored 78  skipped 11  batch 9/10" \
        "ETA (average) 01:33:13" "ETA (last 5 dates) 01:36:56" "Median 2.50 s" \
        "✓ CPU verified (412 tensors)" "BLAS Haswell, OpenBLAS" "24.7M params, context 512, lookback 252" \
        "BRK.B skipped" "?/F1 Help" "q Quit"
    expect_re "^│  5d +51 +0\.0412 +0\.0387 +0\.52 +61\.2 +0\.0843 +\+1\.23 +— "
    expect_re "^│  20d +51 +0\.0250 .* -0\.45 +⚠1 "
    # the verdict on the panel's border, whole, however small the panel
    expect "└─ Gates after fold_02: 1 pass, 2 fail, 3 not run ─"
    # no room for the overlap note on the header line: never half of it
    expect_not "model saw"
    borders_aligned 80
}

# ---- Tab moves the focus, arrows select a horizon ---------------------
current="focus"
expect "─ ▶ Progress ─"
$TM send-keys -t kt Tab
wait_for "─ ▶ Per-date timing ─" && expect_not "─ ▶ Progress ─"
$TM send-keys -t kt BTab
wait_for "─ ▶ Progress ─"
$TM send-keys -t kt Down
wait_for "─ ▶ RankIC by horizon ─" && expect "│ ▶5d "
$TM send-keys -t kt Down
wait_for "│ ▶20d " && expect_re "^│ ▶20d +51 +0\.0250"
$TM send-keys -t kt Up
wait_for "│ ▶5d "

# ---- help overlay (? and F1), report paths ---------------------------
current="help overlay"
$TM send-keys -t kt '?'
wait_for "pause or resume the run" && expect "─ Help ─" "quit (asks first while the run is active)"
$TM send-keys -t kt x
wait_gone "pause or resume the run"
$TM send-keys -t kt F1
wait_for "pause or resume the run"
$TM send-keys -t kt Escape
wait_gone "pause or resume the run"

current="report paths"
$TM send-keys -t kt r
wait_for "Run directory: /tmp/kt-feeder-run" &&
    expect "Report: written when the run finishes" "Status file: /tmp/kt-feeder-run/status.json" \
        "(no files in the run directory yet)"
$TM send-keys -t kt x
wait_gone "Run directory:"

# ---- pause and resume ------------------------------------------------
current="pause/resume"
$TM send-keys -t kt p
wait_for "PAUSED" && expect "p Resume"
$TM send-keys -t kt p
wait_for "RUNNING" && expect "p Pause" && expect_not "PAUSED"

# ---- quit asks first, then restores the terminal ---------------------
current="quit"
$TM send-keys -t kt q
wait_for "Stop the run?" && expect "y: stop and quit"
$TM send-keys -t kt n
wait_gone "Stop the run?"
expect "RUNNING"
$TM send-keys -t kt q
wait_for "Stop the run?"
$TM send-keys -t kt y
terminal_restored
expect "ui_feeder: console exited with code 130" "KT_EXIT=0"
expect_not "RankIC by horizon"

# ---- SIGTERM restores the terminal -----------------------------------
current="SIGTERM"
start 80 24 LC_ALL=$UTF8 -- normal
wait_for "batch 9/10" && {
    pid=$(cat "$TMP/pid" 2>/dev/null)
    if [ -n "$pid" ]; then
        kill -TERM "$pid"
        terminal_restored
        expect "console exited with code 130"
    else
        fail "could not find the feeder process"
    fi
}

# ---- the empty-results view ------------------------------------------
for size in "120 40" "80 24"; do
    current="empty view $size"
    # shellcheck disable=SC2086
    start $size LC_ALL=$UTF8 -- empty
    wait_for "No evaluation rows" && {
        expect "NO EVALUATION ROWS" \
            "The run finished, but no date produced an evaluation row." \
            "Why: 98 of 98 tickers skipped: fewer than 252 bars before 2016-02-01" \
            "What to change: Start the evaluation range at 2017-01-03 or later" \
            "REPORT_EMPTY.md" "21/21 dates"
        borders_aligned "${size% *}"
        expect_not "RankIC by horizon" "p Pause"
    }
done
$TM send-keys -t kt q        # nothing running: no confirmation
wait_for "console exited with code 0"

# ---- no samples yet: dashes, not zeros ------------------------------
current="fresh run"
start 120 40 LC_ALL=$UTF8 -- fresh
wait_for "2016-02-01 (1/21)" && expect "ETA (average) —" "ETA (last 5 dates) —" "Median — s" \
    "No metrics yet"

# generation steps within the date: the text, and the date bar at 34/90
# of its 50 cells (18 done, 37 %); the fold bar at (0 + 34/90)/21 (0
# cells)
current="steps within a date"
start 120 40 LC_ALL=$UTF8 -- steps --ascii
wait_for "step 34/90" && {
    expect "2016-02-01 (1/21)  37%  step 34/90, micro-batch 1/1"
    expect_re "Date +#{18}\.{32} 2016-02-01 \(1/21\)  37%  step 34/90, micro-batch 1/1"
    expect_re "Fold +\.{50} fold_01"
}
# the scorer's work within the date (the prefill weighs more than a
# step): 55000/90000 = 61 %, 30 of 50 cells, whatever the steps say; the
# fold bar (0 + 0.611)/21 of 50 cells (1)
current="work within a date"
start 120 40 LC_ALL=$UTF8 -- work --ascii
wait_for "step 34/90" && {
    expect_re "Date +#{30}\.{20} 2016-02-01 \(1/21\)  61%  step 34/90, micro-batch 1/1"
    expect_re "Fold +#\.{49} fold_01"
}

# int8 products change the outputs: the device panel says so, at 80x24 too
current="int8 precision"
start 80 24 LC_ALL=$UTF8 -- int8
wait_for "Threads 2   SIMD AVX2   int8"
current="fp32 precision"
start 80 24 LC_ALL=$UTF8 -- normal
wait_for "Threads 2   SIMD AVX2" && expect_not "int8"

# ---- reference BLAS warning ------------------------------------------
current="reference BLAS"
start 80 24 LC_ALL=$UTF8 -- refblas
wait_for "BLAS ⚠ reference BLAS (slow!)"
# a generic OpenBLAS kernel on an AVX-512 CPU: the kernel name is never cut
current="slow BLAS kernel 80x24"
start 80 24 LC_ALL=$UTF8 -- slowkernel
wait_for "BLAS ⚠ Prescott (slow kernel!)"
current="slow BLAS kernel 120x40"
start 120 40 LC_ALL=$UTF8 -- slowkernel
wait_for "BLAS ⚠ Prescott (slow): set OPENBLAS_CORETYPE=SkylakeX"

# ---- wide characters: CJK data keeps the borders aligned ------------
for size in "120 40" "80 24"; do
    current="CJK $size"
    # shellcheck disable=SC2086
    start $size LC_ALL=$UTF8 -- normal --cjk
    wait_for "batch 9/10" && {
        expect "演示-标普100" "回看窗口缺少 3 根K线"
        borders_aligned "${size% *}"
    }
    current="CJK empty view $size"
    # shellcheck disable=SC2086
    start $size LC_ALL=$UTF8 -- empty --cjk
    wait_for "No evaluation rows" && {
        expect "Why: 98 只股票中 98 只被跳过：2016-02-01 之前不足 252 根K线" \
            "What to change: 将评估区间的起点推迟到" "REPORT_EMPTY.md"
        borders_aligned "${size% *}"
    }
done

# ---- other terminal types; an unknown one falls back politely --------
for term in vt100 linux screen xterm-256color; do
    current="TERM=$term"
    start 80 24 LC_ALL=$UTF8 TERM=$term -- normal
    wait_for "batch 9/10" && expect "fold_03 (3/109)" "?/F1 Help"
done
current="TERM unknown"
start 80 24 LC_ALL=$UTF8 TERM=kt-no-such-terminal -- normal
wait_for "console exited with code -1" && expect "the console cannot start" "using --batch output"

# ---- monochrome under NO_COLOR and --no-color -----------------------
current="NO_COLOR"
start 120 40 LC_ALL=$UTF8 NO_COLOR=1 -- normal
wait_for "batch 9/10" && {
    n=$(colour_codes)
    [ "$n" -eq 0 ] || fail "$n colour codes under NO_COLOR"
    expect "RUNNING" "✓ CPU verified"
}
current="--no-color"
start 120 40 LC_ALL=$UTF8 -- normal --no-color
wait_for "batch 9/10" && {
    n=$(colour_codes)
    [ "$n" -eq 0 ] || fail "$n colour codes with --no-color"
}

# ---- ASCII drawing under LANG=C and with --ascii --------------------
for how in "LANG=C LC_ALL=C -- normal" "LC_ALL=$UTF8 -- normal --ascii"; do
    current="ascii ($how)"
    # shellcheck disable=SC2086
    start 80 24 $how
    wait_for "batch 9/10" && {
        expect "+- > Progress ---" "| Overall " "[ok] CPU verified (412 tensors)" "#####" \
            "! BRK.B skipped"
        if LC_ALL=C grep -q "$(printf '[\200-\377]')" "$TMP/screen"; then
            fail "non-ASCII bytes on the screen"
        fi
        borders_aligned 80
    }
done

# ---- attach to a status file (read-only, stale heartbeat) ------------
current="attach"
# set_status UPDATED HEARTBEAT: the status file's write time (Unix seconds)
# and heartbeat interval; a viewer calls it stale 3 heartbeats after the
# write time
set_status() {
    sed -e "s/\"updated_unix\": [0-9.e+]*/\"updated_unix\": $1/" \
        -e "s/\"heartbeat_interval\": [0-9.e+]*/\"heartbeat_interval\": $2/" \
        "$TMP/status.json" > "$TMP/status.tmp" && mv "$TMP/status.tmp" "$TMP/status.json"
}
if "$FEEDER" normal --write-status "$TMP/status.json"; then
    # live: written now with a 1000 s heartbeat, so the screen is fresh
    # however long the viewer takes to start (an ASan build alone takes
    # seconds); then stale: written 100 s ago with a 1 s heartbeat
    set_status "$(date +%s)" 1000
    grep -q '"heartbeat_interval": 1000' "$TMP/status.json" || fail "could not set the heartbeat"
    start 120 40 LC_ALL=$UTF8 -- --attach "$TMP/status.json"
    wait_for "batch 9/10" && {
        expect "(attached, read-only)" "fold_03 (3/109)" "ETA (average) 01:33:13" \
            "✓ CPU verified (412 tensors)" \
            "Gates after fold_02: 1 pass, 2 fail, 3 not run" \
            "⚠ model saw 20 dates (to 2016-02-29)"
        expect_re "^│  5d +51 .* \+1\.23 +— "
        expect_not "p Pause" "STALE"
    }
    set_status "$(( $(date +%s) - 100 ))" 1
    wait_for "STALE: no update for"
    $TM send-keys -t kt q
    wait_for "console exited with code 0"
else
    fail "could not write $TMP/status.json"
fi

echo "console.sh: $checks scenarios, $fails failure(s)"
[ $fails -eq 0 ]
