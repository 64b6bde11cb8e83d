#!/usr/bin/env bash
# measure-memory.sh: the memory footprint of every service of the running stack, at idle and under
# a short load through the edge, from `docker stats`. The figures behind the memory limits in
# docker-stack.yml (see README.md, "Memory limits").
#
# Usage: deploy/measure-memory.sh [RATE [DURATION]]     (default 100 req/s for 60s)
# Prints a Markdown table: service, limit, idle, peak under load, peak CPU.
# The load is e2e/cmd/edgeload (GET /api/accounts/{10000..10029} through https://localhost:8765).
set -euo pipefail
LOG_NAME=measure-memory
# shellcheck source=deploy/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RATE=${1:-100}
DURATION=${2:-60s}
OUT=$ROOT/.run/measure
mkdir -p "$OUT"

# sample FILE: one `docker stats` snapshot of the stack's containers appended to FILE as
# "service MiB cpu%".
sample() {
    local ids
    mapfile -t ids < <(docker ps -q --filter "label=com.docker.stack.namespace=$STACK")
    docker stats --no-stream --format '{{.Name}} {{.MemUsage}} {{.CPUPerc}}' "${ids[@]}" |
        awk -v stack="${STACK}_" '{
            name = $1; sub("^" stack, "", name); sub(/\..*/, "", name)
            mem = $2; v = mem + 0
            if (mem ~ /GiB/) v *= 1024; else if (mem ~ /KiB/) v /= 1024; else if (mem ~ /[0-9]B$/) v /= 1048576
            cpu = $NF; sub(/%/, "", cpu)
            printf "%s %.1f %s\n", name, v, cpu
        }' >>"$1"
}

[[ -n $(stack_services) ]] || die "the stack '$STACK' is not deployed: make up first"

log "idle: 3 samples, 5 s apart"
: >"$OUT/idle"
for _ in 1 2 3; do
    sample "$OUT/idle"
    sleep 5
done

log "load: $RATE req/s for $DURATION through the edge, sampling every 2 s"
: >"$OUT/load"
(cd "$ROOT" && go build -o "$OUT/edgeload" ./e2e/cmd/edgeload)
"$OUT/edgeload" -cacert "$ROOT/.secrets/edge_ca.pem" -rate "$RATE" -duration "$DURATION" >"$OUT/edgeload.txt" 2>&1 &
loader=$!
while kill -0 "$loader" 2>/dev/null; do
    sample "$OUT/load"
    sleep 2
done
wait "$loader" || log "some requests failed (see below)"
cat "$OUT/edgeload.txt" >&2

limits() { # "service limitMiB" for every service of the stack
    local svc
    for svc in $(stack_services); do
        printf '%s %s\n' "${svc#"${STACK}"_}" \
            "$(docker service inspect --format '{{.Spec.TaskTemplate.Resources.Limits.MemoryBytes}}' "$svc" |
                awk '{ printf "%d", $1 / 1048576 }')"
    done
}

printf '| service | limit MiB | idle MiB | peak under load MiB | peak CPU %% |\n|---|---:|---:|---:|---:|\n'
join <(limits | sort) <(awk '{ if ($2 > m[$1]) m[$1] = $2 } END { for (s in m) print s, m[s] }' "$OUT/idle" | sort) |
    join - <(awk '{ if ($2 > m[$1]) m[$1] = $2; if ($3 > c[$1]) c[$1] = $3 } END { for (s in m) print s, m[s], c[s] }' "$OUT/load" | sort) |
    awk '{ printf "| %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5 }'
