#!/usr/bin/env bash
# nodes-up.sh (`make up NODES=3`): the goblog stack on the three-node Swarm of deploy/nodes.sh.
#
#   1. deploy/nodes.sh up: the nodes, their swarm and the registry (reused when they run)
#   2. the images, built by the main engine as for `make up` (deploy/up.sh --images-only; SKIP_BUILD=1
#      skips it and takes the refs of the last build, .run/images/<service>.ref)
#   3. each image pushed to the registry (only the layers it lacks) and named by its digest:
#      198.18.0.2:5000/goblog/<service>@sha256:...; a node pulls exactly that content, never a tag
#      that moved. The names go to .run/nodes/images.env
#   4. deploy/up.sh against node 1 (the manager) with those names: the same stack file, configs,
#      secrets, the wait until every service is healthy (each task's health asked of its node)
#   5. the URLs, at the address of the node each published service runs on (the edge on node 1:
#      the stack places it on a manager), and .run/nodes/e2e.env for `make e2e NODES=3`
#
# Nothing here touches the main engine's swarm or stack; both can run at the same time.
# Environment: SKIP_BUILD=1 (see 2), UP_WAIT_SECONDS (deploy/up.sh).
set -euo pipefail
LOG_NAME=nodes-up
# shellcheck source=deploy/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

START=$SECONDS
PUSH=127.0.0.1:${NODES_PUSH_PORT:-5000}
PULL=198.18.0.2:5000
OUT=$ROOT/.run/nodes
# The probe image of the e2e suite runs on the manager too.
PROBE_IMAGE=goblog/base-jre:17

step() { log "[$(elapsed "$START")] $*"; }

# push IMAGE REPOSITORY: pushes IMAGE (of the main engine) as PUSH/REPOSITORY and prints the
# reference the nodes pull, PULL/REPOSITORY@<digest>.
push() {
    local image=$1 repo=$2 tag digest out
    tag=$PUSH/$repo:${image##*:}
    out=$(docker tag "$image" "$tag" 2>&1 && docker push -q "$tag" 2>&1) || die "pushing $image as $tag: $out"
    digest=$(docker image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' "$tag" |
        grep -F "$PUSH/$repo@" | head -n 1)
    [[ -n $digest ]] || die "no digest for $tag after the push"
    docker rmi "$tag" >/dev/null # the tag only served the push; the main engine keeps the image
    echo "$PULL/$repo@${digest#*@}"
}

push_all() {
    local svc ref var pushed
    mkdir -p "$OUT"
    : >"$OUT/images.env.new"
    for svc in "${STACK_SERVICES[@]}"; do
        ref=$(cat ".run/images/$svc.ref" 2>/dev/null) || die "no image built for $svc: run without SKIP_BUILD"
        pushed=$(push "$ref" "goblog/$svc")
        var=$(tr 'a-z-' 'A-Z_' <<<"$svc")_IMAGE
        printf '%s=%s\n' "$var" "$pushed" >>"$OUT/images.env.new"
    done
    mv "$OUT/images.env.new" "$OUT/images.env"
    PROBE_REF=$(push "$PROBE_IMAGE" goblog/base-jre)
}

# node_of SERVICE: the address of the node that runs SERVICE's first running task.
node_of() {
    local node
    node=$(docker service ps --filter desired-state=running --format '{{.Node}}' "${STACK}_$1" 2>/dev/null | head -n 1)
    [[ -n $node ]] || { echo "?"; return; }
    docker node inspect --format '{{.Status.Addr}}' "$node"
}

write_e2e_env() {
    local edge=$1 zipkin=$2 turbine=$3 rabbit=$4
    cat >"$OUT/e2e.env" <<EOF
DOCKER_HOST=$DOCKER_HOST
GOBLOG_NODE_HOSTS="$GOBLOG_NODE_HOSTS"
E2E_EDGE_URL=https://$edge:8765
E2E_ZIPKIN_URL=http://$zipkin:9411
E2E_TURBINE_URL=http://$turbine:8282
E2E_RABBITMQ_MANAGEMENT_URL=http://$rabbit:15672
E2E_PROBE_IMAGE=$PROBE_REF
E2E_NODES=3
EOF
}

print_urls() {
    local edge zipkin dash turbine rabbit
    edge=$(node_of edge-server)
    zipkin=$(node_of zipkin)
    dash=$(node_of hystrix-dashboard)
    turbine=$(node_of turbine)
    rabbit=$(node_of rabbitmq)
    write_e2e_env "$edge" "$zipkin" "$turbine" "$rabbit"
    cat <<EOF

goblog is up on the three-node Swarm (stack '$STACK', $(elapsed "$START")); from this host:

  edge (the public API)   https://$edge:8765/api/accounts/10000  (curl --cacert $ROOT/.secrets/edge_ca.pem)     (node 1, the manager)
  Zipkin (traces)         http://$zipkin:9411/zipkin/
  Hystrix dashboard       http://$dash:7979/hystrix   (stream: http://turbine:8282/turbine.stream?cluster=accountservice)
  RabbitMQ management     http://$rabbit:15672/     (the data node) user admin, password in $ROOT/.secrets/amqp_password_admin

  docker CLI of the manager:  export DOCKER_HOST=$DOCKER_HOST
  deploy/nodes.sh status      the nodes, their memory, the registry
  make e2e NODES=3            the three-node stories against this stack
  make down NODES=3           the stack, the nodes and the registry away (data directories stay)
EOF
}

step "nodes and registry: deploy/nodes.sh up"
"$DEPLOY/nodes.sh" up
if [[ ${SKIP_BUILD:-0} != 1 ]]; then
    step "images: deploy/up.sh --images-only (main engine)"
    "$DEPLOY/up.sh" --images-only
fi
step "pushing ${#STACK_SERVICES[@]} images and the probe image to the registry ($PUSH = $PULL)"
push_all
step "pushed"
DOCKER_HOST=$("$DEPLOY/nodes.sh" env 1)
DOCKER_HOST=${DOCKER_HOST#DOCKER_HOST=}
GOBLOG_NODE_HOSTS=
for n in 2 3; do
    h=$("$DEPLOY/nodes.sh" env "$n")
    GOBLOG_NODE_HOSTS+="${GOBLOG_NODE_HOSTS:+ }${h#DOCKER_HOST=}"
done
export DOCKER_HOST GOBLOG_NODE_HOSTS
# The edge's certificate names the nodes' addresses too (deploy/edge-tls.sh reissues it when its
# names change), so https://<node>:8765 verifies against .secrets/edge_ca.pem.
node_addrs=198.18.0.11,198.18.0.12,198.18.0.13
export EDGE_TLS_HOSTS=${EDGE_TLS_HOSTS:+$EDGE_TLS_HOSTS,}$node_addrs
# Every node's Docker daemon ships its containers' lines to the log store on the data node (node 3):
# 127.0.0.1 would be each node's own address, where nothing listens.
export LOGSTORE_SYSLOG_ADDRESS=${LOGSTORE_SYSLOG_ADDRESS:-udp://198.18.0.13:5140}
step "deploying on node 1: deploy/up.sh (SKIP_BUILD=1, the registry's references)"
SKIP_BUILD=1 GOBLOG_IMAGE_ENV=$OUT/images.env "$DEPLOY/up.sh"
print_urls
