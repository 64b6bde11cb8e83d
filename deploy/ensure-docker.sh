#!/usr/bin/env bash
# ensure-docker.sh: make sure a Docker engine answers and is a Swarm manager.
#
# Idempotent. When `docker info` fails, on Debian as root it installs docker.io and starts
# dockerd in the background (there is no systemd on the CI machines); elsewhere it says what to
# install and exits non-zero. When Swarm is inactive it runs `docker swarm init`. It ends by
# checking that an attachable overlay network can be created.
#
# Environment:
#   DOCKERD_LOG           dockerd's log file (default /var/log/dockerd.log)
#   DOCKERD_FLAGS         extra flags for dockerd (default none)
#   DOCKER_WAIT_SECONDS   how long to wait for the engine to answer (default 60)
#   SWARM_ADDR_POOL       address pool for overlay networks (default 10.20.0.0/16, /24 each)
set -euo pipefail

DOCKERD_LOG=${DOCKERD_LOG:-/var/log/dockerd.log}
DOCKERD_FLAGS=${DOCKERD_FLAGS:-}
DOCKER_WAIT_SECONDS=${DOCKER_WAIT_SECONDS:-60}
SWARM_ADDR_POOL=${SWARM_ADDR_POOL:-10.20.0.0/16}

log() { printf 'ensure-docker: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

engine_up() { command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; }

is_debian_root() {
    [[ $(id -u) -eq 0 ]] && [[ -f /etc/debian_version ]] && command -v apt-get >/dev/null 2>&1
}

install_docker_io() {
    export DEBIAN_FRONTEND=noninteractive
    # Update the package lists only when apt does not know a candidate yet (fresh machine).
    if ! apt-cache policy docker.io 2>/dev/null | grep -q 'Candidate: [0-9]'; then
        log "apt-get update (no candidate for docker.io yet)"
        apt-get update -qq
    fi
    log "apt-get install docker.io"
    apt-get install -y -qq --no-install-recommends docker.io iptables ca-certificates >/dev/null
}

# close_inherited_fds: a daemon must not keep the caller's flock open.
# shellcheck source=scripts/daemon-fds.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/daemon-fds.sh"

start_dockerd() {
    if command -v pgrep >/dev/null 2>&1 && pgrep -x dockerd >/dev/null 2>&1; then
        log "dockerd is running but not answering yet; waiting for it"
        return
    fi
    log "starting dockerd in the background (log: $DOCKERD_LOG)"
    # setsid: dockerd must outlive this script and the shell that ran it.
    # shellcheck disable=SC2086 # DOCKERD_FLAGS is a list of flags on purpose
    (close_inherited_fds && exec setsid dockerd $DOCKERD_FLAGS) >>"$DOCKERD_LOG" 2>&1 </dev/null &
}

wait_for_engine() {
    local deadline=$((SECONDS + DOCKER_WAIT_SECONDS))
    until docker info >/dev/null 2>&1; do
        if ((SECONDS >= deadline)); then
            log "the engine did not answer within ${DOCKER_WAIT_SECONDS}s; last lines of $DOCKERD_LOG:"
            tail -n 30 "$DOCKERD_LOG" >&2 || true
            exit 1
        fi
        sleep 1
    done
}

ensure_engine() {
    if engine_up; then
        return
    fi
    if ! is_debian_root; then
        cat >&2 <<'EOF'
ensure-docker: no Docker engine answers `docker info`.
  Install and start Docker Engine 20.10 or newer (with Swarm mode), for example:
    Debian/Ubuntu:  sudo apt-get install docker.io && sudo systemctl start docker
    other systems:  https://docs.docker.com/engine/install/
  and make sure your user may talk to it (`docker info` must work), then run this again.
EOF
        exit 1
    fi
    if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
        install_docker_io
    fi
    start_dockerd
    wait_for_engine
    log "engine up: $(docker version --format 'server {{.Server.Version}}, client {{.Client.Version}}')"
}

# The address Swarm should advertise: the source address of the default route.
default_address() {
    ip -4 route get 1.1.1.1 2>/dev/null | awk '{for (i = 1; i < NF; i++) if ($i == "src") { print $(i + 1); exit }}' || true
}

ensure_swarm() {
    local state
    state=$(docker info --format '{{.Swarm.LocalNodeState}}')
    case $state in
    active) return ;;
    locked) die "Swarm is locked: run 'docker swarm unlock' first" ;;
    pending | error)
        # A one-node swarm whose state is stale (e.g. the machine's address changed): start over.
        log "Swarm is in state '$state': leaving it and initialising a new one"
        docker swarm leave --force >/dev/null
        ;;
    esac
    local addr
    addr=$(default_address)
    log "Swarm is $state: docker swarm init${addr:+ --advertise-addr $addr}"
    # A pool of its own keeps overlay subnets clear of the resolver and other 10/8 networks.
    docker swarm init ${addr:+--advertise-addr "$addr"} \
        --default-addr-pool "$SWARM_ADDR_POOL" --default-addr-pool-mask-length 24 >/dev/null
}

check_overlay() {
    local net="goblog-overlay-probe-$$"
    if ! docker network create -d overlay --attachable "$net" >/dev/null; then
        die "cannot create an overlay network (see $DOCKERD_LOG)"
    fi
    docker network rm "$net" >/dev/null
    log "Swarm active, overlay networks work"
}

ensure_engine
ensure_swarm
check_overlay
