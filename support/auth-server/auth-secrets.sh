#!/usr/bin/env bash
# auth-secrets.sh: the auth-server's per-deployment secrets, shared by the Swarm stack
# (deploy/make-secrets.sh, then Docker secrets) and the local process landscape
# (scripts/landscape.sh, which points the server at the directory).
#
# Usage: support/auth-server/auth-secrets.sh COMMAND [SECRETS_DIR]   (default <repo>/.secrets)
#   make         make what is missing, keep what exists (idempotent; files mode 600):
#                  auth_signing_key.pem                 RSA 2048 private key, PKCS#8 PEM: signs tokens
#                  auth_signing_key_retired.pem         the key before the last rotation, still in the
#                                                       JWKS; a copy of the signing key until then
#                                                       (the server publishes one key for both)
#                  auth_client_secret_goblog-machine    client goblog-machine (account:read account:write)
#                  auth_client_secret_goblog-reader     client goblog-reader (account:read)
#   rotate-key   the signing key becomes the retired one and a new signing key is made. Deploy it
#                (make up, or restart the landscape's auth-server): new tokens carry the new kid,
#                tokens signed before stay valid (their key is still in the JWKS) until they expire.
#                Rotate again only after the access-token TTL has passed.
#
# Needs openssl. Nothing is printed but the names of the files made.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CMD=${1:-}
DIR=${2:-$ROOT/.secrets}
CLIENTS=(goblog-machine goblog-reader)
KEY=auth_signing_key.pem
RETIRED=auth_signing_key_retired.pem

log() { printf 'auth-secrets: %s\n' "$*" >&2; }

umask 077
mkdir -p "$DIR"
chmod 700 "$DIR"

new_key() { # new_key FILE: a fresh RSA key, written in one rename
    openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1.tmp" 2>/dev/null ||
        openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1.tmp"
    mv "$1.tmp" "$1"
    log "made $1"
}

make_missing() {
    [[ -s $DIR/$KEY ]] || new_key "$DIR/$KEY"
    if [[ ! -s $DIR/$RETIRED ]]; then
        cp "$DIR/$KEY" "$DIR/$RETIRED.tmp"
        mv "$DIR/$RETIRED.tmp" "$DIR/$RETIRED"
    fi
    local client file
    for client in "${CLIENTS[@]}"; do
        file=$DIR/auth_client_secret_$client
        [[ -s $file ]] && continue
        # 32 random bytes, URL-safe, no padding, no newline: fits HTTP Basic and form encoding.
        head -c 32 /dev/urandom | base64 | tr -d '\n=' | tr '+/' '-_' >"$file.tmp"
        mv "$file.tmp" "$file"
        log "made $file"
    done
}

case "$CMD" in
make) make_missing ;;
rotate-key)
    make_missing
    cp "$DIR/$KEY" "$DIR/$RETIRED.tmp"
    mv "$DIR/$RETIRED.tmp" "$DIR/$RETIRED"
    new_key "$DIR/$KEY"
    log "rotated: the former signing key is $DIR/$RETIRED; deploy to start signing with the new one"
    ;;
*)
    echo "usage: $0 make|rotate-key [SECRETS_DIR]" >&2
    exit 2
    ;;
esac
