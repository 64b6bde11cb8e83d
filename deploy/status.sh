#!/usr/bin/env bash
# status.sh (`make status`): the stack's services (docker service ls) and every task that should
# be running, with the health of its container and its overlay address.
# Exit status 0 when every service is ready (desired replicas running, healthy, no update in
# progress), 1 otherwise. Environment: GOBLOG_STACK (default goblog).
set -euo pipefail
LOG_NAME=status
# shellcheck source=deploy/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

docker info >/dev/null 2>&1 || die "no Docker engine answers (deploy/ensure-docker.sh starts one)"
if [[ -z $(stack_services) ]]; then
    log "stack '$STACK' is not deployed (make up)"
    exit 1
fi

docker service ls --filter "label=com.docker.stack.namespace=$STACK"
echo
{
    printf 'TASK\tID\tSTATE\tHEALTH\tADDRESS\tERROR\n'
    for svc in $(stack_services); do
        docker service ps -q --filter desired-state=running "$svc" | while read -r task; do
            IFS='|' read -r name state cid err < <(docker inspect --format \
                '{{.ServiceID}}.{{.Slot}}|{{.Status.State}}|{{.Status.ContainerStatus.ContainerID}}|{{.Status.Err}}' "$task")
            health=- addr=-
            if [[ -n $cid ]]; then
                health=$(task_health "$cid")
                addr=$(docker inspect --format "{{with index .NetworkSettings.Networks \"$NETWORK\"}}{{.IPAddress}}{{end}}" "$cid" 2>/dev/null || echo -)
            fi
            printf '%s.%s\t%s\t%s\t%s\t%s\t%s\n' "$svc" "${name#*.}" "${task:0:12}" "$state" "$health" "${addr:--}" "${err:--}"
        done
    done
} | column -t -s $'\t'
echo
rc=0
for svc in "${STACK_SERVICES[@]}"; do
    status=$(service_readiness "${STACK}_$svc") || rc=1
    [[ $status == ok ]] || echo "not ready: $svc: $status"
done
for svc in $(stack_services); do
    # A rollback (automatic after a failed update, or docker service rollback) leaves the service
    # on its previous spec: worth knowing, though the service may be fine.
    docker service inspect --format '{{with .UpdateStatus}}{{if eq .State "rollback_completed"}}note: {{$.Spec.Name}}: last update rolled back{{if .CompletedAt}} at {{.CompletedAt.Format "2006-01-02 15:04:05"}}{{end}}{{end}}{{end}}' "$svc"
done | grep . || true
if ((rc == 0)); then echo "all ${#STACK_SERVICES[@]} services ready"; fi
exit $rc
