#!/bin/sh
# goblog/rabbitmq entrypoint: writes the effective rabbitmq.conf and runs the broker in the
# foreground, logging to stdout.
#   RABBITMQ_DEFINITIONS_FILE  definitions (users, vhosts, permissions, exchanges, queues) loaded at
#                              boot. Default: the first readable of
#                              /run/secrets/rabbitmq_definitions.json and /etc/rabbitmq/definitions.json;
#                              without one only guest exists, reachable from inside the container only.
#   RABBITMQ_MEMORY_LIMIT      memory the broker assumes it has (e.g. 512MB); set it to the
#                              container's limit so the memory alarm fires below it.
set -eu
conf=/var/lib/rabbitmq/rabbitmq.conf
cp /etc/rabbitmq/rabbitmq.conf "$conf"

defs=
if [ -n "${RABBITMQ_DEFINITIONS_FILE:-}" ]; then
    [ -r "$RABBITMQ_DEFINITIONS_FILE" ] || {
        echo "rabbitmq-entrypoint: RABBITMQ_DEFINITIONS_FILE=$RABBITMQ_DEFINITIONS_FILE is not readable" >&2
        exit 1
    }
    defs=$RABBITMQ_DEFINITIONS_FILE
else
    for f in /run/secrets/rabbitmq_definitions.json /etc/rabbitmq/definitions.json; do
        if [ -r "$f" ]; then defs=$f; break; fi
    done
fi
if [ -n "$defs" ]; then
    echo "load_definitions = $defs" >>"$conf"
    echo "rabbitmq-entrypoint: loading definitions from $defs" >&2
else
    echo "rabbitmq-entrypoint: no definitions file: only guest (loopback) exists" >&2
fi
if [ -n "${RABBITMQ_MEMORY_LIMIT:-}" ]; then
    echo "total_memory_available_override_value = $RABBITMQ_MEMORY_LIMIT" >>"$conf"
fi

export RABBITMQ_CONFIG_FILE="$conf"
exec /usr/lib/rabbitmq/bin/rabbitmq-server "$@"
