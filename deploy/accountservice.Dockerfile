# goblog/accountservice: accounts (the stack's PostgreSQL, or bbolt), with quote and image (HTTP 6767,
# /hystrix.stream 8181).
# FROM scratch: the static binary (CGO_ENABLED=0) and the healthchecker, nothing else.
# Build context (staged by deploy/build-images.sh): bin/accountservice, bin/healthchecker and an
# empty data/ directory, which becomes /data, the working directory: the bolt file's home if the
# service is configured with account_store: bolt (the stack runs postgres), owned by the service's
# user so a fresh named volume mounted there is writable.
# Arguments (-profile, -configServerUrl, ...) come from the stack.
FROM scratch
COPY bin/accountservice /accountservice
COPY bin/healthchecker /healthchecker
COPY --chown=65532:65532 data/ /data/
WORKDIR /data
USER 65532:65532
EXPOSE 6767 8181
HEALTHCHECK --interval=5s --timeout=3s --start-period=30s --retries=3 \
    CMD ["/healthchecker", "-port", "6767"]
ENTRYPOINT ["/accountservice"]
