#!/usr/bin/env bash
# ensure-postgres.sh: a throwaway PostgreSQL cluster for the Go tests and benchmarks.
#
# Usage: scripts/ensure-postgres.sh run [--] COMMAND [ARG...]
#        scripts/ensure-postgres.sh start|stop|status DIR
#   run     creates a cluster in a new temporary directory, runs COMMAND with
#           GOBLOG_TEST_POSTGRES_URL (superuser, database postgres) and
#           GOBLOG_TEST_POSTGRES_DIR exported, then stops the cluster and removes
#           the directory, whatever COMMAND's outcome; exits with COMMAND's status.
#   start   creates the cluster in DIR when DIR holds none (initdb), else starts
#           the one there again on the port it had; waits until it accepts
#           connections and prints the two `export …` lines for eval.
#   stop    stops the cluster in DIR (fast shutdown: sessions are cut). The
#           PostgreSQL outage test of internal/pgstore calls stop and start.
#   status  exit 0 when the cluster in DIR accepts connections, 1 otherwise.
#
# The cluster is private to its directory: data in DIR/data, the unix socket in
# DIR, TCP on 127.0.0.1 and a port that was free, trust authentication (nothing
# else can reach 127.0.0.1 of this host), the server's log in DIR/postgres.log.
# It needs no lock: two runs never share a directory or a port.
#
# Debian's postgresql is installed when absent (apt-get, as root or through
# passwordless sudo; CI runs as root without standard input). PostgreSQL refuses
# to run as root, so as root the cluster belongs to the `postgres` OS user (the
# package creates it); as any other user, to that user.
#
# Environment: POSTGRES_WAIT_SECONDS (60): upper bound of every wait.
#   POSTGRES_HOST_AUTH (trust): authentication over TCP of a new cluster, e.g.
#   scram-sha-256 for the process landscape (landscape.sh), whose roles have
#   passwords; the socket in DIR (mode 700) stays trust, for the owner only.
set -euo pipefail

WAIT_SECONDS="${POSTGRES_WAIT_SECONDS:-60}"

log() { echo "ensure-postgres: $*" >&2; }
die() {
	log "ERROR: $*"
	exit 1
}

# as_root runs a command as root: directly when we are root, else via sudo -n.
as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		sudo -n "$@"
	else
		die "need root (or passwordless sudo) to run: $*"
	fi
}

# bindir prints the directory of initdb and pg_ctl: Debian keeps them off the
# PATH, in /usr/lib/postgresql/<major>/bin (the newest major wins).
bindir() {
	local dir
	dir="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)"
	if [ -n "${dir}" ] && [ -x "${dir}/initdb" ]; then
		echo "${dir}"
	elif command -v initdb >/dev/null 2>&1; then
		dirname "$(command -v initdb)"
	fi
}

install_postgres() {
	if [ -n "$(bindir)" ]; then
		return 0
	fi
	command -v apt-get >/dev/null 2>&1 || die "PostgreSQL is not installed and apt-get is not available; install PostgreSQL by hand"
	log "PostgreSQL is not installed: installing Debian's package (apt-get install -y postgresql)"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql
	[ -n "$(bindir)" ] || die "initdb still missing after apt-get install postgresql"
}

# as_owner runs a PostgreSQL program as the cluster's owner.
as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# free_port prints a TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
	local port tries
	for tries in $(seq 1 100); do
		port=$((20000 + (RANDOM * 32768 + RANDOM + tries) % 40000))
		if ! timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/${port}" 2>/dev/null; then
			echo "${port}"
			return 0
		fi
	done
	die "no free port found in 100 tries"
}

url_of() { echo "postgres://postgres@127.0.0.1:$(cat "$1/port")/postgres?sslmode=disable"; }

ready() {
	"$(bindir)/pg_isready" -q -h 127.0.0.1 -p "$(cat "$1/port")" -t 2
}

cmd_start() {
	local dir="$1" port
	[ -d "${dir}" ] || die "no directory ${dir}"
	dir="$(cd "${dir}" && pwd)"
	install_postgres
	if [ ! -f "${dir}/data/PG_VERSION" ]; then
		port="$(free_port)"
		echo "${port}" >"${dir}/port"
		[ "$(id -u)" -ne 0 ] || chown postgres: "${dir}"
		chmod 700 "${dir}"
		log "creating a cluster in ${dir}/data (port ${port})"
		as_owner "$(bindir)/initdb" -D "${dir}/data" -U postgres --auth-local=trust \
			--auth-host="${POSTGRES_HOST_AUTH:-trust}" -E UTF8 --locale=C >"${dir}/initdb.log" 2>&1 ||
			{ cat "${dir}/initdb.log" >&2; die "initdb failed"; }
		cat >>"${dir}/data/postgresql.conf" <<-EOF
			# ensure-postgres.sh: private to ${dir}
			listen_addresses = '127.0.0.1'
			port = ${port}
			unix_socket_directories = '${dir}'
			max_connections = 200
			shared_buffers = 32MB
		EOF
	fi
	if ready "${dir}"; then
		log "the cluster in ${dir} is already running"
	else
		log "starting the cluster in ${dir} on 127.0.0.1:$(cat "${dir}/port")"
		as_owner "$(bindir)/pg_ctl" -D "${dir}/data" -l "${dir}/postgres.log" -w -t "${WAIT_SECONDS}" start >/dev/null ||
			{ tail -n 20 "${dir}/postgres.log" >&2; die "PostgreSQL did not start"; }
	fi
	echo "export GOBLOG_TEST_POSTGRES_URL='$(url_of "${dir}")'"
	echo "export GOBLOG_TEST_POSTGRES_DIR='${dir}'"
}

cmd_stop() {
	local dir="$1"
	[ -f "${dir}/data/PG_VERSION" ] || die "no cluster in ${dir}"
	if as_owner "$(bindir)/pg_ctl" -D "${dir}/data" status >/dev/null 2>&1; then
		log "stopping the cluster in ${dir}"
		as_owner "$(bindir)/pg_ctl" -D "${dir}/data" -m fast -w -t "${WAIT_SECONDS}" stop >/dev/null
	fi
}

cmd_status() {
	local dir="$1"
	if [ -f "${dir}/port" ] && ready "${dir}"; then
		log "the cluster in ${dir} accepts connections"
		return 0
	fi
	log "no cluster accepting connections in ${dir}"
	return 1
}

cmd_run() {
	[ "${1:-}" != "--" ] || shift
	[ "$#" -gt 0 ] || die "run needs a command"
	local dir exports rc=0
	dir="$(mktemp -d "${TMPDIR:-/tmp}/goblog-postgres.XXXXXX")"
	# shellcheck disable=SC2064 # expand dir now: it is the directory of this run
	trap "bash '$0' stop '${dir}' || true; rm -rf '${dir}'" EXIT
	exports="$(cmd_start "${dir}")" || die "could not start PostgreSQL in ${dir}"
	eval "${exports}"
	"$@" || rc=$?
	return "${rc}"
}

main() {
	local cmd="${1:-}"
	[ "$#" -eq 0 ] || shift
	case "${cmd}" in
	run) cmd_run "$@" ;;
	start | stop | status)
		[ "$#" -eq 1 ] || die "usage: $0 ${cmd} DIR"
		"cmd_${cmd}" "$1"
		;;
	*) die "unknown command '${cmd}' (want run, start, stop or status)" ;;
	esac
}

main "$@"
