#!/usr/bin/env bash
# nodes.sh: a real three-node Docker Swarm on this one machine, beside (never touching) the main
# Docker engine, plus the registry its nodes pull from (issue 14). deploy/README.md, "Three nodes".
#
#   up      build what is missing, reuse what exists:
#           - network namespace goblog-hub with bridge gbhub0 on 198.18.0.0/24 (RFC 2544's
#             benchmarking range: never routed, never a real LAN); the host reaches it through the
#             veth gbn-host (198.18.0.1), the registry listens in it on 198.18.0.2:5000
#           - per node N (1..3): network namespace goblog-nodeN, veth to the bridge, address
#             198.18.0.1N; its own hostname (unshare --uts: goblog-nodeN); its own dockerd and the
#             containerd dockerd starts, with their own data-root, exec-root, pidfile, socket,
#             cgroup parent (/goblog-nodeN) and address pools (bridge 10.40.N.0/24, networks
#             10.4N.0.0/16) that overlap neither each other nor the main engine's. Images come
#             from the registry by digest (deploy/nodes-up.sh); DOCKER_SERVICE_PREFER_OFFLINE_IMAGE
#             is not set: with it a node never pulls a task's image ("No such image")
#           - docker swarm init on node 1 (manager; overlays from 10.30.0.0/16, the main swarm uses
#             10.20.0.0/16; --dispatcher-heartbeat NODES_HEARTBEAT), nodes 2 and 3 join as workers;
#             node 3 gets the label goblog.data=true (the volumes of RabbitMQ and PostgreSQL)
#           - the registry: github.com/distribution/distribution/v3 (Apache-2.0) cmd/registry,
#             built once with `go install` into the cache directory; its blobs under the data
#             directory. The nodes trust it as an insecure registry (plain HTTP on a private range).
#             The main engine pushes to it through 127.0.0.1:NODES_PUSH_PORT (socat): Docker allows
#             plain HTTP to a loopback registry without any change to the main engine's settings.
#   down    stop everything by PID and name, also after an interrupted run: every process in the
#           namespaces (daemons, containerd, shims, the registry) and in the nodes' cgroup
#           directories (the containers, which outlive a SIGKILLed daemon), the forwarder by its
#           pidfile, then the mounts under the nodes' directories, the namespaces (their veths go
#           with them) and the cgroup directories. The data directories (pulled images, the swarm's
#           state, the volumes, the registry's blobs) stay, so the next `up` is quick and the
#           swarm and its data come back; `down --purge` removes them too.
#   status  each node's daemon, its swarm state and memory; the registry.
#   env N   the DOCKER_HOST line of node N (eval "$(deploy/nodes.sh env 1)").
#
# Runs as root (namespaces, daemons). Installs what is missing on Debian (iproute2, util-linux,
# socat, docker.io) like ensure-docker.sh.
#
# Environment:
#   NODES_HEARTBEAT   the swarm's dispatcher heartbeat (default 2s; Docker's default is 5s: a dead
#                     node is then seen after about 3 missed heartbeats)
#   NODES_PUSH_PORT   the host's loopback port of the registry (default 5000)
#   NODES_RUN_DIR     sockets, pidfiles, exec-roots (default /run/goblog-nodes)
#   NODES_DATA_DIR    data-roots, logs, registry blobs (default /var/lib/goblog-nodes)
#   GOBLOG_CACHE_DIR  where the registry binary is cached (default ~/.cache/goblog)
set -euo pipefail

NODE_COUNT=3
HEARTBEAT=${NODES_HEARTBEAT:-2s}
PUSH_PORT=${NODES_PUSH_PORT:-5000}
RUN_DIR=${NODES_RUN_DIR:-/run/goblog-nodes}
DATA_DIR=${NODES_DATA_DIR:-/var/lib/goblog-nodes}
CACHE_DIR=${GOBLOG_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/goblog}
REGISTRY_VERSION=v3.1.2
REGISTRY_BIN=$CACHE_DIR/registry-$REGISTRY_VERSION/registry
HUB_NS=goblog-hub
BRIDGE=gbhub0
SUBNET_PREFIX=198.18.0
HOST_ADDR=$SUBNET_PREFIX.1
REGISTRY_ADDR=$SUBNET_PREFIX.2:5000
SWARM_POOL=10.30.0.0/16
DATA_NODE=3
WAIT_SECONDS=${NODES_WAIT_SECONDS:-60}

log() { printf 'nodes: %s\n' "$*" >&2; }
die() {
    log "ERROR: $*"
    exit 1
}

node_ns() { echo "goblog-node$1"; }
node_addr() { echo "$SUBNET_PREFIX.1$1"; }
node_sock() { echo "$RUN_DIR/node$1/docker.sock"; }
node_docker() { # node_docker N ARGS...: the docker CLI against node N
    local n=$1
    shift
    docker -H "unix://$(node_sock "$n")" "$@"
}

need_root() { [[ $(id -u) -eq 0 ]] || die "run as root (network namespaces and extra Docker daemons)"; }

need_tools() {
    local missing=() pkgs=() t
    for t in ip:iproute2 nsenter:util-linux unshare:util-linux socat:socat dockerd:docker.io; do
        command -v "${t%%:*}" >/dev/null 2>&1 || { missing+=("${t%%:*}") && pkgs+=("${t#*:}"); }
    done
    ((${#missing[@]})) || return 0
    [[ -f /etc/debian_version ]] || die "missing: ${missing[*]}: install them"
    log "apt-get install ${pkgs[*]} (missing: ${missing[*]})"
    export DEBIAN_FRONTEND=noninteractive
    apt-cache policy "${pkgs[0]}" 2>/dev/null | grep -q 'Candidate: [0-9]' || apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
}

# close_inherited_fds: a daemon must not keep the caller's flock open.
# shellcheck source=scripts/daemon-fds.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/daemon-fds.sh"

# alive PIDFILE NAME: the pid of the pidfile when that process runs and its name is NAME.
alive() {
    local pid
    pid=$(cat "$1" 2>/dev/null) || return 1
    [[ -n $pid && $(cat "/proc/$pid/comm" 2>/dev/null) == "$2" ]] || return 1
    echo "$pid"
}

wait_until() { # wait_until WHAT COMMAND...: polls every half second for WAIT_SECONDS
    local what=$1 deadline=$((SECONDS + WAIT_SECONDS))
    shift
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || return 1
        sleep 0.5
    done
    log "$what: ready"
}

# --- network -------------------------------------------------------------------------------------

ns_exists() { [[ -e /run/netns/$1 ]]; }

hub_up() {
    if ! ns_exists "$HUB_NS"; then
        log "network namespace $HUB_NS, bridge $BRIDGE ($SUBNET_PREFIX.0/24), host veth gbn-host ($HOST_ADDR)"
        ip netns add "$HUB_NS"
        ip -n "$HUB_NS" link set lo up
        ip -n "$HUB_NS" link add "$BRIDGE" type bridge
        ip -n "$HUB_NS" addr add "${REGISTRY_ADDR%:*}/24" dev "$BRIDGE"
        ip -n "$HUB_NS" link set "$BRIDGE" up
    fi
    if ! ip link show gbn-host >/dev/null 2>&1; then
        ip link add gbn-host type veth peer name gbn-host-p
        ip link set gbn-host-p netns "$HUB_NS"
        ip -n "$HUB_NS" link set gbn-host-p master "$BRIDGE" up
        ip addr add "$HOST_ADDR/24" dev gbn-host
        ip link set gbn-host up
    fi
}

node_net_up() {
    local n=$1 ns
    ns=$(node_ns "$n")
    ns_exists "$ns" && return 0
    log "network namespace $ns: eth0 $(node_addr "$n")/24 on $BRIDGE"
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    ip link add "gbn-n$n" type veth peer name "gbn-n$n-e"
    ip link set "gbn-n$n" netns "$HUB_NS"
    ip -n "$HUB_NS" link set "gbn-n$n" master "$BRIDGE" up
    ip link set "gbn-n$n-e" netns "$ns"
    ip -n "$ns" link set "gbn-n$n-e" name eth0
    ip -n "$ns" addr add "$(node_addr "$n")/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" route add default via "$HOST_ADDR"
}

# --- daemons -------------------------------------------------------------------------------------

node_daemon_up() {
    local n=$1 dir=$RUN_DIR/node$1 data=$DATA_DIR/node$1 pid
    if node_docker "$n" info >/dev/null 2>&1; then
        return 0
    fi
    mkdir -p "$dir" "$data"
    if ! pid=$(alive "$dir/dockerd.pid" dockerd); then
        # Its own config file: the main engine's /etc/docker/daemon.json is not read.
        echo '{}' >"$dir/daemon.json"
        log "node $n: dockerd in $(node_ns "$n") (hostname goblog-node$n, log $data/dockerd.log)"
        (
            close_inherited_fds
            exec setsid nsenter --net="/run/netns/$(node_ns "$n")" unshare --uts -- \
                sh -c "hostname goblog-node$n && exec dockerd \"\$@\"" dockerd \
                --config-file "$dir/daemon.json" \
                --host "unix://$dir/docker.sock" \
                --pidfile "$dir/dockerd.pid" \
                --exec-root "$dir/exec" \
                --data-root "$data/docker" \
                --cgroup-parent "/goblog-node$n" \
                --bip "10.40.$n.1/24" \
                --default-address-pool "base=10.4$n.0.0/16,size=24" \
                --insecure-registry "$REGISTRY_ADDR"
        ) >>"$data/dockerd.log" 2>&1 </dev/null &
    fi
    wait_until "node $n: dockerd" node_docker "$n" info || {
        tail -n 20 "$data/dockerd.log" >&2
        die "node $n: dockerd did not answer within ${WAIT_SECONDS}s"
    }
}

swarm_state() { node_docker "$1" info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null; }

swarm_up() {
    local state n token
    state=$(swarm_state 1)
    if [[ $state != active ]]; then
        log "node 1: docker swarm init (manager, heartbeat $HEARTBEAT, overlays from $SWARM_POOL)"
        node_docker 1 swarm init --advertise-addr "$(node_addr 1)" --listen-addr "$(node_addr 1):2377" \
            --default-addr-pool "$SWARM_POOL" --default-addr-pool-mask-length 24 \
            --dispatcher-heartbeat "$HEARTBEAT" >/dev/null
    fi
    token=$(node_docker 1 swarm join-token -q worker)
    for ((n = 2; n <= NODE_COUNT; n++)); do
        state=$(swarm_state "$n")
        [[ $state == active ]] && continue
        if [[ $state == pending || $state == error ]]; then
            node_docker "$n" swarm leave --force >/dev/null 2>&1 || true
        fi
        log "node $n: docker swarm join (worker)"
        node_docker "$n" swarm join --token "$token" --advertise-addr "$(node_addr "$n")" \
            --listen-addr "$(node_addr "$n"):2377" "$(node_addr 1):2377" >/dev/null
    done
    # A node that left (an earlier swarm leave) stays listed as down: remove it.
    node_docker 1 node ls --format '{{.ID}} {{.Status}}' | awk '$2 == "Down" { print $1 }' |
        xargs -r -n1 docker -H "unix://$(node_sock 1)" node rm >/dev/null 2>&1 || true
    node_docker 1 node update --label-add goblog.data=true "goblog-node$DATA_NODE" >/dev/null
    wait_until "swarm of $NODE_COUNT nodes" all_nodes_ready || die "not every node is Ready: $(node_docker 1 node ls)"
}

all_nodes_ready() {
    [[ $(node_docker 1 node ls --format '{{.Status}}' | grep -c '^Ready$') -eq $NODE_COUNT ]]
}

# --- registry ------------------------------------------------------------------------------------

registry_bin() {
    [[ -x $REGISTRY_BIN ]] && return 0
    command -v go >/dev/null 2>&1 || die "Go is needed to build the registry (https://go.dev/dl/)"
    log "building the registry once: go install github.com/distribution/distribution/v3/cmd/registry@$REGISTRY_VERSION (about 90 s)"
    mkdir -p "$(dirname "$REGISTRY_BIN")"
    GOBIN=$(dirname "$REGISTRY_BIN") CGO_ENABLED=0 go install -trimpath -ldflags '-s -w' \
        "github.com/distribution/distribution/v3/cmd/registry@$REGISTRY_VERSION"
}

registry_answers() { curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$PUSH_PORT/v2/"; }

registry_up() {
    registry_bin
    mkdir -p "$RUN_DIR" "$DATA_DIR/registry"
    if ! alive "$RUN_DIR/registry.pid" registry >/dev/null; then
        cat >"$RUN_DIR/registry.yml" <<EOF
version: 0.1
log: { level: warn }
storage:
  filesystem: { rootdirectory: $DATA_DIR/registry }
  delete: { enabled: true }
http:
  addr: $REGISTRY_ADDR
EOF
        log "registry on $REGISTRY_ADDR (in $HUB_NS; blobs in $DATA_DIR/registry)"
        (
            close_inherited_fds
            exec setsid nsenter --net="/run/netns/$HUB_NS" "$REGISTRY_BIN" serve "$RUN_DIR/registry.yml"
        ) >>"$DATA_DIR/registry.log" 2>&1 </dev/null &
        echo $! >"$RUN_DIR/registry.pid"
    fi
    if ! alive "$RUN_DIR/forward.pid" socat >/dev/null; then
        log "forwarder 127.0.0.1:$PUSH_PORT -> $REGISTRY_ADDR (the main engine pushes there)"
        (
            close_inherited_fds
            exec setsid socat "TCP-LISTEN:$PUSH_PORT,bind=127.0.0.1,reuseaddr,fork" "TCP:$REGISTRY_ADDR"
        ) >>"$DATA_DIR/forward.log" 2>&1 </dev/null &
        echo $! >"$RUN_DIR/forward.pid"
    fi
    wait_until "registry" registry_answers || {
        tail -n 20 "$DATA_DIR/registry.log" >&2
        die "the registry does not answer on 127.0.0.1:$PUSH_PORT"
    }
}

# --- down ----------------------------------------------------------------------------------------

# ns_pids NS [CGROUP]: the processes of the network namespace NS (daemons, containerd, shims) and
# of the cgroup directory CGROUP (the containers: they have network namespaces of their own, and
# outlive a SIGKILLed daemon).
ns_pids() {
    {
        if ns_exists "$1"; then ip netns pids "$1" 2>/dev/null || true; fi
        if [[ -n ${2:-} ]]; then
            # A controller without the directory makes find fail: not an error here.
            find /sys/fs/cgroup/*/"$2" /sys/fs/cgroup/"$2" -name cgroup.procs -exec cat {} + 2>/dev/null || true
        fi
    } | sort -un | xargs
}

# stop_ns NS [CGROUP]: TERM, then after 15 s KILL, every process of ns_pids NS CGROUP.
stop_ns() {
    local pids deadline
    pids=$(ns_pids "$@")
    [[ -n $pids ]] || return 0
    log "$1: SIGTERM to pids $pids"
    # shellcheck disable=SC2086 # a list of pids
    kill -TERM $pids 2>/dev/null || true
    deadline=$((SECONDS + 15))
    while [[ -n $(ns_pids "$@") ]] && ((SECONDS < deadline)); do sleep 0.5; done
    pids=$(ns_pids "$@")
    if [[ -n $pids ]]; then
        log "$1: SIGKILL to pids $pids"
        # shellcheck disable=SC2086 # a list of pids
        kill -KILL $pids 2>/dev/null || true
        deadline=$((SECONDS + 10))
        while [[ -n $(ns_pids "$@") ]] && ((SECONDS < deadline)); do sleep 0.2; done
    fi
}

# unmount_under DIR: every mount point under DIR, deepest first.
unmount_under() {
    local dir=$1 mp
    awk -v d="$dir/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
        while read -r mp; do umount -l "$mp" 2>/dev/null || true; done
}

remove_cgroups() { # remove_cgroups NAME: /sys/fs/cgroup/*/NAME, depth first (only empty ones go)
    local d
    for d in /sys/fs/cgroup/*/"$1" /sys/fs/cgroup/"$1"; do
        [[ -d $d ]] || continue
        find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
    done
}

down() {
    local purge=$1 n name pid
    for ((n = NODE_COUNT; n >= 1; n--)); do
        stop_ns "$(node_ns "$n")" "goblog-node$n"
    done
    stop_ns "$HUB_NS"
    for name in forward:socat registry:registry; do
        if pid=$(alive "$RUN_DIR/${name%%:*}.pid" "${name#*:}"); then
            log "stopping ${name%%:*} (pid $pid)"
            kill -TERM "$pid" 2>/dev/null || true
        fi
        rm -f "$RUN_DIR/${name%%:*}.pid"
    done
    unmount_under "$RUN_DIR"
    unmount_under "$DATA_DIR"
    for ((n = 1; n <= NODE_COUNT; n++)); do
        if ns_exists "$(node_ns "$n")"; then
            ip netns del "$(node_ns "$n")"
        fi
        remove_cgroups "goblog-node$n"
    done
    ip link del gbn-host 2>/dev/null || true
    if ns_exists "$HUB_NS"; then ip netns del "$HUB_NS"; fi
    rm -rf "$RUN_DIR"
    if ((purge)); then
        log "removing $DATA_DIR (pulled images, swarm state, volumes, registry blobs)"
        rm -rf "$DATA_DIR"
    fi
    log "down"
}

# --- status --------------------------------------------------------------------------------------

rss_mb() { # rss_mb PID...: their resident memory together, MB
    local kb=0 pid v
    for pid in "$@"; do
        v=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) || continue
        kb=$((kb + ${v:-0}))
    done
    echo $((kb / 1024))
}

status() {
    local n ns pids daemons
    for ((n = 1; n <= NODE_COUNT; n++)); do
        ns=$(node_ns "$n")
        if ! ns_exists "$ns"; then
            printf 'node %s  absent\n' "$n"
            continue
        fi
        mapfile -t pids < <(ip netns pids "$ns")
        daemons=()
        for pid in "${pids[@]}"; do
            case $(cat "/proc/$pid/comm" 2>/dev/null) in dockerd | containerd) daemons+=("$pid") ;; esac
        done
        printf 'node %s  %s  swarm %s  dockerd+containerd %s MB, all %s processes %s MB\n' "$n" \
            "$(node_addr "$n")" "$(swarm_state "$n" || echo unreachable)" "$(rss_mb "${daemons[@]}")" \
            "${#pids[@]}" "$(rss_mb "${pids[@]}")"
    done
    if pid=$(alive "$RUN_DIR/registry.pid" registry); then
        printf 'registry  %s (127.0.0.1:%s on the host)  %s MB\n' "$REGISTRY_ADDR" "$PUSH_PORT" "$(rss_mb "$pid")"
    else
        printf 'registry  not running\n'
    fi
    if node_docker 1 info >/dev/null 2>&1; then
        node_docker 1 node ls
    fi
}

up() {
    need_tools
    local start=$SECONDS n
    hub_up
    for ((n = 1; n <= NODE_COUNT; n++)); do node_net_up "$n"; done
    for ((n = 1; n <= NODE_COUNT; n++)); do node_daemon_up "$n"; done
    swarm_up
    registry_up
    log "up in $((SECONDS - start))s: manager $(node_addr 1), workers $(node_addr 2) $(node_addr 3), data node $DATA_NODE, registry $REGISTRY_ADDR"
}

case ${1:-} in
up) need_root && up ;;
down)
    need_root
    case ${2:-} in --purge) down 1 ;; "") down 0 ;; *) die "usage: nodes.sh down [--purge]" ;; esac
    ;;
status) status ;;
env) echo "DOCKER_HOST=unix://$(node_sock "${2:-1}")" ;;
*) die "usage: deploy/nodes.sh up|down [--purge]|status|env [N]" ;;
esac
