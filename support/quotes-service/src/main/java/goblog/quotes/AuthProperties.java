package goblog.quotes;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How quotes-service checks access tokens (issue 11), the same keys as the edge's
 * {@code goblog.edge.auth.*} and the Go services' {@code auth_*} (docs/common-api.md, "bearer").
 * Environment: {@code GOBLOG_QUOTES_AUTH_REQUIRED}, {@code …_ISSUER}, {@code …_JWKS_URL},
 * {@code …_AUDIENCE}, {@code …_CLOCK_SKEW} (Spring's relaxed binding).
 *
 * @param required  check tokens; false: every request passes, with a WARN at start (the dev
 *                  profile, {@code make landscape}); the Swarm stack sets true
 * @param issuer    {@code iss} must equal it exactly: the auth-server's fixed issuer
 * @param jwksUrl   the auth-server's JWKS (RFC 7517), required when {@code required}; Swarm:
 *                  {@code http://auth-server:9999/oauth2/jwks}, the URL the Go services use
 * @param audience  {@code aud} must contain it; empty: not checked
 * @param clockSkew leeway for {@code exp} and {@code nbf}
 */
@ConfigurationProperties("goblog.quotes.auth")
public record AuthProperties(
        @DefaultValue("false") boolean required,
        @DefaultValue("https://localhost:8765") String issuer,
        URI jwksUrl,
        @DefaultValue("goblog") String audience,
        @DefaultValue("60s") Duration clockSkew) {

    /** What keeps tokens from being checked as configured: empty when nothing does. */
    List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (!required) {
            return problems;
        }
        if (issuer == null || issuer.isBlank()) {
            problems.add("no issuer (goblog.quotes.auth.issuer)");
        }
        if (jwksUrl == null || jwksUrl.toString().isBlank()) {
            problems.add("no JWKS URL (goblog.quotes.auth.jwks-url)");
        } else if (!"http".equals(jwksUrl.getScheme()) && !"https".equals(jwksUrl.getScheme())) {
            problems.add("the JWKS URL " + jwksUrl + " is not http(s)");
        }
        if (clockSkew == null || clockSkew.isNegative()) {
            problems.add("a negative clock skew (goblog.quotes.auth.clock-skew)");
        }
        return problems;
    }
}
