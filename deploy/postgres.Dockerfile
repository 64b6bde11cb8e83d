# goblog/postgres: Debian's PostgreSQL 15 on the local base, for accountservice's shared store.
# Build context (staged by deploy/build-images.sh): postgres-entrypoint.sh.
# No password is in the image: the entrypoint makes the cluster at first start on the data volume
# with the password of the Docker secret postgres_password (see postgres-entrypoint.sh).
ARG BASE=goblog/base-postgres:15
FROM ${BASE}
COPY postgres-entrypoint.sh /usr/local/bin/postgres-entrypoint
# The data directory is the mount point of the named volume: Docker copies this empty directory's
# owner and mode into a new volume, so the postgres user owns it from the first start. The socket
# directory is normally made by systemd-tmpfiles, which a container has not.
RUN mkdir -p /var/lib/postgresql/data /var/run/postgresql \
    && chown postgres:postgres /var/lib/postgresql/data /var/run/postgresql \
    && chmod 700 /var/lib/postgresql/data
ENV PGDATA=/var/lib/postgresql/data/pgdata
USER postgres
WORKDIR /var/lib/postgresql
EXPOSE 5432
# SIGTERM is PostgreSQL's "smart" shutdown, which waits for every client (accountservice's pool)
# to disconnect; SIGINT is the "fast" one: sessions end, the cluster checkpoints and stops.
STOPSIGNAL SIGINT
HEALTHCHECK --interval=5s --timeout=3s --start-period=60s --retries=3 \
    CMD ["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"]
ENTRYPOINT ["/usr/local/bin/postgres-entrypoint"]
