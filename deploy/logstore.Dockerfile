# goblog/logstore: VictoriaLogs, the central log store (HTTP query API and UI 9428, syslog over UDP
# 5140). Every container of the stack ships its lines here through Docker's syslog log driver
# (docker-stack.yml, x-logging).
# FROM scratch: the static binary (CGO_ENABLED=0, github.com/VictoriaMetrics/VictoriaLogs
# app/victoria-logs, built from the Go module proxy by deploy/build-logstore.sh) and the
# healthchecker, nothing else. /health answers without authentication (VictoriaMetrics' httpserver
# serves it before the basic-auth check); everything else needs the -httpAuth.* user.
# Build context (staged by deploy/build-images.sh): bin/victoria-logs, bin/healthchecker and an
# empty data/ directory, the mount point of the volume, owned by the store's user so a fresh named
# volume mounted there is writable.
# Flags (data path, retention, auth, listen addresses) come from the stack.
FROM scratch
COPY bin/victoria-logs /victoria-logs
COPY bin/healthchecker /healthchecker
COPY --chown=65532:65532 data/ /data/
WORKDIR /data
USER 65532:65532
EXPOSE 9428 5140/udp
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["/healthchecker", "-port", "9428"]
ENTRYPOINT ["/victoria-logs"]
