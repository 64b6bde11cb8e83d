package goblog.edge;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import javax.servlet.http.HttpServletRequest;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.config.annotation.web.configuration.WebSecurityConfigurerAdapter;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.server.resource.web.BearerTokenResolver;
import org.springframework.security.oauth2.server.resource.web.DefaultBearerTokenResolver;
import org.springframework.security.web.util.matcher.RequestMatcher;

/**
 * The edge as an OAuth 2.0 resource server (RFC 6750) when {@code goblog.edge.auth.required} is
 * true: every request but the authorization server's public endpoints carries a JWT access token
 * that verifies with a key of the JWKS ({@link JwksCache}), RS256 only, with {@code iss} the
 * configured issuer, {@code exp} present and not past, {@code nbf} not in the future (both with
 * the clock skew), {@code aud} containing the audience when one is configured; and the route's
 * scope ({@link ScopeRules}). Refusals: {@link BearerRefusals}. Stateless: no session, no cookie,
 * no CSRF token (nothing here authenticates by cookie).
 *
 * <p>When false, every request passes (with a WARN at start), as in the Go services' dev profile.
 * Either way the {@code Authorization} header is relayed downstream (zuul.sensitive-headers), so
 * the services check the same token themselves.
 */
@Configuration(proxyBeanMethods = false)
@EnableWebSecurity
@EnableConfigurationProperties(EdgeAuthProperties.class)
public class EdgeSecurityConfiguration extends WebSecurityConfigurerAdapter {

    private static final Logger log = LoggerFactory.getLogger(EdgeSecurityConfiguration.class);

    private final EdgeAuthProperties auth;
    private final Integer managementPort;
    private final Integer serverPort;

    public EdgeSecurityConfiguration(EdgeAuthProperties auth, Environment environment) {
        super(true); // no default configuration: no form login, no basic auth, no generated password
        this.auth = auth;
        this.managementPort = environment.getProperty("management.server.port", Integer.class);
        this.serverPort = environment.getProperty("server.port", Integer.class);
        List<String> problems = auth.problems();
        if (!problems.isEmpty()) {
            throw new IllegalStateException("The edge cannot check access tokens: " + String.join("; ", problems)
                    + ". Set them (goblog.edge.auth.*, env GOBLOG_EDGE_AUTH_*) or goblog.edge.auth.required=false.");
        }
    }

    @Override
    protected void configure(HttpSecurity http) throws Exception {
        http.csrf().disable()
                .sessionManagement().sessionCreationPolicy(SessionCreationPolicy.STATELESS).and()
                .requestCache().disable()
                .securityContext().and()
                .anonymous().and()
                .exceptionHandling().and()
                // No HSTS: the edge answers at localhost with a per-deployment CA, and a browser
                // that pinned HTTPS for localhost (a year, subdomains) would break every other
                // local plain-HTTP UI (Zipkin, the dashboard); API clients ignore it anyway.
                .headers().httpStrictTransportSecurity().disable();
        if (!auth.isRequired()) {
            log.warn("ACCESS TOKENS ARE NOT CHECKED at the edge (goblog.edge.auth.required=false): "
                    + "anyone who reaches it may read and create accounts");
            http.authorizeRequests().anyRequest().permitAll();
            return;
        }
        log.info("access tokens checked: issuer {}, JWKS {}, audience {}, clock skew {}, RS256 only",
                auth.getIssuer(), auth.getJwksUrl(), auth.getAudience() == null ? "(any)" : auth.getAudience(),
                auth.getClockSkew());
        BearerRefusals refusals = new BearerRefusals();
        var authorize = http.authorizeRequests();
        // The actuator's own port (the health check, inside the network only; never published)
        // needs no token: the security filter chain covers the management context too.
        authorize.requestMatchers(onManagementPort()).permitAll();
        authorize.antMatchers(ScopeRules.OPEN).permitAll();
        for (ScopeRules.Rule rule : ScopeRules.rules()) {
            authorize.antMatchers(rule.method(), rule.pattern()).hasAuthority("SCOPE_" + rule.scope());
        }
        authorize.anyRequest().authenticated();
        http.exceptionHandling().authenticationEntryPoint(refusals).accessDeniedHandler(refusals);
        http.oauth2ResourceServer()
                .bearerTokenResolver(bearerTokenResolver())
                .authenticationEntryPoint(refusals)
                .accessDeniedHandler(refusals)
                .jwt().decoder(jwtDecoder(auth));
    }

    /** Requests on the actuator's own port, when it has one (management.server.port > 0, not the server's). */
    private RequestMatcher onManagementPort() {
        if (managementPort == null || managementPort <= 0 || managementPort.equals(serverPort)) {
            return request -> false;
        }
        int port = managementPort;
        return request -> request.getLocalPort() == port;
    }

    /**
     * The token from {@code Authorization: Bearer <token>} only (RFC 6750 §2.1; not from a form
     * field or query parameter), refusing a request with two Authorization headers.
     */
    static BearerTokenResolver bearerTokenResolver() {
        DefaultBearerTokenResolver header = new DefaultBearerTokenResolver();
        return (HttpServletRequest request) -> {
            var values = request.getHeaders("Authorization");
            if (values != null && values.hasMoreElements()) {
                values.nextElement();
                if (values.hasMoreElements()) {
                    throw BearerRefusals.severalHeaders();
                }
            }
            return header.resolve(request);
        };
    }

    /** The decoder: signature through the cached JWKS (RS256 only), then the claims. */
    static NimbusJwtDecoder jwtDecoder(EdgeAuthProperties auth) {
        DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
        JwksCache keys = new JwksCache(auth.getJwksUrl(), auth.getJwksRefresh(), auth.getJwksRefetchInterval());
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.RS256, keys));
        processor.setJWTClaimsSetVerifier((claims, context) -> { }); // the validators below check the claims
        NimbusJwtDecoder decoder = new NimbusJwtDecoder(processor);
        decoder.setJwtValidator(validator(auth));
        return decoder;
    }

    static OAuth2TokenValidator<Jwt> validator(EdgeAuthProperties auth) {
        List<OAuth2TokenValidator<Jwt>> validators = new ArrayList<>();
        validators.add(jwt -> jwt.getExpiresAt() != null ? OAuth2TokenValidatorResult.success()
                : OAuth2TokenValidatorResult.failure(new OAuth2Error("invalid_token", "exp is missing", null)));
        validators.add(new JwtTimestampValidator(auth.getClockSkew()));
        validators.add(new JwtIssuerValidator(auth.getIssuer()));
        if (auth.getAudience() != null && !auth.getAudience().isBlank()) {
            String audience = auth.getAudience();
            validators.add(jwt -> {
                Collection<String> aud = jwt.getAudience();
                return aud != null && aud.contains(audience) ? OAuth2TokenValidatorResult.success()
                        : OAuth2TokenValidatorResult.failure(new OAuth2Error("invalid_token", "aud", null));
            });
        }
        return new DelegatingOAuth2TokenValidator<>(validators);
    }
}
