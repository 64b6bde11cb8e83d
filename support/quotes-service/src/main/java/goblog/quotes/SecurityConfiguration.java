package goblog.quotes;

import java.net.MalformedURLException;
import java.util.List;
import java.util.Objects;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.jwk.source.RateLimitReachedException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletRequest;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;

/**
 * quotes-service as an OAuth 2.0 resource server (RFC 6750; issue 11) when
 * {@code goblog.quotes.auth.required} is true: a request to the API carries a JWT access token
 * that verifies with a key of the auth-server's JWKS, RS256 only, with {@code iss} the configured
 * issuer, {@code exp} present and not past, {@code nbf} not in the future (both with the clock
 * skew), {@code aud} containing the audience when one is configured; {@code GET /api/quote**}
 * needs the scope {@code account:read} (a read, as in the edge's and the Go services' rules). The
 * actuator's health, info and prometheus endpoints need no token (operator endpoints, never
 * published). Refusals: {@link BearerRefusals}. Stateless: no session, no cookie, no CSRF token.
 *
 * <p>Keys: Nimbus's {@link JWKSourceBuilder}, cached for 5 minutes and refetched on an unknown
 * {@code kid}, at most twice per 30 s (its rate limit), never per request, as the Go services'
 * {@code common/bearer} does. A key set that cannot be fetched, or a refetch the rate limit
 * refuses, is a token that does not verify: 401 invalid_token, never a 500.
 *
 * <p>When false, every request passes with a WARN at start, as in the Go services' dev profile.
 * Told to require tokens without an issuer or JWKS URL, the service refuses to start and names
 * the missing keys.
 */
@Configuration(proxyBeanMethods = false)
@EnableWebSecurity
@EnableConfigurationProperties(AuthProperties.class)
public class SecurityConfiguration {

    static final String READ = "account:read";

    private static final Logger log = LoggerFactory.getLogger(SecurityConfiguration.class);

    /** The reads: GET and HEAD of /api/quote and below (GET covers HEAD, as in the Go services). */
    private static final List<RequestMatcher> READS = List.of(
            PathPatternRequestMatcher.withDefaults().matcher(HttpMethod.GET, "/api/quote/**"),
            PathPatternRequestMatcher.withDefaults().matcher(HttpMethod.HEAD, "/api/quote/**"));

    /** Operator endpoints, open: the container health check and Prometheus (not published). */
    private static final String[] OPEN = {"/actuator/health", "/actuator/health/**", "/actuator/info",
            "/actuator/prometheus"};

    /** Keys cached this long (ms), then fetched again: Nimbus's default, the Go services' refresh. */
    static final long KEYS_TTL_MS = 5 * 60 * 1000;
    /** At most two refetches of the keys for unknown kids in this time (ms). */
    static final long KEYS_REFETCH_INTERVAL_MS = 30 * 1000;
    /** Connect and read timeout (ms) and size limit (bytes) of a JWKS fetch. */
    static final int KEYS_TIMEOUT_MS = 2000;
    static final int KEYS_SIZE_LIMIT = 64 * 1024;

    @Bean
    SecurityFilterChain api(HttpSecurity http, AuthProperties auth) throws Exception {
        http.csrf(AbstractHttpConfigurer::disable)
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .requestCache(AbstractHttpConfigurer::disable)
                .formLogin(AbstractHttpConfigurer::disable)
                .httpBasic(AbstractHttpConfigurer::disable)
                .logout(AbstractHttpConfigurer::disable);
        if (!auth.required()) {
            log.warn("ACCESS TOKENS ARE NOT CHECKED: goblog.quotes.auth.required is false (the dev profile, "
                    + "make landscape); every request passes. The Swarm stack sets GOBLOG_QUOTES_AUTH_REQUIRED=true.");
            return http.authorizeHttpRequests(a -> a.anyRequest().permitAll()).build();
        }
        List<String> problems = auth.problems();
        if (!problems.isEmpty()) {
            throw new IllegalStateException("quotes-service cannot check access tokens: " + String.join("; ", problems)
                    + ". Set them (goblog.quotes.auth.*, env GOBLOG_QUOTES_AUTH_*) or goblog.quotes.auth.required=false.");
        }
        BearerRefusals refusals = new BearerRefusals();
        http.authorizeHttpRequests(a -> a
                        .dispatcherTypeMatchers(DispatcherType.ERROR).permitAll()
                        .requestMatchers(OPEN).permitAll()
                        .requestMatchers(READS.toArray(RequestMatcher[]::new)).hasAuthority("SCOPE_" + READ)
                        .anyRequest().authenticated())
                .oauth2ResourceServer(o -> o
                        .bearerTokenResolver(BearerRefusals.singleHeaderResolver())
                        .authenticationEntryPoint(refusals)
                        .accessDeniedHandler(refusals)
                        .jwt(j -> j.decoder(decoder(auth))))
                .exceptionHandling(e -> e.authenticationEntryPoint(refusals).accessDeniedHandler(refusals));
        log.info("access tokens checked: issuer {}, keys {}, audience {}, clock skew {}", auth.issuer(),
                auth.jwksUrl(), auth.audience().isBlank() ? "(not checked)" : auth.audience(), auth.clockSkew());
        return http.build();
    }

    /** The scope a request needs, or null when it needs none beyond a valid token. */
    static String scopeFor(HttpServletRequest request) {
        return READS.stream().anyMatch(m -> m.matches(request)) ? READ : null;
    }

    /** The JWT decoder of {@code auth}: RS256 by a key of the JWKS, then the claims' rules. */
    static JwtDecoder decoder(AuthProperties auth) {
        JWKSource<SecurityContext> keys;
        try {
            keys = JWKSourceBuilder.create(auth.jwksUrl().toURL(),
                            new DefaultResourceRetriever(KEYS_TIMEOUT_MS, KEYS_TIMEOUT_MS, KEYS_SIZE_LIMIT))
                    .cache(KEYS_TTL_MS, KEYS_TIMEOUT_MS)
                    .rateLimited(KEYS_REFETCH_INTERVAL_MS)
                    .build();
        } catch (MalformedURLException e) {
            throw new IllegalStateException("goblog.quotes.auth.jwks-url " + auth.jwksUrl() + ": " + e.getMessage(), e);
        }
        DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.RS256, new NoKeysOnFailure(keys)));
        // "typ" JWT (Spring Authorization Server), at+jwt (RFC 9068) or none.
        processor.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(JOSEObjectType.JWT,
                new JOSEObjectType("at+jwt"), null));
        processor.setJWTClaimsSetVerifier((claims, context) -> { }); // the validators below check them
        NimbusJwtDecoder decoder = new NimbusJwtDecoder(processor);
        decoder.setJwtValidator(validator(auth));
        return decoder;
    }

    /** exp required; exp and nbf with the skew; iss exact; aud containing the audience if set. */
    static OAuth2TokenValidator<Jwt> validator(AuthProperties auth) {
        List<OAuth2TokenValidator<Jwt>> rules = new java.util.ArrayList<>(List.of(
                new JwtClaimValidator<>(JwtClaimNames.EXP, Objects::nonNull),
                new JwtTimestampValidator(auth.clockSkew()),
                new JwtIssuerValidator(auth.issuer())));
        if (!auth.audience().isBlank()) {
            rules.add(new JwtClaimValidator<List<String>>(JwtClaimNames.AUD,
                    aud -> aud != null && aud.contains(auth.audience())));
        }
        return new DelegatingOAuth2TokenValidator<>(rules);
    }

    /**
     * The keys of {@code source}, or none when it cannot give them (the JWKS unreachable, a
     * refetch refused by the rate limit): the token then does not verify (401), where Spring would
     * answer a key source's failure with a 500.
     */
    private record NoKeysOnFailure(JWKSource<SecurityContext> source) implements JWKSource<SecurityContext> {
        @Override
        public List<JWK> get(JWKSelector selector, SecurityContext context) {
            try {
                return source.get(selector, context);
            } catch (RateLimitReachedException e) {
                log.debug("the JWKS was refetched recently: an unknown kid stays unknown ({})", e.getMessage());
                return List.of();
            } catch (KeySourceException e) {
                log.warn("the JWKS cannot be fetched, tokens do not verify: {}", e.getMessage());
                return List.of();
            }
        }
    }
}
