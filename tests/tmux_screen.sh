# tests/tmux_screen.sh: screen helpers shared by the console tests that
# drive a program inside tmux (console.sh, console_real.sh, i18n_console.sh).
# Sourced; the caller defines TM (the tmux command with its socket), TMP (a
# scratch directory), UTF8 (a UTF-8 locale name, for misaligned), fails (the
# failure count) and current (the check's name). The program runs in the
# tmux session "kt"; its script echoes KT_EXIT=<status> and writes `stty -a`
# to $TMP/stty when it ends.

# fail MESSAGE: count a failure and show the screen it was seen on
fail() {
    fails=$((fails + 1))
    echo "FAIL [$current]: $*"
    echo "---- screen ----"
    cat "$TMP/screen"
    echo "----------------"
}

snap() { $TM capture-pane -p -t kt > "$TMP/screen" 2>/dev/null; }

wait_for() { # TEXT [SECONDS]
    n=0
    lim=$(( ${2:-45} * 10 ))
    while [ $n -lt $lim ]; do
        snap
        grep -qF -- "$1" "$TMP/screen" && return 0
        sleep 0.1
        n=$((n + 1))
    done
    fail "timed out waiting for: $1"
    return 1
}

wait_gone() {
    n=0
    while [ $n -lt 150 ]; do
        snap
        grep -qF -- "$1" "$TMP/screen" || return 0
        sleep 0.1
        n=$((n + 1))
    done
    fail "still on screen: $1"
}

# expect TEXT...: every TEXT on the screen (re-captured for up to 10 s: a
# screen may be caught in the middle of a redraw)
expect() {
    n=0
    while :; do
        missing=
        for t in "$@"; do
            grep -qF -- "$t" "$TMP/screen" || { missing=$t; break; }
        done
        [ -z "$missing" ] && return 0
        [ $n -ge 100 ] && { fail "missing: $missing"; return 1; }
        sleep 0.1
        snap
        n=$((n + 1))
    done
}

expect_re() {
    n=0
    while ! grep -qE -- "$1" "$TMP/screen"; do
        [ $n -ge 100 ] && { fail "no line matches: $1"; return 1; }
        sleep 0.1
        snap
        n=$((n + 1))
    done
}

expect_not() {
    for t in "$@"; do
        grep -qF -- "$t" "$TMP/screen" && fail "unexpected: $t"
    done
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

borders_aligned() {
    n=0
    while [ $n -lt 30 ]; do
        snap
        bad=$(misaligned "$1")
        [ "$bad" -eq 0 ] && return 0
        sleep 0.2
        n=$((n + 1))
    done
    fail "$bad box line(s) not $1 columns wide"
}

colour_codes() {
    $TM capture-pane -e -p -t kt | grep -o "$(printf '\033')\[[0-9;]*m" |
        tr -d '\033[m' | tr ';' '\n' | grep -cE '^(3[0-8]|4[0-8]|9[0-7]|10[0-7])$'
}

terminal_restored() {
    wait_for "KT_EXIT=" 30 || return
    alt=$($TM display -p -t kt '#{alternate_on}')
    [ "$alt" = "0" ] || fail "alternate screen still on after exit"
    n=0
    while [ ! -s "$TMP/stty" ] && [ $n -lt 20 ]; do sleep 0.1; n=$((n + 1)); done
    grep -qE '(^| )icanon( |$)' "$TMP/stty" || fail "terminal left without icanon"
    grep -qE '(^| )echo( |$)' "$TMP/stty" || fail "terminal left without echo"
}
