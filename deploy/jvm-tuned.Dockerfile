# goblog/quotes-service-tuned: the same quotes-service jar as goblog/quotes-service, run the way a
# careful JVM user would run a small service (issue 13, item 4): the JVM at its best, beside the
# untuned twin of the blog. Only the GoVsJvm load test deploys it (loadtest/README.md, "The tuned
# JVM"); the stack runs the untuned one.
# Build context (staged by deploy/build-images.sh): app.jar and http-health.
# Build arguments: PORT, HEALTH_PATH, BASE as in jvm.Dockerfile.
#
# What differs from jvm.Dockerfile, and the source of each choice:
# - The fat jar is extracted (java -Djarmode=tools ... extract, Spring Boot's "Efficient
#   Deployments"): classes load from plain jars, which class-data sharing needs.
# - An AppCDS archive made at build time by a training run that exits once the context has
#   refreshed (-Dspring.context.exit=onRefresh; Spring Boot's "Class Data Sharing", the JDK 17
#   way: JDK 17 has no AOT cache, that is JDK 24's JEP 483). The run reads the archive with
#   -XX:SharedArchiveFile; a class the archive lacks loads as usual.
# - Serial GC (one core's worth of work, no GC threads to keep; the JDK's own advice for small
#   heaps), a fixed 64 MiB maximum heap instead of 75 % of the memory limit, 16 MiB to start.
# - C1 only (-XX:TieredStopAtLevel=1): less compiler memory and CPU at start for a service
#   whose request path is tiny; measured against full tiered compilation in loadtest/README.md.
# - Smaller thread stacks (512 KiB; Tomcat keeps 10+ threads) and a bounded code cache and
#   metaspace, so the footprint has a ceiling.
ARG BASE=goblog/base-jre:17
FROM ${BASE}
ARG PORT
ARG HEALTH_PATH=/actuator/health
RUN useradd --system --uid 10001 --user-group --home-dir /app --no-create-home --shell /usr/sbin/nologin app \
    && mkdir -p /app && chown app:app /app
COPY http-health /usr/local/bin/http-health
COPY app.jar /tmp/app.jar
WORKDIR /app
ENV JAVA_TUNED="-XX:+UseSerialGC -Xms16m -Xmx64m -XX:TieredStopAtLevel=1 -Xss512k -XX:ReservedCodeCacheSize=32m -XX:MaxMetaspaceSize=96m -XX:+ExitOnOutOfMemoryError"
# Extract, then the training run (the same flags as the service's, or the archive is refused).
# -Xshare:dump first when the JRE ships no base archive (ArchiveClassesAtExit needs one).
RUN java -Djarmode=tools -jar /tmp/app.jar extract --destination /app/application \
    && rm /tmp/app.jar \
    && { java -Xshare:on -version >/dev/null 2>&1 || java -Xshare:dump >/dev/null; } \
    && cd /app/application \
    && { java $JAVA_TUNED -XX:ArchiveClassesAtExit=/app/application/app.jsa -Dspring.context.exit=onRefresh \
        -jar /app/application/app.jar >/tmp/training.log 2>&1 && test -s /app/application/app.jsa \
        || { cat /tmp/training.log; exit 1; }; } \
    && rm /tmp/training.log \
    && chown -R app:app /app
ENV HEALTH_PORT=${PORT} \
    HEALTH_PATH=${HEALTH_PATH}
WORKDIR /app/application
USER app
EXPOSE ${PORT}
HEALTHCHECK --interval=10s --timeout=5s --start-period=120s --retries=3 CMD ["/usr/local/bin/http-health"]
ENTRYPOINT ["sh", "-c", "exec java $JAVA_TUNED -XX:SharedArchiveFile=/app/application/app.jsa -jar /app/application/app.jar \"$@\"", "java"]
