#!/usr/bin/env bash
# rabbitmq-definitions.sh: the goblog broker's vhost, users and permissions, shared by the local
# process landscape (applied to a running node) and the Swarm stack (loaded at boot from a
# definitions file). The template, definitions.template.json, holds no credential: passwords are
# generated per deployment into a secrets directory and only their salted hashes reach RabbitMQ.
#
# Usage: support/rabbitmq/rabbitmq-definitions.sh COMMAND [SECRETS_DIR]   (default <repo>/.secrets)
#   passwords      make the password files when absent (idempotent, mode 600, directory mode 700):
#                    amqp_password               user goblog        (the Go services)
#                    amqp_password_configserver  user configserver  (Spring Cloud Bus)
#                    amqp_password_admin         user admin         (operators: management UI/API)
#   render         print the definitions JSON (users with rabbit_password_hashing_sha256 hashes)
#                  on stdout: the same bytes for the same passwords, e.g. for Swarm:
#                    rabbitmq-definitions.sh render .secrets > .secrets/rabbitmq_definitions.json
#                  and `load_definitions = <that file>` in rabbitmq.conf.
#   apply          passwords + render, imported into the local running node with
#                  `rabbitmqctl import_definitions` (read from stdin: no file with the hashes is
#                  written). Idempotent: users get their current password again, nothing is
#                  removed. Needs root or passwordless sudo. Checks that guest stays loopback-only.
#   url USER [HOST] [PORT]   (secrets from $SECRETS_DIR, default <repo>/.secrets)
#                  print amqp://USER:<password>@HOST:PORT/goblog (HOST localhost, PORT 5672) on
#                  stdout, for a config server's /encrypt or a Docker secret. Never log it.
#
# Roles and least privilege (vhost goblog; regexes over exchange and queue names):
#   goblog        declares and uses vip_queue (publish through the default exchange, which
#                 RabbitMQ checks as amq.default; consume), declares the topic exchange
#                 springCloudBus and binds its own exclusive queue springCloudBus.anonymous.* to it
#                 (named as Spring Cloud Stream names an anonymous group's queue).
#                 It cannot publish to springCloudBus: only the config server announces refreshes.
#   configserver  declares and publishes to springCloudBus, and binds and reads its anonymous
#                 Spring Cloud Stream queue springCloudBus.anonymous.*. Nothing else.
#   admin         the operators' user: tag administrator (management UI and HTTP API), every
#                 permission on vhost goblog. No service uses it.
#   guest         untouched: RabbitMQ's default loopback_users keeps it to localhost connections.
# Only admin has a management tag.
#
# Environment: RABBITMQCTL (rabbitmqctl), RABBITMQ_VHOST is fixed to goblog by the template.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
TEMPLATE=$HERE/definitions.template.json
VHOST=goblog
RABBITMQCTL=${RABBITMQCTL:-rabbitmqctl}
USERS="goblog configserver admin"

log() { printf 'rabbitmq-definitions: %s\n' "$*" >&2; }
die() {
	log "ERROR: $*"
	exit 1
}

# password_file USER: the file holding USER's password.
password_file() {
	case "$1" in
	goblog) echo "$DIR/amqp_password" ;;
	configserver) echo "$DIR/amqp_password_configserver" ;;
	admin) echo "$DIR/amqp_password_admin" ;;
	*) die "unknown user '$1' (want goblog, configserver or admin)" ;;
	esac
}

password_of() {
	local f
	f=$(password_file "$1")
	[[ -s $f ]] || die "$f is missing: run '$0 passwords $DIR' first"
	tr -d '\n' <"$f"
}

cmd_passwords() {
	local user f
	(
		umask 077
		mkdir -p "$DIR"
	)
	chmod 700 "$DIR"
	for user in $USERS; do
		f=$(password_file "$user")
		[[ -s $f ]] && continue
		# hex: nothing to escape in an amqp:// URL or a YAML value
		(
			umask 077
			openssl rand -hex 24 >"$f.tmp"
		)
		mv "$f.tmp" "$f"
		log "made $f (password of RabbitMQ user $user)"
	done
}

# rabbit_hash PASSWORD: RabbitMQ's rabbit_password_hashing_sha256,
# base64(salt ++ sha256(salt ++ utf8(password))) with a 4-byte salt. rabbitmqctl hash_password
# (RabbitMQ >= 3.11) does the same with a random salt; Debian bookworm ships 3.10, so it is done
# here. The salt derives from the password (the first 4 bytes of
# sha256("goblog-rabbitmq-salt:" ++ password)): one password, one hash, so the rendered file is the
# same on every run, and the Swarm secret made from it changes only when a password or the
# template does (a new secret rolls the broker). A salt is there against precomputed tables over
# many users; a per-password salt does that job.
rabbit_hash() {
	local salt
	salt=$(mktemp)
	printf 'goblog-rabbitmq-salt:%s' "$1" | openssl dgst -sha256 -binary | head -c 4 >"$salt"
	{
		cat "$salt"
		{
			cat "$salt"
			printf '%s' "$1"
		} | openssl dgst -sha256 -binary
	} | base64 -w0
	rm -f "$salt"
}

cmd_render() {
	local args=() user upper password hash
	[[ -r $TEMPLATE ]] || die "$TEMPLATE is missing"
	for user in $USERS; do
		upper=$(printf '%s' "$user" | tr '[:lower:]' '[:upper:]')
		password=$(password_of "$user") # its own statement: a missing file stops the script
		hash=$(rabbit_hash "$password")
		# base64 has no sed metacharacters other than '/', hence the '|' delimiter.
		args+=(-e "s|@${upper}_PASSWORD_HASH@|$hash|")
	done
	sed "${args[@]}" "$TEMPLATE"
}

# ctl runs rabbitmqctl as root (the node's cookie is root's or rabbitmq's), bounded in time.
ctl() {
	if [[ $(id -u) -eq 0 ]]; then
		timeout 60 "$RABBITMQCTL" "$@"
	elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
		sudo -n timeout 60 "$RABBITMQCTL" "$@"
	else
		die "need root or passwordless sudo to run rabbitmqctl"
	fi
}

cmd_apply() {
	local users
	cmd_passwords
	command -v "$RABBITMQCTL" >/dev/null || die "$RABBITMQCTL not found: is RabbitMQ installed (scripts/ensure-rabbitmq.sh)?"
	cmd_render | ctl -q import_definitions --format json >/dev/null ||
		die "rabbitmqctl import_definitions failed"
	users=$(ctl -q list_permissions -p "$VHOST" | awk '{print $1}' | sort | tr '\n' ' ')
	[[ $users == *configserver* && $users == *goblog* && $users == *admin* ]] ||
		die "after the import, vhost $VHOST has permissions for: ${users:-nobody}"
	if ! ctl -q eval 'application:get_env(rabbit, loopback_users).' | grep -q '<<"guest">>'; then
		log "WARNING: guest is not in loopback_users: it can log in from other hosts"
	fi
	log "vhost $VHOST with users $USERS applied (guest stays loopback-only)"
}

cmd_url() {
	local user=${1:?usage: $0 url USER [HOST] [PORT]} host=${2:-localhost} port=${3:-5672}
	printf 'amqp://%s:%s@%s:%s/%s\n' "$user" "$(password_of "$user")" "$host" "$port" "$VHOST"
}

cmd=${1:-}
shift || true
case "$cmd" in
passwords | render | apply)
	DIR=${1:-$ROOT/.secrets}
	"cmd_$cmd"
	;;
url)
	DIR=${SECRETS_DIR:-$ROOT/.secrets}
	cmd_url "$@"
	;;
*)
	echo "usage: $0 passwords|render|apply [SECRETS_DIR] | url USER [HOST] [PORT]" >&2
	exit 2
	;;
esac
