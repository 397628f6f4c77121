#!/bin/sh
# hub.sh: models by name (issue 20) against a Hub stand-in on 127.0.0.1
# (tests/hub_server.py): cold download then zero requests, HF_HUB_OFFLINE
# with and without a cache, a dropped connection resumed with a Range
# request, a corrupted body, 404 / 401 / malformed ids, a cache written by
# Python's huggingface_hub (symlinks into blobs/), a revision that moved
# under --resume, `models list` and `models pull`, the ids in forecast,
# device, kronos-bench and the evaluation, and the progress of a slow
# download: periodic --batch lines, and the console's bar in tmux (while
# the console is up; stopped with q; a 404 shown, then exit 8). Nothing
# leaves the loopback.
KT_TEST=hub
. "${srcdir:-.}/tests/testlib.sh"
BIN=./kronos-tui
TINY=$srcdir/tests/data/tiny
FIXED=$srcdir/tests/data/tiny_fixed_te
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy HF_TOKEN HF_HUB_CACHE \
    HF_HUB_OFFLINE HF_TOKEN_PATH XDG_CACHE_HOME
export no_proxy='*' NO_PROXY='*' LC_ALL=C
export HOME="$T/home" HF_HOME="$T/hf"
mkdir -p "$HOME"

TC=1111111111111111111111111111111111111111 # tokenizer commit
M1=2222222222222222222222222222222222222222 # model commit 1
M2=3333333333333333333333333333333333333333 # model commit 2 (tiny_fixed_te)
abs() { (cd "$1" && pwd); }
TOKD=$(abs "$TINY/tokenizer"); MODD=$(abs "$TINY/model"); FIXD=$(abs "$FIXED/model")
mkdir -p "$T/notkronos"
printf '{"hello": "world"}\n' > "$T/notkronos/config.json"
cp "$MODD/model.safetensors" "$T/notkronos/"
# state MODEL_MAIN [EXTRA JSON members]
state() {
    cat > "$T/state.json.tmp" <<EOF
{"repos": {
  "kt/Kronos-Tokenizer-tiny": {"refs": {"main": "$TC", "v1": "$TC"}, "commits": {"$TC": "$TOKD"}},
  "kt/Kronos-tiny": {"refs": {"main": "$1", "v1": "$M1"}, "commits": {"$M1": "$MODD", "$M2": "$FIXD"}},
  "kt/private": {"refs": {"main": "$M1"}, "commits": {"$M1": "$MODD"}, "token": "s3cret-tok"},
  "kt/not-kronos": {"refs": {"main": "$M1"}, "commits": {"$M1": "$T/notkronos"}}
}${2:-}}
EOF
    mv "$T/state.json.tmp" "$T/state.json"
}
state "$M1"
: > "$T/req.log"
python3 "$srcdir/tests/hub_server.py" "$T/state.json" "$T/req.log" "$T/port" &
SRV=$!
trap 'kill $SRV 2>/dev/null; [ -n "${KEEP:-}" ] || { chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"; }' EXIT
end=$(( $(date +%s) + 120 ))
while [ ! -s "$T/port" ]; do
    kill -0 $SRV 2>/dev/null || fail "the test server did not start"
    [ "$(date +%s)" -ge "$end" ] && fail "the test server did not write its port"
    sleep 0.05
done
export HF_ENDPOINT="http://127.0.0.1:$(cat "$T/port")"
CACHE=$HF_HOME/hub
reqs() { wc -l < "$T/req.log" | tr -d ' '; }
# run NAME CMD...: exit status in $rc, stdout in $T/NAME.out, stderr in $T/NAME.err
run() { _n=$1; shift; "$@" > "$T/$_n.out" 2> "$T/$_n.err"; rc=$?; }
want() { # want STATUS NAME
    [ "$rc" -eq "$1" ] || { cat "$T/$2.err" >&2; fail "$2: exit $rc, want $1"; }
}
has() { grep -qF -- "$2" "$T/$1.err" || { cat "$T/$1.err" >&2; fail "$1: stderr lacks: $2"; }; }
FC="--input $TINY/input.csv --lookback 32 --pred-len 4 --top-k 1 --top-p 1.0 --threads 1"
IDS="--tokenizer kt/Kronos-Tokenizer-tiny --model kt/Kronos-tiny"

# reference: the same forecast from the directories
run ref $BIN forecast --tokenizer "$TOKD" --model "$MODD" $FC; want 0 ref

# ---- 1. cold download, then no request at all ---------------------------
run cold $BIN forecast $IDS $FC; want 0 cold
cmp -s "$T/ref.out" "$T/cold.out" || fail "cold: forecast differs from the directories'"
grep -q '^GET /kt/Kronos-tiny/resolve/main/config.json' "$T/req.log" || fail "cold: no GET of config.json"
grep -q '^GET /cdn/' "$T/req.log" || fail "cold: model.safetensors not fetched through its redirect"
has cold "downloading kt/Kronos-tiny model.safetensors"
R=$CACHE/models--kt--Kronos-tiny
[ "$(cat "$R/refs/main")" = "$M1" ] || fail "cold: refs/main is not $M1"
L=$(readlink "$R/snapshots/$M1/model.safetensors") || fail "cold: the snapshot file is not a symlink"
SHA=$(sha256sum "$MODD/model.safetensors" | cut -d' ' -f1)
[ "$L" = "../../blobs/$SHA" ] || fail "cold: link $L, want ../../blobs/$SHA"
ls "$R/blobs" | grep -q incomplete && fail "cold: an .incomplete file was left"
n=$(reqs)
run warm $BIN forecast $IDS $FC; want 0 warm
cmp -s "$T/ref.out" "$T/warm.out" || fail "warm: forecast differs"
[ "$(reqs)" = "$n" ] || fail "warm: the cached model made $(( $(reqs) - n )) requests"
echo "ok: cold download, then zero requests"

# ---- 2. HF_HUB_OFFLINE ---------------------------------------------------
run off1 env HF_HUB_OFFLINE=1 $BIN forecast $IDS $FC; want 0 off1
run off2 env HF_HUB_OFFLINE=1 HF_HUB_CACHE="$T/empty" $BIN forecast $IDS $FC; want 8 off2
has off2 "HF_HUB_OFFLINE=1"; has off2 "kt/Kronos-Tokenizer-tiny"
[ "$(reqs)" = "$n" ] || fail "offline: requests were made"
[ -e "$T/empty" ] && fail "offline: the empty cache was created"
# a snapshot missing a file
cp -a "$CACHE" "$T/holey"
rm "$T/holey/models--kt--Kronos-tiny/snapshots/$M1/model.safetensors"
run hole env HF_HUB_OFFLINE=1 HF_HUB_CACHE="$T/holey" $BIN forecast $IDS $FC; want 8 hole
has hole "lacks model.safetensors"
[ "$(reqs)" = "$n" ] || fail "offline: requests were made"
echo "ok: HF_HUB_OFFLINE with and without the cache, snapshot missing a file"

# ---- 3. errors: 404, 401, malformed, not Kronos -------------------------
export HF_HUB_CACHE="$T/c404"
run e404 $BIN forecast --tokenizer kt/Kronos-Tokenizer-tiny --model kt/nope $FC; want 8 e404
has e404 "kt/nope: not found (HTTP 404) at $HF_ENDPOINT/kt/nope/resolve/main/config.json"
[ -e "$T/c404/models--kt--nope" ] && fail "404: left kt/nope in the cache"
run r404 $BIN forecast $IDS --revision nope $FC; want 8 r404
has r404 "not found (HTTP 404)"
run e401 $BIN forecast --tokenizer kt/Kronos-Tokenizer-tiny --model kt/private $FC; want 8 e401
has e401 "kt/private: access denied (HTTP 401)"; has e401 "HF_TOKEN"
[ -e "$T/c404/models--kt--private" ] && fail "401: left kt/private in the cache"
run tok env HF_TOKEN=s3cret-tok $BIN forecast --tokenizer kt/Kronos-Tokenizer-tiny --model kt/private $FC
want 0 tok
grep -q "kt/private/resolve/$M1/model.safetensors range=- auth=ok" "$T/req.log" || fail "HF_TOKEN not sent"
grep -q s3cret "$T/tok.err" "$T/tok.out" && fail "the token was printed"
run bad $BIN forecast --tokenizer kt/Kronos-Tokenizer-tiny --model 'kt/bad..name' $FC; want 2 bad
has bad "kt/bad..name: not a directory, and not a valid Hugging Face repo id"
run nk $BIN forecast --tokenizer kt/Kronos-Tokenizer-tiny --model kt/not-kronos $FC; want 4 nk
has nk "config.json"
unset HF_HUB_CACHE
echo "ok: 404, 401, HF_TOKEN, malformed id, not Kronos"

# ---- 4. a dropped connection, resumed with a Range request ----------------
export HF_HUB_CACHE="$T/cdrop"
state "$M1" ', "drop": {"kt/Kronos-tiny/model.safetensors": 1}'
run drop1 $BIN forecast $IDS $FC; want 0 drop1
cmp -s "$T/ref.out" "$T/drop1.out" || fail "drop: forecast differs"
has drop1 "resuming kt/Kronos-tiny model.safetensors at byte"
grep -q '^GET /cdn/.* range=bytes=[0-9][0-9]*- ' "$T/req.log" || fail "drop: no Range request seen"
# interrupted three times: the run fails, the next continues the file
export HF_HUB_CACHE="$T/cdrop2"
# the server counts drops per file over its life: 1 above, 3 more here
state "$M1" ', "drop": {"kt/Kronos-tiny/model.safetensors": 4}'
run drop2 $BIN forecast $IDS $FC; want 8 drop2
has drop2 "interrupted 3 times"
ls "$T/cdrop2/models--kt--Kronos-tiny/blobs/"*.incomplete >/dev/null 2>&1 || fail "drop: nothing kept to resume"
[ -e "$T/cdrop2/models--kt--Kronos-tiny/snapshots/$M1/model.safetensors" ] && fail "drop: a partial file is in the snapshot"
: > "$T/req.log"
run drop3 $BIN forecast $IDS $FC; want 0 drop3
cmp -s "$T/ref.out" "$T/drop3.out" || fail "drop: resumed forecast differs"
grep -q '^GET /cdn/.* range=bytes=[0-9][0-9]*- ' "$T/req.log" || fail "drop: the next run did not resume with a Range request"
ls "$T/cdrop2/models--kt--Kronos-tiny/blobs/" | grep -q incomplete && fail "drop: .incomplete left after the resume"
echo "ok: dropped connection resumed with a Range request (same run, and the next run)"

# ---- 5. a corrupted body ---------------------------------------------------
export HF_HUB_CACHE="$T/ccorrupt"
state "$M1" ', "corrupt": ["kt/Kronos-tiny/model.safetensors"]'
run bad1 $BIN forecast $IDS $FC; want 8 bad1
has bad1 "sha256 mismatch"; has bad1 "the file was removed"
B=$T/ccorrupt/models--kt--Kronos-tiny
[ -z "$(ls "$B/blobs" 2>/dev/null | grep -v '^[0-9a-f]\{40\}$')" ] || fail "corrupt: a model blob was left: $(ls "$B/blobs")"
[ -e "$B/snapshots/$M1/model.safetensors" ] && fail "corrupt: the snapshot links the bad file"
[ -e "$B/refs/main" ] && fail "corrupt: refs/main written"
state "$M1"
echo "ok: sha256 mismatch removes the file"

# ---- 5b. a full disk, and no network --------------------------------------
# tests/fault_shim.so: writes to files opened on a path with ".incomplete"
# fail with ENOSPC after 50000 bytes
export HF_HUB_CACHE="$T/cfull"
run full env ASAN_OPTIONS="verify_asan_link_order=0:${ASAN_OPTIONS:-}" LD_PRELOAD=./tests/fault_shim.so \
    KT_FAULT_MATCH=.incomplete KT_FAULT_BYTES=50000 $BIN forecast $IDS $FC
want 6 full
has full "No space left on device"; has full "free some space"
[ -z "$(find "$T/cfull" -name '*.incomplete')" ] || fail "full disk: an .incomplete file was left"
[ -z "$(find "$T/cfull" -path '*/snapshots/*' -name model.safetensors)" ] || fail "full disk: a snapshot file was left"
# a port on the loopback that nobody listens on
DEAD=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
export HF_HUB_CACHE="$T/cdead"
run dead env HF_ENDPOINT="http://127.0.0.1:$DEAD" $BIN forecast $IDS $FC; want 8 dead
has dead "kt/Kronos-Tokenizer-tiny: cannot reach http://127.0.0.1:$DEAD/kt/Kronos-Tokenizer-tiny/resolve/main/config.json"
has dead "HF_HUB_OFFLINE=1"
[ -z "$(find "$T/cdead" -type f 2>/dev/null)" ] || fail "no network: files were left in the cache"
unset HF_HUB_CACHE
echo "ok: full disk (exit 6) and no network (exit 8) leave nothing behind"

# ---- 6. a cache written by Python's huggingface_hub -----------------------
P=$T/pycache
for pair in "kt/Kronos-Tokenizer-tiny $TC $TOKD" "kt/Kronos-tiny $M1 $MODD"; do
    set -- $pair
    d=$P/models--$(echo "$1" | sed 's|/|--|')
    mkdir -p "$d/blobs" "$d/refs" "$d/snapshots/$2"
    printf '%s' "$2" > "$d/refs/main"
    for f in config.json model.safetensors; do
        if [ $f = model.safetensors ]; then e=$(sha256sum "$3/$f" | cut -d' ' -f1)
        else e=$(python3 -c 'import hashlib,sys; d=open(sys.argv[1],"rb").read(); print(hashlib.sha1(b"blob %d\0" % len(d) + d).hexdigest())' "$3/$f"); fi
        cp "$3/$f" "$d/blobs/$e"
        ln -s "../../blobs/$e" "$d/snapshots/$2/$f"
    done
done
# and somebody else's model beside them
O=$P/models--kt--other
mkdir -p "$O/refs" "$O/snapshots/$M2"
printf '%s' "$M2" > "$O/refs/main"
cp "$T/notkronos/config.json" "$O/snapshots/$M2/"
n=$(reqs)
run py env HF_HUB_CACHE=$P $BIN forecast $IDS $FC; want 0 py
cmp -s "$T/ref.out" "$T/py.out" || fail "python cache: forecast differs"
[ "$(reqs)" = "$n" ] || fail "python cache: requests were made"
run dev env HF_HUB_CACHE=$P $BIN device $IDS; want 0 dev
run bench env HF_HUB_CACHE=$P ./kronos-bench $IDS --tickers 2 --lookback 16 --horizons 2 --threads 1; want 0 bench
[ "$(reqs)" = "$n" ] || fail "device/kronos-bench: requests were made"
run list env HF_HUB_CACHE=$P $BIN models list; want 0 list
grep -q "^kt/Kronos-tiny  *main  *$(echo $M1 | cut -c1-12)  *predictor .* yes$" "$T/list.out" ||
    { cat "$T/list.out"; fail "models list: no loadable kt/Kronos-tiny row"; }
grep -q "^kt/Kronos-Tokenizer-tiny  *main .* tokenizer .* yes$" "$T/list.out" ||
    { cat "$T/list.out"; fail "models list: no tokenizer row"; }
grep -q '^kt/other' "$T/list.out" && fail "models list: shows a model that is not Kronos"
# a Kronos repo whose ref names no commit: listed as not loadable, and the
# resolver refuses it offline (the same rule, kt_hub_read_ref)
B=$P/models--kt--Kronos-badref
mkdir -p "$B/refs" "$B/snapshots/abc123"
printf 'abc123' > "$B/refs/main"
run listb env HF_HUB_CACHE=$P $BIN models list; want 0 listb
grep -q "^kt/Kronos-badref  *main  *-  .* no: the ref names no commit$" "$T/listb.out" ||
    { cat "$T/listb.out"; fail "models list: no not-loadable row for a ref without a commit"; }
run badref env HF_HUB_CACHE=$P HF_HUB_OFFLINE=1 $BIN device --tokenizer kt/Kronos-Tokenizer-tiny --model kt/Kronos-badref; want 8 badref
rm -rf "$B"
run lista env HF_HUB_CACHE=$P $BIN models list --all; want 0 lista
grep -q "^kt/other  *main .* no: model.safetensors missing$" "$T/lista.out" ||
    { cat "$T/lista.out"; fail "models list --all: no kt/other row"; }
echo "ok: huggingface_hub's cache layout read with no request; device, kronos-bench, models list"

# ---- 7. the evaluation, recorded; the revision moves; --resume refuses ----
awk -f "$srcdir/tests/synth_prices.awk" > "$T/prices.csv"
EV="--prices $T/prices.csv $IDS --lookback 30 --horizons 1,5 --max-context 128 --max-folds 1"
run ev1 $BIN $EV --batch --output-dir "$T/run"; want 0 ev1
grep -q '"model": "kt/Kronos-tiny"' "$T/run/config.json" || fail "config.json does not keep the id"
python3 - "$T/run" "$M1" "$SHA" <<'PY' || fail "hub records"
import json, sys
run, commit, sha = sys.argv[1:]
for f in ("inputs.json", "experiment_metadata.json"):
    m = json.load(open(run + "/" + f))["hub"]["model"]
    assert m["id"] == "kt/Kronos-tiny" and m["revision"] == "main" and m["commit"] == commit, (f, m)
    assert m["files"]["model.safetensors"] == "sha256:" + sha, (f, m)
PY
state "$M2"
n=$(reqs)
run res0 $BIN --resume "$T/run" --batch; want 0 res0   # the cache still says main = M1
[ "$(reqs)" = "$n" ] || fail "resume: requests were made"
run pull $BIN models pull kt/Kronos-tiny; want 0 pull
grep -q "kt/Kronos-tiny@main: commit $M2" "$T/pull.out" || { cat "$T/pull.out"; fail "models pull"; }
[ "$(cat "$R/refs/main")" = "$M2" ] || fail "models pull did not move refs/main"
run res1 $BIN --resume "$T/run" --batch; want 7 res1
has res1 "the model changed since the run was recorded"; has res1 "snapshots/$M2/"
run res2 $BIN --resume "$T/run" --batch --revision v1; want 7 res2
has res2 'revision'
run pin $BIN $EV --revision v1 --batch --output-dir "$T/run1"; want 0 pin
grep -q '"revision": "v1"' "$T/run1/config.json" || fail "config.json lacks the revision"
run pin2 $BIN --resume "$T/run1" --batch; want 0 pin2
echo "ok: evaluation by id recorded (commit, sha256); moved revision refused by --resume"

# ---- 7b. a released predictor's id: the model cutoff's default -----------
# The tiny model in the cache under NeoQuasar/Kronos-small: its id (or a
# path into its cache copy) gives --model-cutoff 2024-02-29, so every 2019
# date is one the model has seen; none turns it off.
cp -a "$R" "$CACHE/models--NeoQuasar--Kronos-small"
NQ="--prices $T/prices.csv --tokenizer kt/Kronos-Tokenizer-tiny --lookback 30 --horizons 1,5 --max-context 128 --max-folds 1"
run nq env HF_HUB_OFFLINE=1 $BIN $NQ --model NeoQuasar/Kronos-small --batch --output-dir "$T/nq"; want 0 nq
has nq "warning: pretraining overlap: 21 of 21 evaluation dates are on or before the model's last training date 2024-02-29 (default for the released NeoQuasar/Kronos models)"
grep -q '"source": "default"' "$T/nq/experiment_metadata.json" || fail "NeoQuasar id: metadata source"
[ -s "$T/nq/stability_scorecard_by_period.csv" ] || fail "NeoQuasar id: no scorecard by period"
grep -q "^- model training cutoff: 2024-02-29 (the released NeoQuasar/Kronos models)$" "$T/nq/REPORT.md" ||
    fail "NeoQuasar id: REPORT.md cutoff line"
NQDIR=$CACHE/models--NeoQuasar--Kronos-small/snapshots/$(cat "$CACHE/models--NeoQuasar--Kronos-small/refs/main")
run nqdir env HF_HUB_OFFLINE=1 $BIN $NQ --model "$NQDIR" --batch --output-dir "$T/nqdir"; want 0 nqdir
has nqdir "warning: pretraining overlap: 21 of 21 evaluation dates"
run nqoff env HF_HUB_OFFLINE=1 $BIN $NQ --model NeoQuasar/Kronos-small --model-cutoff none --batch --output-dir "$T/nqoff"
want 0 nqoff
grep -q "pretraining overlap" "$T/nqoff.err" && fail "--model-cutoff none: still a warning"
[ -e "$T/nqoff/stability_scorecard_by_period.csv" ] && fail "--model-cutoff none: a scorecard by period"
rm -rf "$CACHE/models--NeoQuasar--Kronos-small"
echo "ok: a released predictor's id (or its cache path) gives the default model cutoff; none turns it off"

# ---- 8. a slow download: --batch lines, the console's bar ---------------
# model.safetensors (139,616 bytes) at 12 kB/s: about 12 s
state "$M1" ', "throttle": {"kt/Kronos-tiny/model.safetensors": 12000}'
run slow env HF_HUB_CACHE="$T/c8" $BIN $EV --batch --output-dir "$T/run8"; want 0 slow
grep -qE '^kronos-tui: downloading kt/Kronos-tiny model.safetensors: [0-9.]+ of 139.6 kB \([0-9]{1,2}%\)$' \
    "$T/slow.err" || { cat "$T/slow.err"; fail "--batch: no periodic download line before 100 %"; }
has slow "kronos-tui: downloading kt/Kronos-tiny model.safetensors: 139.6 of 139.6 kB (100%)"
command -v tmux >/dev/null 2>&1 || {
    echo "SKIP (part): tmux is not installed (Debian package: tmux): the console's download bar"
    exit 0
}
# in a subshell: tmux_screen.sh brings its own fail (counted, screen shown)
(
    TM="tmux -L kt-hub-$$ -f /dev/null"
    TMP=$T fails=0 current=
    . "$srcdir/tests/tmux_screen.sh"
    trap '$TM kill-server >/dev/null 2>&1' EXIT
    tmux_server
    # console CACHE NAME: the evaluation ($EV) in an 80x24 console
    console() {
        current=$2
        cat > "$T/$2.sh" <<EOF
env TERM=tmux-256color HF_HUB_CACHE="$T/$1" $BIN $EV --output-dir "$T/$2" 2> "$T/$2.err"
echo KT_EXIT=\$?
sleep 600
EOF
        new_session 80 24 "sh $T/$2.sh"
    }
    shows() { grep -qE -- "$1" "$T/screen"; }
    bar='Download +[^ ]+ +[0-9]{1,2}%  0\.[0-9]/0\.1 MB  model\.safetensors \(kt/Kronos-tiny\)'
    console c9 con9
    within "$KT_WAIT" shows "$bar" || fail "no download bar below 100 %"
    shows DOWNLOADING || fail "the state is not DOWNLOADING"
    cp "$T/screen" "$T/bar.screen"
    within "$KT_WAIT" shows FINISHED || fail "the run did not proceed to FINISHED"
    $TM send-keys -t kt q
    within "$KT_WAIT" shows '^KT_EXIT=0$' || fail "exit status after q"
    grep -q downloading "$T/con9.err" && { cat "$T/con9.err"; fail "progress lines on stderr under the console"; }
    [ -s "$T/con9/per_date_metrics.csv" ] || fail "the run wrote no per_date_metrics.csv"
    # q, y during the download: stopped, resumable, exit 130
    console c10 con10
    within "$KT_WAIT" shows "$bar" || fail "no download bar below 100 %"
    $TM send-keys -t kt q
    within "$KT_WAIT" shows 'Stop the run' || fail "no quit confirmation"
    $TM send-keys -t kt y
    within "$KT_WAIT" shows '^KT_EXIT=130$' || fail "exit status after q y during the download"
    grep -q "kt/Kronos-tiny: the download of .* was stopped; the next run continues it from .*incomplete" \
        "$T/con10.err" || { cat "$T/con10.err"; fail "no stop message"; }
    ls "$T/c10/models--kt--Kronos-tiny/blobs" | grep -q '\.incomplete$' || fail "the partial file is gone"
    # a 404: the console shows it, q leaves, exit 8 with the one line
    EV="--prices $T/prices.csv --tokenizer kt/Kronos-Tokenizer-tiny --model kt/nope --lookback 30 --horizons 1,5"
    console c11 con11
    within "$KT_WAIT" shows FAILED || fail "a 404 is not shown as FAILED"
    shows 'not found \(HTTP 404\)' || fail "the console does not say why"
    $TM send-keys -t kt q
    within "$KT_WAIT" shows '^KT_EXIT=8$' || fail "a 404 does not exit 8"
    [ "$(wc -l < "$T/con11.err")" -eq 1 ] &&
        grep -q "^kronos-tui: kt/nope: not found (HTTP 404) at $HF_ENDPOINT/kt/nope/resolve/main/config.json" \
            "$T/con11.err" || { cat "$T/con11.err"; fail "a 404: not the one line"; }
    [ "$fails" -eq 0 ]
) || fail "the console's download bar (above)"
echo "ok: a slow download: periodic --batch lines; the console's bar, q during it, a 404 in the console"
exit 0
