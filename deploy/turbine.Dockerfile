# goblog/turbine: one turbine.stream over every accountservice replica's /hystrix.stream (HTTP 8282).
# FROM scratch: the static binary (CGO_ENABLED=0) and the healthchecker, nothing else.
# Build context (staged by deploy/build-images.sh): bin/turbine, bin/healthchecker.
# Arguments (-profile, -configServerUrl, ...) come from the stack.
FROM scratch
COPY bin/turbine /turbine
COPY bin/healthchecker /healthchecker
USER 65532:65532
EXPOSE 8282
HEALTHCHECK --interval=5s --timeout=3s --start-period=30s --retries=3 \
    CMD ["/healthchecker", "-port", "8282"]
ENTRYPOINT ["/turbine"]
