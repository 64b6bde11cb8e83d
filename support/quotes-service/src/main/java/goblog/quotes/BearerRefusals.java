package goblog.quotes;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.server.resource.BearerTokenError;
import org.springframework.security.oauth2.server.resource.BearerTokenErrorCodes;
import org.springframework.security.oauth2.server.resource.web.BearerTokenResolver;
import org.springframework.security.oauth2.server.resource.web.DefaultBearerTokenResolver;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;

/**
 * quotes-service's refusals, RFC 6750 §3 and the same as the edge's and the Go services'
 * (docs/common-api.md, "bearer"): a JSON body {@code {"error": …}}, {@code Cache-Control:
 * no-store}, and the challenge in {@code WWW-Authenticate}. The client learns nothing beyond the
 * standard error code: Spring's own entry point would put the library's reason ("Jwt expired at
 * …") into {@code error_description}. The reason is logged at debug only.
 *
 * <table>
 *   <caption>refusals</caption>
 *   <tr><td>no token (no header, another scheme)</td><td>401</td><td>Bearer realm="goblog"</td></tr>
 *   <tr><td>a token that does not verify, expired, not yet valid, wrong issuer or audience, unknown key</td>
 *       <td>401</td><td>Bearer realm="goblog", error="invalid_token"</td></tr>
 *   <tr><td>two Authorization headers</td><td>400</td><td>Bearer realm="goblog", error="invalid_request"</td></tr>
 *   <tr><td>a valid token without the route's scope</td><td>403</td>
 *       <td>Bearer realm="goblog", error="insufficient_scope", scope="account:read"</td></tr>
 * </table>
 */
final class BearerRefusals implements AuthenticationEntryPoint, AccessDeniedHandler {

    static final String REALM = "goblog";

    private static final Logger log = LoggerFactory.getLogger(BearerRefusals.class);

    @Override
    public void commence(HttpServletRequest request, HttpServletResponse response, AuthenticationException e)
            throws IOException {
        if (e instanceof OAuth2AuthenticationException oauth) {
            log.debug("request refused: access token, method={} path={} reason={}", request.getMethod(),
                    request.getRequestURI(), e.getMessage());
            if (BearerTokenErrorCodes.INVALID_REQUEST.equals(oauth.getError().getErrorCode())) {
                write(response, HttpStatus.BAD_REQUEST, challenge("invalid_request"),
                        "more than one Authorization header");
                return;
            }
            write(response, HttpStatus.UNAUTHORIZED, challenge("invalid_token"), "invalid access token");
            return;
        }
        write(response, HttpStatus.UNAUTHORIZED, "Bearer realm=\"" + REALM + "\"",
                "authentication required: send an access token as Authorization: Bearer <token>");
    }

    @Override
    public void handle(HttpServletRequest request, HttpServletResponse response, AccessDeniedException e)
            throws IOException {
        String scope = SecurityConfiguration.scopeFor(request);
        log.debug("request refused: scope, method={} path={} needs={}", request.getMethod(),
                request.getRequestURI(), scope);
        if (scope == null) {
            write(response, HttpStatus.FORBIDDEN, challenge("insufficient_scope"), "insufficient scope");
            return;
        }
        write(response, HttpStatus.FORBIDDEN, challenge("insufficient_scope") + ", scope=\"" + scope + "\"",
                "insufficient scope: " + scope + " required");
    }

    /**
     * The token of a request as {@link DefaultBearerTokenResolver} reads it (RFC 6750 §2.1, the
     * header only), refusing a request with two {@code Authorization} headers (400,
     * invalid_request) instead of reading the first.
     */
    static BearerTokenResolver singleHeaderResolver() {
        DefaultBearerTokenResolver resolver = new DefaultBearerTokenResolver();
        return request -> {
            if (Collections.list(request.getHeaders(HttpHeaders.AUTHORIZATION)).size() > 1) {
                throw new OAuth2AuthenticationException(new BearerTokenError(BearerTokenErrorCodes.INVALID_REQUEST,
                        HttpStatus.BAD_REQUEST, "more than one Authorization header", null));
            }
            return resolver.resolve(request);
        };
    }

    private static String challenge(String error) {
        return "Bearer realm=\"" + REALM + "\", error=\"" + error + "\"";
    }

    private static void write(HttpServletResponse response, HttpStatus status, String challenge, String error)
            throws IOException {
        response.setStatus(status.value());
        response.setHeader(HttpHeaders.WWW_AUTHENTICATE, challenge);
        response.setHeader(HttpHeaders.CACHE_CONTROL, "no-store");
        response.setContentType(MediaType.APPLICATION_JSON_VALUE);
        byte[] body = ("{\"error\":\"" + error.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }
}
