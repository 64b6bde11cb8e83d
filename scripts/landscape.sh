#!/usr/bin/env bash
# landscape.sh: the whole goblog landscape as local processes, dev profile, no Docker.
#
# Usage: scripts/landscape.sh COMMAND
#   up              RabbitMQ (started when absent), PostgreSQL (the landscape's own cluster),
#                   missing builds, per-deployment secrets, the broker definitions, the runtime
#                   config repo, then zipkin, auth-server, configserver,
#                   quotes-service, imageservice, vipservice, accountservice, turbine,
#                   hystrix-dashboard and edge-server, one after the other, each waited for on
#                   its health endpoint. Prints the URLs. Idempotent: what runs is left alone.
#   down            stops exactly the processes `up` started (their pids), in reverse order;
#                   RabbitMQ only when `up` started it; the PostgreSQL cluster (its data stays).
#   status          each component: pid and health (exit 1 when one is not running).
#   running         the names of the components that run, one a line.
#   start NAME | stop NAME | restart NAME
#                   one component (e.g. `restart quotes-service`), same checks as `up`.
#   figures [IDLE_SECONDS]
#                   waits IDLE_SECONDS (default 0) without traffic, then prints a Markdown table
#                   of each process's RSS (ps -o rss) and its seconds from start to healthy.
#
# Files: .run/landscape/NAME.{log,pid}, .run/landscape/startup.tsv (name, pid, seconds from start
# to healthy, start time), .run/landscape/postgres/ (the PostgreSQL cluster of accountservice's
# store, scripts/ensure-postgres.sh: 127.0.0.1 on the port in its file port, kept across down and
# up; `make clean` removes it),
# .run/config-repo/ (runtime git copy of support/config-repo that the config server serves; its
# working clone is .run/landscape/configserver-clone/),
# .secrets/ (git-ignored, mode 700): encrypt.key, amqp_password (RabbitMQ user goblog),
# amqp_password_configserver (user configserver), amqp_password_admin (user admin, for
# operators); see support/rabbitmq/; postgres_password (PostgreSQL role goblog); the
# auth-server's auth_signing_key.pem, auth_signing_key_retired.pem, auth_client_secret_goblog-machine
# and auth_client_secret_goblog-reader (support/auth-server/auth-secrets.sh). `make up` uses the
# same files.
#
# Access tokens (issue 11): checked as on Swarm. The runtime copy's application-dev.yml gets
# auth_required: true with the auth-server's issuer, JWKS (localhost:9999) and audience, and the
# edge and quotes-service their GOBLOG_*_AUTH_REQUIRED; a request needs a token (make token).
#
# Secrets: the template support/config-repo/ holds none. At start the per-deployment passwords
# are generated (kept when present), the users are applied to RabbitMQ, the config server starts
# with ENCRYPT_KEY on the runtime copy, and the AMQP URL of user goblog (vhost goblog) is ciphered
# by the running config server's POST /encrypt and committed to the runtime copy as
# amqp_server_url: '{cipher}…' in application-dev.yml. Likewise accountservice's store:
# account_store: postgres and postgres_url: '{cipher}…' (role goblog, database goblog) in the
# runtime copy's accountservice-dev.yml; the template's stays on bbolt for `make run`. The plain
# passwords never enter a repo, a command line or a log.
#
# Environment: LANDSCAPE_JVM_WAIT (180) and LANDSCAPE_GO_WAIT (60): seconds to wait for a
# component's health; LANDSCAPE_JAVA_OPTS: extra JVM flags for every jar (none by default: the
# JVMs run untuned, see docs/footprint-local.md).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUN=$ROOT/.run/landscape
CONFIG_REPO=$ROOT/.run/config-repo
SECRETS=$ROOT/.secrets
# The auth-server's keys, which every token check of the landscape fetches.
AUTH_JWKS_URL=http://localhost:9999/oauth2/jwks
BIN=$ROOT/bin
DEFS=$ROOT/support/rabbitmq/rabbitmq-definitions.sh
CONFIG_SERVER=http://localhost:8888
JVM_WAIT=${LANDSCAPE_JVM_WAIT:-180}
GO_WAIT=${LANDSCAPE_GO_WAIT:-60}
read -r -a JAVA_OPTS <<<"${LANDSCAPE_JAVA_OPTS:-}"

# Start order: every component finds what it needs already running.
COMPONENTS=(zipkin auth-server configserver quotes-service imageservice vipservice accountservice turbine hystrix-dashboard edge-server)

log() { printf 'landscape: %s\n' "$*" >&2; }
die() {
	log "ERROR: $*"
	exit 1
}

known() {
	local c
	for c in "${COMPONENTS[@]}"; do [[ $c == "$1" ]] && return 0; done
	return 1
}

kind_of() {
	case "$1" in
	zipkin | auth-server | configserver | quotes-service | hystrix-dashboard | edge-server) echo jvm ;;
	*) echo go ;;
	esac
}

port_of() {
	case "$1" in
	zipkin) echo 9411 ;;
	auth-server) echo 9999 ;;
	configserver) echo 8888 ;;
	quotes-service) echo 8080 ;;
	imageservice) echo 7777 ;;
	vipservice) echo 6868 ;;
	accountservice) echo 6767 ;;
	turbine) echo 8282 ;;
	hystrix-dashboard) echo 7979 ;;
	edge-server) echo 8765 ;;
	esac
}

health_of() {
	local port
	port=$(port_of "$1")
	case "$1" in
	zipkin) echo "http://localhost:$port/health" ;;
	auth-server | configserver | quotes-service | hystrix-dashboard) echo "http://localhost:$port/actuator/health" ;;
	# The edge's actuator has a port of its own (management.server.port), never the public one.
	edge-server) echo "http://localhost:8766/actuator/health" ;;
	*) echo "http://localhost:$port/health" ;;
	esac
}

# artifact_of: the jar or binary a component runs; also how its pid is recognised.
artifact_of() {
	case "$(kind_of "$1")" in
	jvm) echo "$ROOT/support/$1/target/$1.jar" ;;
	go) echo "$BIN/$1" ;;
	esac
}

# pid_of prints the pid of a component this script started and that still runs; the command
# line must name its artifact, so a recycled pid is never taken for ours.
pid_of() {
	local f=$RUN/$1.pid pid
	[[ -f $f ]] || return 1
	pid=$(<"$f")
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	alive "$pid" || return 1
	tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$(artifact_of "$1")" || return 1
	echo "$pid"
}

# alive: the process exists and is not a zombie (an exited child of init that is not reaped yet
# still answers kill -0).
alive() {
	local state
	kill -0 "$1" 2>/dev/null || return 1
	state=$(sed -E 's/^.*\) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	[[ -n $state && $state != Z ]]
}

http_code() {
	curl -s -o /dev/null -m 2 -w '%{http_code}' "$1" 2>/dev/null || true
}

# port_user describes what listens on a TCP port, empty when nothing does.
port_user() {
	ss -Hltnp "sport = :$1" 2>/dev/null | sed -E 's/.*users:\(\((.*)\)\).*/\1/' | head -n1
}

# ---------------------------------------------------------------- preparation

# rabbit_node_pid: the pid of the local RabbitMQ node (Debian runs it as user rabbitmq).
rabbit_node_pid() {
	pgrep -u rabbitmq -f 'beam.smp.*-s rabbit boot' | head -n1
}

ensure_rabbitmq() {
	local before
	if bash "$ROOT/scripts/ensure-rabbitmq.sh" status 2>/dev/null; then
		return 0
	fi
	# A node that runs but does not listen (someone's stop_app) is not ours to stop later.
	before=$(rabbit_node_pid || true)
	bash "$ROOT/scripts/ensure-rabbitmq.sh" start
	if [[ -z $before ]]; then
		# Started here: `down` stops this node again, and no other.
		rabbit_node_pid >"$RUN/rabbitmq.started-by-landscape" || true
	fi
}

# The landscape's PostgreSQL: a cluster of its own in $PG_DIR (scripts/ensure-postgres.sh), TCP
# with passwords (scram-sha-256), role and database goblog whose password is
# .secrets/postgres_password (made here when absent, as deploy/make-secrets.sh does).
PG_DIR=$RUN/postgres

pg_port() { cat "$PG_DIR/port"; }

ensure_postgres() {
	mkdir -p "$PG_DIR"
	if ! bash "$ROOT/scripts/ensure-postgres.sh" status "$PG_DIR" 2>/dev/null; then
		# 9>&-: the server must not inherit this script's lock (it would hold it until it stops).
		POSTGRES_HOST_AUTH=scram-sha-256 bash "$ROOT/scripts/ensure-postgres.sh" start "$PG_DIR" >/dev/null 9>&-
	fi
	# Role and database, the password set from the secrets file each time (stdin, not argv).
	local psql=(psql -X -q -v ON_ERROR_STOP=1 -h "$PG_DIR" -p "$(pg_port)" -U postgres -d postgres)
	[[ $(id -u) -ne 0 ]] || psql=(runuser -u postgres -- "${psql[@]}")
	{
		echo "SELECT 'CREATE ROLE goblog LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'goblog') \gexec"
		echo "ALTER ROLE goblog PASSWORD '$(<"$SECRETS/postgres_password")';"
		echo "SELECT 'CREATE DATABASE goblog OWNER goblog' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'goblog') \gexec"
	} | "${psql[@]}" >/dev/null || die "could not set up role and database goblog in $PG_DIR"
}

stop_postgres() {
	[[ -f $PG_DIR/data/PG_VERSION ]] || return 0
	bash "$ROOT/scripts/ensure-postgres.sh" stop "$PG_DIR"
}

postgres_url() { # the URL of role goblog, with its password: for stdin only
	printf 'postgres://goblog:%s@127.0.0.1:%s/goblog?sslmode=disable' "$(<"$SECRETS/postgres_password")" "$(pg_port)"
}

ensure_builds() {
	local missing=() c
	for c in accountservice vipservice imageservice; do
		[[ -x $BIN/$c ]] || missing+=("$c")
	done
	if ((${#missing[@]})); then
		log "missing ${missing[*]} in bin/: make build"
		make -C "$ROOT" build
	fi
	if [[ ! -x $BIN/turbine ]]; then
		log "missing bin/turbine: building it"
		(cd "$ROOT" && CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o "$BIN/turbine" ./support/turbine)
	fi
	missing=()
	for c in "${COMPONENTS[@]}"; do
		[[ $(kind_of "$c") == jvm && ! -f $(artifact_of "$c") ]] && missing+=("$c")
	done
	if ((${#missing[@]})); then
		log "missing jars of ${missing[*]}: mvn -B -q -f support/pom.xml package -DskipTests"
		mvn -B -q -f "$ROOT/support/pom.xml" package -DskipTests
	fi
	for c in "${COMPONENTS[@]}"; do
		[[ -e $(artifact_of "$c") ]] || die "$(artifact_of "$c") is still missing after the build"
	done
}

ensure_secrets() {
	(
		umask 077
		mkdir -p "$SECRETS"
		if [[ ! -s $SECRETS/encrypt.key ]]; then
			openssl rand -hex 32 >"$SECRETS/encrypt.key.tmp"
			mv "$SECRETS/encrypt.key.tmp" "$SECRETS/encrypt.key"
			log "made $SECRETS/encrypt.key"
		fi
		if [[ ! -s $SECRETS/postgres_password ]]; then
			head -c 24 /dev/urandom | base64 | tr -d '\n=' | tr '+/' '-_' >"$SECRETS/postgres_password.tmp"
			mv "$SECRETS/postgres_password.tmp" "$SECRETS/postgres_password"
			log "made $SECRETS/postgres_password"
		fi
	)
	chmod 700 "$SECRETS"
	bash "$DEFS" passwords "$SECRETS"
	bash "$ROOT/support/auth-server/auth-secrets.sh" make "$SECRETS"
}

git_repo() {
	git -C "$CONFIG_REPO" -c user.name=landscape -c user.email=landscape@localhost "$@"
}

# render_config_repo makes the runtime copy afresh: a git repo on branch main holding the
# template, which the config server (git backend, file:// URI) serves.
render_config_repo() {
	rm -rf "$CONFIG_REPO" "$RUN/configserver-clone"
	mkdir -p "$CONFIG_REPO"
	cp "$ROOT"/support/config-repo/*.yml "$CONFIG_REPO"/
	git -C "$CONFIG_REPO" init -q -b main
	git_repo add -A
	git_repo commit -q -m "template from support/config-repo"
	# Access tokens checked as on Swarm (issue 11): the auth-server runs here too. `make run`
	# reads the template itself and keeps them off.
	set_keys application-dev.yml auth_required=true auth_issuer=https://localhost:8765 \
		auth_jwks_url=$AUTH_JWKS_URL auth_audience=goblog
	git_repo commit -q -am "access tokens required, the landscape's auth-server"
	log "runtime config repo rendered in $CONFIG_REPO"
}

# encrypt: stdin ciphered by the running config server's POST /encrypt, as hex.
encrypt() {
	local cipher
	cipher=$(curl -fsS -m 10 -X POST -H 'Content-Type: text/plain' --data-binary @- "$CONFIG_SERVER/encrypt") ||
		die "POST $CONFIG_SERVER/encrypt failed"
	[[ $cipher =~ ^[0-9a-f]+$ ]] || die "POST /encrypt did not answer a hex cipher text"
	echo "$cipher"
}

# set_keys FILE KEY=VALUE...: the runtime copy's FILE with each top-level KEY set (replaced or added).
set_keys() {
	local file=$CONFIG_REPO/$1 kv
	shift
	cp "$file" "$file.tmp"
	for kv in "$@"; do
		grep -v "^${kv%%=*}:" "$file.tmp" >"$file.tmp2" || true
		printf '%s: %s\n' "${kv%%=*}" "${kv#*=}" >>"$file.tmp2"
		mv "$file.tmp2" "$file.tmp"
	done
	mv "$file.tmp" "$file"
}

# ensure_cipher commits the AMQP URL of user goblog, ciphered by the running config server, to
# the runtime copy's application-dev.yml (replacing the template's guest URL), and accountservice's
# PostgreSQL store with its ciphered URL to its accountservice-dev.yml. The URLs go from the
# secrets files to curl's stdin: never on a command line.
ensure_cipher() {
	local cipher
	if ! grep -q "^amqp_server_url: '{cipher}" "$CONFIG_REPO/application-dev.yml"; then
		cipher=$(bash "$DEFS" url goblog localhost 5672 | tr -d '\n' | encrypt)
		set_keys application-dev.yml "amqp_server_url='{cipher}$cipher'"
		git_repo commit -q -am "amqp_server_url: per-deployment RabbitMQ user goblog, vhost goblog, ciphered"
		log "committed the ciphered amqp_server_url to $CONFIG_REPO/application-dev.yml"
	fi
	if ! grep -q "^postgres_url: '{cipher}" "$CONFIG_REPO/accountservice-dev.yml"; then
		cipher=$(postgres_url | encrypt)
		set_keys accountservice-dev.yml account_store=postgres "postgres_url='{cipher}$cipher'"
		git_repo commit -q -am "accountservice: the landscape's PostgreSQL (role goblog), postgres_url ciphered"
		log "committed account_store: postgres and the ciphered postgres_url to $CONFIG_REPO/accountservice-dev.yml"
	fi
	# The server must serve them decrypted (a wrong key serves invalid.<key> instead).
	curl -fsS -m 10 "$CONFIG_SERVER/accountservice/dev" |
		jq -e '[.propertySources[].source.amqp_server_url // empty][0] | startswith("amqp://goblog:")' >/dev/null ||
		die "the config server does not serve amqp_server_url decrypted for user goblog"
	curl -fsS -m 10 "$CONFIG_SERVER/accountservice/dev" |
		jq -e '[.propertySources[].source.postgres_url // empty][0] | startswith("postgres://goblog:")' >/dev/null ||
		die "the config server does not serve postgres_url decrypted for role goblog"
}

# ---------------------------------------------------------------- components

# launch starts a component in its own session, output to its log, and prints its pid.
launch() {
	local name=$1 artifact logf=$RUN/$1.log
	artifact=$(artifact_of "$name")
	(
		exec 9>&- # the lock of this script stays here
		cd "$RUN"
		case "$name" in
		configserver)
			ENCRYPT_KEY=$(<"$SECRETS/encrypt.key")
			SPRING_RABBITMQ_PASSWORD=$(<"$SECRETS/amqp_password_configserver")
			export ENCRYPT_KEY SPRING_RABBITMQ_PASSWORD
			# The server's working clone lives next to the logs, not in a fresh /tmp directory.
			export SPRING_CLOUD_CONFIG_SERVER_GIT_BASEDIR=$RUN/configserver-clone
			export CONFIG_GIT_URI=file://$CONFIG_REPO SPRING_RABBITMQ_HOST=localhost \
				SPRING_RABBITMQ_PORT=5672 SPRING_RABBITMQ_USERNAME=configserver SPRING_RABBITMQ_VIRTUAL_HOST=goblog
			;;
		quotes-service)
			export ZIPKIN_BASE_URL=http://localhost:9411 \
				GOBLOG_QUOTES_AUTH_REQUIRED=true GOBLOG_QUOTES_AUTH_JWKS_URL=$AUTH_JWKS_URL
			;;
		edge-server)
			export ZIPKIN_BASE_URL=http://localhost:9411 \
				GOBLOG_EDGE_AUTH_REQUIRED=true GOBLOG_EDGE_AUTH_JWKS_URL=$AUTH_JWKS_URL
			;;
		auth-server)
			# The key and the client secrets are read from .secrets/ by the server itself.
			export GOBLOG_AUTH_SECRETS_DIR=$SECRETS \
				GOBLOG_AUTH_RETIRED_KEY_FILES=$SECRETS/auth_signing_key_retired.pem
			;;
		esac
		case "$name" in
		turbine) exec setsid "$artifact" -port 8282 -cluster accountservice=localhost:8181 ;;
		imageservice | vipservice | accountservice)
			exec setsid "$artifact" -profile dev -configServerUrl "$CONFIG_SERVER"
			;;
		*) exec setsid java "${JAVA_OPTS[@]}" -jar "$artifact" ;;
		esac
	) >"$logf" 2>&1 </dev/null &
	echo $!
}

record_startup() { # record_startup NAME PID SECONDS START
	local f=$RUN/startup.tsv
	[[ -f $f ]] || printf 'name\tpid\tseconds_to_healthy\tstarted_at\n' >"$f"
	grep -v "^$1	" "$f" >"$f.tmp" || true
	printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$f.tmp"
	mv "$f.tmp" "$f"
}

start_one() {
	local name=$1 pid port url code start now deadline wait user
	port=$(port_of "$name")
	url=$(health_of "$name")
	if pid=$(pid_of "$name"); then
		code=$(http_code "$url")
		if [[ $code == 200 ]]; then
			printf '  %-18s already running, pid %s\n' "$name" "$pid" >&2
			[[ $name != configserver ]] || ensure_cipher
			return 0
		fi
		log "$name runs (pid $pid) but $url says $code: waiting for it"
		start=
	else
		user=$(port_user "$port")
		[[ -z $user ]] || die "port $port of $name is taken by another process ($user); stop it first"
		[[ $name != configserver ]] || render_config_repo
		start=$(date +%s.%N)
		pid=$(launch "$name")
		echo "$pid" >"$RUN/$name.pid"
	fi
	wait=$GO_WAIT
	[[ $(kind_of "$name") == go ]] || wait=$JVM_WAIT
	deadline=$((SECONDS + wait))
	while :; do
		if ! alive "$pid"; then
			log "$name (pid $pid) exited before it was healthy; last lines of $RUN/$name.log:"
			tail -n 40 "$RUN/$name.log" >&2 || true
			rm -f "$RUN/$name.pid"
			die "$name failed to start (run '$0 down' to stop the rest)"
		fi
		code=$(http_code "$url")
		[[ $code == 200 ]] && break
		if ((SECONDS >= deadline)); then
			log "$name is not healthy after ${wait}s ($url last answered ${code}); last lines of $RUN/$name.log:"
			tail -n 40 "$RUN/$name.log" >&2 || true
			stop_one "$name"
			die "$name did not become healthy within ${wait}s (run '$0 down' to stop the rest)"
		fi
		sleep 0.1
	done
	now=$(date +%s.%N)
	if [[ -n $start ]]; then
		record_startup "$name" "$pid" "$(printf '%.2f' "$(bc <<<"$now - $start")")" "$(date -d "@${start%.*}" -Iseconds)"
		printf '  %-18s healthy after %5.1fs, pid %s\n' "$name" "$(bc <<<"$now - $start")" "$pid" >&2
	fi
	[[ $name != configserver ]] || ensure_cipher
}

stop_one() {
	local name=$1 pid deadline
	if ! pid=$(pid_of "$name"); then
		rm -f "$RUN/$name.pid"
		return 0
	fi
	log "stopping $name (pid $pid)"
	kill -TERM "$pid" 2>/dev/null || true
	deadline=$((SECONDS + 30))
	while alive "$pid"; do
		if ((SECONDS >= deadline)); then
			log "$name ignored SIGTERM for 30s: SIGKILL"
			kill -KILL "$pid" 2>/dev/null || true
			break
		fi
		sleep 0.2
	done
	rm -f "$RUN/$name.pid"
	log "$name stopped"
}

# ---------------------------------------------------------------- commands

prepare() {
	ensure_rabbitmq
	ensure_builds
	ensure_secrets
	bash "$DEFS" apply "$SECRETS"
	ensure_postgres
}

# prepare_one is enough for (re)starting one component of a landscape that is up.
prepare_one() {
	ensure_builds
	ensure_secrets
	ensure_postgres
}

cmd_up() {
	local c
	prepare
	log "starting the landscape (logs and pids in $RUN)"
	for c in "${COMPONENTS[@]}"; do
		start_one "$c"
	done
	cat <<-URLS
		The goblog landscape is up (stop it with 'make landscape-down' or '$0 down'):
		  edge (public entry)   http://localhost:8765/api/accounts/10000   (a token required: curl -H "Authorization: Bearer \$(make -s token)" …)
		  accountservice        http://localhost:6767/accounts/10000   /info   /health
		  hystrix stream        http://localhost:8181/hystrix.stream
		  vipservice            http://localhost:6868/vip/stats
		  imageservice          http://localhost:7777/accounts/10000
		  quotes-service        http://localhost:8080/api/quote?strength=4
		  configserver          http://localhost:8888/accountservice/dev   (repo: $CONFIG_REPO)
		  auth-server           http://localhost:9999/oauth2/jwks   (a token: make token)
		  zipkin UI             http://localhost:9411/zipkin/
		  turbine               http://localhost:8282/turbine.stream
		  hystrix dashboard     http://localhost:7979/hystrix  (stream: http://localhost:8282/turbine.stream; Zipkin also at /zipkin/)
		  (a developer's landscape: these UIs have no operator login here; on Swarm they do)
		  rabbitmq              amqp://localhost:5672 (vhost goblog; users goblog, configserver, admin: passwords in .secrets/)
		  postgres              127.0.0.1:$(pg_port) (role and database goblog: password in .secrets/postgres_password; data in $PG_DIR)
		Logs: $RUN/<name>.log; start-to-healthy seconds: $RUN/startup.tsv
	URLS
}

cmd_down() {
	local i
	for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do
		stop_one "${COMPONENTS[i]}"
	done
	if [[ -f $RUN/rabbitmq.started-by-landscape ]]; then
		if [[ -n $(rabbit_node_pid) && $(rabbit_node_pid) == "$(<"$RUN/rabbitmq.started-by-landscape")" ]]; then
			bash "$ROOT/scripts/ensure-rabbitmq.sh" stop
		else
			log "RabbitMQ was restarted by someone else since 'up' started it: leaving it running"
		fi
		rm -f "$RUN/rabbitmq.started-by-landscape"
	fi
	stop_postgres
	log "landscape stopped"
}

cmd_status() {
	local c pid rc=0
	for c in "${COMPONENTS[@]}"; do
		if pid=$(pid_of "$c"); then
			printf '  %-18s pid %-8s %s -> %s\n' "$c" "$pid" "$(health_of "$c")" "$(http_code "$(health_of "$c")")"
		else
			printf '  %-18s stopped\n' "$c"
			rc=1
		fi
	done
	if bash "$ROOT/scripts/ensure-rabbitmq.sh" status 2>/dev/null; then
		printf '  %-18s %s\n' rabbitmq "answers on localhost:5672"
	else
		printf '  %-18s %s\n' rabbitmq "not running"
		rc=1
	fi
	if [[ -f $PG_DIR/port ]] && bash "$ROOT/scripts/ensure-postgres.sh" status "$PG_DIR" 2>/dev/null; then
		printf '  %-18s %s\n' postgres "answers on 127.0.0.1:$(pg_port)"
	else
		printf '  %-18s %s\n' postgres "not running"
		rc=1
	fi
	return "$rc"
}

cmd_running() {
	local c
	for c in "${COMPONENTS[@]}"; do
		if pid_of "$c" >/dev/null; then echo "$c"; fi
	done
}

rss_mib() { # rss_mib PID...: summed resident set of the processes in MiB
	ps -o rss= -p "$(tr ' ' ',' <<<"$*")" | awk '{s += $1} END {printf "%.0f", s / 1024}'
}

cmd_figures() {
	local idle=${1:-0} c pid secs lang rabbit
	((idle == 0)) || {
		log "waiting ${idle}s without traffic"
		sleep "$idle"
	}
	printf '| process | kind | RSS idle (MiB) | start to healthy (s) |\n|---|---|---:|---:|\n'
	for c in "${COMPONENTS[@]}"; do
		pid=$(pid_of "$c") || die "$c is not running"
		secs=$(awk -F'\t' -v n="$c" '$1 == n {print $3}' "$RUN/startup.tsv" 2>/dev/null)
		case "$c" in
		turbine) lang="Go (aggregator)" ;;
		*) if [[ $(kind_of "$c") == jvm ]]; then lang=JVM; else lang=Go; fi ;;
		esac
		printf '| %s | %s | %s | %s |\n' "$c" "$lang" "$(rss_mib "$pid")" "${secs:-n/a}"
	done
	rabbit=$(rabbit_node_pid || true)
	[[ -z $rabbit ]] || printf '| rabbitmq (beam.smp) | Erlang | %s | n/a |\n' "$(rss_mib "$rabbit")"
	# The postmaster (first line of postmaster.pid) and its children: neither Go nor JVM. RSS
	# counts the shared buffers once per process that touched them: an upper bound.
	local pg
	if pg=$(head -n 1 "$PG_DIR/data/postmaster.pid" 2>/dev/null) && alive "$pg"; then
		printf '| postgres (postmaster and children) | C (PostgreSQL) | %s | n/a |\n' \
			"$(rss_mib "$pg $(pgrep -P "$pg" | paste -sd' ')")"
	fi
}

main() {
	local cmd=${1:-}
	shift || true
	mkdir -p "$RUN"
	# One landscape.sh at a time (the suite restarts components while a user may call status).
	exec 9>"$RUN/.lock"
	flock -w 300 9 || die "another landscape.sh holds $RUN/.lock"
	case "$cmd" in
	up) cmd_up ;;
	down) cmd_down ;;
	status) cmd_status ;;
	running) cmd_running ;;
	figures) cmd_figures "$@" ;;
	start | stop | restart)
		if [[ $# -ne 1 ]] || ! known "$1"; then
			die "usage: $0 $cmd NAME (one of: ${COMPONENTS[*]})"
		fi
		case "$cmd" in
		start)
			prepare_one
			start_one "$1"
			;;
		stop) stop_one "$1" ;;
		restart)
			stop_one "$1"
			prepare_one
			start_one "$1"
			;;
		esac
		;;
	*)
		echo "usage: $0 up|down|status|running|figures [IDLE_SECONDS]|start NAME|stop NAME|restart NAME" >&2
		exit 2
		;;
	esac
}

main "$@"
