# tests/tmux_screen.sh: screen helpers shared by the tests that drive a
# program inside tmux (console.sh, console_real.sh, i18n_console.sh,
# run_dir_tmux.sh).
# Sourced; the caller defines TM (the tmux command with its socket), TMP (a
# scratch directory), UTF8 (a UTF-8 locale name, for misaligned), fails (the
# failure count) and current (the check's name). The program runs in the
# tmux session "kt"; its script echoes KT_EXIT=<status> and writes `stty -a`
# to $TMP/stty when it ends.

# Nothing here depends on how fast the machine is: every check polls the
# screen until it holds, giving up only after a generous limit ($KT_WAIT
# seconds of wall time, default 60; a failing check costs that long, a
# passing one returns as soon as the screen shows it).
: "${KT_WAIT:=60}"

# fail MESSAGE: count a failure and show the screen it was seen on
fail() {
    fails=$((fails + 1))
    echo "FAIL [$current]: $*"
    echo "---- screen ----"
    cat "$TMP/screen"
    echo "----------------"
}

# tmux_server: start the test's server (once, before the first session).
# exit-empty off: by default a tmux server exits when its last session
# ends, so `kill-session` of the only session followed by `new-session`
# races with the server's exit; on a loaded machine the new client could
# connect to the dying server and fail with "server exited unexpectedly",
# leaving no session (an empty screen) for the rest of the test.
tmux_server() {
    $TM start-server \; set-option -g exit-empty off
}

# new_session W H COMMAND: replace the session "kt" by a fresh one running
# COMMAND in a W x H window (without a status line)
new_session() {
    $TM kill-session -t kt >/dev/null 2>&1
    if ! err=$($TM new-session -d -s kt -x "$1" -y "$2" "$3" 2>&1); then
        fail "tmux new-session: $err"
        return 1
    fi
    $TM set-option -t kt status off >/dev/null 2>&1
}

# the session the checks look at: kt unless $S names another
snap() { $TM capture-pane -p -t "${S:-kt}" > "$TMP/screen" 2>/dev/null; }

# within SECONDS COMMAND...: re-capture the screen and run COMMAND until it
# succeeds (0) or SECONDS of wall time have passed (1)
within() {
    w_end=$(( $(date +%s) + $1 ))
    shift
    while :; do
        snap
        "$@" && return 0
        [ "$(date +%s)" -ge "$w_end" ] && return 1
        sleep 0.1
    done
}

on_screen() { grep -qF -- "$1" "$TMP/screen"; }
off_screen() { ! grep -qF -- "$1" "$TMP/screen"; }

# all_on_screen TEXT...: every TEXT is on the screen ($missing: the first not)
all_on_screen() {
    missing=
    for t in "$@"; do
        on_screen "$t" || { missing=$t; return 1; }
    done
}

# none_on_screen TEXT...: no TEXT is on the screen ($present: the first that is)
none_on_screen() {
    present=
    for t in "$@"; do
        off_screen "$t" || { present=$t; return 1; }
    done
}

wait_for() { # TEXT [SECONDS]
    within "${2:-$KT_WAIT}" on_screen "$1" && return 0
    fail "timed out waiting for: $1"
    return 1
}

wait_gone() { # TEXT [SECONDS]
    within "${2:-$KT_WAIT}" off_screen "$1" && return 0
    fail "still on screen: $1"
    return 1
}

# expect TEXT...: every TEXT on the screen (polled: a screen may be caught
# in the middle of a redraw)
expect() {
    within "$KT_WAIT" all_on_screen "$@" && return 0
    fail "missing: $missing"
    return 1
}

expect_re() {
    within "$KT_WAIT" grep -qE -- "$1" "$TMP/screen" && return 0
    fail "no line matches: $1"
    return 1
}

# expect_not TEXT...: the screen settles without any TEXT (polled, like
# expect: a capture in the middle of a redraw may still show the old text)
expect_not() {
    within "$KT_WAIT" none_on_screen "$@" && return 0
    fail "unexpected: $present"
    return 1
}

misaligned() {
    bad=0
    while IFS= read -r line; do
        case "$line" in
        "│"* | "┌"* | "└"* | "|"* | "+"*)
            lw=$(printf '%s\n' "$line" | LC_ALL=$UTF8 wc -L)
            [ "$lw" -eq "$1" ] || bad=$((bad + 1))
            ;;
        esac
    done < "$TMP/screen"
    echo $bad
}

aligned_to() { bad=$(misaligned "$1"); [ "$bad" -eq 0 ]; }

borders_aligned() {
    within "$KT_WAIT" aligned_to "$1" && return 0
    fail "$bad box line(s) not $1 columns wide"
    return 1
}

colour_codes() {
    $TM capture-pane -e -p -t kt | grep -o "$(printf '\033')\[[0-9;]*m" |
        tr -d '\033[m' | tr ';' '\n' | grep -cE '^(3[0-8]|4[0-8]|9[0-7]|10[0-7])$'
}

stty_saved() { [ -s "$TMP/stty" ]; }

terminal_restored() {
    wait_for "KT_EXIT=" || return
    alt=$($TM display -p -t kt '#{alternate_on}')
    [ "$alt" = "0" ] || fail "alternate screen still on after exit"
    within "$KT_WAIT" stty_saved || fail "no stty -a output after the exit"
    grep -qE '(^| )icanon( |$)' "$TMP/stty" || fail "terminal left without icanon"
    grep -qE '(^| )echo( |$)' "$TMP/stty" || fail "terminal left without echo"
}
