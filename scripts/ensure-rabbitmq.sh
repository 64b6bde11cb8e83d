#!/usr/bin/env bash
# ensure-rabbitmq.sh: make sure a RabbitMQ broker answers on localhost:5672.
#
# Usage: scripts/ensure-rabbitmq.sh [start|restart|stop|status]
#   start    (default) idempotent: does nothing when a broker already answers;
#            otherwise installs Debian's rabbitmq-server when it is absent, starts
#            the node and waits until it accepts AMQP connections.
#   restart  restarts the RabbitMQ application inside the running node
#            (rabbitmqctl stop_app; start_app): every client connection drops,
#            durable queues and persistent messages survive. Used by the
#            messaging integration tests.
#   stop     stops the node.
#   status   exit 0 when a broker answers on the AMQP port, 1 otherwise.
#
# Needs root (or passwordless sudo) to install and start the broker. There is no
# systemd here: the node is started with `rabbitmq-server -detached`.
#
# Environment: RABBITMQ_HOST (127.0.0.1), RABBITMQ_PORT (5672),
# RABBITMQ_WAIT_SECONDS (120): upper bound of every wait.
set -euo pipefail

# rabbitmq-server and rabbitmqctl live in /usr/sbin, often not on a user's PATH.
export PATH="${PATH}:/usr/local/sbin:/usr/sbin:/sbin"

HOST="${RABBITMQ_HOST:-127.0.0.1}"
PORT="${RABBITMQ_PORT:-5672}"
WAIT_SECONDS="${RABBITMQ_WAIT_SECONDS:-120}"

log() { echo "ensure-rabbitmq: $*" >&2; }
die() {
	log "ERROR: $*"
	exit 1
}

# port_open succeeds when something accepts TCP connections on HOST:PORT.
port_open() {
	timeout 2 bash -c "exec 3<>/dev/tcp/${HOST}/${PORT}" 2>/dev/null 9>&-
}

# as_root runs a command as root: directly when we are root, else via sudo -n.
# The lock descriptor (9) is closed for the child: a broker started from here
# must not inherit, and so hold forever, the lock of this script.
as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@" 9>&-
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		sudo -n "$@" 9>&-
	else
		die "need root (or passwordless sudo) to run: $*"
	fi
}

# ctl runs rabbitmqctl as root, bounded in time so a wedged node never hangs us.
ctl() {
	as_root timeout "${WAIT_SECONDS}" rabbitmqctl "$@"
}

# wait_port waits until the AMQP port accepts connections (state=open) or
# refuses them (state=closed), at most WAIT_SECONDS.
wait_port() {
	local state="$1" deadline=$((SECONDS + WAIT_SECONDS))
	while [ "${SECONDS}" -lt "${deadline}" ]; do
		if port_open; then
			[ "${state}" = open ] && return 0
		else
			[ "${state}" = closed ] && return 0
		fi
		sleep 1
	done
	return 1
}

install_broker() {
	if command -v rabbitmq-server >/dev/null 2>&1 && command -v rabbitmqctl >/dev/null 2>&1; then
		return 0
	fi
	command -v apt-get >/dev/null 2>&1 || die "rabbitmq-server is not installed and apt-get is not available; install RabbitMQ by hand"
	log "rabbitmq-server is not installed: installing Debian's package (apt-get install -y rabbitmq-server)"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q rabbitmq-server
	command -v rabbitmq-server >/dev/null 2>&1 || die "rabbitmq-server still missing after apt-get install"
}

# close_inherited_fds: a daemon must not keep the caller's flock open.
# shellcheck source=scripts/daemon-fds.sh
source "$(dirname "${BASH_SOURCE[0]}")/daemon-fds.sh"

start_node() {
	log "starting RabbitMQ (rabbitmq-server -detached)"
	# The Debian wrapper /usr/sbin/rabbitmq-server switches to the rabbitmq user.
	(close_inherited_fds && as_root rabbitmq-server -detached) || die "rabbitmq-server -detached failed; see /var/log/rabbitmq/"
}

wait_started() {
	log "waiting up to ${WAIT_SECONDS}s for RabbitMQ on ${HOST}:${PORT}"
	if ! wait_port open; then
		log "last lines of the RabbitMQ logs:"
		tail -n 20 /var/log/rabbitmq/*.log 2>/dev/null >&2 || true
		die "RabbitMQ did not open ${HOST}:${PORT} within ${WAIT_SECONDS}s"
	fi
	# The listener opens late in the boot, but await_startup makes sure every
	# boot step has finished before tests declare queues.
	ctl await_startup >/dev/null 2>&1 || log "warning: rabbitmqctl await_startup failed; the port is open, continuing"
	log "RabbitMQ is up on ${HOST}:${PORT}"
}

cmd_start() {
	if port_open; then
		log "a broker already answers on ${HOST}:${PORT}"
		return 0
	fi
	install_broker
	# The node may be running with its app stopped (after an interrupted restart).
	if ctl ping >/dev/null 2>&1; then
		# Booting (e.g. started by the package's postinst) or app stopped: start_app
		# is harmless in the first case and needed in the second.
		log "RabbitMQ node is running but not listening yet: starting the application"
		ctl start_app >/dev/null 2>&1 || log "start_app did not succeed (the node may still be booting); waiting"
	else
		start_node
	fi
	wait_started
}

cmd_restart() {
	command -v rabbitmqctl >/dev/null 2>&1 || die "rabbitmqctl not found: run '$0 start' first"
	if ! ctl ping >/dev/null 2>&1; then
		log "RabbitMQ node is not running: starting it"
		cmd_start
		return 0
	fi
	log "restarting the RabbitMQ application (stop_app; start_app)"
	ctl stop_app >/dev/null
	wait_port closed || die "RabbitMQ still listens on ${HOST}:${PORT} after stop_app"
	ctl start_app >/dev/null
	wait_started
}

cmd_stop() {
	if command -v rabbitmqctl >/dev/null 2>&1 && ctl ping >/dev/null 2>&1; then
		log "stopping RabbitMQ"
		ctl stop >/dev/null
	fi
	wait_port closed || die "RabbitMQ still listens on ${HOST}:${PORT}"
	log "RabbitMQ is stopped"
}

cmd_status() {
	if port_open; then
		log "a broker answers on ${HOST}:${PORT}"
		return 0
	fi
	log "no broker on ${HOST}:${PORT}"
	return 1
}

main() {
	local cmd="${1:-start}"
	# Serialize concurrent runs (parallel test packages, several developers' shells).
	if command -v flock >/dev/null 2>&1; then
		exec 9>"${TMPDIR:-/tmp}/goblog-ensure-rabbitmq.lock"
		flock -w "${WAIT_SECONDS}" 9 || die "another ensure-rabbitmq.sh holds the lock"
	fi
	case "${cmd}" in
	start) cmd_start ;;
	restart) cmd_restart ;;
	stop) cmd_stop ;;
	status) cmd_status ;;
	*) die "unknown command '${cmd}' (want start, restart, stop or status)" ;;
	esac
}

main "$@"
