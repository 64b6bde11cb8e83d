#!/usr/bin/env bash
# up.sh (`make up`): the whole goblog landscape on Docker Swarm on this machine, from source.
#
#   1. deploy/ensure-docker.sh: a Docker engine that is a Swarm manager
#   2. the host ports the stack publishes must be free (or ours): each holder is named
#   3. binaries (make build, turbine) and jars (make -C support: skipped when up to date)
#   4. base images (cached) and service images (deploy/build-images.sh), tagged by content hash
#   5. the node label goblog.data=true (the volumes of RabbitMQ and PostgreSQL), when no node has it;
#      secrets (deploy/make-secrets.sh, kept from run to run)
#   6. docker stack deploy --resolve-image never, configs and secrets named by content hash
#   7. wait until every service has its desired replicas running and healthy, on the current spec
#   8. when support/config-repo/ changed since the last deploy: a refresh through the bus
#      (deploy/refresh-config.sh), so running services apply the new values without a restart.
#      New secrets (a new AMQP password) need nothing: a Go service the broker refuses reloads its
#      configuration and dials with the new credentials (messaging.WithCredentialsRefresh)
#   9. print the URLs
#
# Idempotent: a second run with nothing changed rebuilds nothing, deploys the same references and
# rolls no service. Exit status: 0 when every service is healthy; 1 otherwise, naming the services
# that are not, with their last log lines.
#
# Usage: deploy/up.sh [--images-only]
# Environment:
#   GOBLOG_STACK        stack name (default goblog)
#   UP_WAIT_SECONDS     bound of step 7 (default 480)
#   SKIP_BUILD=1        skip steps 3 and 4: deploy the images of the last build (.run/images/*.ref)
#   GOBLOG_IMAGE_ENV    a file of SERVICE_IMAGE=reference lines to deploy instead of the last build's
#                       refs; with it the host's ports are not checked and no URL is printed: the
#                       caller (deploy/nodes-up.sh, `make up NODES=3`) deploys onto other engines
set -euo pipefail
LOG_NAME=up
# shellcheck source=deploy/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

WAIT_SECONDS=${UP_WAIT_SECONDS:-480}
IMAGES_ONLY=0
[[ ${1:-} == --images-only ]] && IMAGES_ONLY=1
START=$SECONDS

# The files of support/config-repo/ the stack mounts, and the secrets, in the stack file's order;
# their content hashes name the Docker configs and secrets.
config_files() { grep -oE '\.\./support/config-repo/[^ ]+\.yml' "$STACK_FILE" | sed 's|^\.\./||'; }
secret_files() { grep -oE '\.\./\.secrets/[^ ]+' "$STACK_FILE" | sed 's|^\.\./||'; }
content_hash() { # content_hash <FILE_NAMES (one a line): 12 hex digits over the names and contents
    local f
    while IFS= read -r f; do
        printf '%s\n' "$f"
        cat "$f"
    done | sha256sum | cut -c1-12
}

step() { log "[$(elapsed "$START")] $*"; }

preflight() {
    local conflicts
    if ! conflicts=$(port_conflicts "${PUBLISHED_PORTS[@]}"); then
        log "the stack publishes ports ${PUBLISHED_PORTS[*]} on this host, but some are taken:"
        printf '  %s\n' "$conflicts" | sed 's/^  \(.*\)$/  \1/' >&2
        die "free these ports and run make up again (nothing was deployed)"
    fi
    # Files of the config repo the swarm profile would read but the stack does not mount.
    local f listed
    listed=$(config_files)
    for f in support/config-repo/*.yml; do
        [[ $f == *-dev.yml ]] && continue
        grep -qxF "$f" <<<"$listed" || log "WARNING: $f is not mounted into the config server: add it to the configs of $STACK_FILE"
    done
}

need_maven() {
    command -v mvn >/dev/null 2>&1 && command -v javac >/dev/null 2>&1 && return
    if [[ $(id -u) -eq 0 && -f /etc/debian_version ]]; then
        log "apt-get install maven openjdk-17-jdk-headless (to build the JVM services' jars)"
        export DEBIAN_FRONTEND=noninteractive
        apt-cache policy maven 2>/dev/null | grep -q 'Candidate: [0-9]' || apt-get update -qq
        apt-get install -y -qq --no-install-recommends maven openjdk-17-jdk-headless >/dev/null
        return
    fi
    die "Maven and a JDK 17 are needed to build the JVM services (e.g. apt-get install maven openjdk-17-jdk-headless)"
}

build() {
    command -v go >/dev/null 2>&1 || die "Go is needed to build the Go services (https://go.dev/dl/)"
    step "binaries: make build, turbine"
    make --no-print-directory -C "$ROOT" build >/dev/null
    CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags "-s -w" -o bin/turbine ./support/turbine
    step "log store: deploy/build-logstore.sh (VictoriaLogs; reused when built)"
    "$DEPLOY/build-logstore.sh"
    step "jars: make -C support (Maven runs only when a source changed)"
    need_maven
    # Maven 3.8 prints bare colour resets even in batch mode: dropped, with the empty lines.
    make --no-print-directory -C support MVN_FLAGS="-B -ntp -Dstyle.color=never" build 2>&1 |
        sed -e 's/\x1b\[[0-9;]*m//g' -e 's/\[0m//g' | { grep -v '^[[:space:]]*$' >&2 || true; } ||
        die "the Maven build of the JVM services failed (make -C support)"
    step "images: deploy/build-images.sh"
    REQUIRE_ALL=1 "$DEPLOY/build-images.sh" 2>&1 | { grep -vE '^build-images: +built ' >&2 || true; } ||
        die "building the images failed"
}

# image_env: SERVICE_IMAGE=ref for every service, from the refs of the last build; or the file
# GOBLOG_IMAGE_ENV names (deploy/nodes-up.sh: the registry's digest references).
image_env() {
    local svc ref var
    if [[ -n ${GOBLOG_IMAGE_ENV:-} ]]; then
        cat "$GOBLOG_IMAGE_ENV"
        return
    fi
    for svc in "${STACK_SERVICES[@]}"; do
        ref=$(cat ".run/images/$svc.ref" 2>/dev/null) || die "no image built for $svc: run make up without SKIP_BUILD"
        docker image inspect "$ref" >/dev/null 2>&1 || die "image $ref is gone: run make up without SKIP_BUILD"
        var=$(tr 'a-z-' 'A-Z_' <<<"$svc")_IMAGE
        printf '%s=%s\n' "$var" "$ref"
    done
}

# label_data_node: the data volumes of the broker and the database are local to a node, and the
# stack places RabbitMQ and PostgreSQL on the node labelled goblog.data=true. When no node has the
# label, this one gets it (the data stays here from then on); an operator's label on another node
# is left alone.
label_data_node() {
    local label=goblog.data=true self
    [[ -z $(docker node ls -q --filter "node.label=$label") ]] || return 0
    self=$(docker info --format '{{.Swarm.NodeID}}')
    step "labelling this node $label (the volumes of RabbitMQ and PostgreSQL live here)"
    docker node update --label-add "$label" "$self" >/dev/null || die "docker node update --label-add $label failed"
}

deploy() {
    label_data_node
    step "secrets: deploy/make-secrets.sh"
    "$DEPLOY/make-secrets.sh"
    local cfg sec env
    cfg=$(config_files | content_hash)
    sec=$(secret_files | content_hash)
    env=$(image_env)
    # The config version the running config server has (none on a first deploy): when it changes,
    # the Go services hear of it through the bus once the config server runs on the new files.
    PREVIOUS_CONFIG_VERSION=$(docker service inspect --format \
        '{{range .Spec.TaskTemplate.ContainerSpec.Configs}}{{.ConfigName}} {{end}}' "${STACK}_configserver" 2>/dev/null |
        grep -oE '_[0-9a-f]{12} ' | head -n 1 | tr -d '_ ' || true)
    step "docker stack deploy $STACK (configs $cfg, secrets $sec)"
    DEPLOY_EPOCH=$(date +%s)
    local images
    mapfile -t images <<<"$env"
    env CONFIG_VERSION="$cfg" SECRETS_VERSION="$sec" "${images[@]}" \
        docker stack deploy --resolve-image never --prune -c "$STACK_FILE" "$STACK" 2>&1 |
        { grep -vE '^(Updating service|Creating (network|service|secret|config)|Since --detach|In a future release)' >&2 || true; } ||
        die "docker stack deploy failed"
    printf '%s\n' "$env" >.run/images/deployed.env
    CURRENT_CONFIG_VERSION=$cfg
    CURRENT_SECRETS_VERSION=$sec
}

# wait_healthy: until every service of the stack is ready (see service_readiness), at most
# WAIT_SECONDS; then names the ones that are not, with their tasks and last log lines.
wait_healthy() {
    step "waiting until every service is running and healthy (at most ${WAIT_SECONDS}s)"
    sleep 2 # let the orchestrator pick up changed specs (UpdateStatus) before the first look
    local deadline=$((SECONDS + WAIT_SECONDS)) last_report=$SECONDS svc status rc
    local -A state
    while :; do
        local pending=() failed=()
        for svc in "${STACK_SERVICES[@]}"; do
            rc=0
            status=$(service_readiness "${STACK}_$svc" "$DEPLOY_EPOCH") || rc=$?
            state[$svc]=$status
            case $rc in
            0) ;;
            2) failed+=("$svc") ;;
            *) pending+=("$svc") ;;
            esac
        done
        if ((${#failed[@]})); then
            report_unready "an update was rolled back or paused" "${failed[@]}"
            return 1
        fi
        if ((${#pending[@]} == 0)); then
            step "all ${#STACK_SERVICES[@]} services running and healthy"
            return 0
        fi
        if ((SECONDS >= deadline)); then
            report_unready "not healthy after ${WAIT_SECONDS}s" "${pending[@]}"
            return 1
        fi
        if ((SECONDS - last_report >= 30)); then
            local s summary=
            for s in "${pending[@]}"; do summary+="; $s: ${state[$s]}"; done
            step "$((${#STACK_SERVICES[@]} - ${#pending[@]}))/${#STACK_SERVICES[@]} ready; waiting for ${summary#; }"
            last_report=$SECONDS
        fi
        sleep 5
    done
}

report_unready() { # report_unready WHY SERVICE...
    local why=$1 svc
    shift
    log "ERROR: $why: $*"
    for svc in "$@"; do
        printf '\n=== %s: %s\n' "$svc" "${state[$svc]}" >&2
        docker service ps --no-trunc --format '{{.Name}} {{.CurrentState}} {{.Error}}' "${STACK}_$svc" 2>&1 |
            head -n 5 >&2
        printf -- '--- docker service logs --tail 30 %s_%s\n' "$STACK" "$svc" >&2
        timeout 20 docker service logs --tail 30 --no-task-ids --timestamps "${STACK}_$svc" 2>&1 | cut -c1-400 >&2 || true
    done
    printf '\n' >&2
    log "make status shows every task; docker service logs ${STACK}_<service> the whole log"
}

# prune_old: configs, secrets and deploy tags of earlier deploys that nothing uses any more.
# Removal of one still in use fails, which is fine: it stays.
prune_old() {
    local name
    for name in $(docker config ls --filter "label=com.docker.stack.namespace=$STACK" --format '{{.Name}}'); do
        [[ $name == *_"$CURRENT_CONFIG_VERSION" ]] || docker config rm "$name" >/dev/null 2>&1 || true
    done
    for name in $(docker secret ls --filter "label=com.docker.stack.namespace=$STACK" --format '{{.Name}}'); do
        [[ $name == *_"$CURRENT_SECRETS_VERSION" ]] || docker secret rm "$name" >/dev/null 2>&1 || true
    done
    local svc ref current
    for svc in "${STACK_SERVICES[@]}"; do
        current=$(cat ".run/images/$svc.ref")
        # Deploy tags: c-<content hash>, and <commit>-<image id> of builds before content tags.
        for ref in $(docker image ls "goblog/$svc" --format '{{.Repository}}:{{.Tag}}' | grep -E -- ':(c-[0-9a-f]{12}|[0-9a-f]{7,}-[0-9a-f]{10})$'); do
            [[ $ref == "$current" ]] || docker image rm "$ref" >/dev/null 2>&1 || true
        done
    done
}

print_urls() {
    cat <<EOF

goblog is up on Docker Swarm (stack '$STACK', $(elapsed "$START")):

  edge (the public API)   https://localhost:8765/api/accounts/10000   (HTTPS only, TLS 1.2+)
      its CA (trust it):  $ROOT/.secrets/edge_ca.pem
      curl --cacert $ROOT/.secrets/edge_ca.pem -H "Authorization: Bearer \$(make -s token)" https://localhost:8765/api/accounts/10000
  Operator console :7979  user operator, password in $ROOT/.secrets/operator_password
      Zipkin (traces):    http://localhost:7979/zipkin/   (the edge returns X-B3-TraceId)
      Hystrix dashboard:  http://localhost:7979/hystrix   paste this stream:
                          http://turbine:8282/turbine.stream?cluster=accountservice
      (Zipkin and turbine publish no port: the console reaches them inside the overlay network)
      e.g. curl -u "operator:\$(cat .secrets/operator_password)" http://localhost:7979/zipkin/api/v2/services
  RabbitMQ management     http://localhost:15672/   user admin, password in $ROOT/.secrets/amqp_password_admin
  Logs (VictoriaLogs)     http://localhost:9428/select/vmui/   user admin, password in $ROOT/.secrets/logstore_password
      make logs TRACE=<X-B3-TraceId>     every service's lines of one request, in time order
      make logs SERVICE=accountservice LEVEL=warn
  Prometheus (metrics)    http://localhost:9090/   user operator, password in $ROOT/.secrets/prometheus_password
      operator page:      http://localhost:9090/consoles/goblog.html   (rates, errors, latency, memory, CPU, circuits, broker)
      alerts:             http://localhost:9090/classic/alerts   (targets: /classic/targets)
      e.g. curl -u "operator:\$(cat .secrets/prometheus_password)" 'http://localhost:9090/api/v1/query?query=up'

  make token    a fresh access token of the auth-server (also at https://localhost:8765/oauth2/token)
  make status   services and the health of each task
  make e2e      the end-to-end suite against this stack
  make down     remove the stack
EOF
}

"$DEPLOY/ensure-docker.sh"
((IMAGES_ONLY)) || [[ -n ${GOBLOG_IMAGE_ENV:-} ]] || preflight
if [[ ${SKIP_BUILD:-0} != 1 ]]; then
    build
fi
if ((IMAGES_ONLY)); then
    step "images built"
    exit 0
fi
deploy
if ! wait_healthy; then
    exit 1
fi
if [[ -n $PREVIOUS_CONFIG_VERSION && $PREVIOUS_CONFIG_VERSION != "$CURRENT_CONFIG_VERSION" ]]; then
    step "the config repo changed ($PREVIOUS_CONFIG_VERSION -> $CURRENT_CONFIG_VERSION): refresh through the bus"
    "$DEPLOY/refresh-config.sh" || log "WARNING: the refresh failed: run make refresh"
fi
prune_old
[[ -n ${GOBLOG_IMAGE_ENV:-} ]] || print_urls
