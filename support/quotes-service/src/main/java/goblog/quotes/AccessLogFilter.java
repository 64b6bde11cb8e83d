package goblog.quotes;

import java.io.IOException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.core.Ordered;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * One INFO line per request, written when the response is done: method, path,
 * status and duration in milliseconds, also as the key-value pairs
 * {@code method}, {@code path}, {@code status}, {@code durationMs} (fields of
 * the JSON lines of the swarm profile, Spring Boot's structured logging). It
 * runs inside Spring's observation filter, so the line carries the request's
 * traceId and spanId: quotes-service's line of a trace in the central log
 * store. /actuator/* (the container health check) is not logged.
 */
@Component
public class AccessLogFilter extends OncePerRequestFilter implements Ordered {

    private static final Logger log = LoggerFactory.getLogger(AccessLogFilter.class);

    @Override
    public int getOrder() {
        // After ServerHttpObservationFilter (HIGHEST_PRECEDENCE + 1), which opens the trace scope.
        return Ordered.HIGHEST_PRECEDENCE + 10;
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
            log.atInfo()
                    .addKeyValue("method", request.getMethod())
                    .addKeyValue("path", request.getRequestURI())
                    .addKeyValue("status", response.getStatus())
                    .addKeyValue("durationMs", ms)
                    .log("{} {} {} {} ms", request.getMethod(), request.getRequestURI(), response.getStatus(), ms);
        }
    }
}
