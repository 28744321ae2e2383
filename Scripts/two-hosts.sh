#!/bin/sh
# One run on two hosts, on one machine: two network namespaces joined by a virtual Ethernet
# link stand for two machines, `mpirun` starts one shotvae-mnist process on each through a
# hostfile (processes talk over TCP only), and the run's loss sums after a few steps are
# compared with the same steps in one process.
#
# With `bench`, it runs a `shotvae-bench` workload on the two hosts instead (the divided
# step's compute and communication, blocking and overlapped with the backward pass), over a
# link limited to LINK_RATE (a tc rate such as 1gbit) when that is set.
#
# Needs root (ip netns), Open MPI and a build with the Distributed trait:
#   swift build -c release --traits Examples,Distributed && sudo Scripts/two-hosts.sh [STEPS]
#   sudo LINK_RATE=1gbit Scripts/two-hosts.sh bench mnist-step --objective shot
# The namespaces, the link and the temporary files are removed at the end.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
program="$root/.build/release/shotvae-mnist"
mode=train
if [ "${1:-}" = bench ]; then
    mode=bench
    shift
    program="$root/.build/release/shotvae-bench"
else
    steps=${1:-5}
fi
work=$(mktemp -d)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

cleanup() {
    ip netns del shotvae-host1 2>/dev/null || true
    ip netns del shotvae-host2 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# Two hosts, 10.77.0.1 and 10.77.0.2.
ip netns add shotvae-host1
ip netns add shotvae-host2
ip link add shotvae-veth1 type veth peer name shotvae-veth2
ip link set shotvae-veth1 netns shotvae-host1
ip link set shotvae-veth2 netns shotvae-host2
ip -n shotvae-host1 addr add 10.77.0.1/24 dev shotvae-veth1
ip -n shotvae-host2 addr add 10.77.0.2/24 dev shotvae-veth2
for n in 1 2; do
    ip -n shotvae-host$n link set shotvae-veth$n up
    ip -n shotvae-host$n link set lo up
    if [ -n "${LINK_RATE:-}" ]; then
        ip netns exec shotvae-host$n tc qdisc add dev shotvae-veth$n root tbf rate "$LINK_RATE" burst 1mb latency 100ms
    fi
done

# mpirun reaches a remote host through its launch agent (ssh by default); here the agent
# enters the host's namespace, with a host name of its own.
cat > "$work/agent" <<'AGENT'
#!/bin/sh
while [ $# -gt 0 ]; do case "$1" in -*) shift ;; *) break ;; esac; done
host=$1; shift
case "$host" in 10.77.0.1) ns=shotvae-host1 ;; 10.77.0.2) ns=shotvae-host2 ;; *) echo "unknown host $host" >&2; exit 1 ;; esac
exec ip netns exec "$ns" unshare --uts sh -c "hostname $ns; $*"
AGENT
chmod +x "$work/agent"
printf '10.77.0.1 slots=1\n10.77.0.2 slots=1\n' > "$work/hosts"

# Runs `mpirun` on host 1 for both hosts, with the arguments given (program and options).
# `--bind-to none`: each host's daemon would bind its process to its core 0, which here is the
# same core of the one real machine (both processes then share it, and each small message waits
# for the other's time slice: 8 ms for a one-value allreduce instead of 0.012 ms).
on_two_hosts() {
    ip netns exec shotvae-host1 unshare --uts sh -c "hostname shotvae-host1; mpirun \
        --mca plm_rsh_agent $work/agent --mca btl tcp,self \
        --mca btl_tcp_if_include 10.77.0.0/24 --mca oob_tcp_if_include 10.77.0.0/24 \
        --hostfile $work/hosts --bind-to none -np 2 -x SHOTVAE_THREADS=1 $*"
}

if [ "$mode" = bench ]; then
    echo "shotvae-bench $* on two hosts (TCP between 10.77.0.1 and 10.77.0.2, link ${LINK_RATE:-unlimited})"
    on_two_hosts "$program $*"
    exit 0
fi

options="--step-budget $steps --batch-size 64 --seed 5"
echo "One process: $steps steps"
SHOTVAE_THREADS=1 "$program" $options --output "$work/one" > "$work/one.log" 2>&1
echo "Two hosts (mpirun --hostfile, TCP between 10.77.0.1 and 10.77.0.2): $steps steps"
on_two_hosts "sh -c 'echo process \$OMPI_COMM_WORLD_RANK on \$(hostname) >&2; exec $program $options --output $work/two'" \
    > "$work/two.log" 2>&1 || { cat "$work/two.log"; exit 1; }
grep '^process ' "$work/two.log" | sort

# The checkpoints' loss sums (safetensors metadata), side by side.
python3 - "$work/one/checkpoint.safetensors" "$work/two/checkpoint.safetensors" <<'PYTHON'
import json, struct, sys
def sums(path):
    data = open(path, "rb").read()
    header = json.loads(data[8:8 + struct.unpack("<Q", data[:8])[0]])
    return json.loads(header["__metadata__"]["measurements"])
one, two = sums(sys.argv[1]), sums(sys.argv[2])
worst = 0.0
for name in sorted(one):
    difference = abs(one[name] - two[name]) / max(abs(one[name]), 0.1)
    worst = max(worst, difference)
    print("%-45s %16.6f %16.6f" % (name, one[name], two[name]))
print("largest relative difference: %.2e" % worst)
sys.exit(0 if worst <= 1e-4 else 1)
PYTHON
