#!/usr/bin/env bash
# logs.sh (`make logs`): lines from the central log store (VictoriaLogs, service logstore), in time
# order, from every service of the stack.
#
#   deploy/logs.sh TRACE=<id>                      every line that names the trace id (X-B3-TraceId:
#                                                  the edge returns it), whatever service wrote it
#   deploy/logs.sh SERVICE=accountservice LEVEL=warn   one service's warnings and worse
#   deploy/logs.sh QUERY='<LogsQL>'                any LogsQL filter (https://docs.victoriametrics.com/victorialogs/logsql/)
#
# Filters combine. LEVEL is a minimum: debug, info, warn, error (logrus' "warning" and the JVMs'
# "WARN" both count as warn). A JSON line's level is its own; a plain-text line (RabbitMQ's,
# PostgreSQL's) has the syslog severity the driver gave it: info from stdout, err from stderr. SINCE bounds the time range (LogsQL duration, default 1h; 1d for TRACE),
# LIMIT the number of lines (default 500: the most recent ones, printed oldest first).
# Each line: time (UTC), service.slot, level, message, and the trace id when the line has one.
#
# JSON lines (the Go services' logrus, the JVMs' logstash-style JSON on the swarm profile) are
# unpacked at query time (LogsQL `unpack_json`): the store keeps each line as it came, so a change
# of a service's fields needs no change of the store. RAW=1 prints the store's JSON lines instead.
#
# Environment: LOGSTORE_URL (default http://localhost:9428), LOGSTORE_USER (admin),
# LOGSTORE_PASSWORD_FILE (<repo>/.secrets/logstore_password), GOBLOG_STACK (goblog).
set -euo pipefail
LOG_NAME=logs
# shellcheck source=deploy/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

URL=${LOGSTORE_URL:-http://localhost:9428}
USER_NAME=${LOGSTORE_USER:-admin}
PASSWORD_FILE=${LOGSTORE_PASSWORD_FILE:-$ROOT/.secrets/logstore_password}

TRACE='' SERVICE='' LEVEL='' QUERY='' SINCE='' LIMIT=500 RAW=0
for arg in "$@"; do
    case $arg in
    TRACE=* | SERVICE=* | LEVEL=* | QUERY=* | SINCE=* | LIMIT=* | RAW=*) declare "${arg%%=*}=${arg#*=}" ;;
    *) die "unknown argument '$arg' (TRACE=, SERVICE=, LEVEL=, QUERY=, SINCE=, LIMIT=, RAW=1)" ;;
    esac
done

[[ -z $TRACE || $TRACE =~ ^[0-9a-fA-F]{16,32}$ ]] || die "TRACE must be a trace id, 16 or 32 hex digits: '$TRACE'"
[[ -z $SERVICE || $SERVICE =~ ^[a-z0-9-]+$ ]] || die "SERVICE must be a service name of the stack, like accountservice: '$SERVICE'"
[[ $LIMIT =~ ^[0-9]+$ ]] || die "LIMIT must be a number: '$LIMIT'"
SINCE=${SINCE:-$([[ -n $TRACE ]] && echo 1d || echo 1h)}
[[ $SINCE =~ ^[0-9]+[smhdw]$ ]] || die "SINCE must be a duration like 15m, 1h or 2d: '$SINCE'"

# levels_from LEVEL: a regexp of the level names at LEVEL or worse, case-insensitive: logrus',
# logback's and syslog's (RFC 5424 severities) names.
levels_from() {
    case ${1,,} in
    debug | trace) echo '.+' ;;
    info) echo '(info|notice|warn|warning|err|error|crit|alert|emerg|fatal|panic)' ;;
    warn | warning) echo '(warn|warning|err|error|crit|alert|emerg|fatal|panic)' ;;
    error) echo '(err|error|crit|alert|emerg|fatal|panic)' ;;
    *) die "LEVEL must be debug, info, warn or error: '$1'" ;;
    esac
}

# The filter: time range, the trace id as a word of the line (cheap, the store indexes words), the
# service's containers (app_name is the container name, <stack>_<service>.<slot>.<task id>).
q="_time:$SINCE"
[[ -z $TRACE ]] || q+=" \"${TRACE,,}\""
[[ -z $SERVICE ]] || q+=" app_name:\"${STACK}_$SERVICE.\"*"
[[ -z $QUERY ]] || q+=" ($QUERY)"
# unpack_json overwrites fields of the same name: a JSON line's level wins over the syslog one.
q+=" | unpack_json"
[[ -z $LEVEL ]] || q+=" | filter level:~\"(?i)^$(levels_from "$LEVEL")\$\""
q+=" | sort by (_time desc) limit $LIMIT"

[[ -r $PASSWORD_FILE ]] || die "no password file $PASSWORD_FILE: run make up (deploy/make-secrets.sh makes it)"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# The password goes to curl on standard input, not on its command line (ps would show it).
code=$(printf 'user = "%s:%s"\n' "$USER_NAME" "$(cat "$PASSWORD_FILE")" |
    curl -sS -K - -o "$out" -w '%{http_code}' --max-time 30 \
        "$URL/select/logsql/query" --data-urlencode "query=$q") ||
    die "the log store does not answer at $URL (make status; is the stack up?)"
[[ $code == 200 ]] || die "the log store answered $code to $q: $(head -c 300 "$out")"

if [[ $RAW == 1 ]]; then
    tac "$out"
    exit 0
fi
# One line each: time, service.slot (from the container name), level, message, for a Go service's
# access line (access_log) its method, path, status and duration, and the trace id.
tac "$out" | jq -r --arg stack "${STACK}_" '
    def service: (.app_name // "?") | ltrimstr($stack) | split(".") | .[0:2] | join(".");
    def message: (.msg // .message // ._msg) | gsub("\n"; "\\n");
    def request: if (.method // "") != "" and (.status // "") != "" then
        "\(.method) \(.path // .route // "?") \(.status) \(.durationMs // "?")ms" else empty end;
    [._time, service, ((.level // "-") | ascii_downcase), message, request,
     (if (.traceId // .trace_id // "") != "" then "traceId=" + (.traceId // .trace_id) else empty end)]
    | join("  ")'
