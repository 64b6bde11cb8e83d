package goblog.authserver;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.jwt.JwtEncoder;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationServerMetadataClaimNames;
import org.springframework.security.oauth2.server.authorization.OAuth2AuthorizationService;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.config.annotation.web.configurers.OAuth2AuthorizationServerConfigurer;
import org.springframework.security.oauth2.server.authorization.settings.AuthorizationServerSettings;
import org.springframework.security.oauth2.server.authorization.token.JwtEncodingContext;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenCustomizer;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.HttpStatusEntryPoint;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.security.web.util.matcher.OrRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;

/**
 * Spring Authorization Server, narrowed to what the landscape uses: the token endpoint (client
 * credentials), the JWKS and the metadata (RFC 8414). Every other endpoint of the server
 * (authorize, device, introspection, revocation, PAR) is not served: 404 like any unknown path.
 */
@Configuration(proxyBeanMethods = false)
class AuthServerConfig {

    /** RFC 8414 §3: the metadata of an issuer without a path component. */
    static final String METADATA_PATH = "/.well-known/oauth-authorization-server";

    private static final Logger log = LoggerFactory.getLogger(AuthServerConfig.class);

    @Bean
    @Order(1)
    SecurityFilterChain authorizationServerChain(HttpSecurity http, AuthorizationServerSettings settings)
            throws Exception {
        OAuth2AuthorizationServerConfigurer authorizationServer =
                OAuth2AuthorizationServerConfigurer.authorizationServer();
        RequestMatcher served = new OrRequestMatcher(
                PathPatternRequestMatcher.withDefaults().matcher(settings.getTokenEndpoint()),
                PathPatternRequestMatcher.withDefaults().matcher(settings.getJwkSetEndpoint()),
                PathPatternRequestMatcher.withDefaults().matcher(METADATA_PATH));
        http.securityMatcher(served)
                .with(authorizationServer, server -> server
                        .authorizationServerMetadataEndpoint(metadata -> metadata
                                .authorizationServerMetadataCustomizer(builder -> builder.claims(claims -> {
                                    claims.keySet().removeIf(AuthServerConfig::unservedMetadata);
                                    claims.put(OAuth2AuthorizationServerMetadataClaimNames.GRANT_TYPES_SUPPORTED,
                                            List.of(AuthorizationGrantType.CLIENT_CREDENTIALS.getValue()));
                                    claims.put(OAuth2AuthorizationServerMetadataClaimNames.TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED,
                                            List.of(ClientAuthenticationMethod.CLIENT_SECRET_BASIC.getValue(),
                                                    ClientAuthenticationMethod.CLIENT_SECRET_POST.getValue()));
                                }))))
                .authorizeHttpRequests(authorize -> authorize.anyRequest().authenticated())
                .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                // No client credentials at all: RFC 6749 §5.2 invalid_client is a 401.
                .exceptionHandling(errors -> errors.authenticationEntryPoint(
                        new HttpStatusEntryPoint(HttpStatus.UNAUTHORIZED)));
        return http.build();
    }

    /** Metadata of the endpoints this server does not serve (see the class comment). */
    private static boolean unservedMetadata(String claim) {
        // authorization_endpoint stays: Spring Authorization Server requires it in the metadata
        // (RFC 8414 §2 does too unless no grant uses it); requests to it are 404.
        return claim.equals("tls_client_certificate_bound_access_tokens")
                || claim.startsWith("introspection_endpoint")
                || claim.startsWith("revocation_endpoint")
                || claim.startsWith("device_authorization_endpoint")
                || claim.startsWith("pushed_authorization_request_endpoint")
                || claim.equals(OAuth2AuthorizationServerMetadataClaimNames.CODE_CHALLENGE_METHODS_SUPPORTED)
                || claim.equals("registration_endpoint");
    }

    /** Everything else: the health endpoints open, any other path 404. No sessions, no forms. */
    @Bean
    @Order(2)
    SecurityFilterChain defaultChain(HttpSecurity http) throws Exception {
        HttpStatusEntryPoint notFound = new HttpStatusEntryPoint(HttpStatus.NOT_FOUND);
        http.authorizeHttpRequests(authorize -> authorize
                        .requestMatchers("/actuator/health", "/actuator/health/**", "/actuator/info").permitAll()
                        .requestMatchers("/error").permitAll()
                        .anyRequest().denyAll())
                .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .csrf(csrf -> csrf.disable())
                .requestCache(cache -> cache.disable())
                .anonymous(Customizer.withDefaults())
                .exceptionHandling(errors -> errors
                        .authenticationEntryPoint(notFound)
                        .accessDeniedHandler((request, response, denied) ->
                                notFound.commence(request, response, null)));
        return http.build();
    }

    @Bean
    AuthorizationServerSettings authorizationServerSettings(AuthServerProperties properties) {
        return AuthorizationServerSettings.builder().issuer(properties.issuer()).build();
    }

    @Bean
    SigningKeys signingKeys(AuthServerProperties properties) {
        SigningKeys keys = SigningKeys.load(properties.signingKeyFile(), properties.retiredKeyFiles());
        log.info("signing key kid={} ({} bits) from {}; retired keys still published: {}",
                keys.active().getKeyID(), keys.active().size(), properties.signingKeyFile(),
                keys.retired().stream().map(key -> key.getKeyID()).toList());
        return keys;
    }

    /** What {@code /oauth2/jwks} serves: every public key, active and retired. */
    @Bean
    JWKSource<SecurityContext> jwkSource(SigningKeys keys) {
        return new ImmutableJWKSet<>(new JWKSet(keys.published()));
    }

    /** Signs with the active key only (a retired key in the same set would be ambiguous). */
    @Bean
    JwtEncoder jwtEncoder(SigningKeys keys) {
        return new NimbusJwtEncoder(new ImmutableJWKSet<>(new JWKSet(keys.active())));
    }

    @Bean
    PasswordEncoder passwordEncoder() {
        return PasswordEncoderFactories.createDelegatingPasswordEncoder();
    }

    @Bean
    RegisteredClientRepository registeredClientRepository(AuthServerProperties properties,
            PasswordEncoder encoder) {
        RegisteredClientRepository clients = RegisteredClients.from(properties, encoder);
        log.info("issuer {}, audience {}, access tokens live {}; clients: {}",
                properties.issuer(), properties.audience(), properties.accessTokenTtl(),
                properties.clients().stream()
                        .map(client -> client.id() + " " + client.scopes() + " (secret from " + client.secretFile() + ")")
                        .collect(Collectors.joining(", ")));
        return clients;
    }

    @Bean
    OAuth2AuthorizationService authorizationService() {
        return new StatelessAuthorizationService();
    }

    /**
     * The claims of an access token as RFC 9068 §2.2 has them: {@code aud} the API (Spring
     * Authorization Server would put the client id there), {@code client_id}, and {@code scope}
     * one space-separated string (RFC 8693 §4.2; absent when no scope was granted) rather than
     * the JSON array Spring Authorization Server writes.
     */
    @Bean
    OAuth2TokenCustomizer<JwtEncodingContext> accessTokenClaims(AuthServerProperties properties) {
        return context -> {
            if (!OAuth2TokenType.ACCESS_TOKEN.equals(context.getTokenType())) {
                return;
            }
            Set<String> scopes = context.getAuthorizedScopes();
            context.getClaims()
                    .audience(List.of(properties.audience()))
                    .claim("client_id", context.getRegisteredClient().getClientId())
                    .claims(claims -> {
                        if (scopes.isEmpty()) {
                            claims.remove("scope");
                        } else {
                            claims.put("scope", String.join(" ", scopes));
                        }
                    });
        };
    }
}
