# goblog/vipservice: consumes VIP notifications from RabbitMQ (HTTP 6868).
# FROM scratch: the static binary (CGO_ENABLED=0) and the healthchecker, nothing else.
# Build context (staged by deploy/build-images.sh): bin/vipservice, bin/healthchecker.
# Arguments (-profile, -configServerUrl, ...) come from the stack.
FROM scratch
COPY bin/vipservice /vipservice
COPY bin/healthchecker /healthchecker
USER 65532:65532
EXPOSE 6868
HEALTHCHECK --interval=5s --timeout=3s --start-period=30s --retries=3 \
    CMD ["/healthchecker", "-port", "6868", "-path", "/health/live"]
ENTRYPOINT ["/vipservice"]
