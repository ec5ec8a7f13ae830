#!/usr/bin/env bash
# Starts a single-node Slurm (munged, slurmctld and slurmd of Debian's slurm-wlm and munge) on
# 127.0.0.1, everything in the folder DIR: slurm.conf and cgroup.conf, the munge key and socket,
# state, spool, logs and pid files. Needs root. No systemd: the daemons are started directly.
# On success it prints "export SLURM_CONF=DIR/slurm.conf" (what the clients sbatch, squeue,
# sinfo and scancel need) and exits 0 once sinfo shows the node idle; else it says why on stderr
# and exits 1. tests/slurm/stop_slurm.sh DIR stops the daemons (also after a failed start).
#   tests/slurm/start_slurm.sh DIR
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"  # the daemons, for a PATH without the sbin folders
dir=${1:?usage: start_slurm.sh DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
fail() { echo "start_slurm.sh: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || fail "needs root (the daemons run as root here), running as uid $(id -u)"
for b in munged slurmctld slurmd sbatch squeue sinfo; do
  command -v "$b" >/dev/null || fail "$b not found: install munge, slurmctld, slurmd and slurm-client (tools/install-deps.sh)"
done

# two free TCP ports for slurmctld and slurmd (several test runs may share the machine)
free_port() {
  local p
  for _ in $(seq 50); do
    p=$((20000 + RANDOM % 20000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  fail "no free TCP port found"
}
ctld_port=$(free_port)
slurmd_port=$(free_port)
[ "$ctld_port" != "$slurmd_port" ] || slurmd_port=$((ctld_port + 1))
host=$(hostname -s)
cpus=$(nproc)
mkdir -p "$dir/state" "$dir/spool" "$dir/log" "$dir/munge"
chmod 700 "$dir/munge"

# the munge key and daemon, its socket in DIR (AuthInfo tells Slurm where)
dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$dir/munge/munge.key"
munged --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
  --pid-file="$dir/munge/munged.pid" --log-file="$dir/log/munged.log" --seed-file="$dir/munge/munged.seed" ||
  fail "munged did not start: $(tail -3 "$dir/log/munged.log" 2>/dev/null)"

cat >"$dir/slurm.conf" <<CONF
# written by tests/slurm/start_slurm.sh: one node on 127.0.0.1, no cgroups, no accounting
ClusterName=dfsimtest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
ReturnToService=2
MinJobAge=600
MaxArraySize=1001
NodeName=dfsimnode NodeHostname=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=debug Nodes=dfsimnode Default=YES MaxTime=INFINITE State=UP
CONF
cat >"$dir/cgroup.conf" <<CONF
# no cgroups (containers often lack them): proctrack/linuxproc and task/none need none
CgroupAutomount=no
CONF
export SLURM_CONF=$dir/slurm.conf

slurmctld -f "$SLURM_CONF" -i || fail "slurmctld did not start: $(tail -5 "$dir/log/slurmctld.log" 2>/dev/null)"
slurmd -f "$SLURM_CONF" -N dfsimnode || fail "slurmd did not start: $(tail -5 "$dir/log/slurmd.log" 2>/dev/null)"
for _ in $(seq 60); do
  state=$(sinfo -h -n dfsimnode -o %T 2>/dev/null || true)
  if [ "$state" = idle ]; then
    echo "export SLURM_CONF=$SLURM_CONF"
    exit 0
  fi
  sleep 0.5
done
fail "the node is not idle after 30 s (sinfo: '${state:-no answer}'); slurmctld log: $(tail -3 "$dir/log/slurmctld.log" 2>/dev/null); slurmd log: $(tail -3 "$dir/log/slurmd.log" 2>/dev/null)"
