package goblog.quotes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.autoconfigure.web.servlet.AutoConfigureMockMvc;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.MockMvc;

/**
 * quotes-service with tokens required, against a real JWKS served over HTTP: every bad token of
 * issue 11 is refused as RFC 6750 says, a good one passes, the actuator stays open, and the keys
 * are fetched once, not per request.
 */
@SpringBootTest(properties = "goblog.quotes.auth.required=true")
@AutoConfigureMockMvc
@AutoConfigureObservability(tracing = false) // /actuator/prometheus, off in tests by default
class QuotesAuthTest {

    private static final String ISSUER = "https://localhost:8765";
    private static final RSAKey KEY = generate("k1");
    private static final RSAKey OTHER_KEY = generate("k1"); // another key, the same kid
    private static final AtomicInteger JWKS_FETCHES = new AtomicInteger();
    private static final HttpServer JWKS = serve(new JWKSet(KEY.toPublicJWK()));

    @Autowired
    private MockMvc mvc;

    @DynamicPropertySource
    static void keys(DynamicPropertyRegistry registry) {
        registry.add("goblog.quotes.auth.jwks-url",
                () -> "http://127.0.0.1:" + JWKS.getAddress().getPort() + "/oauth2/jwks");
    }

    @AfterAll
    static void stopJwks() {
        JWKS.stop(0);
    }

    @Test
    void aReaderTokenGetsAQuote() throws Exception {
        mvc.perform(get("/api/quote").header("Authorization", "Bearer " + token(c -> { })))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.language").value("en"));
    }

    static Stream<Arguments> badTokens() throws Exception {
        Instant now = Instant.now();
        JWTClaimsSet good = claims(c -> { });
        String signed = token(c -> { });
        String[] parts = signed.split("\\.");
        byte[] payload = Base64.getUrlDecoder().decode(parts[1]);
        payload[payload.length - 2] ^= 1; // one byte of the claims changed
        String tampered = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(payload) + "."
                + parts[2];
        SignedJWT confused = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("k1").build(), good);
        confused.sign(new MACSigner(KEY.toPublicJWK().toRSAPublicKey().getEncoded()));
        return Stream.of(
                Arguments.of("garbage", "Bearer garbage"),
                Arguments.of("expired", "Bearer " + token(c -> c.expirationTime(Date.from(now.minusSeconds(120))))),
                Arguments.of("nbf in the future", "Bearer " + token(c -> c.notBeforeTime(Date.from(now.plusSeconds(120))))),
                Arguments.of("no exp", "Bearer " + token(c -> c.expirationTime(null))),
                Arguments.of("another issuer", "Bearer " + token(c -> c.issuer("https://evil.example"))),
                Arguments.of("another audience", "Bearer " + token(c -> c.audience("other"))),
                Arguments.of("alg none", "Bearer " + new PlainJWT(good).serialize()),
                Arguments.of("HS256 with the public key as the secret", "Bearer " + confused.serialize()),
                Arguments.of("unknown kid", "Bearer " + sign(generate("k9"), good)),
                Arguments.of("signed by another key", "Bearer " + sign(OTHER_KEY, good)),
                Arguments.of("one payload byte changed", "Bearer " + tampered));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badTokens")
    void aBadTokenIsUnauthorizedAndSaysNoMoreThanInvalidToken(String what, String authorization) throws Exception {
        mvc.perform(get("/api/quote").header("Authorization", authorization))
                .andExpect(status().isUnauthorized())
                .andExpect(header().string("WWW-Authenticate", "Bearer realm=\"goblog\", error=\"invalid_token\""))
                .andExpect(header().string("Cache-Control", "no-store"))
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_JSON))
                .andExpect(content().json("{\"error\":\"invalid access token\"}", true));
    }

    @Test
    void noTokenIsUnauthorizedWithoutAnErrorCode() throws Exception {
        mvc.perform(get("/api/quote"))
                .andExpect(status().isUnauthorized())
                .andExpect(header().string("WWW-Authenticate", "Bearer realm=\"goblog\""));
    }

    @Test
    void aWriteOnlyTokenIsForbidden() throws Exception {
        mvc.perform(get("/api/quote").header("Authorization", "Bearer " + token(c -> c.claim("scope", "account:write"))))
                .andExpect(status().isForbidden())
                .andExpect(header().string("WWW-Authenticate",
                        "Bearer realm=\"goblog\", error=\"insufficient_scope\", scope=\"account:read\""));
    }

    @Test
    void twoAuthorizationHeadersAreABadRequest() throws Exception {
        String good = "Bearer " + token(c -> { });
        mvc.perform(get("/api/quote").header("Authorization", good, good))
                .andExpect(status().isBadRequest())
                .andExpect(header().string("WWW-Authenticate", "Bearer realm=\"goblog\", error=\"invalid_request\""));
    }

    @Test
    void theActuatorsHealthAndPrometheusNeedNoToken() throws Exception {
        mvc.perform(get("/actuator/health")).andExpect(status().isOk());
        mvc.perform(get("/actuator/prometheus")).andExpect(status().isOk());
    }

    @Test
    void theKeysAreFetchedOnceForManyTokensAndUnknownKidsRefetchThemRarely() throws Exception {
        String good = "Bearer " + token(c -> { });
        for (int i = 0; i < 5; i++) {
            mvc.perform(get("/api/quote").header("Authorization", good)).andExpect(status().isOk());
        }
        int afterGood = JWKS_FETCHES.get();
        assertThat(afterGood).isBetween(1, 3);
        for (int i = 0; i < 10; i++) {
            mvc.perform(get("/api/quote").header("Authorization", "Bearer " + sign(generate("x" + i), claims(c -> { }))))
                    .andExpect(status().isUnauthorized());
        }
        assertThat(JWKS_FETCHES.get() - afterGood).isLessThanOrEqualTo(2);
    }

    @Test
    void requiredWithoutAJwksUrlRefusesToStartAndSaysWhatIsMissing() {
        SpringApplicationBuilder app = new SpringApplicationBuilder(QuotesApplication.class)
                .web(WebApplicationType.SERVLET)
                .properties(Map.of("goblog.quotes.auth.required", "true", "server.port", "0",
                        "management.tracing.enabled", "false"));
        assertThatThrownBy(app::run)
                .rootCause()
                .hasMessageContaining("no JWKS URL (goblog.quotes.auth.jwks-url)");
    }

    /** The claims of a good reader token, changed by {@code change}. */
    private static JWTClaimsSet claims(Consumer<JWTClaimsSet.Builder> change) {
        Instant now = Instant.now();
        JWTClaimsSet.Builder b = new JWTClaimsSet.Builder()
                .issuer(ISSUER)
                .audience(List.of("goblog"))
                .subject("goblog-machine")
                .issueTime(Date.from(now))
                .notBeforeTime(Date.from(now))
                .expirationTime(Date.from(now.plusSeconds(300)))
                .claim("scope", List.of("account:read"));
        change.accept(b);
        return b.build();
    }

    private static String token(Consumer<JWTClaimsSet.Builder> change) throws JOSEException {
        return sign(KEY, claims(change));
    }

    private static String sign(RSAKey key, JWTClaimsSet claims) throws JOSEException {
        SignedJWT jwt = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).type(JOSEObjectType.JWT).build(), claims);
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    private static RSAKey generate(String kid) {
        try {
            return new RSAKeyGenerator(2048).keyID(kid).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An HTTP server answering every GET with keys, counting the fetches. */
    private static HttpServer serve(JWKSet keys) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            byte[] body = keys.toString().getBytes(StandardCharsets.UTF_8);
            server.createContext("/oauth2/jwks", exchange -> {
                JWKS_FETCHES.incrementAndGet();
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            });
            server.start();
            return server;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
