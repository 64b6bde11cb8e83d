#!/usr/bin/env bash
# peak-memory.sh: peak resident memory of an imageservice binary serving N concurrent uploads.
#
#   imageservice/scripts/peak-memory.sh BINARY FILE N
#
# Starts BINARY alone (a local config on a random port, GOMEMLIMIT=300MiB as in the stack unless
# set), sends N concurrent `POST /image` of FILE (a PNG), prints each status and the process's
# VmHWM from /proc, and stops it. Make a maximum-size FILE with
#   go run ./imageservice/internal/imagetest/maxpng [-16] /tmp/max.png
set -euo pipefail
bin=$1 file=$2 n=$3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
port=$((20000 + RANDOM % 20000))
printf 'server_port: %d\nimage_base_url: http://localhost:%d\nlog_level: warn\n' "$port" "$port" >"$dir/imageservice-peak.yml"
GOMEMLIMIT=${GOMEMLIMIT:-300MiB} "$bin" -profile peak -configDir "$dir" -configAttempts 1 >"$dir/log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -sf "localhost:$port/health" >/dev/null && break; sleep 0.1; done
echo "idle $(grep VmHWM /proc/$pid/status)"
curls=()
for _ in $(seq "$n"); do
    curl -s -o /dev/null -w '%{http_code} ' --data-binary "@$file" -H 'Content-Type: image/png' "localhost:$port/image" &
    curls+=($!)
done
wait "${curls[@]}"
echo
grep VmHWM /proc/$pid/status
kill "$pid"
wait "$pid" 2>/dev/null || true
