#!/bin/sh
# i18n_po.sh: the shipped catalogs are complete and well-formed.
#  - msgfmt --check (format specifiers match their msgid, headers valid)
#  - Plural-Forms: de nplurals=2; plural=(n != 1); zh_CN nplurals=1; plural=0
#  - no fuzzy or untranslated entries, and every string the current sources
#    mark (xgettext over po/POTFILES.in) has a translation (msgcmp)
#  - every source file that marks strings is listed in po/POTFILES.in
# Skips (77) only when the gettext tools are missing.
: "${srcdir:=.}"
for t in msgfmt msgcmp xgettext msgattrib; do
    command -v $t >/dev/null 2>&1 || { echo "SKIP: $t missing (Debian package: gettext)"; exit 77; }
done
T=$(mktemp -d "${TMPDIR:-/tmp}/kt-i18n-po.XXXXXX")
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

grep -v '^#' "$srcdir/po/LINGUAS" | tr -s ' \n' '\n\n' | grep . > "$T/langs"
[ "$(tr '\n' ' ' < "$T/langs")" = "de zh_CN " ] || fail "po/LINGUAS lists $(cat "$T/langs")"

# the template of the current sources
sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$srcdir/po/POTFILES.in" > "$T/files"
xgettext -D "$srcdir" -f "$T/files" -o "$T/current.pot" --keyword=_ --keyword=N_ \
    --keyword=ngettext:1,2 --from-code=UTF-8 --add-comments=TRANSLATORS: 2> "$T/xg.err" ||
    { cat "$T/xg.err"; fail "xgettext"; }
n_ids=$(grep -c '^msgid ' "$T/current.pot")
[ "$n_ids" -gt 300 ] || fail "only $n_ids strings extracted"

for l in de zh_CN; do
    po="$srcdir/po/$l.po"
    msgfmt --check --statistics -o /dev/null "$po" 2> "$T/$l.stat" || { cat "$T/$l.stat"; fail "$l.po: msgfmt --check"; }
    grep -q 'untranslated\|fuzzy' "$T/$l.stat" && fail "$l.po: $(cat "$T/$l.stat")"
    msgcmp "$po" "$T/current.pot" 2> "$T/$l.cmp" || { head -20 "$T/$l.cmp"; fail "$l.po lacks strings of the current sources (run make update-po and translate)"; }
    [ -z "$(msgattrib --only-fuzzy --no-obsolete "$po")" ] || fail "$l.po has fuzzy entries"
    [ -z "$(msgattrib --untranslated --no-obsolete "$po")" ] || fail "$l.po has untranslated entries"
done
grep -q '^"Plural-Forms: nplurals=2; plural=(n != 1);\\n"' "$srcdir/po/de.po" || fail "de.po Plural-Forms"
grep -q '^"Plural-Forms: nplurals=1; plural=0;\\n"' "$srcdir/po/zh_CN.po" || fail "zh_CN.po Plural-Forms"
grep -q '^"Language: zh_CN\\n"' "$srcdir/po/zh_CN.po" || fail "zh_CN.po Language"
grep -q '^"Language: de\\n"' "$srcdir/po/de.po" || fail "de.po Language"
grep -q '^MSGID_BUGS_ADDRESS = https://' "$srcdir/po/Makevars" || fail "po/Makevars: no bug address"

# every file that marks strings is listed (developer-only tools excepted)
( cd "$srcdir" && grep -lE '(^|[^A-Za-z0-9_])(N_|_|ngettext)\(' src/*/*.c src/*/*.cpp ui/*.c bench/*.c 2>/dev/null ) |
    sort > "$T/marked"
for f in $(cat "$T/marked"); do
    grep -qx "$f" "$T/files" || fail "$f marks strings but is not in po/POTFILES.in"
done
for f in $(cat "$T/files"); do
    [ -f "$srcdir/$f" ] || fail "po/POTFILES.in lists $f, which does not exist"
done

[ "$fails" -eq 0 ] || exit 1
echo "PASS: catalogs complete ($n_ids strings; $(tr '\n' ' ' < "$T/langs"))"
