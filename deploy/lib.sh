# shellcheck shell=bash
# deploy/lib.sh: shared by the scripts of deploy/ (sourced, not run).
#
# Works with any Docker client from 20.10 on (Debian's docker.io or a newer one first in PATH):
# nothing here needs `docker stack config` or client-side defaults that changed between versions.
#
# Environment:
#   GOBLOG_STACK   the stack's name (default goblog)

# shellcheck disable=SC2034 # the variables are for the scripts that source this file
STACK=${GOBLOG_STACK:-goblog}
DEPLOY=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$DEPLOY/.." && pwd)
STACK_FILE=$DEPLOY/docker-stack.yml
NETWORK=${STACK}_goblog

# The services of the stack, as in docker-stack.yml, and the host ports it publishes.
# shellcheck disable=SC2034 # read by the scripts that source this file
STACK_SERVICES=(rabbitmq postgres configserver zipkin quotes-service accountservice vipservice imageservice
    edge-server hystrix-dashboard turbine auth-server logstore prometheus)
# shellcheck disable=SC2034 # read by the scripts that source this file
# (logstore: 9428, its UI and query API behind basic auth; its syslog ingest is 5140/udp.
# prometheus: 9090 behind basic auth.)
PUBLISHED_PORTS=(8765 9411 7979 8282 15672 9428 9090)

log() { printf '%s: %s\n' "${LOG_NAME:-deploy}" "$*" >&2; }
die() {
    log "ERROR: $*"
    exit 1
}

# elapsed SECONDS_SINCE: "1m23s"
elapsed() {
    local s=$((SECONDS - $1))
    if ((s >= 60)); then printf '%dm%02ds' $((s / 60)) $((s % 60)); else printf '%ds' "$s"; fi
}

stack_services() { # the stack's services as they exist in Swarm, one name a line
    docker service ls --filter "label=com.docker.stack.namespace=$STACK" --format '{{.Name}}' | sort
}

# listeners PORT: "pid command" of every process listening on TCP PORT (any address), one a line.
# Uses ss when present, else /proc (socket inodes of /proc/net/tcp{,6} matched against every
# process's file descriptors).
listeners() {
    local port=$1
    if command -v ss >/dev/null 2>&1; then
        ss -Hltnp "sport = :$port" 2>/dev/null |
            grep -o 'users:(.*)' | grep -oE '\("[^"]*",pid=[0-9]+' |
            sed -E 's/^\("([^"]*)",pid=([0-9]+)$/\2 \1/' | sort -u
        return
    fi
    local hex inodes inode fd pid
    hex=$(printf '%04X' "$port")
    inodes=$(awk -v p=":$hex" '$4 == "0A" && substr($2, length($2) - 4) == p { print $10 }' \
        /proc/net/tcp /proc/net/tcp6 2>/dev/null | sort -u)
    [[ -n $inodes ]] || return 0
    for inode in $inodes; do
        for fd in /proc/[0-9]*/fd/*; do
            if [[ $(readlink "$fd" 2>/dev/null) == "socket:[$inode]" ]]; then
                pid=${fd#/proc/}
                pid=${pid%%/*}
                echo "$pid $(cat "/proc/$pid/comm" 2>/dev/null)"
            fi
        done
    done | sort -u
}

# describe_pid PID: its command line, shortened, plus a hint when we know what it is.
describe_pid() {
    local pid=$1 cmd hint=
    cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-120)
    if grep -qsx "$pid" "$ROOT"/.run/landscape/*.pid 2>/dev/null; then
        hint=" (the local process landscape: scripts/landscape.sh stop)"
    elif [[ $cmd == *beam.smp* || $cmd == *rabbitmq* ]]; then
        hint=" (the host RabbitMQ: bash scripts/ensure-rabbitmq.sh stop)"
    fi
    printf 'pid %s: %s%s' "$pid" "${cmd:-?}" "$hint"
}

# port_conflicts PORT...: prints one line per port held by something other than this stack's
# own containers (whose host-mode ports docker-proxy holds); returns 1 when there is any.
port_conflicts() {
    local port pid comm found=0 ours
    for port in "$@"; do
        while read -r pid comm; do
            [[ -n $pid ]] || continue
            if [[ $comm == docker-proxy ]]; then
                ours=$(docker ps -q --filter "label=com.docker.stack.namespace=$STACK" --filter "publish=$port")
                [[ -z $ours ]] || continue
                printf 'port %s: held by docker-proxy for container(s) %s\n' "$port" \
                    "$(docker ps --filter "publish=$port" --format '{{.Names}}' | paste -sd, -)"
            else
                printf 'port %s: %s\n' "$port" "$(describe_pid "$pid")"
            fi
            found=1
        done < <(listeners "$port")
    done
    return $((found == 0 ? 0 : 1))
}

# task_health CONTAINER_ID: healthy, unhealthy, starting, none (no healthcheck) or gone.
# On a multi-node swarm a container is known only to the engine of its node: GOBLOG_NODE_HOSTS
# (the nodes' DOCKER_HOST values, space-separated; deploy/nodes-up.sh sets it) are asked in turn.
task_health() {
    local format='{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' host out
    # A container the engine does not know still prints an empty line: only a success counts.
    for host in "" ${GOBLOG_NODE_HOSTS:-}; do
        if out=$(docker ${host:+-H "$host"} inspect --format "$format" "$1" 2>/dev/null); then
            echo "$out"
            return
        fi
    done
    echo gone
}

# The parts of a container spec that make a task current: a running task whose spec differs from
# its service's is an old one an update has not replaced yet.
TASK_SPEC_FORMAT='{{.Image}} {{json .Args}} {{json .Env}} {{json .Configs}} {{json .Secrets}}'

# service_readiness SERVICE [SINCE]: prints "ok" when the service has its desired replicas running,
# each on the current spec, every running task's container is healthy and no update or rollback is
# in progress; otherwise a short reason. Exit status 0 for ok, 2 when an update is paused or was
# rolled back (it will not recover by waiting), 1 otherwise. With SINCE (seconds since the epoch),
# only a rollback that started since then counts: an older one left the service on its previous,
# healthy spec.
service_readiness() {
    local svc=$1 since=${2:-0} desired mode update_state update_started want
    read -r mode desired update_state update_started < <(docker service inspect --format \
        '{{if .Spec.Mode.Replicated}}replicated {{.Spec.Mode.Replicated.Replicas}}{{else}}global 0{{end}} {{with .UpdateStatus}}{{.State}} {{if .StartedAt}}{{.StartedAt.Unix}}{{else}}0{{end}}{{else}}none 0{{end}}' \
        "$svc" 2>/dev/null) || { echo "service missing"; return 1; }
    case $update_state in
    updating | rollback_started)
        echo "update in progress ($update_state)"
        return 1
        ;;
    paused | rollback_paused)
        echo "update $update_state: $(docker service inspect --format '{{.UpdateStatus.Message}}' "$svc" 2>/dev/null)"
        return 2
        ;;
    rollback_completed)
        if ((update_started >= since)); then
            echo "update rolled back: $(docker service inspect --format '{{.UpdateStatus.Message}}' "$svc" 2>/dev/null)"
            return 2
        fi
        ;;
    esac
    want=$(docker service inspect --format "{{with .Spec.TaskTemplate.ContainerSpec}}$TASK_SPEC_FORMAT{{end}}" "$svc")
    local ready=0 problems=() task state spec cid health
    while IFS='|' read -r task state cid spec; do
        [[ -n $task ]] || continue
        if [[ $state != running ]]; then
            problems+=("${task:0:12} $state")
        elif [[ $spec != "$want" ]]; then
            problems+=("${task:0:12} on an old spec")
        else
            health=$(task_health "$cid")
            case $health in
            healthy | none) ready=$((ready + 1)) ;;
            *) problems+=("${task:0:12} $health") ;;
            esac
        fi
    done < <(docker service ps -q --filter desired-state=running "$svc" 2>/dev/null |
        xargs -r docker inspect --format \
            "{{.ID}}|{{.Status.State}}|{{.Status.ContainerStatus.ContainerID}}|{{with .Spec.ContainerSpec}}$TASK_SPEC_FORMAT{{end}}" 2>/dev/null)
    if [[ $mode == replicated && $ready -ne $desired ]] || ((${#problems[@]})); then
        echo "$ready/$desired ready${problems:+ (${problems[*]})}"
        return 1
    fi
    echo ok
}
