#!/usr/bin/env bash
# setup.sh: one command from a fresh clone to a running kronos-tui.
#
#   ./setup.sh          install missing Debian packages, bootstrap, configure,
#                       build, then start the demo evaluation (the console on a
#                       terminal, --batch when stdout is not a terminal)
#   ./setup.sh check    the same set-up, then the whole test suite (make check)
#   ./setup.sh build    the set-up only
#
# Idempotent: every step is skipped when it is already done.
# Environment: CONFIGURE_FLAGS (extra ./configure options), JOBS (make -j).
set -euo pipefail
cd "$(dirname "$0")"

mode=${1:-run}
case "$mode" in
  run|check|build) ;;
  -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "setup.sh: unknown mode '$mode' (use: run, check or build)" >&2; exit 2 ;;
esac
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}

say() { printf '==> %s\n' "$*" >&2; }

# ---------------------------------------------------------------- packages
PACKAGES=(
  gcc g++ make autoconf automake autopoint gettext libtool pkg-config
  libncurses-dev libtorch-dev libopenblas0-pthread libcsv-dev check libjansson-dev
  libcurl4-openssl-dev libssl-dev libcairo2-dev fonts-dejavu-core
  tmux locales clang libclang-rt-14-dev valgrind python3 python3-jsonschema chromium
  slurm-wlm munge  # tests/slurm.sh: a private single-node Slurm cluster (issue 18)
)
missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  cmd=(apt-get install -y --no-install-recommends "${missing[@]}")
  if [ "$(id -u)" = 0 ]; then SUDO=(); elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO=(sudo); else SUDO=(none); fi
  if [ "${SUDO[0]:-}" = none ]; then
    echo "setup.sh: these Debian packages are missing: ${missing[*]}" >&2
    echo "Install them with:  sudo apt-get update && sudo ${cmd[*]}" >&2
    exit 1
  fi
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" apt-get update -q >&2
  "${SUDO[@]}" "${cmd[@]}" >&2
else
  say "Debian packages: all present"
fi

# Locales for the translated console (en, de, zh_CN).
have_locale() { locale -a 2>/dev/null | grep -qix "$1"; }
if ! have_locale de_DE.utf8 || ! have_locale zh_CN.utf8; then
  if [ -w /etc/locale.gen ]; then
    say "generating locales de_DE.UTF-8 and zh_CN.UTF-8"
    for l in 'en_US.UTF-8 UTF-8' 'de_DE.UTF-8 UTF-8' 'zh_CN.UTF-8 UTF-8'; do
      grep -q "^$l" /etc/locale.gen || echo "$l" >> /etc/locale.gen
    done
    locale-gen >/dev/null 2>&1 || say "warning: locale-gen failed; translated tests will be skipped"
  else
    say "warning: cannot generate de_DE/zh_CN locales (not root); translated console tests will be skipped"
  fi
fi

# ---------------------------------------------------------------- build
if [ ! -x configure ] || [ configure.ac -nt configure ]; then
  say "bootstrapping (autoreconf -fi)"
  autoreconf -fi >&2
fi
if [ ! -f config.status ] || [ configure -nt config.status ]; then
  say "configuring"
  # shellcheck disable=SC2086
  ./configure ${CONFIGURE_FLAGS:-} >&2
fi
say "building (make -j$JOBS)"
make -j"$JOBS" >&2

# ---------------------------------------------------------------- run
case "$mode" in
  build) say "built: ./kronos-tui"; exit 0 ;;
  check)
    say "running the test suite (make check)"
    status=0
    make -j"$JOBS" check || status=$?
    # Check's own summary lines, one per suite, then the totals.
    for log in tests/*.log; do
      [ -f "$log" ] || continue
      grep -h -E '^[0-9]+%: Checks: ' "$log" | sed "s|^|$(basename "$log" .log): |" || true
    done
    if [ -f test-suite.log ]; then
      count() { cat tests/*.trs 2>/dev/null | grep -c -E "^:test-result: ($1)" || true; }
      pass=$(count PASS)
      fail=$(count 'FAIL|ERROR|XPASS')
      skip=$(count SKIP)
      echo "$pass passed, $fail failed, $skip skipped"
    fi
    [ "$status" = 0 ] || cat test-suite.log >&2 || true
    exit "$status" ;;
  run)
    if [ -t 1 ]; then exec ./kronos-tui; else exec ./kronos-tui --batch; fi ;;
esac
