# slurm_lib.sh: a private single-node Slurm cluster for tests (sourced).
# Everything lives under $T (mktemp -d): munge key, socket and logs, the
# slurm.conf with free ports, state, spool, pid and log files. The
# daemons are stopped by their pids (slurm_stop; call it from the trap).
# slurm_start returns 77 with the reason in $SLURM_SKIP when the cluster
# cannot start here (not root, missing programs, slurmd without cgroups).

SLURM_PIDS=""
SLURM_SKIP=""

# slurm_wait SECONDS CMD...: polls CMD every 0.1 s; 0 once it succeeds
slurm_wait() {
  _n=$(( $1 * 10 )); shift
  while [ "$_n" -gt 0 ]; do
    "$@" && return 0
    sleep 0.1; _n=$((_n - 1))
  done
  return 1
}

_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

slurm_stop() {
  for _p in $SLURM_PIDS; do kill "$_p" 2>/dev/null; done
  for _p in $SLURM_PIDS; do
    slurm_wait 10 sh -c "! kill -0 $_p 2>/dev/null" || kill -9 "$_p" 2>/dev/null
  done
  SLURM_PIDS=""
}

_idle() { [ "$(sinfo -h -o %t 2>/dev/null)" = idle ]; }

slurm_start() {
  [ "$(id -u)" = 0 ] || { SLURM_SKIP="not root (slurmd and munged need root)"; return 77; }
  for _c in munged munge unmunge slurmctld slurmd sbatch squeue scancel sinfo python3 runuser; do
    command -v "$_c" >/dev/null 2>&1 || { SLURM_SKIP="$_c not installed (./setup.sh installs slurm-wlm and munge)"; return 77; }
  done
  id munge >/dev/null 2>&1 || { SLURM_SKIP="no munge user (package munge)"; return 77; }
  chmod 755 "$T"
  M="$T/munge"
  K="$T/munge-key"
  mkdir -p "$M" "$K" "$T/state" "$T/spool" /run/munge
  head -c 1024 /dev/urandom > "$K/munge.key"
  chown -R munge:munge "$M" "$K"; chmod 755 "$M"; chmod 700 "$K"; chmod 400 "$K/munge.key"
  runuser -u munge -- munged -F --socket="$M/munge.socket" --key-file="$K/munge.key" \
    --pid-file="$M/munged.pid" --log-file="$M/munged.log" --seed-file="$M/munged.seed" \
    > "$T/munged.out" 2>&1 &
  RUNUSER_PID=$!
  slurm_wait 10 test -S "$M/munge.socket" || { SLURM_PIDS=$RUNUSER_PID; SLURM_SKIP="munged did not start: $(tail -3 "$T/munged.out" 2>/dev/null)"; return 77; }
  slurm_wait 10 test -s "$M/munged.pid"
  SLURM_PIDS="$(cat "$M/munged.pid") $RUNUSER_PID"
  munge -n -S "$M/munge.socket" | unmunge -S "$M/munge.socket" >/dev/null 2>&1 ||
    { SLURM_SKIP="munge -n | unmunge fails"; return 77; }
  host=$(hostname -s)
  node=$(slurmd -C 2>/dev/null | head -1 | sed "s/^NodeName=[^ ]*/NodeName=$host/; s/ UpTime=.*//")
  case $node in NodeName=*CPUs=*) ;; *) SLURM_SKIP="slurmd -C gave no node line"; return 77 ;; esac
  export SLURM_CONF="$T/slurm.conf"
  cat > "$SLURM_CONF" <<CONF
ClusterName=kttest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$(_free_port)
SlurmdPort=$(_free_port)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$M/munge.socket
CredType=cred/munge
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/slurmctld.log
SlurmdLogFile=$T/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MailProg=/bin/true
ReturnToService=2
KillWait=2
MinJobAge=600
SchedulerParameters=sched_interval=1
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
  slurmctld -D -f "$SLURM_CONF" > "$T/slurmctld.out" 2>&1 &
  SLURM_PIDS="$! $SLURM_PIDS"
  slurmd -D -f "$SLURM_CONF" -N "$host" > "$T/slurmd.out" 2>&1 &
  SLURMD_PID=$!
  SLURM_PIDS="$SLURMD_PID $SLURM_PIDS"
  if ! slurm_wait 30 _idle || ! kill -0 "$SLURMD_PID" 2>/dev/null; then
    SLURM_SKIP="the cluster did not come up (cgroups?): $(tail -2 "$T/slurmd.log" "$T/slurmd.out" 2>/dev/null | tr '\n' ' ')"
    return 77
  fi
  # A node can show idle and still be unable to run a job (slurmd 22.05
  # without a usable cgroup tree): a trivial job must finish first, else
  # the machine cannot host the test cluster and the test skips.
  if ! timeout 60 srun --quiet -N1 -n1 -t 1 /bin/true > "$T/probe.out" 2>&1; then
    SLURM_SKIP="the cluster came up but cannot run a trivial job: $(tail -2 "$T/probe.out" "$T/slurmd.log" 2>/dev/null | tr '\n' ' ')"
    return 77
  fi
  return 0
}
