#!/usr/bin/env bash
# startup.sh: how long a service takes from task start to ready and to healthy, measured on a
# warm stack by restarting its task (`docker service update --force`), one service at a time.
#
# A passive measurement (run.sh's facts.json) times whatever start the running tasks had: after
# `make up` on two cores the JVMs share the CPUs with each other and the Go services wait for the
# config server, so it says little about either runtime. Here only one service starts at a time.
#
#   ready    task start -> the service's own ready log line (Go: "serving HTTP", Spring Boot:
#            "Started ... in"), as loadreport.py reads it;
#   healthy  task start -> the first passing Docker health probe. Docker 20.10 runs the first probe
#            one `interval` after the start (5 s Go, 10 s JVM here), so this is never below it.
#
# The services default to the twins, imageservice and quotes-service; both update start-first,
# so the old task serves until the new one is healthy (no downtime). A published service
# (edge-server, zipkin, ...) updates stop-first: restarting it is an outage.
#
# Environment: SERVICES (default "imageservice quotes-service"; `make loadtest-startup STARTUP_SERVICES=…`), REPORT_ROOT (loadtest/report),
# E2E_WAIT (1800 s).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
STACK=goblog
SERVICES=${SERVICES:-imageservice quotes-service}
REPORT_ROOT=${REPORT_ROOT:-$HERE/report}
E2E_WAIT=${E2E_WAIT:-1800}

log() { printf '%s startup: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

exec 9>"${TMPDIR:-/tmp}/goblog-loadtest.lock"
flock -w "$E2E_WAIT" 9 || die "a load test kept running for ${E2E_WAIT}s"
waited=0
while pgrep -f 'make e2e|e2e\.test|go (test|vet) -tags e2e|deploy/(up|down)\.sh' >/dev/null; do
    ((waited == 0)) && log "an e2e run or a deploy is in progress; waiting for it to end"
    ((waited < E2E_WAIT)) || die "the e2e run did not end within ${E2E_WAIT}s"
    sleep 10
    waited=$((waited + 10))
done

docker stack ls --format '{{.Name}}' | grep -qx "$STACK" || die "stack $STACK is not deployed: make up"
if docker ps --filter "label=com.docker.stack.namespace=$STACK" --format '{{.Status}}' | grep -qv '(healthy)'; then
    die "not every task of $STACK is healthy: make status"
fi

RUN_DIR=$REPORT_ROOT/$(date -u +%Y%m%d-%H%M%S)-startup
mkdir -p "$RUN_DIR"
for s in $SERVICES; do
    svc=${STACK}_$s
    old=$(docker ps -q --filter "label=com.docker.swarm.service.name=$svc" | sort)
    [[ -n $old ]] || die "no running task of $svc"
    log "$s: restarting (docker service update --force)"
    docker service update --force --detach "$svc" >/dev/null
    deadline=$((SECONDS + 600))
    new=
    until [[ -n $new ]]; do
        ((SECONDS < deadline)) || die "$s: no new task within 600 s"
        sleep 0.2
        new=$(comm -13 <(echo "$old") <(docker ps -q --filter "label=com.docker.swarm.service.name=$svc" | sort) | head -n1)
    done
    until [[ $(docker inspect -f '{{.State.Health.Status}}' "$new" 2>/dev/null) == healthy ]]; do
        ((SECONDS < deadline)) || die "$s: new task $new not healthy within 600 s"
        sleep 0.2
    done
    # Now, while Docker still keeps the task's first probes (it keeps the last five).
    python3 "$HERE/tools/loadreport.py" facts "$RUN_DIR/facts-$s.json"
    # The update is over when the old task has stopped: the next restart starts on a quiet machine.
    until [[ $(docker service inspect -f '{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}' "$svc") == completed ]]; do
        ((SECONDS < deadline)) || die "$s: update not completed within 600 s"
        sleep 1
    done
    log "$s: healthy"
    sleep 5
done
python3 "$HERE/tools/loadreport.py" startup "$RUN_DIR"
ln -sfn "$(basename "$RUN_DIR")" "$REPORT_ROOT/latest-startup"
cat "$RUN_DIR/startup.md"
