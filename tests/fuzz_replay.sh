#!/bin/sh
# fuzz_replay.sh: replays every committed fuzz corpus file through its
# target built with ASan+UBSan (fuzz/replay/replay_<target>, made by
# `make fuzz-replay-bins`, which `make check` builds first). Any sanitizer
# report or assertion aborts the replay and fails the test.
set -u
: "${srcdir:=.}"
ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:${ASAN_OPTIONS:-}"
UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"
export ASAN_OPTIONS UBSAN_OPTIONS
status=0
for t in prices safetensors modelcfg journal pathstore snapshot; do
    bin=fuzz/replay/replay_$t
    dir="$srcdir/tests/fuzz-corpus/$t"
    if [ ! -x "$bin" ]; then
        echo "FAIL: $bin missing (run make fuzz-replay-bins)" >&2
        status=1
        continue
    fi
    n=$(find "$dir" -type f | wc -l)
    if [ "$n" -lt 2 ]; then
        echo "FAIL: corpus $dir has $n files" >&2
        status=1
        continue
    fi
    if ! out=$("$bin" "$dir" 2>&1); then
        printf '%s\n' "$out" | tail -n 30 >&2
        echo "FAIL: replay of $dir" >&2
        status=1
        continue
    fi
    case $out in
    *"$n inputs replayed"*) echo "ok: $t: $n inputs" ;;
    *) echo "FAIL: $t: expected $n inputs, got: $out" >&2; status=1 ;;
    esac
done
exit $status
