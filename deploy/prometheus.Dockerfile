# goblog/prometheus: Debian's Prometheus 2.42 on the local base (deploy/build-base-images.sh), with
# goblog's scrape configuration, rules and console page (support/prometheus/).
# Build context (staged by deploy/build-images.sh): prometheus.yml, rules/, consoles/,
# prometheus-health.
# No credential is in the image: the web config (basic authentication, a bcrypt hash) and the
# operator's password come at deploy time as the Docker secrets prometheus_web.yml and
# prometheus_password (deploy/make-secrets.sh).
ARG BASE=goblog/base-prometheus:2.42
FROM ${BASE}
COPY prometheus.yml /etc/prometheus/prometheus.yml
COPY rules/ /etc/prometheus/rules/
COPY consoles/ /etc/prometheus/consoles/
COPY prometheus-health /usr/local/bin/prometheus-health
# A rule file Prometheus would refuse fails the build, not the deploy. The data directory is the
# mount point of the named volume: Docker copies its owner into a new volume.
RUN promtool check rules /etc/prometheus/rules/*.yml \
    && mkdir -p /var/lib/prometheus/data \
    && chown prometheus:prometheus /var/lib/prometheus/data
USER prometheus
WORKDIR /var/lib/prometheus
EXPOSE 9090
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
    CMD ["/usr/local/bin/prometheus-health"]
# The stack file adds the retention and the web config (see docker-stack.yml).
ENTRYPOINT ["/usr/bin/prometheus", "--config.file=/etc/prometheus/prometheus.yml", \
    "--storage.tsdb.path=/var/lib/prometheus/data", \
    "--web.console.templates=/etc/prometheus/consoles", \
    "--web.console.libraries=/etc/prometheus/console_libraries"]
