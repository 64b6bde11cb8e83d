package goblog.edge;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import javax.servlet.FilterChain;
import javax.servlet.ServletException;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.autoconfigure.security.SecurityProperties;
import org.springframework.core.Ordered;
import org.springframework.http.MediaType;
import org.springframework.security.web.firewall.RequestRejectedException;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * A request Spring Security's firewall refuses (an encoded slash, {@code ;}, {@code ..} in the
 * path …) gets 400 with a JSON body instead of the 500 Spring Security 5.3 leaves it to (its
 * RequestRejectedHandler came in 5.4). Runs just outside the security filter chain.
 */
@Component
public class RejectedRequestFilter extends OncePerRequestFilter implements Ordered {

    private static final Logger log = LoggerFactory.getLogger(RejectedRequestFilter.class);

    @Override
    public int getOrder() {
        return SecurityProperties.DEFAULT_FILTER_ORDER - 1;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        try {
            chain.doFilter(request, response);
        } catch (RequestRejectedException e) {
            log.debug("request rejected: {} {}: {}", request.getMethod(), request.getRequestURI(), e.getMessage());
            if (response.isCommitted()) {
                return;
            }
            response.resetBuffer();
            response.setStatus(HttpServletResponse.SC_BAD_REQUEST);
            response.setContentType(MediaType.APPLICATION_JSON_VALUE);
            byte[] body = "{\"error\":\"bad request: the path is not accepted\"}".getBytes(StandardCharsets.UTF_8);
            response.setContentLength(body.length);
            response.getOutputStream().write(body);
        }
    }
}
