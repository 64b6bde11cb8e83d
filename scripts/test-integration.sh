#!/usr/bin/env bash
# test-integration.sh: the integration suite (integration/, build tag `landscape`) against the
# local process landscape. Starts whatever part of the landscape is not running
# (scripts/landscape.sh up), runs the suite, then stops exactly what it started: the whole
# landscape (and RabbitMQ, if `up` started it) when nothing ran before, else only the components
# it added. The suite's exit status is the script's.
#
# Usage: scripts/test-integration.sh [go test flags…]   e.g. -v, -run TestQuotesServiceOutage
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LANDSCAPE=$ROOT/scripts/landscape.sh

mapfile -t before < <(bash "$LANDSCAPE" running)

cleanup() {
	local rc=$? c i
	local -a now added=()
	if ((${#before[@]} == 0)); then
		bash "$LANDSCAPE" down || rc=1
	else
		mapfile -t now < <(bash "$LANDSCAPE" running)
		for c in "${now[@]}"; do
			[[ " ${before[*]} " == *" $c "* ]] || added+=("$c")
		done
		for ((i = ${#added[@]} - 1; i >= 0; i--)); do
			bash "$LANDSCAPE" stop "${added[i]}" || rc=1
		done
	fi
	exit "$rc"
}
trap cleanup EXIT

bash "$LANDSCAPE" up
cd "$ROOT"
go test -race -tags landscape -count=1 "$@" ./integration/...
