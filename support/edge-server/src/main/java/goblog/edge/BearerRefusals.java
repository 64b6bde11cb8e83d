package goblog.edge;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.server.resource.BearerTokenError;
import org.springframework.security.oauth2.server.resource.BearerTokenErrorCodes;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;

/**
 * The edge's refusals, RFC 6750 §3 and the same as the Go services' (docs/common-api.md,
 * "bearer"): a JSON body {@code {"error": …}}, {@code Cache-Control: no-store}, and the challenge in
 * {@code WWW-Authenticate}. The client learns nothing beyond the standard error code: Spring's
 * own entry point would put the library's reason ("Invalid signature", "Jwt expired at …") into
 * {@code error_description}. The reason is logged at debug only.
 *
 * <table>
 *   <caption>refusals</caption>
 *   <tr><td>no token (no header, another scheme)</td><td>401</td><td>Bearer realm="goblog"</td></tr>
 *   <tr><td>a token that does not verify, expired, not yet valid, wrong issuer or audience, unknown key</td>
 *       <td>401</td><td>Bearer realm="goblog", error="invalid_token"</td></tr>
 *   <tr><td>two Authorization headers</td><td>400</td><td>Bearer realm="goblog", error="invalid_request"</td></tr>
 *   <tr><td>a valid token without the route's scope</td><td>403</td>
 *       <td>Bearer realm="goblog", error="insufficient_scope", scope="account:write"</td></tr>
 * </table>
 */
final class BearerRefusals implements AuthenticationEntryPoint, AccessDeniedHandler {

    static final String REALM = "goblog";

    private static final Logger log = LoggerFactory.getLogger(BearerRefusals.class);

    @Override
    public void commence(HttpServletRequest request, HttpServletResponse response, AuthenticationException e)
            throws IOException {
        if (e instanceof OAuth2AuthenticationException) {
            String code = ((OAuth2AuthenticationException) e).getError().getErrorCode();
            log.debug("request refused: access token, method={} path={} reason={}", request.getMethod(),
                    request.getRequestURI(), e.getMessage());
            if (BearerTokenErrorCodes.INVALID_REQUEST.equals(code)) {
                write(response, HttpStatus.BAD_REQUEST, "Bearer realm=\"" + REALM + "\", error=\"invalid_request\"",
                        "more than one Authorization header");
                return;
            }
            write(response, HttpStatus.UNAUTHORIZED, "Bearer realm=\"" + REALM + "\", error=\"invalid_token\"",
                    "invalid access token");
            return;
        }
        write(response, HttpStatus.UNAUTHORIZED, "Bearer realm=\"" + REALM + "\"",
                "authentication required: send an access token as Authorization: Bearer <token>");
    }

    @Override
    public void handle(HttpServletRequest request, HttpServletResponse response, AccessDeniedException e)
            throws IOException {
        String scope = ScopeRules.scopeFor(request);
        log.debug("request refused: scope, method={} path={} needs={}", request.getMethod(), request.getRequestURI(),
                scope);
        if (scope == null) {
            write(response, HttpStatus.FORBIDDEN, "Bearer realm=\"" + REALM + "\", error=\"insufficient_scope\"",
                    "insufficient scope");
            return;
        }
        write(response, HttpStatus.FORBIDDEN,
                "Bearer realm=\"" + REALM + "\", error=\"insufficient_scope\", scope=\"" + scope + "\"",
                "insufficient scope: " + scope + " required");
    }

    /** The refusal for two Authorization headers, thrown by the token resolver. */
    static OAuth2AuthenticationException severalHeaders() {
        return new OAuth2AuthenticationException(new BearerTokenError(BearerTokenErrorCodes.INVALID_REQUEST,
                HttpStatus.BAD_REQUEST, "more than one Authorization header", null));
    }

    private static void write(HttpServletResponse response, HttpStatus status, String challenge, String error)
            throws IOException {
        response.setStatus(status.value());
        response.setHeader("WWW-Authenticate", challenge);
        response.setHeader("Cache-Control", "no-store");
        response.setContentType(MediaType.APPLICATION_JSON_VALUE);
        byte[] body = ("{\"error\":\"" + error.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }
}
