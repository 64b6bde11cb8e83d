#!/usr/bin/env bash
# make-secrets.sh: the credentials the stack reads as Docker secrets, made once per machine in
# .secrets/ (git-ignored, mode 700). Idempotent: the key and the password are made once and kept;
# the files derived from them are rewritten only when their content changes, so the Swarm secrets
# made from them stay the same from one deploy to the next.
#
#   encrypt.key                  symmetric key of the config server ({cipher} values, /encrypt)
#   amqp_password                password of the RabbitMQ user "goblog"
#   rabbitmq_definitions.json    the broker's users, vhost, permissions (salted SHA-256 hash), and
#                                vip_queue's dead-letter policy, exchange and queue
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
# The salt derives from the password (the first 4 bytes of sha256("goblog-rabbitmq-salt:" ++
# password)): one password, one hash, so the files derived from it are the same on every run, and
# a change to what they say (the definitions below) is the only thing that changes them. A salt
# exists against precomputed tables across many users; a per-password salt does that job.
rabbit_hash() {
    local salt_hex
    salt_hex=$(printf 'goblog-rabbitmq-salt:%s' "$1" | sha256sum | cut -c1-8)
    { printf '%s' "$salt_hex" | hex_to_bin
        { printf '%s' "$salt_hex" | hex_to_bin; printf '%s' "$1"; } | sha256sum | cut -c1-64 | tr -d '\n' | hex_to_bin
    } | base64 -w0
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

make_file() { # make_file NAME: writes stdin to DIR/NAME unless it exists
    if [[ -s $DIR/$1 ]]; then
        cat >/dev/null
        return
    fi
    derive_file "$1"
}

random_token 32 | make_file encrypt.key
random_token 18 | make_file amqp_password
password=$(cat "$DIR/amqp_password")

# The two files below derive from the password and this script: written on every run, changed
# only when what they say changes (a new password, new definitions).

derive_file rabbitmq_definitions.json <<EOF
{
  "users": [
    {"name": "$AMQP_USER", "password_hash": "$(rabbit_hash "$password")",
     "hashing_algorithm": "rabbit_password_hashing_sha256", "tags": ["administrator"]}
  ],
  "vhosts": [{"name": "/"}],
  "permissions": [
    {"user": "$AMQP_USER", "vhost": "/", "configure": ".*", "write": ".*", "read": ".*"}
  ],
  "exchanges": [
    {"name": "vip_queue.dlx", "vhost": "/", "type": "fanout", "durable": true,
     "auto_delete": false, "internal": false, "arguments": {}}
  ],
  "queues": [
    {"name": "vip_queue.dead", "vhost": "/", "durable": true, "auto_delete": false, "arguments": {}}
  ],
  "bindings": [
    {"source": "vip_queue.dlx", "vhost": "/", "destination": "vip_queue.dead",
     "destination_type": "queue", "routing_key": "", "arguments": {}}
  ],
  "policies": [
    {"vhost": "/", "name": "vip-dead-letters", "pattern": "^vip_queue\$", "apply-to": "queues",
     "priority": 0, "definition": {"dead-letter-exchange": "vip_queue.dlx"}}
  ]
}
EOF

derive_file application-swarm.yml <<EOF
# Made by deploy/make-secrets.sh; reaches the config server as a Docker secret, never the repo.
amqp_server_url: amqp://$AMQP_USER:$password@rabbitmq:5672/
EOF
