#!/usr/bin/env bash
# refresh-config.sh (`make refresh`): announce a configuration refresh on the Spring Cloud Bus:
# POST /actuator/busrefresh on the running config server, which publishes a
# RefreshRemoteApplicationEvent on RabbitMQ; every Go service reloads its configuration from the
# config server and applies what can change live (log level, circuit settings, downstream URLs).
#
# The config server is not published on the host: the request is made inside its container
# (bash's /dev/tcp; the JVM images have no curl).
#
# Usage: deploy/refresh-config.sh [DESTINATION]
#   DESTINATION  Spring's destination pattern, e.g. 'accountservice:**' (default: every service)
# After editing support/config-repo/, run `make up` first: it rolls the config server onto the new
# files (Docker configs named by content hash) and then calls this script itself.
set -euo pipefail
LOG_NAME=refresh-config
# shellcheck source=deploy/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

path=/actuator/busrefresh${1:+/$1}
cid=
for task in $(docker service ps -q --filter desired-state=running "${STACK}_configserver" 2>/dev/null); do
    read -r state c < <(docker inspect --format '{{.Status.State}} {{.Status.ContainerStatus.ContainerID}}' "$task")
    if [[ $state == running && -n $c ]]; then
        cid=$c
        break
    fi
done
[[ -n $cid ]] || die "no running config server task in stack '$STACK' (make status)"

# shellcheck disable=SC2016 # expanded by the container's bash
status=$(docker exec "$cid" timeout 20 bash -c '
    exec 3<>/dev/tcp/127.0.0.1/8888 || exit 1
    printf "POST %s HTTP/1.0\r\nHost: 127.0.0.1:8888\r\nContent-Length: 0\r\nConnection: close\r\n\r\n" "$1" >&3
    IFS=" " read -r _ status _ <&3 && echo "$status"' bash "$path") || die "POST $path on the config server failed"
case $status in
200 | 204) log "POST $path: $status: refresh announced on the bus" ;;
*) die "POST $path: status ${status:-none}" ;;
esac
