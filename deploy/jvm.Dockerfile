# goblog/<jvm service>: one executable jar (Spring Boot fat jar or the Zipkin exec jar) on the local
# JRE 17 base, run as an unprivileged user.
# Build context (staged by deploy/build-images.sh): app.jar and http-health.
#   docker build -f deploy/jvm.Dockerfile --build-arg PORT=8080 -t goblog/quotes-service <context>
# Build arguments:
#   PORT         the HTTP port, exposed and probed by the HEALTHCHECK
#   HEALTH_PATH  the path that answers 200 when the service is up (Spring Boot: /actuator/health)
#   JAR          the jar inside the build context (default app.jar)
#   BASE         the base image (default goblog/base-jre:17, made by deploy/build-base-images.sh)
ARG BASE=goblog/base-jre:17
FROM ${BASE}
ARG JAR=app.jar
ARG PORT
ARG HEALTH_PATH=/actuator/health
RUN useradd --system --uid 10001 --user-group --home-dir /app --no-create-home --shell /usr/sbin/nologin app \
    && mkdir -p /app && chown app:app /app
COPY http-health /usr/local/bin/http-health
COPY ${JAR} /app/app.jar
# The JVM sizes its heap from the container's memory limit; stack files may extend this.
ENV HEALTH_PORT=${PORT} \
    HEALTH_PATH=${HEALTH_PATH} \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
WORKDIR /app
USER app
EXPOSE ${PORT}
# Java-free probe: bash's /dev/tcp, no curl or wget in the image. Spring Boot needs time to start.
HEALTHCHECK --interval=10s --timeout=5s --start-period=120s --retries=3 CMD ["/usr/local/bin/http-health"]
ENTRYPOINT ["java", "-jar", "/app/app.jar"]
