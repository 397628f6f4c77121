#!/bin/sh
# run_dir_tmux.sh: run directories watched in tmux (the part of
# run_dir.sh that needs tmux; skipped alone when tmux is absent):
# --attach to a live --batch run (progress advances; two viewers; quitting
# a viewer leaves the run alone; SIGTERM shows STOPPED), and SIGHUP (tmux
# kill-session) to a console run: it goes on detached and finishes.
# The runs are held with SIGSTOP and let go with SIGCONT only where the
# checks need them to advance (tests/run_dir_lib.sh), so each is still
# going when the test acts on it, however fast or loaded the machine.
if ! command -v tmux >/dev/null 2>&1; then
    echo "SKIP: tmux is not installed (Debian package: tmux): --attach and SIGHUP checks not run"
    exit 77
fi
. "${srcdir:-.}/tests/run_dir_lib.sh"
TM="tmux -L kt-run-dir-$$ -f /dev/null"
TMP=$T UTF8=C.UTF-8 fails=0 current=""
. "$srcdir/tests/tmux_screen.sh"
KT_WAIT=120
tmux_server
# a failed screen check is counted (and the screen shown); check ends the
# test after one; a failure of anything else (die) ends it at once
check() { [ "$fails" -eq 0 ] || { echo "FAIL: $fails screen check(s)" >&2; exit 1; }; }
date_on() { grep -oE '20[0-9]{2}-[0-9]{2}-[0-9]{2} \([0-9]+/[0-9]+\)' "$TMP/screen" | head -1; }
date_moved() { d2=$(date_on); [ -n "$d2" ] && [ "$d2" != "$1" ]; }

# ---- --attach to a live batch run: two viewers ------------------------------
current="attach"
start_slow "$T/slow"   # held after its first date
for v in v1 v2; do
    $TM new-session -d -s $v -x 120 -y 40 \
        "env TERM=screen $BIN --attach $T/slow --refresh 0.25; echo VIEWER_EXIT=\$?; sleep 600" ||
        die "tmux new-session $v"
done
S=v1; wait_for "attached, read-only" && wait_for "RUNNING"
S=v2; wait_for "attached, read-only" && wait_for "RUNNING"
check
S=v1; snap; d1=$(date_on)
[ -n "$d1" ] || { cat "$TMP/screen" >&2; die "no date progress on the viewer's screen"; }
# let it go until the viewer shows another date
let_go $spid
within "$KT_WAIT" date_moved "$d1" || { cat "$TMP/screen" >&2; die "the viewer's progress did not advance from $d1"; }
hold $spid
$TM send-keys -t v1 q
wait_for "VIEWER_EXIT=0"
check
# quitting a viewer leaves the run alone: let go, it completes another date
n1=$(count date_done "$T/slow/events.jsonl")
let_go $spid
wait_count date_done "$T/slow/events.jsonl" $((n1 + 1))
hold $spid
finished "$T/slow" && die "the slow run ended before SIGTERM"
S=v2; wait_for "RUNNING"
# SIGTERM: the run stops resumably; the other viewer shows it
kill -TERM $spid || die "SIGTERM: no process $spid"
let_go $spid
wait $spid; rc=$?
[ $rc -eq 130 ] || die "SIGTERM exit $rc"
S=v2; wait_for "STOPPED"
$TM send-keys -t v2 q
check

# ---- console run in tmux; SIGHUP (kill-session) -> goes on detached --------
current="SIGHUP"
HUP="--lookback 60 --horizons 1,5,20 --max-folds 1 --batch-size 1 --threads 1"
$TM new-session -d -s con -x 120 -y 40 \
    "env TERM=screen $BIN --prices $T/prices.csv $M $HUP --output-dir $T/hup; sleep 600" ||
    die "tmux new-session con"
S=con; wait_for "RUNNING"
check
wait_count date_done "$T/hup/events.jsonl" 1
cpid=$(cat "$T/hup/.lock")
PIDS="$PIDS $cpid"
kill -0 "$cpid" 2>/dev/null || die "no console run with pid $cpid"
# nobody is attached to the tmux session: the run advances anyway
n1=$(count date_done "$T/hup/events.jsonl")
wait_count date_done "$T/hup/events.jsonl" $((n1 + 2))
# held, the run cannot finish before the hangup; the SIGHUP is delivered
# when it is let go
hold "$cpid"
finished "$T/hup" && die "the console run ended before SIGHUP"
$TM kill-session -t con
let_go "$cpid"
end=$(( $(date +%s) + KT_WAIT * 5 ))
until finished "$T/hup"; do
    kill -0 "$cpid" 2>/dev/null || finished "$T/hup" || die "the detached run died"
    [ "$(date +%s)" -ge "$end" ] && die "the detached run did not finish"
    sleep 0.1
done
grep -q '"event":"finished"' "$T/hup/events.jsonl" || die "the detached run did not finish (cancelled or failed)"
$BIN --status "$T/hup" > "$T/st6"; rc=$?
[ $rc -eq 0 ] || die "--status after the detached run: exit $rc"
expect_line "$T/st6" "State:    finished"
[ -s "$T/hup/REPORT.md" ] || die "no REPORT.md after the detached run"
check
echo "run_dir_tmux.sh: ok"
