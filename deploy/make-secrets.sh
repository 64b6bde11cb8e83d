#!/usr/bin/env bash
# make-secrets.sh: the credentials the stack reads as Docker secrets, made once per machine in
# .secrets/ (git-ignored, mode 700). Idempotent: existing files are kept, so the secrets' content,
# and therefore the Swarm secrets made from them, stay the same from one deploy to the next.
#
#   encrypt.key                  symmetric key of the config server ({cipher} values, /encrypt)
#   amqp_password                password of the RabbitMQ user "goblog"
#   rabbitmq_definitions.json    the broker's users, vhost and permissions (salted SHA-256 hash)
#   application-swarm.yml        amqp_server_url for the Go services, served by the config server
#                                as one more property source of the swarm profile
#
# Needs only coreutils. Usage: deploy/make-secrets.sh [DIR]   (default: <repo>/.secrets)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR=${1:-$ROOT/.secrets}
AMQP_USER=goblog

log() { printf 'make-secrets: %s\n' "$*" >&2; }

umask 077
mkdir -p "$DIR"
chmod 700 "$DIR"

random_token() { # random_token BYTES: URL-safe, no padding
    head -c "$1" /dev/urandom | base64 | tr -d '\n=' | tr '+/' '-_'
}

hex_to_bin() { sed 's/../\\x&/g' | xargs -0 printf '%b'; }

# RabbitMQ's rabbit_password_hashing_sha256: base64(salt ++ sha256(salt ++ password)), 4-byte salt.
rabbit_hash() {
    local salt_hex
    salt_hex=$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')
    { printf '%s' "$salt_hex" | hex_to_bin
        { printf '%s' "$salt_hex" | hex_to_bin; printf '%s' "$1"; } | sha256sum | cut -c1-64 | tr -d '\n' | hex_to_bin
    } | base64 -w0
}

make_file() { # make_file NAME: writes stdin to DIR/NAME unless it exists
    if [[ -s $DIR/$1 ]]; then
        cat >/dev/null
        return
    fi
    cat >"$DIR/$1.tmp"
    mv "$DIR/$1.tmp" "$DIR/$1"
    log "made $DIR/$1"
}

random_token 32 | make_file encrypt.key
random_token 18 | make_file amqp_password
password=$(cat "$DIR/amqp_password")

# The two files below derive from the password: remade whenever it is newer than they are.
for f in rabbitmq_definitions.json application-swarm.yml; do
    [[ ! $DIR/amqp_password -nt $DIR/$f ]] || rm -f "$DIR/$f"
done

make_file rabbitmq_definitions.json <<EOF
{
  "users": [
    {"name": "$AMQP_USER", "password_hash": "$(rabbit_hash "$password")",
     "hashing_algorithm": "rabbit_password_hashing_sha256", "tags": ["administrator"]}
  ],
  "vhosts": [{"name": "/"}],
  "permissions": [
    {"user": "$AMQP_USER", "vhost": "/", "configure": ".*", "write": ".*", "read": ".*"}
  ]
}
EOF

make_file application-swarm.yml <<EOF
# Made by deploy/make-secrets.sh; reaches the config server as a Docker secret, never the repo.
amqp_server_url: amqp://$AMQP_USER:$password@rabbitmq:5672/
EOF
