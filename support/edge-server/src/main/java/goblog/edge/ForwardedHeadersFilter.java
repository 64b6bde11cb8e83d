package goblog.edge;

import java.io.IOException;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;

import javax.servlet.FilterChain;
import javax.servlet.ServletException;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletRequestWrapper;
import javax.servlet.http.HttpServletResponse;

import org.springframework.core.Ordered;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Drops the forwarded headers a client sends (RFC 7239 {@code Forwarded} and
 * every {@code X-Forwarded-*}) before Zuul sees the request. The edge is the
 * first proxy: what it forwards downstream must describe the connection it
 * accepted, and Zuul's PreDecorationFilter would otherwise put the client's
 * values in front of its own ({@code X-Forwarded-Host: evil.example,localhost:8765},
 * the client's {@code X-Forwarded-Prefix} before the route's), where the
 * services, which read the first value as Spring does, would build the links
 * they hand out from them. With this filter the services receive exactly
 * Zuul's {@code X-Forwarded-Host}, {@code -Port}, {@code -Proto},
 * {@code -Prefix} and {@code -For}, made from the request line, the
 * {@code Host} header and the socket.
 */
@Component
public class ForwardedHeadersFilter extends OncePerRequestFilter implements Ordered {

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        chain.doFilter(new WithoutForwardedHeaders(request), response);
    }

    /** Whether a client-sent header is one this filter drops (case-insensitive). */
    static boolean isForwarded(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.equals("forwarded") || lower.startsWith("x-forwarded-");
    }

    /** The request as if the client had sent no forwarded header. */
    private static final class WithoutForwardedHeaders extends HttpServletRequestWrapper {

        WithoutForwardedHeaders(HttpServletRequest request) {
            super(request);
        }

        @Override
        public String getHeader(String name) {
            return isForwarded(name) ? null : super.getHeader(name);
        }

        @Override
        public Enumeration<String> getHeaders(String name) {
            return isForwarded(name) ? Collections.emptyEnumeration() : super.getHeaders(name);
        }

        @Override
        public Enumeration<String> getHeaderNames() {
            List<String> names = Collections.list(super.getHeaderNames());
            names.removeIf(ForwardedHeadersFilter::isForwarded);
            return Collections.enumeration(names);
        }

        @Override
        public long getDateHeader(String name) {
            return isForwarded(name) ? -1 : super.getDateHeader(name);
        }

        @Override
        public int getIntHeader(String name) {
            return isForwarded(name) ? -1 : super.getIntHeader(name);
        }
    }
}
