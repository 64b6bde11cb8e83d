# goblog/imageservice: account image URLs and sepia filtering (HTTP 7777).
# FROM scratch: the static binary (CGO_ENABLED=0) and the healthchecker, nothing else.
# Build context (staged by deploy/build-images.sh): bin/imageservice, bin/healthchecker.
# Arguments (-profile, -configServerUrl, ...) come from the stack.
FROM scratch
COPY bin/imageservice /imageservice
COPY bin/healthchecker /healthchecker
USER 65532:65532
EXPOSE 7777
HEALTHCHECK --interval=5s --timeout=3s --start-period=30s --retries=3 \
    CMD ["/healthchecker", "-port", "7777"]
ENTRYPOINT ["/imageservice"]
