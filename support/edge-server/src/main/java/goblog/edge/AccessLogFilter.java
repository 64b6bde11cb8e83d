package goblog.edge;

import static net.logstash.logback.argument.StructuredArguments.kv;

import java.io.IOException;

import javax.servlet.FilterChain;
import javax.servlet.ServletException;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.cloud.sleuth.instrument.web.TraceWebServletAutoConfiguration;
import org.springframework.core.Ordered;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * One INFO line per request through the edge, written when the response is
 * done: method, path, status and duration in milliseconds (fields
 * {@code method}, {@code path}, {@code status}, {@code durationMs} in the JSON
 * lines of the swarm profile; {@code status=200} and so on in plain text).
 * It runs inside Sleuth's tracing filter, so the line carries the request's
 * traceId and spanId: the edge's line of a trace in the central log store.
 * /actuator/* (the container health check every few seconds) is not logged.
 */
@Component
public class AccessLogFilter extends OncePerRequestFilter implements Ordered {

    private static final Logger log = LoggerFactory.getLogger(AccessLogFilter.class);

    @Override
    public int getOrder() {
        return TraceWebServletAutoConfiguration.TRACING_FILTER_ORDER + 2;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return request.getRequestURI().startsWith("/actuator");
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        long start = System.nanoTime();
        try {
            chain.doFilter(request, response);
        } finally {
            long ms = (System.nanoTime() - start) / 1_000_000;
            log.info("{} {} {} {}", kv("method", request.getMethod()), kv("path", request.getRequestURI()),
                    kv("status", response.getStatus()), kv("durationMs", ms));
        }
    }
}
