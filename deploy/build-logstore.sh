#!/usr/bin/env bash
# build-logstore.sh: the log store's binary, bin/victoria-logs: VictoriaLogs (Apache-2.0) built
# from the Go module proxy, static (CGO_ENABLED=0) and stripped, for the FROM scratch image
# goblog/logstore (deploy/logstore.Dockerfile).
#
# Cached like the other build outputs: when bin/victoria-logs already is the wanted module version
# (read back with `go version -m`), nothing is built, so a second `make up` costs a fraction of a
# second. A build from nothing takes about a minute on two idle cores (Go's build cache helps
# after that).
#
# Usage: deploy/build-logstore.sh
# Environment:
#   VICTORIALOGS_VERSION  module version (default below)
#   BIN_DIR               where the binary goes (default bin)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MODULE=github.com/VictoriaMetrics/VictoriaLogs
PACKAGE=$MODULE/app/victoria-logs
VERSION=${VICTORIALOGS_VERSION:-v1.52.1}
BIN_DIR=${BIN_DIR:-$ROOT/bin}
BIN=$BIN_DIR/victoria-logs

log() { printf 'build-logstore: %s\n' "$*" >&2; }

built_version() { # the module version bin/victoria-logs was built from, empty when unknown
    [[ -x $BIN ]] || return 0
    go version -m "$BIN" 2>/dev/null | awk -v m="$MODULE" '$1 == "mod" && $2 == m { print $3 }'
}

command -v go >/dev/null 2>&1 || { log "ERROR: Go is needed to build VictoriaLogs"; exit 1; }
if [[ $(built_version) == "$VERSION" ]]; then
    log "$BIN is $MODULE $VERSION: reused"
    exit 0
fi
log "go install $PACKAGE@$VERSION -> $BIN"
mkdir -p "$BIN_DIR"
start=$SECONDS
# GOWORK=off: built as its own module with its own go.sum, outside the repository's workspace.
CGO_ENABLED=0 GOWORK=off GOFLAGS='' GOBIN=$BIN_DIR \
    go install -trimpath -buildvcs=false -ldflags "-s -w" "$PACKAGE@$VERSION"
[[ $(built_version) == "$VERSION" ]] || { log "ERROR: $BIN is not $MODULE $VERSION after the build"; exit 1; }
log "built in $((SECONDS - start))s, $(($(stat -c %s "$BIN") / 1000000)) MB"
