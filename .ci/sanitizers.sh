#!/usr/bin/env bash
# .ci/sanitizers.sh: the sanitizer builds of issue 9, each in its own
# fresh clone of the committed tree (no VPATH, nothing shared with the
# normal build):
#   asan  ./configure --enable-sanitizers (ASan+UBSan); make check: every
#         unit and integration test, the fuzz-corpus replay; only
#         tests/sigint_resume.sh runs 6 SIGINT trials instead of 20 (each
#         run of an ASan binary that loads libtorch spends ~4 s starting;
#         the 20-trial statistics come from the normal check)
#   tsan  ./configure --enable-tsan; compiles only what the threaded tests
#         link (the C objects of libkronoscore.a: no libtorch .cpp, no
#         programs) and runs tests/test_channel and tests/test_worker;
#         then the engine too (libtorch itself uninstrumented) for
#         tests/test_kronos: its compute lanes, their stop flag, the
#         pause gate and the KV cache kept between calls
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
    SIGINT_TRIALS=6 make -j"$jobs" check || { cat test-suite.log; exit 1; }
    t2=$(stamp)
    echo "sanitizers: asan+ubsan build $((t1 - t0)) s, make check $((t2 - t1)) s"
}

run_tsan() {
    local t0 t1 t2 objs
    t0=$(stamp)
    clone tsan
    ./configure --quiet --enable-tsan >/dev/null
    # the library's objects minus those compiled from C++ (the libtorch
    # engine and trainer: slow to compile, and uninstrumented OpenMP would
    # only add noise); the two tests do not reference them (a link error
    # here means they do now)
    objs=$(printf '%s\n' 'print-c-objs:' \
        '	@echo $(filter-out $(patsubst src/%.cpp,src/libkronoscore_a-%.$(OBJEXT),$(filter %.cpp,$(libkronoscore_a_SOURCES))),$(libkronoscore_a_OBJECTS))' |
        make -s -f Makefile -f - print-c-objs)
    make -j"$jobs" libkronoscore_a_OBJECTS="$objs" tests/test_channel tests/test_worker >/dev/null
    t1=$(stamp)
    local t
    for t in tests/test_channel tests/test_worker; do
        CK_FORK=no TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:${TSAN_OPTIONS:-}" \
            srcdir=. ./"$t" > "$t.log" 2>&1 || { cat "$t.log"; echo "FAIL: $t under TSan"; exit 1; }
        tail -n 3 "$t.log"
        ! grep -q 'ThreadSanitizer' "$t.log" || { cat "$t.log"; echo "FAIL: TSan report in $t"; exit 1; }
    done
    # the engine's lanes (C++): the whole library, test_kronos in-process
    make -j"$jobs" tests/test_kronos >/dev/null
    CK_FORK=no TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:${TSAN_OPTIONS:-}" \
        srcdir=. ./tests/test_kronos > tests/test_kronos.log 2>&1 ||
        { cat tests/test_kronos.log; echo "FAIL: tests/test_kronos under TSan"; exit 1; }
    tail -n 3 tests/test_kronos.log
    ! grep -q 'ThreadSanitizer' tests/test_kronos.log ||
        { cat tests/test_kronos.log; echo "FAIL: TSan report in tests/test_kronos"; exit 1; }
    t2=$(stamp)
    echo "sanitizers: tsan build $((t1 - t0)) s, tests (with the engine's build) $((t2 - t1)) s"
}

case $which in
asan) run_asan ;;
tsan) run_tsan ;;
all) (run_asan) && (run_tsan) ;;
*) echo "usage: $0 [asan|tsan|all]" >&2; exit 2 ;;
esac
