#!/usr/bin/env bash
# down.sh (`make down`): remove the goblog stack and wait until it is gone: no service, no task
# container, and no network of the stack left (Swarm removes those last, a few seconds after the
# services; a `make up` right after would otherwise fail to create the network).
#
# Images, the secrets in .secrets/ and the Swarm itself stay, so the next `make up` is quick. The
# data volumes stay too: the broker's (<stack>_rabbitmq-data: queues and the messages in them) and
# the database's (<stack>_postgres-data: every account), so no confirmed message and no
# acknowledged account is lost by a down and up; --volumes (make down PURGE=1) removes them.
# Usage: deploy/down.sh [--volumes]
# Environment: GOBLOG_STACK (default goblog), DOWN_WAIT_SECONDS (default 120).
set -euo pipefail
LOG_NAME=down
# shellcheck source=deploy/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

WAIT_SECONDS=${DOWN_WAIT_SECONDS:-120}
START=$SECONDS
PURGE=0
case ${1:-} in
--volumes) PURGE=1 ;;
"") ;;
*) die "usage: deploy/down.sh [--volumes]" ;;
esac

remove_volumes() {
    ((PURGE)) || return 0
    local vols
    vols=$(docker volume ls -q --filter "label=com.docker.stack.namespace=$STACK")
    [[ -n $vols ]] || return 0
    log "removing the stack's volumes (the broker's queued messages and every account go with them): $(paste -sd' ' <<<"$vols")"
    # A volume is released a moment after its container is gone.
    local v tries
    for v in $vols; do
        for tries in 1 2 3 4 5 6 7 8 9 10; do
            docker volume rm "$v" >/dev/null 2>&1 && break
            ((tries < 10)) || die "docker volume rm $v failed: $(docker volume rm "$v" 2>&1)"
            sleep 1
        done
    done
}

if ! docker info >/dev/null 2>&1; then
    log "no Docker engine answers: nothing to remove"
    exit 0
fi

leftovers() { # what of the stack still exists, one kind a line
    local s c n
    s=$(stack_services | wc -l)
    c=$(docker ps -aq --filter "label=com.docker.stack.namespace=$STACK" | wc -l)
    n=$(docker network ls -q --filter "label=com.docker.stack.namespace=$STACK" | wc -l)
    ((s + c + n == 0)) || echo "$s services, $c containers, $n networks"
}

if [[ -z $(leftovers) ]]; then
    log "stack '$STACK' is not deployed"
    remove_volumes
    exit 0
fi
log "docker stack rm $STACK"
# A probe container the e2e suite left behind (interrupted run) would keep the network alive.
docker ps -aq --filter label=goblog.e2e=probe | xargs -r docker rm -f >/dev/null
# It fails when the network is still in use (tasks stopping, or a container someone attached):
# the network is removed in the loop below then.
docker stack rm "$STACK" >/dev/null 2>&1 || true
deadline=$((SECONDS + WAIT_SECONDS))
while left=$(leftovers) && [[ -n $left ]]; do
    if [[ $left == "0 services, 0 containers, "* ]]; then
        docker network ls -q --filter "label=com.docker.stack.namespace=$STACK" |
            xargs -r docker network rm >/dev/null 2>&1 || true
    fi
    if ((SECONDS >= deadline)); then
        attached=$(docker network inspect --format '{{range .Containers}}{{.Name}} {{end}}' "$NETWORK" 2>/dev/null || true)
        die "stack '$STACK' still has $left after ${WAIT_SECONDS}s${attached:+; containers still attached to $NETWORK (started outside the stack, e.g. docker run --network $NETWORK): $attached}"
    fi
    sleep 1
done
remove_volumes
log "stack '$STACK' removed in $(elapsed "$START")"
