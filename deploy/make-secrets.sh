#!/usr/bin/env bash
# make-secrets.sh: the credentials the stack reads as Docker secrets, made once per machine in
# .secrets/ (git-ignored, mode 700). Idempotent: the key and the passwords are made once and kept;
# the files derived from them are rewritten only when their content changes, so the Swarm secrets
# made from them stay the same from one deploy to the next.
#
#   encrypt.key                  symmetric key of the config server ({cipher} values, /encrypt)
#   amqp_password                password of the RabbitMQ user "goblog" (the Go services)
#   amqp_password_configserver   password of the RabbitMQ user "configserver" (Spring Cloud Bus)
#   amqp_password_admin          password of the RabbitMQ user "admin" (management UI and API)
#   postgres_password            password of the PostgreSQL role "goblog" (accountservice's store);
#                                read by the postgres task when it makes its cluster on a new volume
#   logstore_password            password of the log store's user "admin" (VictoriaLogs' UI and
#                                query API on 9428, basic auth; `make logs` reads it from here)
#   rabbitmq_definitions.json    the broker's vhost goblog, users, permissions (salted SHA-256
#                                hashes) and vip_queue's dead-letter policy, exchange and queue:
#                                support/rabbitmq/, the definitions the local landscape applies too
#   application-swarm.yml        amqp_server_url for the Go services (user goblog, vhost goblog),
#                                served by the config server as one more property source of the
#                                swarm profile
#   accountservice-swarm.yml     postgres_url for accountservice (role and database goblog), the
#                                same way but to accountservice only
#   auth_signing_key.pem, auth_signing_key_retired.pem, auth_client_secret_goblog-machine,
#   auth_client_secret_goblog-reader
#                                the auth-server's RSA signing key (and the one before the last
#                                rotation) and its client secrets: support/auth-server/auth-secrets.sh
#   edge_ca.pem, edge_ca.key, edge_tls_cert.pem, edge_tls_key.pem
#                                the edge's per-deployment CA and HTTPS certificate (the CA's key
#                                never leaves this machine): deploy/edge-tls.sh
#   prometheus_password          password of Prometheus's user "operator" (UI, API, console page)
#   prometheus_web.yml           Prometheus's web config (--web.config.file): basic authentication
#                                of "operator" with a bcrypt hash of that password; made again
#                                only when the password file is newer
#
# Needs coreutils and openssl, and for the bcrypt hash one of htpasswd (apache2-utils), mkpasswd
# (whois) or a Python 3 whose crypt module has bcrypt (libxcrypt, Debian's python3 up to 3.12);
# run as root on Debian with none of them, it installs whois. Usage: deploy/make-secrets.sh [DIR]   (default: <repo>/.secrets)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR=${1:-$ROOT/.secrets}
DEFS=$ROOT/support/rabbitmq/rabbitmq-definitions.sh

log() { printf 'make-secrets: %s\n' "$*" >&2; }

umask 077
mkdir -p "$DIR"
chmod 700 "$DIR"

random_token() { # random_token BYTES: URL-safe, no padding
    head -c "$1" /dev/urandom | base64 | tr -d '\n=' | tr '+/' '-_'
}

derive_file() { # derive_file NAME: writes stdin to DIR/NAME when that changes it
    cat >"$DIR/$1.tmp"
    if cmp -s "$DIR/$1.tmp" "$DIR/$1"; then
        rm -f "$DIR/$1.tmp"
        return
    fi
    mv "$DIR/$1.tmp" "$DIR/$1"
    log "made $DIR/$1"
}

if [[ ! -s $DIR/encrypt.key ]]; then
    random_token 32 | derive_file encrypt.key
fi
# Kept once made: the cluster on the volume has this password (a new one would lock the service out
# until ALTER ROLE; deploy/README.md, "PostgreSQL"). URL-safe, so it goes into the URL as it is.
if [[ ! -s $DIR/postgres_password ]]; then
    random_token 24 | derive_file postgres_password
fi
# The log store's basic-auth password (-httpAuth.password=file:///run/secrets/logstore_password).
# Kept once made; to rotate, remove the file and run make up (the store restarts with the new one).
if [[ ! -s $DIR/logstore_password ]]; then
    random_token 24 | derive_file logstore_password
fi
# The broker's users: the same definitions and password files as the local landscape's.
bash "$DEFS" passwords "$DIR"
definitions=$(bash "$DEFS" render "$DIR")
amqp_url=$(SECRETS_DIR=$DIR bash "$DEFS" url goblog rabbitmq 5672)

# The two files below derive from the passwords, the template and this script: written on every
# run, changed only when what they say changes (a new password, new definitions).
printf '%s\n' "$definitions" | derive_file rabbitmq_definitions.json

derive_file application-swarm.yml <<EOF
# Made by deploy/make-secrets.sh; reaches the config server as a Docker secret, never the repo.
amqp_server_url: $amqp_url
EOF

derive_file accountservice-swarm.yml <<EOF
# Made by deploy/make-secrets.sh; reaches the config server as a Docker secret, never the repo.
postgres_url: postgres://goblog:$(cat "$DIR/postgres_password")@postgres:5432/goblog?sslmode=disable
EOF

# The authorization server's signing keys and client secrets, made once and kept (a new signing key
# would invalidate every token out there; rotate with support/auth-server/auth-secrets.sh rotate-key).
bash "$ROOT/support/auth-server/auth-secrets.sh" make "$DIR"

# The edge's HTTPS: a CA made once and kept, a server certificate reissued only when its names,
# its CA or its remaining lifetime call for it (deploy/edge-tls.sh).
bash "$ROOT/deploy/edge-tls.sh" "$DIR"
# bcrypt_hash PASSWORD: a bcrypt hash ($2y$/$2b$, cost 10) for Prometheus's web config, which
# accepts nothing else (https://prometheus.io/docs/prometheus/2.42/configuration/https/).
bcrypt_hash() {
    if command -v htpasswd >/dev/null 2>&1; then
        htpasswd -niBC 10 operator <<<"$1" | cut -d: -f2-
    elif command -v mkpasswd >/dev/null 2>&1; then
        mkpasswd -m bcrypt -R 10 -s <<<"$1"
    elif python3 -c 'import crypt; assert crypt.METHOD_BLOWFISH in crypt.methods' 2>/dev/null; then
        python3 -W ignore -c 'import crypt, sys; print(crypt.crypt(sys.stdin.readline().rstrip("\n"), crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1 << 10)))' <<<"$1"
    elif [[ $(id -u) -eq 0 && -f /etc/debian_version ]]; then
        log "apt-get install whois (mkpasswd, for the bcrypt hash of Prometheus's web config)"
        export DEBIAN_FRONTEND=noninteractive
        apt-cache policy whois 2>/dev/null | grep -q 'Candidate: [0-9]' || apt-get update -qq
        apt-get install -y -qq --no-install-recommends whois >/dev/null
        mkpasswd -m bcrypt -R 10 -s <<<"$1"
    else
        log "ERROR: no bcrypt tool for Prometheus's web config: apt-get install apache2-utils (htpasswd) or whois (mkpasswd)"
        return 1
    fi
}

# Prometheus's operator password, kept once made; the web config holds only its hash. The hash is
# salted, so it is made again only for a new password (a new hash would be a new secret and roll
# Prometheus on every deploy).
if [[ ! -s $DIR/prometheus_password ]]; then
    random_token 24 | derive_file prometheus_password
fi
if [[ ! -s $DIR/prometheus_web.yml || $DIR/prometheus_password -nt $DIR/prometheus_web.yml ]]; then
    hash=$(bcrypt_hash "$(cat "$DIR/prometheus_password")")
    [[ $hash == "\$2"* ]] || { log "ERROR: the bcrypt hash for Prometheus is malformed"; exit 1; }
    derive_file prometheus_web.yml <<EOF
# Made by deploy/make-secrets.sh: Prometheus's web config (--web.config.file), a Docker secret.
# User operator; the password is in .secrets/prometheus_password.
basic_auth_users:
  operator: $hash
EOF
fi
