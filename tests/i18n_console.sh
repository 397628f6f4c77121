#!/bin/sh
# i18n_console.sh: the translated console in tmux. Under LANG=zh_CN.UTF-8
# (Chinese UI text and CJK data) and LANG=de_DE.UTF-8 (longer German
# text), at 80x24 and 120x40, every box border must sit at the same
# display column on every line of its box: for each top border
# (corner ... corner) the lines below carry a vertical border at exactly
# those display columns down to the bottom corners. Widths are display
# columns (East Asian wide = 2), never bytes. German strings shown in
# fixed-width places must also show in full at 80 columns.
# Skips (77) only when tmux, python3 or the de/zh_CN locales are missing.
: "${srcdir:=.}"
skip() { echo "SKIP: $*"; exit 77; }
command -v tmux >/dev/null 2>&1 || skip "tmux is not installed (Debian package: tmux)"
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed (needed to measure display widths)"
have_locale() { locale -a 2>/dev/null | grep -qix "$1"; }
have_locale de_DE.utf8 && have_locale zh_CN.utf8 ||
    skip "the de_DE.UTF-8 and zh_CN.UTF-8 locales are missing (run ./setup.sh build as root, or locale-gen)"
FEEDER=$(pwd)/tests/ui_feeder
[ -x "$FEEDER" ] || { echo "FAIL: $FEEDER not built"; exit 1; }

SOCK="kt-i18n-$$"
TM="tmux -L $SOCK -f /dev/null"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kt-i18n-console.XXXXXX")
cleanup() { $TM kill-server >/dev/null 2>&1; rm -rf "$TMP"; }
trap cleanup EXIT INT TERM

for l in de zh_CN; do
    g=po/$l.gmo; [ -f "$g" ] || g="$srcdir/po/$l.gmo"
    [ -f "$g" ] || { echo "FAIL: $l.gmo not built"; exit 1; }
    mkdir -p "$TMP/locale/$l/LC_MESSAGES" && cp "$g" "$TMP/locale/$l/LC_MESSAGES/kronos-tui.mo"
done

# Box checker: prints one line per misplaced border, nothing when aligned.
cat > "$TMP/boxes.py" <<'PY'
import sys, unicodedata
def cells(line):
    out, col = {}, 0
    for ch in line:
        if unicodedata.combining(ch):
            continue
        w = 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        out[col] = ch
        col += w
    return out, col
rows = [cells(l.rstrip("\n")) for l in open(sys.argv[1], encoding="utf-8")]
width = int(sys.argv[2])
TL, TR, BL, BR, V = "┌+", "┐+", "└+", "┘+", "│|"
def find_boxes():
    found = []
    for y, (c, w) in enumerate(rows):
        cols = sorted(c)
        for x in cols:
            if c[x] not in TL or c[x] == "+" and c.get(x + 1) != "-":
                continue
            r = next((x2 for x2 in cols if x2 > x and c[x2] in TR
                      and (c[x2] != "+" or c.get(x2 - 1) == "-")), None)
            if r is not None:
                found.append((y, x, r))
    return found
def bottom(y, x, r, hidden=lambda y, x: False):
    for y2 in range(y + 1, len(rows)):
        c2 = rows[y2][0]
        a, b = c2.get(x, " ") in BL or hidden(y2, x), c2.get(r, " ") in BR or hidden(y2, r)
        if a and b and not (hidden(y2, x) and hidden(y2, r)):
            return y2
    return None
boxes = find_boxes()
# Overlays (help, reports, quit) are boxes whose top-left corner does not
# sit at the screen edge or next to another box: they hide what is under
# them, so borders inside an overlay's rectangle are not checked.
overlays = []
for (y, x, r) in boxes:
    if x > 0 and rows[y][0].get(x - 1, " ") not in TR:
        b = bottom(y, x, r)
        if b is not None:
            overlays.append((y, b, x, r))
def hidden(y, x, own=None):
    return any(o != own and o[0] <= y <= o[1] and o[2] <= x <= o[3] for o in overlays)
errors = []
for y in range(len(rows)):
    if rows[y][1] > width:
        errors.append("line %d is %d columns wide (> %d)" % (y + 1, rows[y][1], width))
for (y, x, r) in boxes:
    own = next((o for o in overlays if o[0] == y and o[2] == x), None)
    h = lambda yy, xx: hidden(yy, xx, own)
    b = bottom(y, x, r, h)
    if b is None:
        errors.append("box at line %d, columns %d..%d has no bottom border" % (y + 1, x, r))
        continue
    for y2 in range(y + 1, b):
        for bx in (x, r):
            ch = rows[y2][0].get(bx, " ")
            if ch not in V and not h(y2, bx):
                errors.append("line %d: no border at display column %d (box from line %d): %r"
                              % (y2 + 1, bx, y + 1, ch))
if boxes == 0:
    errors.append("no box found")
print("\n".join(errors[:8]))
PY

fails=0
current=""
. "$srcdir/tests/tmux_screen.sh"
tmux_server
start() {   # start W H LANG ARGS...
    w=$1 h=$2 lang=$3
    shift 3
    cat > "$TMP/run.sh" <<EOS
env -u LC_ALL -u LANGUAGE -u LC_MESSAGES TERM=tmux-256color LANG=$lang KRONOS_TUI_LOCALEDIR="$TMP/locale" "$FEEDER" $*
sleep 600
EOS
    new_session "$w" "$h" "sh $TMP/run.sh"
}
boxes_ok() { out=$(python3 "$TMP/boxes.py" "$TMP/screen" "$1"); [ -z "$out" ]; }
# The screen with its moving parts masked: the elapsed clock (hh:mm:ss)
# and the feeder's own resident memory.
masked() { sed -E 's/[0-9]{2}:[0-9]{2}:[0-9]{2}/hh:mm:ss/; s/RSS [0-9.]+ [KMGT]?i?B/RSS n/' "$TMP/screen"; }
# same_as FILE: polls until the (masked) screen equals FILE cell for cell.
# The same state reached by another path (an overlay opened and closed on
# the way) must look the same: when ncurses and the terminal disagree
# about a wide character cut by an overlay, later updates land one column
# off and leave stray border pieces, which only a comparison shows.
same_screen() { masked | cmp -s - "$1"; }
same_as() {
    within "$KT_WAIT" same_screen "$1" && return 0
    fail "differs from the same state reached directly ($2):
$(masked | diff "$1" - | head -20)"
}
# aligned W: polls (a frame may still be settling), then reports.
aligned() {
    within "$KT_WAIT" boxes_ok "$1" && return 0
    fail "borders not aligned: $out"
}

# ---- Chinese UI, CJK data ---------------------------------------------
for size in "120 40" "80 24"; do
    W=${size% *}
    current="zh_CN dashboard ${size% *}x${size#* }"
    # shellcheck disable=SC2086
    start $size zh_CN.UTF-8 normal --cjk
    wait_for "批次 9/10" && {
        expect "进度" "总体" "已评分 78  跳过 11  批次 9/10" "每日期耗时" "设备（仅 CPU）" \
            "✓ 已验证 CPU（412 个张量）" "各预测期 RankIC" "预测期" "日志" "帮助" "退出" "运行中" \
            "演示-标普100" "净收益%" "fold_02 之后的门槛：1 通过，2 未通过，3 未运行"
        aligned "$W"
    }
    masked > "$TMP/dash.ref"
    # the quit dialog opened straight from the dashboard: the reference
    $TM send-keys -t kt q
    wait_for "停止运行？" && aligned "$W" && masked > "$TMP/quit.ref"
    $TM send-keys -t kt n
    current="zh_CN dashboard after the quit dialog ${size% *}x${size#* }"
    wait_gone "停止运行？" && same_as "$TMP/dash.ref" "no overlay"
    current="zh_CN help overlay ${size% *}x${size#* }"
    $TM send-keys -t kt '?'
    wait_for "本帮助（按任意键关闭）" && {
        expect "选择预测期，或滚动日志" "退出（运行进行中时会先确认）"
        aligned "$W"
    }
    $TM send-keys -t kt x
    current="zh_CN quit confirmation ${size% *}x${size#* }"
    $TM send-keys -t kt q
    wait_for "停止运行？" && { expect "y：停止并退出" ; aligned "$W"; same_as "$TMP/quit.ref" "q without ? first"; }
    $TM send-keys -t kt n
    current="zh_CN dashboard after help and quit ${size% *}x${size#* }"
    wait_gone "停止运行？" && same_as "$TMP/dash.ref" "no overlay"
    current="zh_CN empty view ${size% *}x${size#* }"
    # shellcheck disable=SC2086
    start $size zh_CN.UTF-8 empty --cjk
    wait_for "没有评估行" && {
        expect "运行已结束，但没有任何日期产生评估行。" "原因：98 只股票中 98 只被跳过" "需要修改：" "REPORT_EMPTY.md"
        aligned "$W"
    }
done
current="zh_CN resize 120x40 -> 80x24 -> 120x40"
start 120 40 zh_CN.UTF-8 normal --cjk
wait_for "批次 9/10" && {
    $TM resize-window -t kt -x 80 -y 24
    aligned 80
    $TM resize-window -t kt -x 60 -y 15
    wait_for "终端太小（60x15）。"
    $TM resize-window -t kt -x 120 -y 40
    wait_for "批次 9/10" && aligned 120
}

# ---- German UI: longer strings still fit at 80 columns ----------------
current="de dashboard 80x24"
start 80 24 de_DE.UTF-8 normal
wait_for "Batch 9/10" && {
    expect "Daten: 98 Ticker 2013-01-02..2018-12-31" "Ausgewertet: 2016-02-01..2018-12-31" \
        "24.7M Parameter, Kontext 512, Rückblick 252" \
        "Gesamt" "51/2289 Tage (42 übernommen)" "fold_03 (3/109)  21 Tage" \
        "2024-03-14 (10/21)  bewertet 78  ausgel. 11  Batch 9/10" \
        "Laufzeit" "ETA (Mittel) 01:33:13" "ETA (letzte 5 Tage) 01:36:56" \
        "Letzte 3.00 s  Median 2.50 s" "p90 3.00 s  Gemessene Tage 9" "Ticker/s 36.0  Tokens/s 4000" \
        "✓ CPU verifiziert (412 Tensoren)" "Threads 2   SIMD AVX2" "Modell 94.2 MiB" \
        "Horizont Tage" "Mittel" "Letzter" "Netto %" "Marker" \
        "└─ Schwellen nach fold_02: 1 bestanden, 2 nicht bestanden, 3 nicht gelaufen ─" \
        "?/F1 Hilfe" "p Pause" "r Berichte" "Tab Panels" "Auswahl" "q Beenden" "LÄUFT"
    aligned 80
}
current="de help overlay 80x24"
$TM send-keys -t kt '?'
wait_for "diese Hilfe (jede Taste schließt sie)" && {
    expect "Lauf pausieren/fortsetzen (beim nächsten Schritt)" "Horizont wählen oder im Protokoll blättern" \
        "schneller / langsamer aktualisieren" "beenden (fragt nach, solange der Lauf aktiv ist)" \
        "Aktualisierung alle 1.0 s."
    aligned 80
}
$TM send-keys -t kt x
current="de quit confirmation 80x24"
$TM send-keys -t kt q
wait_for "Lauf stoppen?" && { expect "y: stoppen und beenden    n / Esc: weiterlaufen"; aligned 80; }
$TM send-keys -t kt n
current="de empty view 80x24"
start 80 24 de_DE.UTF-8 empty
wait_for "Keine Auswertungszeilen" && {
    expect "Warum: 98 of 98 tickers skipped" "Was zu ändern ist:" "KEINE AUSWERTUNGSZEILEN"
    aligned 80
}

if [ "$fails" -gt 0 ]; then
    echo "$fails check(s) failed"
    exit 1
fi
echo "PASS: translated console (zh_CN, de) at 80x24 and 120x40"
