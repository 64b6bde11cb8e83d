package goblog.edge;

import java.io.IOException;

import javax.servlet.FilterChain;
import javax.servlet.ServletException;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import brave.Span;
import brave.Tracer;

import org.springframework.cloud.sleuth.instrument.web.TraceWebServletAutoConfiguration;
import org.springframework.core.Ordered;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Returns the id of the trace a request belongs to in the response header
 * {@value #HEADER}, so a client (the integration tests) can look the trace up
 * in Zipkin. Runs right after Sleuth's tracing filter, when the server span is
 * current, and sets the header before Zuul writes the response.
 */
@Component
public class TraceIdResponseFilter extends OncePerRequestFilter implements Ordered {

    static final String HEADER = "X-B3-TraceId";

    private final Tracer tracer;

    public TraceIdResponseFilter(Tracer tracer) {
        this.tracer = tracer;
    }

    @Override
    public int getOrder() {
        return TraceWebServletAutoConfiguration.TRACING_FILTER_ORDER + 1;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Span span = tracer.currentSpan();
        if (span != null) {
            response.setHeader(HEADER, span.context().traceIdString());
        }
        chain.doFilter(request, response);
    }
}
