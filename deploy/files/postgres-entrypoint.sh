#!/bin/sh
# goblog/postgres entrypoint: makes the cluster on first start, then runs the server in the
# foreground (PID 1), logging to stderr.
#   PGDATA                  the cluster's directory, below the data volume's mount point
#   POSTGRES_USER           the role and database made at first start (default goblog)
#   POSTGRES_PASSWORD_FILE  its password (default /run/secrets/postgres_password), set at every
#                           start: the secret is what counts, also for a volume made by another
#                           checkout with other secrets
# Any arguments are passed to postgres (e.g. -c shared_buffers=64MB).
set -eu
: "${PGDATA:?PGDATA is not set}"
user=${POSTGRES_USER:-goblog}
pwfile=${POSTGRES_PASSWORD_FILE:-/run/secrets/postgres_password}

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    [ -s "$pwfile" ] || {
        echo "postgres-entrypoint: no password in $pwfile: cannot make the cluster" >&2
        exit 1
    }
    echo "postgres-entrypoint: making the cluster in $PGDATA (superuser $user)" >&2
    # Never remove what is there: a directory with files but no PG_VERSION is not a cluster this
    # script made (or one whose first start was interrupted): an operator looks at it.
    if [ -n "$(ls -A "$PGDATA" 2>/dev/null)" ]; then
        echo "postgres-entrypoint: $PGDATA has files but no PG_VERSION: not starting (remove it to make a new cluster)" >&2
        exit 1
    fi
    initdb --pgdata="$PGDATA" --username="$user" --pwfile="$pwfile" \
        --auth-local=peer --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    # Local (socket) connections: only the container's OS user postgres, and only as the role
    # $user (peer authentication with a map). Any address over TCP, with the password: the service
    # is reached only on the stack's overlay network (nothing is published on the host).
    cat >"$PGDATA/pg_hba.conf" <<HBA
local all all peer map=container
host all all 0.0.0.0/0 scram-sha-256
host all all ::/0 scram-sha-256
HBA
    echo "container postgres $user" >>"$PGDATA/pg_ident.conf"
    # The database, through a server that listens on the socket only while it is being made.
    pg_ctl --pgdata="$PGDATA" --silent --wait -o "-c listen_addresses=''" start >/dev/null
    psql --quiet --no-psqlrc --set=ON_ERROR_STOP=1 --username="$user" --dbname=postgres \
        --command="CREATE DATABASE \"$user\" OWNER \"$user\""
    pg_ctl --pgdata="$PGDATA" --silent --wait --mode=fast stop
    echo "postgres-entrypoint: cluster made" >&2
fi

# The role's password from the secret, through a server that listens on the socket only; psql
# reads the statement from stdin (printf is the shell's own: the password is on no command line).
[ -s "$pwfile" ] || {
    echo "postgres-entrypoint: no password in $pwfile" >&2
    exit 1
}
pg_ctl --pgdata="$PGDATA" --silent --wait -o "-c listen_addresses=''" start >/dev/null
printf "ALTER ROLE \"%s\" PASSWORD '%s';\n" "$user" "$(sed "s/'/''/g" "$pwfile")" |
    psql --quiet --no-psqlrc --set=ON_ERROR_STOP=1 --username="$user" --dbname=postgres >/dev/null
pg_ctl --pgdata="$PGDATA" --silent --wait --mode=fast stop

exec postgres -D "$PGDATA" -c listen_addresses='*' "$@"
