# testlib.sh: the start every shell test shares. Set KT_TEST to the test's
# name, then source it:   KT_TEST=blas; . "${srcdir:-.}/tests/testlib.sh"
#   $T               a private temporary directory, removed at exit unless
#                    KEEP is set (write bits restored first, for tests that
#                    take them away)
#   fail MSG...      print "FAIL: MSG" on stderr and exit 1
#   expect_line F L  the exact line L is in file F, or fail showing F
: "${srcdir:=.}"
T=$(mktemp -d "${TMPDIR:-/tmp}/kt-${KT_TEST:-test}.XXXXXX")
trap '[ -n "${KEEP:-}" ] || { chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"; }' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
expect_line() {
    grep -qxF -- "$2" "$1" || { cat "$1" >&2; fail "$1: expected the line: $2"; }
}
