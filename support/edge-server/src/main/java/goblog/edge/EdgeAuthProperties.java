package goblog.edge;

import java.net.URL;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The edge's access-token check ({@code goblog.edge.auth.*}), the same settings as the Go
 * services' {@code auth_*} keys (docs/common-api.md, "bearer").
 *
 * <ul>
 *   <li>{@code required}: check tokens (default false: every request passes, with a WARN at
 *       start; the process landscape and {@code make run} until they have an authorization
 *       server). When true, {@code issuer} and {@code jwks-url} must be set or the edge does not
 *       start.</li>
 *   <li>{@code issuer}: compared with {@code iss} exactly (RFC 7519 §4.1.1), e.g.
 *       {@code https://localhost:8765}.</li>
 *   <li>{@code jwks-url}: the authorization server's JWKS (RFC 7517), e.g.
 *       {@code http://auth-server:9999/oauth2/jwks}.</li>
 *   <li>{@code audience}: when set, {@code aud} must contain it (RFC 7519 §4.1.3).</li>
 *   <li>{@code clock-skew}: leeway on {@code exp} and {@code nbf}, default 60 s (Spring's
 *       JwtTimestampValidator), at most 5 min.</li>
 *   <li>{@code jwks-refresh}: the cached JWKS is fetched again after this long, default 5 min
 *       (Nimbus's cache lifespan).</li>
 *   <li>{@code jwks-refetch-interval}: a token naming a key the cache does not hold refetches
 *       the JWKS at most this often, default 30 s: a flood of unknown {@code kid}s costs the
 *       authorization server one request per interval.</li>
 * </ul>
 */
@ConfigurationProperties("goblog.edge.auth")
public class EdgeAuthProperties {

    private boolean required;
    private String issuer;
    private URL jwksUrl;
    private String audience;
    private Duration clockSkew = Duration.ofSeconds(60);
    private Duration jwksRefresh = Duration.ofMinutes(5);
    private Duration jwksRefetchInterval = Duration.ofSeconds(30);

    public boolean isRequired() {
        return required;
    }

    public void setRequired(boolean required) {
        this.required = required;
    }

    public String getIssuer() {
        return issuer;
    }

    public void setIssuer(String issuer) {
        this.issuer = issuer;
    }

    public URL getJwksUrl() {
        return jwksUrl;
    }

    public void setJwksUrl(URL jwksUrl) {
        this.jwksUrl = jwksUrl;
    }

    public String getAudience() {
        return audience;
    }

    public void setAudience(String audience) {
        this.audience = audience;
    }

    public Duration getClockSkew() {
        return clockSkew;
    }

    public void setClockSkew(Duration clockSkew) {
        this.clockSkew = clockSkew;
    }

    public Duration getJwksRefresh() {
        return jwksRefresh;
    }

    public void setJwksRefresh(Duration jwksRefresh) {
        this.jwksRefresh = jwksRefresh;
    }

    public Duration getJwksRefetchInterval() {
        return jwksRefetchInterval;
    }

    public void setJwksRefetchInterval(Duration jwksRefetchInterval) {
        this.jwksRefetchInterval = jwksRefetchInterval;
    }

    /** The settings' problems, one sentence each; empty when the edge may start. */
    java.util.List<String> problems() {
        java.util.List<String> out = new java.util.ArrayList<>();
        if (!required) {
            return out;
        }
        if (issuer == null || issuer.isBlank()) {
            out.add("goblog.edge.auth.issuer is not set");
        }
        if (jwksUrl == null) {
            out.add("goblog.edge.auth.jwks-url is not set");
        } else if (!jwksUrl.getProtocol().equals("http") && !jwksUrl.getProtocol().equals("https")) {
            out.add("goblog.edge.auth.jwks-url " + jwksUrl + " is not an http(s) URL");
        }
        if (clockSkew.isNegative() || clockSkew.compareTo(Duration.ofMinutes(5)) > 0) {
            out.add("goblog.edge.auth.clock-skew " + clockSkew + " is not within 0s..5m");
        }
        if (jwksRefresh.isNegative() || jwksRefresh.isZero() || jwksRefetchInterval.isNegative()) {
            out.add("goblog.edge.auth.jwks-refresh and jwks-refetch-interval must be positive");
        }
        return out;
    }
}
