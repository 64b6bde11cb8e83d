#!/usr/bin/env bash
# token.sh: `make token`: a fresh OAuth 2.0 access token from the auth-server (client credentials
# grant, RFC 6749 §4.4). Standard output is the bare token alone (so `$(make -s token)` is the
# token, and it is the last line of the output); what the token is goes to standard error.
#
#   curl -H "Authorization: Bearer $(make -s token)" …
#
# Where the token comes from (TOKEN_FROM=stack|landscape to choose; default: the first that runs):
#   stack      the Swarm stack's auth-server task on this node: `docker exec` into its container,
#              which reads the client secret from its own Docker secret and posts to 127.0.0.1:9999
#              (the server is not published; the edge routes /oauth2/** to it, but this way the
#              secret never leaves the container).
#   landscape  the process landscape's auth-server on localhost:9999 (scripts/landscape.sh), the
#              secret from .secrets/ handed to curl on its standard input.
#
# Environment: TOKEN_CLIENT (goblog-machine), TOKEN_SCOPE ("account:read account:write"; the
# read-only client goblog-reader may ask for account:read only), TOKEN_FROM, GOBLOG_STACK.
set -euo pipefail
LOG_NAME=token
# shellcheck source=deploy/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CLIENT=${TOKEN_CLIENT:-goblog-machine}
SCOPE=${TOKEN_SCOPE:-account:read account:write}
FROM=${TOKEN_FROM:-}
[[ $CLIENT =~ ^[A-Za-z0-9._-]+$ ]] || die "TOKEN_CLIENT '$CLIENT' is not a client id"
[[ $SCOPE =~ ^[A-Za-z0-9:._\ -]+$ ]] || die "TOKEN_SCOPE '$SCOPE' has characters no goblog scope has"
FORM="grant_type=client_credentials&scope=${SCOPE// /%20}"

# The request inside the auth-server's container: bash's /dev/tcp (no curl in the image), HTTP/1.0
# so the answer is neither chunked nor kept alive. CLIENT and FORM come in the environment.
# shellcheck disable=SC2016 # expanded inside the container, not here
IN_CONTAINER='set -euo pipefail
secret=$(</run/secrets/auth_client_secret_$CLIENT)
basic=$(printf "%s:%s" "$CLIENT" "$secret" | base64 -w0)
exec 3<>/dev/tcp/127.0.0.1/9999
printf "POST /oauth2/token HTTP/1.0\r\nHost: localhost\r\nAuthorization: Basic %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s" \
    "$basic" "${#FORM}" "$FORM" >&3
cat <&3'

stack_container() { # the id of a running auth-server container of the stack on this node
    command -v docker >/dev/null 2>&1 || return 1
    docker ps -q --filter "label=com.docker.swarm.service.name=${STACK}_auth-server" --filter status=running 2>/dev/null | head -n 1
}

from_stack() { # prints "STATUS\nBODY"
    local id=$1 answer
    answer=$(docker exec -e CLIENT="$CLIENT" -e FORM="$FORM" "$id" bash -c "$IN_CONTAINER") ||
        die "the request inside the auth-server container $id failed"
    answer=${answer//$'\r'/}
    printf '%s\n%s\n' "$(head -n 1 <<<"$answer" | awk '{print $2}')" "$(sed '1,/^$/d' <<<"$answer")"
}

from_landscape() {
    local file=$ROOT/.secrets/auth_client_secret_$CLIENT
    [[ -r $file ]] || die "no secret for client $CLIENT in $file (scripts/landscape.sh makes it)"
    # curl's config from stdin: the secret is never on a command line.
    printf 'user = "%s:%s"\n' "$CLIENT" "$(<"$file")" |
        curl -sS -m 10 --config - -o - -w '\n%{http_code}' -d "$FORM" http://localhost:9999/oauth2/token |
        { body=$(cat); printf '%s\n%s\n' "${body##*$'\n'}" "${body%$'\n'*}"; }
}

json_string() { # json_string KEY: the string value of KEY in the JSON on stdin (flat objects)
    { grep -o "\"$1\":\"[^\"]*\"" || true; } | head -n 1 | sed -E 's/^"[^"]*":"(.*)"$/\1/'
}

json_number() {
    { grep -oE "\"$1\":[0-9]+" || true; } | head -n 1 | sed -E 's/^"[^"]*"://'
}

b64url_decode() {
    local s
    s=$(tr '_-' '/+')
    while ((${#s} % 4)); do s+='='; done
    base64 -d <<<"$s" 2>/dev/null
}

main() {
    local id="" answer status body token where
    if [[ $FROM != landscape ]]; then
        id=$(stack_container || true)
        [[ -n $id || -z $FROM ]] || die "no running auth-server task of the stack '$STACK' on this node (make up)"
    fi
    if [[ -n $id ]]; then
        answer=$(from_stack "$id")
        where="the stack's auth-server (container ${id:0:12})"
    elif curl -fsS -m 2 -o /dev/null http://localhost:9999/actuator/health 2>/dev/null; then
        answer=$(from_landscape)
        where="the landscape's auth-server (localhost:9999)"
    else
        die "no auth-server runs: neither a task of the stack '$STACK' on this node (make up) nor the landscape's on localhost:9999 (make landscape)"
    fi
    status=$(head -n 1 <<<"$answer")
    body=$(sed 1d <<<"$answer")
    if [[ $status != 200 ]]; then
        die "$where answered $status: $body"
    fi
    token=$(json_string access_token <<<"$body")
    [[ -n $token ]] || die "$where answered 200 without an access_token: $body"
    local payload
    payload=$(cut -d. -f2 <<<"$token" | b64url_decode || true)
    {
        printf 'access token for %s from %s\n' "$CLIENT" "$where"
        printf '  scope %s, expires in %s s, iss %s, aud %s\n' "$(json_string scope <<<"$body")" \
            "$(json_number expires_in <<<"$body")" "$(json_string iss <<<"$payload")" \
            "$( { grep -oE '"aud":\[?"[^"]*"' || true; } <<<"$payload" | sed -E 's/^"aud":\[?"//; s/"$//')"
    } >&2
    printf '%s\n' "$token"
}

main "$@"
