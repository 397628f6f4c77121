# tests/run_dir_lib.sh: set-up and helpers shared by run_dir.sh (run
# directories end to end) and run_dir_tmux.sh (the same runs watched in
# tmux). Sourced: creates the scratch directory $T with the synthetic
# prices, and cleans up on exit (processes listed in $PIDS, the tmux server
# of $TM when set).
set -u
: "${srcdir:=.}"
BIN=./kronos-tui
CHK=./tests/check_jsonl
TOK="$srcdir/tests/data/tiny/tokenizer"
MOD="$srcdir/tests/data/tiny/model"
T=$(mktemp -d "${TMPDIR:-/tmp}/kt-run-dir.XXXXXX")
TM=""
PIDS=""
cleanup() {
    for p in $PIDS; do kill -CONT "$p" 2>/dev/null; kill -9 "$p" 2>/dev/null; done
    [ -n "$TM" ] && $TM kill-server >/dev/null 2>&1
    [ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
# die MESSAGE: the test fails here (fail does the same unless the script
# counts screen failures with tests/tmux_screen.sh's fail)
die() { echo "FAIL: $*" >&2; exit 1; }
fail() { die "$@"; }
export LC_ALL=C

# the same synthetic prices as eval_batch.sh: 12 tickers, weekday bars
# 2019-01-01 .. 2019-09-30 (deterministic walk)
awk -f "$srcdir/tests/synth_prices.awk" > "$T/prices.csv"

M="--tokenizer $TOK --model $MOD --max-context 128"
# a long run (131 dates of 4 horizons, one ticker per micro-batch): the
# tests hold it with SIGSTOP and let it go (SIGCONT) only to see it
# advance, so it is still going when they stop it, however fast the
# machine. Its heartbeat is 1000 s: a run held for a while is not stale.
SLOW="--lookback 60 --horizons 1,5,20,60 --mode full --batch-size 1 --threads 1 --heartbeat 1000"

# Limit of every wait, in seconds of wall time: generous, nothing depends
# on how fast the machine is.
: "${KT_WAIT:=120}"

count() { c=$(grep -c "\"event\":\"$1\"" "$2" 2>/dev/null); echo "${c:-0}"; }
# wait_count EVENT FILE N: until FILE holds N EVENT records
wait_count() {
    end=$(( $(date +%s) + KT_WAIT ))
    while [ "$(count "$1" "$2")" -lt "$3" ]; do
        [ "$(date +%s)" -ge "$end" ] && die "timed out waiting for $3 $1 in $2"
        sleep 0.05
    done
}
expect_line() { # FILE LINE: the exact line is in FILE
    grep -qxF -- "$2" "$1" || { cat "$1" >&2; fail "expected line: $2"; }
}

# start_slow DIR: a --batch run of $SLOW into DIR in the background ($spid),
# held (stopped) once it has completed a date. The date_done line reaches
# events.jsonl before status.json is rewritten, so both are awaited: a run
# held in between showed viewers "0/N dates" for good.
start_slow() {
    $BIN --prices "$T/prices.csv" $M $SLOW --batch --output-dir "$1" 2> "$1.err" &
    spid=$!
    PIDS="$PIDS $spid"
    wait_count date_done "$1/events.jsonl" 1
    end=$(( $(date +%s) + KT_WAIT ))
    until grep -qE '"dates_done": *[1-9]' "$1/status.json" 2>/dev/null; do
        [ "$(date +%s)" -ge "$end" ] && die "timed out waiting for a done date in $1/status.json"
        sleep 0.05
    done
    hold "$spid"
}

# hold PID / let_go PID: stop and continue a run (SIGSTOP/SIGCONT); hold
# returns once the process is stopped
hold() {
    kill -STOP "$1" || die "cannot stop process $1"
    end=$(( $(date +%s) + KT_WAIT ))
    until grep -q '^State:[[:space:]]*T' "/proc/$1/status" 2>/dev/null; do
        [ "$(date +%s)" -ge "$end" ] && die "process $1 did not stop"
        sleep 0.02
    done
}
let_go() { kill -CONT "$1" || die "cannot continue process $1"; }

# finished DIR: the run in DIR has recorded its end
finished() { grep -q '"event":"\(finished\|cancelled\|failed\)"' "$1/events.jsonl"; }
