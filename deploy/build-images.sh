#!/usr/bin/env bash
# build-images.sh: every goblog image, tagged goblog/<service>:<git short commit> and :latest.
#
#   Go (FROM scratch):  accountservice vipservice imageservice turbine   from bin/<service>
#   JVM (FROM goblog/base-jre:17):  quotes-service configserver edge-server hystrix-dashboard zipkin
#                       auth-server
#                       from support/<service>/target/<service>.jar (or the one jar found there)
#   rabbitmq (FROM goblog/base-rabbitmq:3.10)
#   quotes-service-tuned: quotes-service's jar with tuned JVM settings and a class-data sharing
#                       archive (deploy/jvm-tuned.Dockerfile); only when named, for the GoVsJvm
#                       load test (loadtest/run.sh), not part of the default set or the stack
#   postgres (FROM goblog/base-postgres:15)
#   logstore (FROM scratch): VictoriaLogs from bin/victoria-logs (deploy/build-logstore.sh)
#   prometheus (FROM goblog/base-prometheus:2.42)   with support/prometheus/
#
# Nothing is compiled here: `make build` makes bin/, Maven makes the jars. An image whose binary or
# jar is missing is skipped with a message (REQUIRE_ALL=1 makes that an error). The base images are
# made first when absent (deploy/build-base-images.sh). Each build gets a small context staged in
# .run/images/<service>/ (hard links), never the whole repository.
#
# Each image also gets a deploy tag, c-<12 hex digits of a hash over what goes into it (Dockerfile,
# build arguments, base image, context files)>, written to .run/images/<service>.ref for up.sh; an
# image that already exists under that tag is reused, not rebuilt.
#
# Usage: deploy/build-images.sh [service...]      (default: all)
# Environment:
#   IMAGE_TAG     tag besides latest (default: git short commit, "-dirty" when the tree has changes)
#   REQUIRE_ALL=1 fail when a binary or jar is missing
#   GO_IMAGE_MAX_MB  size limit of a Go image (default 25)
#   BIN_DIR       where the Go binaries are (default bin)
set -euo pipefail

DEPLOY=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$DEPLOY/.." && pwd)
cd "$ROOT"

GO_SERVICES=(accountservice vipservice imageservice turbine)
# service:port:health path
JVM_SERVICES=(
    quotes-service:8080:/actuator/health
    configserver:8888:/actuator/health/readiness
    edge-server:8766:/actuator/health
    hystrix-dashboard:7979:/actuator/health
    zipkin:9411:/health
    auth-server:9999:/actuator/health
)
REQUIRE_ALL=${REQUIRE_ALL:-0}
GO_IMAGE_MAX_MB=${GO_IMAGE_MAX_MB:-25}
BIN_DIR=${BIN_DIR:-bin}

log() { printf 'build-images: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

image_tag() {
    if [[ -n ${IMAGE_TAG:-} ]]; then
        echo "$IMAGE_TAG"
        return
    fi
    local tag
    tag=$(git rev-parse --short HEAD 2>/dev/null) || die "not a git checkout: set IMAGE_TAG"
    if [[ -n $(git status --porcelain --untracked-files=no 2>/dev/null) ]]; then
        tag+=-dirty
    fi
    echo "$tag"
}
TAG=$(image_tag)
REVISION=$(git rev-parse HEAD 2>/dev/null || echo unknown)

BUILT=()
SKIPPED=()
LAST_SIZE=0

skip() { # skip SERVICE REASON
    if [[ $REQUIRE_ALL == 1 ]]; then
        die "$1: $2"
    fi
    log "SKIP $1: $2"
    SKIPPED+=("$1 ($2)")
}

# stage SERVICE FILE...: a fresh build context .run/images/SERVICE; FILE is SRC[=DEST].
stage() {
    local ctx=$ROOT/.run/images/$1 spec src dest
    shift
    rm -rf "$ctx"
    mkdir -p "$ctx"
    for spec in "$@"; do
        src=${spec%%=*}
        dest=${spec#*=}
        [[ $spec == *=* ]] || dest=$(basename "$src")
        mkdir -p "$ctx/$(dirname "$dest")"
        ln "$src" "$ctx/$dest" 2>/dev/null || cp -p "$src" "$ctx/$dest"
    done
    echo "$ctx"
}

# content_ref SERVICE DOCKERFILE CONTEXT [docker build args...]: the deploy reference of what
# this build would make, goblog/SERVICE:c-<12 hex digits> over everything that goes into the
# image: the Dockerfile, the build arguments, the id of the base image it names (ARG BASE=...),
# and every file of the context with its path and mode.
content_ref() {
    local svc=$1 dockerfile=$2 ctx=$3
    shift 3
    local base hash
    base=$(sed -n 's/^ARG BASE=//p' "$dockerfile" | head -n 1)
    hash=$({
        printf 'dockerfile\n'
        cat "$dockerfile"
        printf 'args %s\n' "$*"
        if [[ -n $base ]]; then
            printf 'base %s\n' "$(docker image inspect --format '{{.Id}}' "$base" 2>/dev/null || echo missing)"
        fi
        (cd "$ctx" && find . -type f -printf '%p %m\n' | LC_ALL=C sort |
            while read -r f mode; do
                printf 'file %s %s %s\n' "$f" "$mode" "$(sha256sum <"$f" | cut -c1-64)"
            done)
    } | sha256sum | cut -c1-12)
    echo "goblog/$svc:c-$hash"
}

# build SERVICE DOCKERFILE CONTEXT [docker build args...]
build() {
    local svc=$1 dockerfile=$2 ctx=$3
    shift 3
    local start=$SECONDS ref size
    # The deploy reference names the image's content, not the commit: a commit that changes
    # nothing in an image keeps its reference, so Swarm rolls exactly the services whose image
    # changed (a roll of RabbitMQ on every commit restarted the broker under the other services).
    # An image already built for this content is reused, not rebuilt. up.sh deploys what
    # .run/images/<svc>.ref names.
    ref=$(content_ref "$svc" "$dockerfile" "$ctx" "$@")
    if docker image inspect "$ref" >/dev/null 2>&1; then
        log "$svc: unchanged: $ref"
    else
        log "$svc: docker build -f ${dockerfile#"$ROOT"/} -> $ref"
        if ! docker build -q -f "$dockerfile" "$@" \
            --label "org.opencontainers.image.revision=$REVISION" \
            --label "org.opencontainers.image.title=goblog-$svc" \
            -t "$ref" "$ctx" >"$ctx.build.log" 2>&1; then
            cat "$ctx.build.log" >&2
            die "$svc: docker build failed"
        fi
    fi
    docker tag "$ref" "goblog/$svc:$TAG"
    docker tag "$ref" "goblog/$svc:latest"
    size=$(docker image inspect --format '{{.Size}}' "$ref")
    echo "$ref" >"$ROOT/.run/images/$svc.ref"
    log "$svc: $((SECONDS - start))s, $((size / 1000000)) MB: $ref"
    BUILT+=("$ref $((size / 1000000)) MB")
    LAST_SIZE=$size
}

build_go() {
    local svc=$1
    local bin=$BIN_DIR/$svc
    [[ -x $bin ]] || { skip "$svc" "$bin is missing: run 'make build'"; return; }
    [[ -x $BIN_DIR/healthchecker ]] || { skip "$svc" "$BIN_DIR/healthchecker is missing: run 'make build'"; return; }
    # A dynamically linked binary cannot run FROM scratch.
    if command -v file >/dev/null 2>&1 && file -L "$bin" | grep -q 'dynamically linked'; then
        die "$svc: $bin is dynamically linked: build it with CGO_ENABLED=0"
    fi
    local ctx
    ctx=$(stage "$svc" "$bin=bin/$svc" "$BIN_DIR/healthchecker=bin/healthchecker")
    mkdir -p "$ctx/data" # accountservice's /data; harmless for the others
    build "$svc" "$DEPLOY/$svc.Dockerfile" "$ctx"
    if ((LAST_SIZE > GO_IMAGE_MAX_MB * 1000000)); then
        die "$svc: image is $((LAST_SIZE / 1000000)) MB, more than ${GO_IMAGE_MAX_MB} MB"
    fi
}

# find_jar SERVICE: support/SERVICE/target/SERVICE.jar, else the only executable-looking jar there.
find_jar() {
    local dir=support/$1/target
    if [[ -f $dir/$1.jar ]]; then
        echo "$dir/$1.jar"
        return
    fi
    local jars=()
    shopt -s nullglob
    for j in "$dir"/*.jar; do
        case $j in *-sources.jar | *-javadoc.jar | *-tests.jar | *.original) continue ;; esac
        jars+=("$j")
    done
    shopt -u nullglob
    ((${#jars[@]} == 1)) && echo "${jars[0]}"
    return 0
}

build_jvm() {
    local svc=$1 port=$2 health=$3 jar ctx
    jar=$(find_jar "$svc")
    [[ -n $jar ]] || { skip "$svc" "no jar in support/$svc/target/: run the Maven build"; return; }
    ctx=$(stage "$svc" "$jar=app.jar" "$DEPLOY/files/http-health=http-health")
    build "$svc" "$DEPLOY/jvm.Dockerfile" "$ctx" \
        --build-arg PORT="$port" --build-arg HEALTH_PATH="$health"
}

# build_tuned: quotes-service's jar in deploy/jvm-tuned.Dockerfile (a training run at build time
# makes the class-data sharing archive, so a build takes some 20-40 s).
build_tuned() {
    local jar ctx
    jar=$(find_jar quotes-service)
    [[ -n $jar ]] || { skip quotes-service-tuned "no jar in support/quotes-service/target/: run the Maven build"; return; }
    ctx=$(stage quotes-service-tuned "$jar=app.jar" "$DEPLOY/files/http-health=http-health")
    build quotes-service-tuned "$DEPLOY/jvm-tuned.Dockerfile" "$ctx" \
        --build-arg PORT=8080 --build-arg HEALTH_PATH=/actuator/health
}

build_postgres() {
    local ctx
    ctx=$(stage postgres "$DEPLOY/files/postgres-entrypoint.sh=postgres-entrypoint.sh")
    build postgres "$DEPLOY/postgres.Dockerfile" "$ctx"
}

# build_logstore: VictoriaLogs and the healthchecker FROM scratch (deploy/logstore.Dockerfile).
build_logstore() {
    local bin=$BIN_DIR/victoria-logs ctx
    [[ -x $bin ]] || { skip logstore "$bin is missing: run deploy/build-logstore.sh"; return; }
    [[ -x $BIN_DIR/healthchecker ]] || { skip logstore "$BIN_DIR/healthchecker is missing: run 'make build'"; return; }
    ctx=$(stage logstore "$bin=bin/victoria-logs" "$BIN_DIR/healthchecker=bin/healthchecker")
    mkdir -p "$ctx/data"
    build logstore "$DEPLOY/logstore.Dockerfile" "$ctx"
}

build_rabbitmq() {
    local ctx
    ctx=$(stage rabbitmq "$DEPLOY/files/rabbitmq.conf=rabbitmq.conf" \
        "$DEPLOY/files/rabbitmq-entrypoint.sh=rabbitmq-entrypoint.sh")
    build rabbitmq "$DEPLOY/rabbitmq.Dockerfile" "$ctx"
}

build_prometheus() {
    local src=support/prometheus f files=()
    files=("$src/prometheus.yml=prometheus.yml" "$src/prometheus-health=prometheus-health")
    for f in "$src"/rules/*.yml "$src"/consoles/*; do
        files+=("$f=${f#"$src"/}")
    done
    local ctx
    ctx=$(stage prometheus "${files[@]}")
    build prometheus "$DEPLOY/prometheus.Dockerfile" "$ctx"
}

main() {
    local want=("$@") all=() s
    all=("${GO_SERVICES[@]}")
    for s in "${JVM_SERVICES[@]}"; do all+=("${s%%:*}"); done
    all+=(rabbitmq postgres logstore prometheus)
    ((${#want[@]})) || want=("${all[@]}")
    for s in "${want[@]}"; do
        [[ " ${all[*]} quotes-service-tuned " == *" $s "* ]] || die "unknown service '$s' (${all[*]} quotes-service-tuned)"
    done
    selected() { [[ " ${want[*]} " == *" $1 "* ]]; }

    "$DEPLOY/ensure-docker.sh"
    local bases=()
    for s in "${JVM_SERVICES[@]}" quotes-service-tuned; do selected "${s%%:*}" && { bases+=(jre); break; }; done
    selected rabbitmq && bases+=(rabbitmq)
    selected postgres && bases+=(postgres)
    selected prometheus && bases+=(prometheus)
    ((${#bases[@]} == 0)) || "$DEPLOY/build-base-images.sh" "${bases[@]}"

    for s in "${GO_SERVICES[@]}"; do selected "$s" && build_go "$s"; done
    local spec svc rest
    for spec in "${JVM_SERVICES[@]}"; do
        svc=${spec%%:*}
        rest=${spec#*:}
        selected "$svc" && build_jvm "$svc" "${rest%%:*}" "${rest#*:}"
    done
    selected quotes-service-tuned && build_tuned
    selected rabbitmq && build_rabbitmq
    selected postgres && build_postgres
    selected logstore && build_logstore
    selected prometheus && build_prometheus

    log "built ${#BUILT[@]}, skipped ${#SKIPPED[@]} (tag $TAG):"
    for s in "${BUILT[@]}"; do log "  built   $s"; done
    for s in "${SKIPPED[@]}"; do log "  skipped $s"; done
}

main "$@"
