package goblog.edge;

import java.io.IOException;

import javax.servlet.FilterChain;
import javax.servlet.ServletException;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletRequestWrapper;
import javax.servlet.http.HttpServletResponse;

import org.springframework.core.Ordered;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Serves the authorization server's public endpoints at the root of the edge, where its issuer
 * ({@code https://localhost:8765}) puts them: {@code /oauth2/**} (token, JWKS) and
 * {@code /.well-known/**} (RFC 8414 metadata). Zuul puts its global prefix {@code /api} in front
 * of every route, so this filter hands such a request to Zuul as {@code /api/auth-server/<path>},
 * the {@code auth-server} route, which forwards {@code <path>} to the auth-server. It runs after
 * Spring Security, whose rules see the public path.
 */
@Component
public class AuthServerPathFilter extends OncePerRequestFilter implements Ordered {

    /** The path the auth-server route is served under, behind Zuul's global prefix. */
    static final String ROUTE_PATH = "/api/auth-server";

    @Override
    public int getOrder() {
        return 0; // after the security filter chain (-100), before the DispatcherServlet
    }

    /** Whether the path (within the application) is one of the auth-server's public endpoints. */
    static boolean isAuthServerPath(String path) {
        return path.startsWith("/oauth2/") || path.startsWith("/.well-known/");
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String path = request.getRequestURI().substring(request.getContextPath().length());
        if (!isAuthServerPath(path)) {
            chain.doFilter(request, response);
            return;
        }
        chain.doFilter(new Rerouted(request, ROUTE_PATH + path), response);
    }

    /** The request as if it had been sent to {@code path}. */
    private static final class Rerouted extends HttpServletRequestWrapper {
        private final String path;

        Rerouted(HttpServletRequest request, String path) {
            super(request);
            this.path = path;
        }

        @Override
        public String getRequestURI() {
            return getContextPath() + path;
        }

        @Override
        public String getServletPath() {
            return path;
        }

        @Override
        public String getPathInfo() {
            return null;
        }

        @Override
        public StringBuffer getRequestURL() {
            StringBuffer url = new StringBuffer();
            url.append(getScheme()).append("://").append(getServerName()).append(':').append(getServerPort());
            return url.append(getRequestURI());
        }
    }
}
