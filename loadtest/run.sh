#!/usr/bin/env bash
# run.sh: one Gatling load test against the goblog stack, with the footprint of every container,
# written to loadtest/report/<timestamp>-<simulation>-<load>/ (see loadtest/README.md).
#
#   1. waits while an e2e run is going on (it scales and kills tasks);
#   2. makes sure the stack is deployed and healthy: `make up` only when it is missing or a service
#      is below its desired replicas, never when it is already up;
#   3. compiles the simulations (and, for GoVsJvm, builds the load image goblog/loadtest-gatling);
#   4. records start-to-ready and image size of every service (facts.json);
#   5. samples `docker stats` once a second (samples.jsonl): IDLE seconds of baseline, then the load;
#   6. runs Gatling: GetAccounts from the host through the edge (the Maven plugin), GoVsJvm from a
#      container attached to the stack's overlay network (imageservice and quotes-service publish
#      no port, and the stack stays as deployed);
#   7. writes summary.md, summary.html, memory.svg, cpu.svg and summary.json next to Gatling's report.
#
# Environment:
#   SIMULATION   GetAccounts (default) or GoVsJvm
#   USERS        GetAccounts: virtual users, each one request a second (default 100)
#   POSTS        GetAccounts: POST /accounts out of every 100 requests, 0-100 (default 0: reads
#                only); 20 is the write-heavy scenario of issue 9
#   RATE         GoVsJvm: requests per second on each of the two services (default 200)
#   DURATION     seconds of load, the ramp included (default 60)
#   RAMP         seconds of ramp (default 15 for GetAccounts, 10 for GoVsJvm)
#   TUNED        GoVsJvm: 1 (default) also loads quotes-service-tuned, the same jar with tuned JVM
#                settings (deploy/jvm-tuned.Dockerfile), deployed as goblog_quotes-service-tuned for
#                the run and removed after it; 0: imageservice and quotes-service only
#   WARMUP       GoVsJvm: seconds of the same load before the baseline, not measured (default 60 with
#                TUNED=1, else 0): quotes-service-tuned has just started and would be measured while
#                it loads classes and compiles, against twins that have served the stack for a while
#   BASE_URL     GetAccounts target (default https://localhost:8765/api, the edge)
#   EDGE_CA_FILE the CA Gatling trusts for HTTPS (default <repo>/.secrets/edge_ca.pem, made by
#                deploy/edge-tls.sh); Gatling would otherwise accept any certificate
#   IDLE         seconds of idle baseline before the load (default 20)
#   AFTER        seconds of idle after the load, still sampled (default 0: none); the report gives
#                each container's memory 2 and 10 minutes after the load's end when AFTER reaches
#                them (AFTER=600 for both): does memory come back down once the load is over?
#   SETTLE       before the baseline, wait at most this many seconds (default 120) until the
#                whole machine is below SETTLE_CPU % of one core (default 40) over 10 s: JVMs keep
#                compiling for minutes after a deploy, and the baseline should be idle
#   STRICT       1 (default): exit 1 when any request failed; 0: report and exit 0
#   ENSURE_STACK 1 (default): deploy with `make up` when needed; 0: fail when the stack is not up
#   E2E_WAIT     seconds to wait for a running e2e test to end (default 1800)
#   REPORT_ROOT  where the report folders go (default loadtest/report)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
STACK=goblog
NETWORK=${STACK}_goblog
LOAD_IMAGE=goblog/loadtest-gatling:latest

SIMULATION=${SIMULATION:-GetAccounts}
USERS=${USERS:-100}
POSTS=${POSTS:-0}
RATE=${RATE:-200}
DURATION=${DURATION:-60}
BASE_URL=${BASE_URL:-https://localhost:8765/api}
EDGE_CA_FILE=${EDGE_CA_FILE:-$ROOT/.secrets/edge_ca.pem}
IDLE=${IDLE:-20}
AFTER=${AFTER:-0}
TUNED=${TUNED:-1}
WARMUP=${WARMUP:-$((TUNED == 1 ? 60 : 0))}
SETTLE=${SETTLE:-120}
SETTLE_CPU=${SETTLE_CPU:-40}
STRICT=${STRICT:-1}
ENSURE_STACK=${ENSURE_STACK:-1}
E2E_WAIT=${E2E_WAIT:-1800}
REPORT_ROOT=${REPORT_ROOT:-$HERE/report}
case $SIMULATION in
GetAccounts) RAMP=${RAMP:-15}; LABEL="${USERS} users"; ((POSTS == 0)) || LABEL+=" ${POSTS}% POSTs" ;;
GoVsJvm) RAMP=${RAMP:-10}; LABEL="${RATE} req/s" ;;
*) echo "run.sh: SIMULATION must be GetAccounts or GoVsJvm, not $SIMULATION" >&2; exit 2 ;;
esac
for v in USERS POSTS RATE DURATION RAMP IDLE AFTER WARMUP SETTLE SETTLE_CPU; do
    [[ ${!v} =~ ^[0-9]+$ ]] || { echo "run.sh: $v must be a whole number, not ${!v}" >&2; exit 2; }
done
((POSTS <= 100)) || { echo "run.sh: POSTS ($POSTS) is a share of 100 requests" >&2; exit 2; }
[[ $TUNED == 0 || $TUNED == 1 ]] || { echo "run.sh: TUNED must be 0 or 1, not $TUNED" >&2; exit 2; }
[[ $SIMULATION == GoVsJvm ]] || { TUNED=0; WARMUP=0; }
((RAMP <= DURATION)) || { echo "run.sh: RAMP ($RAMP) is longer than DURATION ($DURATION)" >&2; exit 2; }

log() { printf '%s loadtest: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

MVN=(mvn -B -q -Dstyle.color=never -f "$HERE/pom.xml")
# mvn -q still prints colour resets on empty lines: keep only what says something.
mvnq() { "${MVN[@]}" "$@" 2>&1 | sed -e 's/\x1b\[[0-9;]*m//g' -e '/^[[:space:]]*$/d' >&2; }

# ancestors: this shell and every process above it, whose command lines may well name
# "make e2e" (bash -c 'make e2e && make loadtest-smoke') without being someone else's run.
ancestors() {
    local pid=$$
    while [[ -n $pid && $pid -gt 1 ]]; do
        echo "$pid"
        pid=$(ps -o ppid= -p "$pid" 2>/dev/null | tr -d ' ')
    done
}

# docker_host_of PID: the DOCKER_HOST a process talks to (empty: the default engine).
docker_host_of() {
    tr '\0' '\n' <"/proc/$1/environ" 2>/dev/null | sed -n 's/^DOCKER_HOST=//p'
}

# e2e_running: an e2e run or a deploy other than our own ancestors is in progress on the engine
# this run uses. Not counted: a deploy to another engine (such as the nodes of `make up NODES=3`),
# which leaves this stack alone, and a `flock ... make e2e` still waiting for the system lock
# (its command, once it has the lock, runs as a child that is counted).
e2e_running() {
    local mine pid
    mine=" $(ancestors | tr '\n' ' ') "
    for pid in $(pgrep -f 'make e2e|e2e\.test|go (test|vet) -tags e2e|deploy/(up|down)\.sh'); do
        [[ $mine == *" $pid "* ]] && continue
        [[ $(ps -o comm= -p "$pid" 2>/dev/null) == flock ]] && continue
        [[ $(docker_host_of "$pid") == "${DOCKER_HOST:-}" ]] && return 0
    done
    return 1
}

# Set once this run has seen someone else's e2e run or deploy.
SAW_OTHERS=0

wait_for_e2e() {
    local waited=0
    while e2e_running; do
        SAW_OTHERS=1
        ((waited == 0)) && log "an e2e run or a deploy is in progress; waiting for it to end (at most ${E2E_WAIT}s)"
        ((waited < E2E_WAIT)) || die "the e2e run did not end within ${E2E_WAIT}s"
        sleep 10
        waited=$((waited + 10))
    done
}

# Lines "name running/desired" of the stack's services.
service_replicas() {
    docker service ls --filter "label=com.docker.stack.namespace=$STACK" --format '{{.Name}} {{.Replicas}}'
}

stack_ready() {
    docker stack ls --format '{{.Name}}' 2>/dev/null | grep -qx "$STACK" || return 1
    local lines reps
    lines=$(service_replicas) || return 1
    [[ -n $lines ]] || return 1
    while read -r _ reps; do
        reps=${reps%% *}
        [[ ${reps%/*} == "${reps#*/}" && ${reps#*/} != 0 ]] || return 1
    done <<<"$lines"
    # Every task container healthy (none starting or unhealthy).
    ! docker ps --filter "label=com.docker.stack.namespace=$STACK" --format '{{.Status}}' |
        grep -qv '(healthy)'
}

ensure_stack() {
    if stack_ready; then
        log "stack $STACK is up and healthy: no deploy"
        return
    fi
    if ! docker stack ls --format '{{.Name}}' 2>/dev/null | grep -qx "$STACK" ||
        service_replicas | awk '{split($2, r, "/"); if (r[1] < r[2]) bad = 1} END {exit !bad}'; then
        [[ $ENSURE_STACK == 1 ]] || die "stack $STACK is not up (ENSURE_STACK=0)"
        # Someone else was busy with the stack: a `make down` may be followed by their own
        # `make up`. Give them a minute rather than deploying over them.
        if ((SAW_OTHERS)); then
            local quiet=0
            log "the stack is down after someone else's e2e run or deploy: watching for a minute"
            while ((quiet < 60)); do
                if e2e_running; then
                    wait_for_e2e
                    quiet=0
                else
                    sleep 5
                    quiet=$((quiet + 5))
                fi
            done
            stack_ready && { log "stack $STACK is up and healthy: no deploy"; return; }
        fi
        if ! docker stack ls --format '{{.Name}}' 2>/dev/null | grep -qx "$STACK" ||
            service_replicas | awk '{split($2, r, "/"); if (r[1] < r[2]) bad = 1} END {exit !bad}'; then
            log "stack $STACK is missing or below its replicas: make up"
            make -C "$ROOT" up
        fi
    fi
    log "waiting for every task of $STACK to be healthy"
    local deadline=$((SECONDS + 600))
    until stack_ready; do
        ((SECONDS < deadline)) || { service_replicas >&2; die "stack $STACK not healthy after 600 s"; }
        sleep 5
    done
    log "stack $STACK is up and healthy"
}

# The GoVsJvm load image: rebuilt from the compiled classes and the dependency jars; Docker's
# layer cache makes an unchanged rebuild take a second.
build_load_image() {
    local ctx=$HERE/target/image
    mvnq dependency:copy-dependencies -DincludeScope=test -DoutputDirectory="$HERE/target/lib"
    rm -rf "$ctx"
    mkdir -p "$ctx"
    cp -al "$HERE/target/lib" "$ctx/lib"
    cp -a "$HERE/target/test-classes" "$ctx/classes"
    docker image inspect goblog/base-jre:17 >/dev/null 2>&1 ||
        die "goblog/base-jre:17 is missing: deploy/build-base-images.sh makes it"
    local out
    out=$(docker build -t "$LOAD_IMAGE" -f "$HERE/Dockerfile" "$ctx" 2>&1) || { echo "$out" >&2; die "docker build of $LOAD_IMAGE failed"; }
}

# The tuned twin of quotes-service is not part of the stack (it would cost every deploy a JVM):
# it joins it for a GoVsJvm run, labelled as one of the stack's services so that the report
# samples it like the others and `make down` removes it too, and leaves after the run. DNS round
# robin as the stack's own services (endpoint_mode: dnsrr): a virtual IP is not routed here.
TUNED_SERVICE=${STACK}_quotes-service-tuned
TUNED_CREATED=0

deploy_tuned() {
    log "building goblog/quotes-service-tuned (a class-data sharing training run the first time)"
    rm -f "$ROOT/.run/images/quotes-service-tuned.ref"
    REQUIRE_ALL=1 "$ROOT/deploy/build-images.sh" quotes-service-tuned >&2 ||
        die "no quotes-service-tuned image (needs support/quotes-service/target/*.jar: make -C support), or run with TUNED=0"
    local ref
    ref=$(cat "$ROOT/.run/images/quotes-service-tuned.ref")
    docker service rm "$TUNED_SERVICE" >/dev/null 2>&1 || true
    log "deploying $TUNED_SERVICE ($ref)"
    TUNED_CREATED=1
    docker service create --detach --quiet --name "$TUNED_SERVICE" \
        --label "com.docker.stack.namespace=$STACK" --container-label "com.docker.stack.namespace=$STACK" \
        --network "name=$NETWORK,alias=quotes-service-tuned" --endpoint-mode dnsrr \
        --limit-memory 512M --stop-grace-period 20s \
        --env ZIPKIN_BASE_URL=http://zipkin:9411 --env GOBLOG_QUOTES_AUTH_REQUIRED=true \
        --env GOBLOG_QUOTES_AUTH_JWKS_URL=http://auth-server:9999/oauth2/jwks "$ref" >/dev/null
    local deadline=$((SECONDS + 300))
    until docker ps --filter "label=com.docker.swarm.service.name=$TUNED_SERVICE" --format '{{.Status}}' |
        grep -q '(healthy)'; do
        ((SECONDS < deadline)) || die "$TUNED_SERVICE not healthy after 300 s"
        sleep 3
    done
    log "$TUNED_SERVICE is healthy"
}

remove_tuned() {
    ((TUNED_CREATED)) || return 0
    docker service rm "$TUNED_SERVICE" >/dev/null 2>&1 || true
    TUNED_CREATED=0
}

write_meta() {
    python3 - "$RUN_DIR/meta.json" <<'EOF'
import json, os, sys
env = os.environ
meta = {k: env.get("M_" + k.upper()) for k in
        ["run_id", "simulation", "label", "users", "rate", "duration", "ramp", "base_url",
         "load_from", "command", "git", "idle_start", "idle_end", "load_started", "load_ended",
         "gatling_rc", "e2e_during_load", "settled_cpu", "after", "rate_per_service"]}
for k in ["idle_start", "idle_end", "load_started", "load_ended"]:
    meta[k] = float(meta[k]) if meta[k] else None
for k in ["duration", "ramp", "gatling_rc", "settled_cpu", "after", "rate_per_service"]:
    meta[k] = int(meta[k]) if meta[k] else None
meta["cpus"] = os.cpu_count()
with open("/proc/meminfo") as f:
    meta["mem_gib"] = round(int(f.readline().split()[1]) / 2**20)
json.dump(meta, open(sys.argv[1], "w"), indent=1)
EOF
}

SAMPLER_PID=
TOKEN_RENEWER_PID=
LOAD_CONTAINER=
RUN_DIR=
M_LOAD_STARTED=
cleanup() {
    [[ -n $SAMPLER_PID ]] && kill "$SAMPLER_PID" 2>/dev/null && wait "$SAMPLER_PID" 2>/dev/null
    [[ -n $TOKEN_RENEWER_PID ]] && kill "$TOKEN_RENEWER_PID" 2>/dev/null && wait "$TOKEN_RENEWER_PID" 2>/dev/null
    [[ -n $LOAD_CONTAINER ]] && docker rm -f "$LOAD_CONTAINER" >/dev/null 2>&1
    remove_tuned
    # A run that ended before any load leaves no half-filled report folder behind.
    [[ -n $RUN_DIR && -z $M_LOAD_STARTED ]] && rm -rf "$RUN_DIR"
    return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s.%N; }

# ------------------------------------------------------------------------------------------------
# One load test at a time on this machine: two would measure each other.
exec 9>"${TMPDIR:-/tmp}/goblog-loadtest.lock"
if ! flock -n 9; then
    log "another load test is running; waiting for it (at most ${E2E_WAIT}s)"
    flock -w "$E2E_WAIT" 9 || die "the other load test did not end within ${E2E_WAIT}s"
fi
wait_for_e2e
ensure_stack

log "compiling the simulations"
mvnq test-compile
[[ $SIMULATION == GoVsJvm ]] && { log "building $LOAD_IMAGE"; build_load_image; }
((TUNED == 0)) || deploy_tuned
if ((WARMUP > 0)); then
    log "warm-up: the same load for ${WARMUP}s, not measured"
    LOAD_CONTAINER=$STACK-gatling-$$
    timeout $((WARMUP + 300)) docker run --rm --name "$LOAD_CONTAINER" --network "$NETWORK" \
        --memory 1g "$LOAD_IMAGE" -Drate="$RATE" -Dduration="$WARMUP" -Dramp="$((WARMUP < RAMP ? WARMUP : RAMP))" \
        -DtunedUrl="$( ((TUNED)) && echo http://quotes-service-tuned:8080)" \
        io.gatling.app.Gatling --simulation goblog.GoVsJvm --results-folder /tmp/warmup >/dev/null 2>&1 ||
        log "WARNING: the warm-up had failures or failed"
    LOAD_CONTAINER=
fi

RUN_ID=$(date -u +%Y%m%d-%H%M%S)-$(tr '[:upper:]' '[:lower:]' <<<"$SIMULATION")-${LABEL// /}
RUN_ID=${RUN_ID//\//}
RUN_DIR=$REPORT_ROOT/$RUN_ID
mkdir -p "$RUN_DIR"
log "report folder $RUN_DIR"

export M_RUN_ID=$RUN_ID M_SIMULATION=$SIMULATION M_LABEL=$LABEL M_DURATION=$DURATION M_RAMP=$RAMP
export M_AFTER=$AFTER
AFTER_ARG=
((AFTER == 0)) || AFTER_ARG=" AFTER=$AFTER"
export M_GIT
M_GIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
[[ -n $(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null) ]] && M_GIT+=-dirty
case $SIMULATION in
GetAccounts)
    export M_USERS=$USERS M_BASE_URL=$BASE_URL M_LOAD_FROM="Gatling on the host (gatling-maven-plugin) to $BASE_URL"
    export M_COMMAND="make loadtest SIMULATION=GetAccounts USERS=$USERS DURATION=$DURATION RAMP=$RAMP$AFTER_ARG"
    ((POSTS == 0)) || M_COMMAND+=" POSTS=$POSTS"
    ;;
GoVsJvm)
    export M_RATE=$RATE M_RATE_PER_SERVICE=$RATE M_LOAD_FROM="Gatling in a container on the overlay network $NETWORK (image $LOAD_IMAGE)"
    export M_COMMAND="make loadtest SIMULATION=GoVsJvm RATE=$RATE DURATION=$DURATION RAMP=$RAMP$AFTER_ARG"
    ((TUNED)) || M_COMMAND+=" TUNED=0"
    ;;
esac

export M_SETTLED_CPU M_IDLE_START M_IDLE_END M_LOAD_STARTED M_LOAD_ENDED M_GATLING_RC M_E2E_DURING_LOAD=no
# An e2e run or a deploy that starts during the baseline spoils it: wait, and take it again
# (within E2E_WAIT).
baseline_deadline=$((SECONDS + E2E_WAIT))
for attempt in $(seq 1 100); do
    ((SECONDS < baseline_deadline)) || break
    ((attempt == 1)) || { log "an e2e run or a deploy started during the idle baseline: again"; wait_for_e2e; ensure_stack; }
    log "waiting until the machine is quiet (below ${SETTLE_CPU}% CPU, at most ${SETTLE}s)"
    M_SETTLED_CPU=$(python3 "$HERE/tools/loadreport.py" settle "$SETTLE:$SETTLE_CPU")
    ((M_SETTLED_CPU < SETTLE_CPU)) ||
        log "WARNING: the machine is still busy (${M_SETTLED_CPU}% CPU): the idle baseline is not idle"
    log "start and image facts"
    python3 "$HERE/tools/loadreport.py" facts "$RUN_DIR/facts.json"
    rm -f "$RUN_DIR/samples.jsonl"
    python3 "$HERE/tools/loadreport.py" sample "$RUN_DIR/samples.jsonl" &
    SAMPLER_PID=$!
    sleep 3 # the first docker stats frames
    log "idle baseline: ${IDLE}s"
    M_IDLE_START=$(now)
    sleep "$IDLE"
    M_IDLE_END=$(now)
    e2e_running || break
    kill "$SAMPLER_PID" 2>/dev/null || true
    wait "$SAMPLER_PID" 2>/dev/null || true
    SAMPLER_PID=
done
[[ -n $SAMPLER_PID ]] || die "no quiet idle baseline within ${E2E_WAIT}s: e2e runs or deploys kept starting"

# The run's access token (the edge and the Go services check one): the client credentials grant
# of the machine client through the edge, the secret on curl's standard input. Tokens live 5
# minutes (the auth-server's goblog.auth.access-token-ttl), so a background loop fetches a fresh
# one every TOKEN_RENEW seconds (default 240) while the load runs; the file is replaced in one
# rename, and Gatling (AccessToken.java) reads it again when it changes.
TOKEN_FILE=$RUN_DIR/token
TOKEN_URL=${TOKEN_URL:-https://localhost:8765/oauth2/token}
TOKEN_RENEW=${TOKEN_RENEW:-240}
fetch_token() {
    printf 'user = "goblog-machine:%s"\n' "$(cat "$ROOT/.secrets/auth_client_secret_goblog-machine")" |
        curl -sS --fail --cacert "$EDGE_CA_FILE" --config - \
            -d 'grant_type=client_credentials&scope=account:read account:write' "$TOKEN_URL" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])' >"$TOKEN_FILE.new" &&
        chmod 600 "$TOKEN_FILE.new" && mv -f "$TOKEN_FILE.new" "$TOKEN_FILE"
}
fetch_token || die "no access token from $TOKEN_URL"
(
    # The sleep is waited for, not run in the foreground, so a TERM ends it at once and no sleep
    # outlives the run holding its output open.
    sleeper=
    trap '[[ -n $sleeper ]] && kill "$sleeper" 2>/dev/null; exit 0' TERM
    while :; do
        sleep "$TOKEN_RENEW" &
        sleeper=$!
        wait "$sleeper"
        if fetch_token; then log "access token renewed"; else log "WARNING: access token renewal failed (the old one stays)"; fi
    done
) &
TOKEN_RENEWER_PID=$!

log "load: $SIMULATION, $LABEL, ${DURATION}s (ramp ${RAMP}s)"
M_LOAD_STARTED=$(now)
set +e
case $SIMULATION in
GetAccounts)
    # The edge's CA as a PKCS#12 trust store (certificates only, so its password guards nothing):
    # Gatling verifies the edge's certificate against it (gatling.conf, EDGE_TRUSTSTORE) instead
    # of trusting any, as it would by default.
    if [[ $BASE_URL == https://* ]]; then
        rm -f "$RUN_DIR/edge-truststore.p12"
        keytool -importcert -noprompt -alias goblog-edge-ca -file "$EDGE_CA_FILE" \
            -keystore "$RUN_DIR/edge-truststore.p12" -storetype PKCS12 -storepass goblog-edge-ca >/dev/null
        export EDGE_TRUSTSTORE=$RUN_DIR/edge-truststore.p12
    fi
    timeout $((DURATION + 300)) mvn -B -f "$HERE/pom.xml" gatling:test \
        -Dgatling.simulationClass=goblog.GetAccounts -Dgatling.resultsFolder="$RUN_DIR/gatling-results" \
        -Dusers="$USERS" -DpostPercent="$POSTS" -Dduration="$DURATION" -Dramp="$RAMP" -DbaseUrl="$BASE_URL" \
        -DtokenFile="$TOKEN_FILE" -Dmarks="$RUN_DIR/marks" 2>&1 | tee "$RUN_DIR/gatling.log"
    M_GATLING_RC=${PIPESTATUS[0]}
    ;;
GoVsJvm)
    LOAD_CONTAINER=$STACK-gatling-$$
    timeout $((DURATION + 300)) docker run --rm --name "$LOAD_CONTAINER" --network "$NETWORK" \
        --memory 1g -v "$RUN_DIR:/out" "$LOAD_IMAGE" \
        -Drate="$RATE" -Dduration="$DURATION" -Dramp="$RAMP" -Dmarks=/out/marks -DtokenFile=/out/token \
        -DtunedUrl="$( ((TUNED)) && echo http://quotes-service-tuned:8080)" \
        io.gatling.app.Gatling --simulation goblog.GoVsJvm --results-folder /out/gatling-results \
        2>&1 | tee "$RUN_DIR/gatling.log"
    M_GATLING_RC=${PIPESTATUS[0]}
    LOAD_CONTAINER=
    ;;
esac
set -e
M_LOAD_ENDED=$(now)
kill "$TOKEN_RENEWER_PID" 2>/dev/null || true
wait "$TOKEN_RENEWER_PID" 2>/dev/null || true
TOKEN_RENEWER_PID=
# The sampler notes every second whether an e2e run or a deploy was going on.
if e2e_running || grep -q '"others_busy": true' "$RUN_DIR/samples.jsonl" 2>/dev/null; then
    M_E2E_DURING_LOAD=yes
    log "WARNING: an e2e run or a deploy was going on during the load: the figures are disturbed"
fi
sleep 3 # the last samples after the load
if ((AFTER > 3)); then
    log "idle after the load: ${AFTER}s, still sampling (memory 2 and 10 minutes after its end)"
    sleep $((AFTER - 3))
fi
kill "$SAMPLER_PID" 2>/dev/null || true
wait "$SAMPLER_PID" 2>/dev/null || true
SAMPLER_PID=

# Gatling writes one <simulation>-<time>/ folder under the results folder.
report=$(find "$RUN_DIR/gatling-results" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | head -n1)
if [[ -n $report ]]; then
    mv "$report" "$RUN_DIR/gatling"
    rm -rf "$RUN_DIR/gatling-results" # lastRun.txt
else
    log "Gatling wrote no report (exit $M_GATLING_RC)"
fi
write_meta
python3 "$HERE/tools/loadreport.py" report "$RUN_DIR"
ln -sfn "$RUN_ID" "$REPORT_ROOT/latest"
log "summary: $RUN_DIR/summary.md (also summary.html, memory.svg, cpu.svg, gatling/index.html)"

if [[ $M_GATLING_RC != 0 ]]; then
    if [[ $STRICT == 1 ]]; then
        die "Gatling exited $M_GATLING_RC: failed requests or a failed run (see $RUN_DIR/gatling.log)"
    fi
    log "Gatling exited $M_GATLING_RC (STRICT=0: not an error)"
fi
