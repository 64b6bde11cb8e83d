#!/usr/bin/env bash
# measure-startup.sh: start one support service, report seconds to healthy
# and its idle RSS, then stop it (or leave it running with --keep).
#
# Usage: support/measure-startup.sh [--keep] NAME HEALTH_URL [IDLE_SECONDS] -- CMD...
#   e.g. support/measure-startup.sh quotes-service http://localhost:8080/actuator/health \
#          -- java -jar support/quotes-service/target/quotes-service.jar
# Prints one line:  NAME healthy_after=S.s rss_idle_mib=N pid=P
# The log of the service goes to ${LOG_DIR:-/tmp}/NAME.log. Without --keep the
# process is stopped with SIGTERM (SIGKILL after 20 s) and the script reports
# how long the stop took.
set -euo pipefail

keep=false
if [ "${1:-}" = "--keep" ]; then keep=true; shift; fi
name="$1" url="$2"; shift 2
idle=10
if [ "${1:-}" != "--" ]; then idle="$1"; shift; fi
[ "${1:-}" = "--" ] || { echo "usage: $0 [--keep] NAME HEALTH_URL [IDLE_SECONDS] -- CMD..." >&2; exit 2; }
shift

log="${LOG_DIR:-/tmp}/${name}.log"
start=$(date +%s.%N)
"$@" >"$log" 2>&1 &
pid=$!

healthy=""
for _ in $(seq 1 1200); do
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "$name exited before it was healthy; last log lines:" >&2
		tail -n 30 "$log" >&2
		exit 1
	fi
	if curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; then
		healthy=$(date +%s.%N)
		break
	fi
	sleep 0.1
done
[ -n "$healthy" ] || { echo "$name not healthy after 120 s" >&2; kill "$pid"; exit 1; }

sleep "$idle"
rss_kib=$(ps -o rss= -p "$pid" | tr -d ' ')
printf '%s healthy_after=%.1fs rss_idle_mib=%d pid=%d\n' "$name" \
	"$(echo "$healthy - $start" | bc)" "$((rss_kib / 1024))" "$pid"

if ! $keep; then
	stop_start=$(date +%s.%N)
	kill -TERM "$pid"
	for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$pid" 2>/dev/null; then
		echo "$name did not stop within 20 s of SIGTERM: killing" >&2
		kill -KILL "$pid"
	fi
	wait "$pid" 2>/dev/null || true
	printf '%s stopped_after=%.1fs\n' "$name" "$(echo "$(date +%s.%N) - $stop_start" | bc)"
fi
