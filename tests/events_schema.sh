#!/bin/sh
# events_schema.sh: every line kronos-tui writes as a --json event (stdout)
# or to RUN_DIR/events.jsonl validates against doc/events.schema.json
# (schema kronos-tui.events/1, the file README points to), and runs are
# constructed that reach every event kind the code can emit:
#   a --batch --json run with a dropped price row: run_started, fold_started,
#     date_started, batch_progress, date_done, metrics, fold_done, warning,
#     log, scorecard, finished;  its --resume: date_resumed;  a lookback longer than
#     the data: empty;  a directory where scores.csv must go: failed;
#   a console run in tmux, p, p, q, y: paused, resumed, cancelled.
# The kinds in the schema must be exactly the names in src/run/batchlog.c's
# table, and the kinds seen must be all of them. A line with a wrong type,
# an extra key or an unknown kind (the former "device", which no code path
# published, among them) must fail validation.
# Needs python3 with jsonschema (Debian: python3-jsonschema) and tmux;
# skips (77) naming the missing one.
set -u
: "${srcdir:=.}"
BIN=./kronos-tui
SCHEMA="$srcdir/doc/events.schema.json"
VALIDATE="$srcdir/tests/validate_events.py"
TOK="$srcdir/tests/data/tiny/tokenizer"
MOD="$srcdir/tests/data/tiny/model"
fail() { echo "FAIL: $*" >&2; exit 1; }
# Debian's python3-jsonschema is seen by /usr/bin/python3; another python3
# first on PATH (a virtualenv, pyenv) may have its own.
PY=
for p in /usr/bin/python3 python3; do
    if command -v "$p" > /dev/null 2>&1 && "$p" -c 'import jsonschema' 2> /dev/null; then PY=$p; break; fi
done
[ -n "$PY" ] ||
    { echo "SKIP: no python3 with the jsonschema package (Debian packages: python3 python3-jsonschema)"; exit 77; }
command -v tmux > /dev/null 2>&1 ||
    { echo "SKIP: tmux is missing (Debian package: tmux): paused/resumed come only from the console"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/kt-events-schema.XXXXXX")
TM="tmux -L kt-events-schema-$$ -f /dev/null"
trap '$TM kill-server > /dev/null 2>&1; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
LC_ALL=C
export LC_ALL

# ---- the kinds: code table = schema enum = schema definitions ----------------
sed -n '/static const char \*ev_name/,/^}/p' "$srcdir/src/run/batchlog.c" | sed -n '/names\[\] = {/,/};/p' |
    grep -o '"[a-z_]*"' | tr -d '"' | sort > "$T/kinds.code"
[ "$(wc -l < "$T/kinds.code")" -eq 17 ] || { cat "$T/kinds.code"; fail "expected 17 event names in src/run/batchlog.c"; }
"$PY" -c 'import json, sys; s = json.load(open(sys.argv[1])); print("\n".join(sorted(s["properties"]["event"]["enum"])))' \
    "$SCHEMA" > "$T/kinds.enum" || fail "$SCHEMA: no event enum"
"$PY" -c 'import json, sys; s = json.load(open(sys.argv[1])); print("\n".join(sorted(s["$defs"])))' \
    "$SCHEMA" > "$T/kinds.defs" || fail "$SCHEMA: no \$defs"
diff "$T/kinds.code" "$T/kinds.enum" > "$T/d1" || { cat "$T/d1"; fail "the schema's event enum differs from src/run/batchlog.c (< code, > schema)"; }
diff "$T/kinds.code" "$T/kinds.defs" > "$T/d2" || { cat "$T/d2"; fail "the schema's \$defs differ from src/run/batchlog.c (< code, > schema)"; }

# ---- the runs ---------------------------------------------------------------
# 12 tickers, 2019-01..09, plus one row with a negative volume (a warning)
awk -f "$srcdir/tests/synth_prices.awk" > "$T/p.csv"
echo "2019-09-30,T99,10,11,9,10,-1" >> "$T/p.csv"
OPTS="--prices $T/p.csv --tokenizer $TOK --model $MOD --lookback 30 --horizons 1,5 --max-context 128 --max-folds 1"
jrun() { # NAME WANT_RC ARGS...: --batch --json into $T/NAME; stdout in $T/NAME.json
    n=$1; want=$2; shift 2
    $BIN "$@" --batch --json > "$T/$n.json" 2> "$T/$n.err"; rc=$?
    [ $rc -eq "$want" ] || { cat "$T/$n.err" >&2; fail "$n: exit $rc, expected $want"; }
}
jrun run 0 $OPTS --output-dir "$T/run"
cmp -s "$T/run.json" "$T/run/events.jsonl" || fail "run: --json output differs from events.jsonl"
cp "$T/run/events.jsonl" "$T/run.events.first"
jrun resume 0 --resume "$T/run"
# sampled paths: date_done and date_resumed carry brier and coverage_80
jrun paths 0 $OPTS --sample-count 3 --temperature 1 --output-dir "$T/paths"
jrun paths_resume 0 --resume "$T/paths"
grep -q '"event":"date_done".*"brier":[0-9.e-]*,"coverage_80":[0-9.e-]*' "$T/paths.json" ||
    fail "paths: no date_done with brier and coverage_80"
grep -q '"event":"date_resumed".*"brier":[0-9.e-]*,"coverage_80":' "$T/paths_resume.json" ||
    fail "paths_resume: no date_resumed with brier and coverage_80"
jrun empty 0 $OPTS --lookback 5000 --output-dir "$T/empty"
mkdir -p "$T/failed/scores.csv"
jrun failed 6 $OPTS --output-dir "$T/failed"
# the --resume appended its events to the run's events.jsonl
cat "$T/run.events.first" "$T/resume.json" | cmp -s - "$T/run/events.jsonl" ||
    fail "run/events.jsonl is not the first run's events followed by the resume's"

# the console: pause, resume, quit (cancelled); slow enough to be paused
EV="$T/con/events.jsonl"
wait_event() { # EVENT: until EVENT is in $EV (the console run's events)
    i=0
    while ! grep -qF "\"event\":\"$1\"" "$EV" 2> /dev/null; do
        i=$((i + 1)); [ $i -gt 1200 ] && { $TM capture-pane -p -t con >&2; fail "console: no $1 event"; }
        sleep 0.05
    done
}
$TM new-session -d -s con -x 120 -y 40 \
    "env TERM=screen $BIN $OPTS --lookback 60 --horizons 1,5,20 --batch-size 1 --threads 1 --output-dir $T/con; echo KT_EXIT=\$? > $T/con.rc; sleep 60"
wait_event date_done
$TM send-keys -t con p
wait_event paused
$TM send-keys -t con p
wait_event resumed
$TM send-keys -t con q
i=0
until $TM capture-pane -p -t con | grep -qF "Stop the run?"; do
    i=$((i + 1)); [ $i -gt 600 ] && fail "console: no quit confirmation"
    sleep 0.05
done
$TM send-keys -t con y
wait_event cancelled
i=0
until [ -s "$T/con.rc" ]; do
    i=$((i + 1)); [ $i -gt 600 ] && fail "console: did not exit after y"
    sleep 0.05
done
[ "$(cat "$T/con.rc")" = KT_EXIT=130 ] || fail "console: $(cat "$T/con.rc"), expected KT_EXIT=130"

# ---- every line of every file against the schema; every kind seen ------------
"$PY" "$VALIDATE" "$SCHEMA" "$T/run.json" "$T/resume.json" "$T/run/events.jsonl" \
    "$T/empty.json" "$T/empty/events.jsonl" "$T/failed.json" "$T/failed/events.jsonl" "$EV" > "$T/seen"
rc=$?
[ $rc -eq 0 ] || { cat "$T/seen"; fail "a line does not match $SCHEMA (exit $rc)"; }
cut -d' ' -f1 "$T/seen" > "$T/kinds.seen"
diff "$T/kinds.code" "$T/kinds.seen" > "$T/d3" ||
    { cat "$T/d3"; fail "event kinds not seen (<) or not expected (>) in the constructed runs"; }

# ---- the schema is strict ------------------------------------------------------
line=$(grep -m 1 '"event":"date_done"' "$T/run.json")
bad() { # NAME JSON EXPECTED-MESSAGE
    printf '%s\n' "$2" > "$T/bad.$1"
    "$PY" "$VALIDATE" "$SCHEMA" "$T/bad.$1" > "$T/bad.$1.out"; rc=$?
    [ $rc -eq 1 ] || { cat "$T/bad.$1.out"; fail "bad.$1: validator exit $rc, expected 1"; }
    grep -qxF -- "$T/bad.$1:1: $3" "$T/bad.$1.out" || { cat "$T/bad.$1.out"; fail "bad.$1: message"; }
}
bad type "$(printf '%s' "$line" | sed 's/"scored":\([0-9]*\)/"scored":"\1"/')" \
    "event date_done: at scored: '12' is not of type 'integer'"
bad extra "$(printf '%s' "$line" | sed 's/}$/,"extra":1}/')" \
    "event date_done: at (the line): Additional properties are not allowed ('extra' was unexpected)"
bad missing "$(printf '%s' "$line" | sed 's/,"tokens":[0-9]*//')" \
    "event date_done: at (the line): 'tokens' is a required property"
bad kind "$(printf '%s' "$line" | sed 's/"event":"date_done"/"event":"date_skipped"/')" \
    "event date_skipped: at event: 'date_skipped' is not one of ['run_started', 'fold_started', 'date_started', 'batch_progress', 'date_done', 'date_resumed', 'fold_done', 'metrics', 'warning', 'log', 'paused', 'resumed', 'finished', 'empty', 'failed', 'cancelled', 'scorecard']"
bad device '{"schema":"kronos-tui.events/1","event":"device","t":1.0,"device":"cpu","verified":true,"violation":""}' \
    "event device: at event: 'device' is not one of ['run_started', 'fold_started', 'date_started', 'batch_progress', 'date_done', 'date_resumed', 'fold_done', 'metrics', 'warning', 'log', 'paused', 'resumed', 'finished', 'empty', 'failed', 'cancelled', 'scorecard']"
echo "events_schema.sh: ok ($(tr '\n' ' ' < "$T/seen"))"
