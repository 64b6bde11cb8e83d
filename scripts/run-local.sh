#!/usr/bin/env bash
# run-local.sh: run the three Go services on localhost with the dev profile,
# from the binaries in bin/ (make build), with no other infrastructure.
#
# Usage: scripts/run-local.sh start|stop|status
#   start   starts imageservice, vipservice and accountservice in the background,
#           in that order (accountservice calls imageservice), each in .run/ with
#           its log in .run/<service>.log and its pid in .run/<service>.pid, waits
#           until each answers on its port and prints the URLs. Without RabbitMQ,
#           vipservice's /health says 503 until a broker appears: it still runs.
#   stop    stops exactly the processes whose pids are in .run/ (SIGTERM, then
#           SIGKILL after 15 s), and nothing else.
#   status  shows which of them run.
#
# Environment: RUN_WAIT_SECONDS (30): how long to wait for each service.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN_DIR="${ROOT}/.run"
BIN_DIR="${ROOT}/bin"
CONFIG_DIR="${ROOT}/support/config-repo"
WAIT_SECONDS="${RUN_WAIT_SECONDS:-30}"
SERVICES=(imageservice vipservice accountservice)

port_of() {
	case "$1" in
	accountservice) echo 6767 ;;
	vipservice) echo 6868 ;;
	imageservice) echo 7777 ;;
	esac
}

log() { echo "run-local: $*" >&2; }

# pid_of prints the pid of a service we started and that still runs; it checks
# the command line so a recycled pid is never mistaken for ours.
pid_of() {
	local f="${RUN_DIR}/$1.pid" pid
	[ -f "$f" ] || return 1
	pid="$(cat "$f")"
	[[ "${pid}" =~ ^[0-9]+$ ]] || return 1
	kill -0 "${pid}" 2>/dev/null || return 1
	tr '\0' ' ' <"/proc/${pid}/cmdline" 2>/dev/null | grep -q "${BIN_DIR}/$1 " || return 1
	echo "${pid}"
}

# http_code prints the status of GET url, 000 when nothing answers.
http_code() {
	curl -s -o /dev/null -m 2 -w '%{http_code}' "$1" 2>/dev/null || true
}

start_one() {
	local svc="$1" port pid code deadline
	port="$(port_of "${svc}")"
	if pid="$(pid_of "${svc}")"; then
		log "${svc} already runs (pid ${pid})"
		return 0
	fi
	[ -x "${BIN_DIR}/${svc}" ] || { log "ERROR: ${BIN_DIR}/${svc} missing: run 'make build'"; return 1; }
	if [ "$(http_code "http://localhost:${port}/health")" != 000 ]; then
		log "ERROR: something else already answers on port ${port}; not starting ${svc}"
		return 1
	fi
	(cd "${RUN_DIR}" && exec nohup "${BIN_DIR}/${svc}" -profile dev -configDir "${CONFIG_DIR}" \
		>"${RUN_DIR}/${svc}.log" 2>&1 </dev/null) &
	pid=$!
	echo "${pid}" >"${RUN_DIR}/${svc}.pid"

	deadline=$((SECONDS + WAIT_SECONDS))
	while :; do
		# kill -0, not pid_of: the child may not have exec'd the binary yet.
		if ! kill -0 "${pid}" 2>/dev/null; then
			log "ERROR: ${svc} exited during start; last lines of ${RUN_DIR}/${svc}.log:"
			tail -n 20 "${RUN_DIR}/${svc}.log" >&2 || true
			rm -f "${RUN_DIR}/${svc}.pid"
			return 1
		fi
		code="$(http_code "http://localhost:${port}/health")"
		[ "${code}" = 200 ] && break
		if [ "${code}" != 000 ] && [ "${svc}" = vipservice ]; then
			break # up, but DOWN until RabbitMQ is reachable
		fi
		if [ "${SECONDS}" -ge "${deadline}" ]; then
			log "ERROR: ${svc} did not answer on port ${port} within ${WAIT_SECONDS}s (last status ${code}); see ${RUN_DIR}/${svc}.log"
			stop_one "${svc}"
			return 1
		fi
		sleep 0.2
	done
	printf '  %-15s pid %-7s http://localhost:%s  (/health: %s)\n' "${svc}" "${pid}" "${port}" "${code}"
}

cmd_start() {
	mkdir -p "${RUN_DIR}"
	log "starting ${SERVICES[*]} with -profile dev -configDir ${CONFIG_DIR}"
	for svc in "${SERVICES[@]}"; do
		if ! start_one "${svc}"; then
			cmd_stop
			return 1
		fi
	done
	cat <<-URLS
		Services are up (logs in ${RUN_DIR}/*.log, stop with 'make run-stop'):
		  curl http://localhost:6767/accounts/10000
		  curl http://localhost:7777/accounts/10000
		  curl -o cake.jpg http://localhost:7777/file/cake.jpg
		  curl http://localhost:6868/vip/stats
		  curl http://localhost:6767/health  (and :6868, :7777)
		  hystrix stream: http://localhost:8181/hystrix.stream
	URLS
}

stop_one() {
	local svc="$1" pid deadline
	if ! pid="$(pid_of "${svc}")"; then
		rm -f "${RUN_DIR}/${svc}.pid"
		return 0
	fi
	log "stopping ${svc} (pid ${pid})"
	kill -TERM "${pid}" 2>/dev/null || true
	deadline=$((SECONDS + 15))
	while kill -0 "${pid}" 2>/dev/null; do
		if [ "${SECONDS}" -ge "${deadline}" ]; then
			log "${svc} ignored SIGTERM for 15s: SIGKILL"
			kill -KILL "${pid}" 2>/dev/null || true
			break
		fi
		sleep 0.2
	done
	rm -f "${RUN_DIR}/${svc}.pid"
}

cmd_stop() {
	local i
	# Reverse order of start: accountservice first, it calls the others.
	for ((i = ${#SERVICES[@]} - 1; i >= 0; i--)); do
		stop_one "${SERVICES[i]}"
	done
}

cmd_status() {
	local svc pid rc=0
	for svc in "${SERVICES[@]}"; do
		if pid="$(pid_of "${svc}")"; then
			printf '  %-15s pid %-7s /health: %s\n' "${svc}" "${pid}" "$(http_code "http://localhost:$(port_of "${svc}")/health")"
		else
			printf '  %-15s stopped\n' "${svc}"
			rc=1
		fi
	done
	return "${rc}"
}

case "${1:-}" in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
*)
	echo "usage: $0 start|stop|status" >&2
	exit 2
	;;
esac
