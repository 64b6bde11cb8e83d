#!/usr/bin/env bash
# edge-tls.sh: the edge's per-deployment certificate authority and HTTPS certificate, in
# .secrets/ beside the other credentials (deploy/make-secrets.sh calls it; so may the process
# landscape). Idempotent: the CA is made once and kept; the server certificate is made again only
# when it is missing, its names differ from the wanted ones, it is not signed by this CA, or it
# expires within 30 days. An unchanged run rewrites nothing, so the Swarm secrets stay the same.
#
#   edge_ca.key         the CA's private key (ECDSA P-256). Stays on this machine: it is never a
#                       Docker secret. Whoever holds it can issue certificates clients trust.
#   edge_ca.pem         the CA certificate (10 years): what clients trust, `curl --cacert`
#   edge_tls_key.pem    the edge's private key (ECDSA P-256, unencrypted PKCS#8 PEM), a Docker secret
#   edge_tls_cert.pem   the edge's certificate (365 days), signed by the CA, a Docker secret;
#                       subjectAltName: localhost, 127.0.0.1, edge-server (the overlay name), the
#                       host's address (the source address of its default route), and every name or
#                       address in EDGE_TLS_HOSTS (comma-separated)
#
# Needs openssl 1.1.1 or newer. Usage: deploy/edge-tls.sh [DIR]   (default: <repo>/.secrets)
# Environment: EDGE_TLS_HOSTS extra names/addresses; EDGE_TLS_DAYS server certificate lifetime
# (default 365); EDGE_TLS_HOST_ADDRESS the host's address when the default route's is not it.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR=${1:-$ROOT/.secrets}
DAYS=${EDGE_TLS_DAYS:-365}
RENEW_BEFORE=$((30 * 24 * 3600))

log() { printf 'edge-tls: %s\n' "$*" >&2; }

umask 077
mkdir -p "$DIR"
chmod 700 "$DIR"

host_address() {
    if [[ -n ${EDGE_TLS_HOST_ADDRESS:-} ]]; then
        printf '%s\n' "$EDGE_TLS_HOST_ADDRESS"
        return
    fi
    ip -4 route get 1.1.1.1 2>/dev/null | awk '{ for (i = 1; i < NF; i++) if ($i == "src") { print $(i + 1); exit } }'
}

# wanted_sans: the subjectAltName entries, one per line, sorted, in openssl's output spelling
# ("DNS:localhost", "IP Address:127.0.0.1").
wanted_sans() {
    local h
    {
        printf '%s\n' localhost 127.0.0.1 edge-server
        host_address
        tr ',' '\n' <<<"${EDGE_TLS_HOSTS:-}"
    } | while read -r h; do
        [[ -n $h ]] || continue
        if [[ $h =~ ^[0-9.]+$ || $h == *:* ]]; then
            printf 'IP Address:%s\n' "$h"
        else
            printf 'DNS:%s\n' "$h"
        fi
    done | sort -u
}

# cert_sans FILE: the certificate's subjectAltName entries, same spelling as wanted_sans.
cert_sans() {
    openssl x509 -in "$1" -noout -ext subjectAltName 2>/dev/null |
        tail -n +2 | tr ',' '\n' | sed 's/^ *//' | grep -v '^$' | sort -u
}

make_ca() {
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$DIR/edge_ca.key.tmp" 2>/dev/null
    openssl req -x509 -new -key "$DIR/edge_ca.key.tmp" -sha256 -days 3650 \
        -subj "/O=goblog/CN=goblog edge CA $(date -u +%Y-%m-%d)" \
        -addext basicConstraints=critical,CA:TRUE,pathlen:0 \
        -addext keyUsage=critical,keyCertSign,cRLSign \
        -out "$DIR/edge_ca.pem.tmp" 2>/dev/null
    mv "$DIR/edge_ca.key.tmp" "$DIR/edge_ca.key"
    mv "$DIR/edge_ca.pem.tmp" "$DIR/edge_ca.pem"
    chmod 644 "$DIR/edge_ca.pem" # public: clients read it
    log "made $DIR/edge_ca.pem (and its key edge_ca.key)"
}

server_cert_current() {
    local cert=$DIR/edge_tls_cert.pem
    [[ -s $cert && -s $DIR/edge_tls_key.pem ]] || return 1
    openssl verify -CAfile "$DIR/edge_ca.pem" "$cert" >/dev/null 2>&1 || return 1
    openssl x509 -in "$cert" -noout -checkend "$RENEW_BEFORE" >/dev/null 2>&1 || return 1
    [[ $(cert_sans "$cert") == "$(wanted_sans)" ]] || return 1
    # the key is the certificate's
    [[ $(openssl x509 -in "$cert" -noout -pubkey) == $(openssl pkey -in "$DIR/edge_tls_key.pem" -pubout) ]]
}

make_server_cert() {
    local san
    san=$(wanted_sans | sed 's/^IP Address:/IP:/' | paste -sd, -)
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$DIR/edge_tls_key.pem.tmp" 2>/dev/null
    openssl req -new -key "$DIR/edge_tls_key.pem.tmp" -subj "/O=goblog/CN=edge-server" \
        -out "$DIR/edge_tls.csr.tmp" 2>/dev/null
    openssl x509 -req -in "$DIR/edge_tls.csr.tmp" -CA "$DIR/edge_ca.pem" -CAkey "$DIR/edge_ca.key" \
        -CAcreateserial -CAserial "$DIR/edge_ca.srl" -sha256 -days "$DAYS" \
        -extfile <(printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' "$san") \
        -out "$DIR/edge_tls_cert.pem.tmp" 2>/dev/null
    rm -f "$DIR/edge_tls.csr.tmp"
    mv "$DIR/edge_tls_key.pem.tmp" "$DIR/edge_tls_key.pem"
    mv "$DIR/edge_tls_cert.pem.tmp" "$DIR/edge_tls_cert.pem"
    log "made $DIR/edge_tls_cert.pem for $san"
}

if [[ ! -s $DIR/edge_ca.key || ! -s $DIR/edge_ca.pem ]]; then
    make_ca
fi
server_cert_current || make_server_cert
