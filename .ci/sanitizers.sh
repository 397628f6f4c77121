#!/usr/bin/env bash
# .ci/sanitizers.sh: the sanitizer builds of issue 9, each in its own
# fresh clone of the committed tree (no VPATH, nothing shared with the
# normal build):
#   asan  ./configure --enable-sanitizers (ASan+UBSan); make check
#         (unit, integration and the fuzz-corpus replay)
#   tsan  ./configure --enable-tsan; builds and runs only the threaded
#         tests: tests/test_channel and tests/test_worker
# Usage: .ci/sanitizers.sh [asan|tsan|all] (default all). Prints the
# wall time of each stage. Needs the packages of setup.sh plus clang
# only for `make fuzz` (not used here).
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(pwd)
which=${1:-all}
work=$(mktemp -d "${TMPDIR:-/tmp}/kt-san.XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
jobs=${JOBS:-2}

stamp() { date +%s; }
clone() {
    git clone --quiet --no-hardlinks "$src" "$work/$1"
    cd "$work/$1"
    autoreconf -fi >/dev/null 2>&1
}

run_asan() {
    local t0 t1 t2
    t0=$(stamp)
    clone asan
    ./configure --quiet --enable-sanitizers >/dev/null
    make -j"$jobs" >/dev/null
    t1=$(stamp)
    # LSan: libtorch/OpenMP keep process-lifetime allocations; leaks are
    # checked by valgrind (tests/valgrind.supp), not here.
    # CK_FORK=no: a Check test forked from an ASan process that has
    # libtorch loaded hangs until Check's 4 s timeout (measured: every
    # test of test_journal, test_metrics, ... "Test timeout expired");
    # in-process they pass.
    CK_FORK=no ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:${ASAN_OPTIONS:-}" \
    UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}" \
        make -j"$jobs" check || { cat test-suite.log; exit 1; }
    t2=$(stamp)
    echo "sanitizers: asan+ubsan build $((t1 - t0)) s, make check $((t2 - t1)) s"
}

run_tsan() {
    local t0 t1 t2
    t0=$(stamp)
    clone tsan
    ./configure --quiet --enable-tsan >/dev/null
    make -j"$jobs" tests/test_channel tests/test_worker >/dev/null
    t1=$(stamp)
    CK_FORK=no TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:${TSAN_OPTIONS:-}" \
        make check TESTS="tests/test_channel tests/test_worker" \
        check_PROGRAMS="tests/test_channel tests/test_worker" check_SCRIPTS= ||
        { cat test-suite.log; exit 1; }
    t2=$(stamp)
    echo "sanitizers: tsan build $((t1 - t0)) s, tests $((t2 - t1)) s"
}

case $which in
asan) run_asan ;;
tsan) run_tsan ;;
all) (run_asan) && (run_tsan) ;;
*) echo "usage: $0 [asan|tsan|all]" >&2; exit 2 ;;
esac
