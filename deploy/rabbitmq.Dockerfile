# goblog/rabbitmq: Debian's rabbitmq-server on the local base, management UI on 15672, Prometheus
# metrics (rabbitmq_prometheus) on 15692, which only the overlay network reaches.
# Build context (staged by deploy/build-images.sh): rabbitmq.conf, rabbitmq-entrypoint.sh.
# Users, vhosts and queues are not in the image: a definitions file comes at deploy time as a
# Docker secret (see rabbitmq-entrypoint.sh), so no credential is baked in.
ARG BASE=goblog/base-rabbitmq:3.10
FROM ${BASE}
COPY rabbitmq.conf /etc/rabbitmq/rabbitmq.conf
COPY rabbitmq-entrypoint.sh /usr/local/bin/rabbitmq-entrypoint
RUN rabbitmq-plugins enable --offline rabbitmq_management rabbitmq_prometheus >/dev/null \
    && chown rabbitmq:rabbitmq /etc/rabbitmq/enabled_plugins
# One node, named independently of the task's host name, so rabbitmq-diagnostics finds it.
ENV RABBITMQ_NODENAME=rabbit@localhost \
    HOME=/var/lib/rabbitmq
USER rabbitmq
WORKDIR /var/lib/rabbitmq
EXPOSE 5672 15672 15692
HEALTHCHECK --interval=15s --timeout=10s --start-period=60s --retries=3 \
    CMD ["rabbitmq-diagnostics", "-q", "ping"]
ENTRYPOINT ["/usr/local/bin/rabbitmq-entrypoint"]
