#!/bin/sh
# layout.sh: the source layout the README promises (issue 15).
#  1. Every source file under src/ and ui/ is named in the README's
#     "Source layout" section, and every file named there exists.
#  2. Layers include only the layers above them: base <- model <- eval <-
#     run <- cli (and ui <- run); the one bridge is model/scorer_kronos.c,
#     which implements eval/scorer.h.
#  3. libtorch headers only in src/model/*.cpp and model.hpp; curses only
#     in ui/crt.c and ui/crt.h.
set -u
KT_TEST=layout
. "${srcdir:=.}/tests/testlib.sh"
cd "$srcdir" || fail "cannot cd to $srcdir"

sed -n '/^## Source layout/,/^## /p' README.md > "$T/section"
[ -s "$T/section" ] || fail "README.md has no Source layout section"
files=$(ls src/*/*.c src/*/*.h src/*/*.cpp src/*/*.hpp ui/*.c ui/*.h 2>/dev/null)
[ "$(echo "$files" | wc -l)" -ge 60 ] || fail "expected at least 60 source files, found: $files"
for f in $files; do
    b=$(basename "$f")
    grep -q "\`$f\`\|\`$b\`" "$T/section" || fail "README Source layout does not name $f"
done
# names in the table (first column) must exist
sed -n 's/^| \(`[^|]*\) |.*/\1/p' "$T/section" | tr ',' '\n' | sed -n 's/.*`\([^`]*\.\(c\|h\|cpp\|hpp\)\)`.*/\1/p' > "$T/named"
dir=
while read -r n; do
    case "$n" in */*) dir=$(dirname "$n"); p=$n ;; *) p="$dir/$n" ;; esac
    [ -f "$p" ] || fail "README Source layout names $p, which does not exist"
done < "$T/named"
[ "$(wc -l < "$T/named")" -ge 60 ] || fail "README table names only $(wc -l < "$T/named") files"

# 2. layering: which layers each folder may include
allowed() {
    case "$1" in
        base) echo "base" ;;
        model) echo "base model" ;;
        eval) echo "base model eval" ;;
        run) echo "base model eval run" ;;
        cli) echo "base model eval run cli" ;;
    esac
}
for d in base model eval run cli; do
    for f in src/$d/*; do
        for inc in $(sed -n 's/^#include "\([a-z]*\)\/[^"]*"$/\1/p' "$f" | sort -u); do
            case " $(allowed $d) " in *" $inc "*) continue ;; esac
            [ "$f" = src/model/scorer_kronos.c ] && [ "$inc" = eval ] && continue
            fail "$f (layer $d) includes a $inc/ header"
        done
    done
done
for f in ui/*; do
    for inc in $(sed -n 's/^#include "\([a-z]*\)\/[^"]*"$/\1/p' "$f" | sort -u); do
        case "$inc" in base|model|eval|run) ;; *) fail "$f includes a $inc/ header" ;; esac
    done
done

# 3. libtorch and curses stay in their modules
for f in $(grep -l '^#include <\(torch\|ATen\|c10\)/' src/*/* ui/* bench/* data/*.c 2>/dev/null); do
    case "$f" in src/model/*.cpp|src/model/model.hpp) ;; *) fail "$f includes a libtorch header" ;; esac
done
grep -q '^#include <ATen/\|^#include <torch/' src/model/forward.cpp || fail "the check for libtorch headers finds none in src/model/forward.cpp"
for f in $(grep -l '^#include <n\?curses' src/*/* ui/* 2>/dev/null); do
    case "$f" in ui/crt.c|ui/crt.h) ;; *) fail "$f includes curses" ;; esac
done
echo "layout: ok ($(echo "$files" | wc -l) files named, layers clean)"
