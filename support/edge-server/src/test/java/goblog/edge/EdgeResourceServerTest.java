package goblog.edge;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.ResponseEntity;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The edge as a resource server (goblog.edge.auth.required=true) against a JWKS this test serves
 * and tokens it signs: every bad token of issue 11 is 401 with the RFC 6750 challenge and a JSON
 * body (403 insufficient_scope for a read-only token on POST), nothing logged at error level,
 * the token reaches accountservice unchanged, the JWKS is fetched once and again only for a
 * rotated key (at most once per interval however many unknown kids arrive), and the
 * authorization server's endpoints are served at the edge's root without a token.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"spring.zipkin.enabled=false", "spring.main.banner-mode=off", "logging.level.root=WARN",
                "goblog.edge.auth.required=true", "goblog.edge.auth.issuer=" + EdgeResourceServerTest.ISSUER,
                "goblog.edge.auth.audience=goblog", "goblog.edge.auth.clock-skew=30s",
                "goblog.edge.auth.jwks-refetch-interval=1s"})
@DirtiesContext
class EdgeResourceServerTest {

    static final String ISSUER = "https://localhost:8765";

    private static HttpServer server;
    private static int managementPort;
    private static final AtomicInteger jwksFetches = new AtomicInteger();
    private static final Map<String, String> seen = new ConcurrentHashMap<>();
    private static final List<RSAKey> published = new ArrayList<>();
    private static RSAKey key;
    private static RSAKey otherKey;

    @Autowired
    private TestRestTemplate rest;

    private ListAppender<ILoggingEvent> logged;

    @BeforeAll
    static void start() throws Exception {
        key = rsa("key-1", 2048);
        otherKey = rsa("key-1", 2048); // same kid, another key: a forger's
        synchronized (published) {
            published.add(key);
        }
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/jwks", exchange -> {
            jwksFetches.incrementAndGet();
            String body;
            synchronized (published) {
                body = new JWKSet(new ArrayList<>(published)).toPublicJWKSet().toString();
            }
            reply(exchange, body);
        });
        server.createContext("/", exchange -> {
            seen.put("path", exchange.getRequestMethod() + " " + exchange.getRequestURI());
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            seen.put("authorization", authorization == null ? "" : authorization);
            reply(exchange, "{\"id\":\"10000\"}");
        });
        server.start();
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            managementPort = s.getLocalPort();
        }
    }

    @AfterAll
    static void stop() {
        server.stop(0);
    }

    @DynamicPropertySource
    static void urls(DynamicPropertyRegistry registry) {
        String base = "http://127.0.0.1:" + server.getAddress().getPort();
        registry.add("goblog.edge.auth.jwks-url", () -> base + "/jwks");
        registry.add("zuul.routes.accounts.url", () -> base);
        registry.add("zuul.routes.images.url", () -> base);
        registry.add("zuul.routes.auth-server.url", () -> base);
        registry.add("management.server.port", () -> managementPort);
    }

    @BeforeEach
    void watchTheLog() {
        seen.clear();
        logged = new ListAppender<>();
        logged.start();
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(logged);
    }

    @AfterEach
    void nothingAtErrorLevel() {
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logged);
        assertThat(logged.list).noneMatch(e -> e.getLevel().isGreaterOrEqual(Level.ERROR));
    }

    @Test
    void aReadTokenReadsAndReachesAccountserviceUnchanged() {
        String token = token(key, c -> { });
        ResponseEntity<String> response = get("/api/accounts/10000", "Bearer " + token);
        assertThat(response.getStatusCodeValue()).isEqualTo(200);
        assertThat(seen.get("path")).isEqualTo("GET /accounts/10000");
        assertThat(seen.get("authorization")).isEqualTo("Bearer " + token);
        assertThat(get("/api/file/cake.jpg", "Bearer " + token).getStatusCodeValue()).isEqualTo(200);
    }

    @Test
    void aWriteTokenCreates() {
        String token = token(key, c -> c.claim("scope", "account:read account:write"));
        assertThat(send(HttpMethod.POST, "/api/accounts", "Bearer " + token).getStatusCodeValue()).isEqualTo(200);
        assertThat(seen.get("path")).isEqualTo("POST /accounts");
    }

    @Test
    void noTokenIsAChallengeWithoutAnErrorCode() {
        for (String authorization : new String[] {null, "Basic Z29ibG9nOnNlY3JldA=="}) {
            ResponseEntity<String> response = get("/api/accounts/10000", authorization);
            assertThat(response.getStatusCodeValue()).isEqualTo(401);
            assertThat(response.getHeaders().getFirst("WWW-Authenticate")).isEqualTo("Bearer realm=\"goblog\"");
            assertThat(response.getHeaders().getCacheControl()).isEqualTo("no-store");
            assertThat(response.getHeaders().getContentType().toString()).startsWith("application/json");
            assertThat(response.getBody()).isEqualTo(
                    "{\"error\":\"authentication required: send an access token as Authorization: Bearer <token>\"}");
        }
        assertThat(seen).doesNotContainKey("path");
        assertThat(get("/api/unknown/1", null).getStatusCodeValue()).isEqualTo(401);
    }

    @Test
    void everyBadTokenIsInvalidToken() throws Exception {
        Instant now = Instant.now();
        Map<String, String> bad = new java.util.LinkedHashMap<>();
        bad.put("garbage", "not-a-jwt");
        bad.put("expired", token(key, c -> c.expirationTime(java.util.Date.from(now.minusSeconds(120)))));
        bad.put("nbf in the future", token(key, c -> c.notBeforeTime(java.util.Date.from(now.plusSeconds(120)))));
        bad.put("no exp", token(key, c -> c.expirationTime(null)));
        bad.put("wrong iss", token(key, c -> c.issuer("https://evil.example")));
        bad.put("wrong aud", token(key, c -> c.audience("other-api")));
        bad.put("alg none", new PlainJWT(claims(c -> { }).build()).serialize());
        SignedJWT hs = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(key.getKeyID()).build(),
                claims(c -> { }).build());
        hs.sign(new MACSigner(key.toRSAPublicKey().getEncoded()));
        bad.put("HS256 with the public key as secret", hs.serialize());
        bad.put("signed by another key", token(otherKey, c -> { }));
        String good = token(key, c -> { });
        String[] parts = good.split("\\.");
        byte[] payload = Base64.getUrlDecoder().decode(parts[1]);
        payload[payload.length / 2] ^= 1;
        bad.put("one payload byte changed",
                parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(payload) + "." + parts[2]);
        bad.put("typ not JWT", sign(key, new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID())
                .type(new JOSEObjectType("at+jwt")).build(), claims(c -> { }).build()));
        String deep = "{\"a\":" + "[".repeat(2500) + "]".repeat(2500) + "}";
        bad.put("claims nested 2500 deep", b64("{\"alg\":\"RS256\",\"kid\":\"key-1\"}") + "." + b64(deep) + ".c2ln");

        bad.forEach((what, token) -> {
            ResponseEntity<String> response = get("/api/accounts/10000", "Bearer " + token);
            assertThat(response.getStatusCodeValue()).as(what).isEqualTo(401);
            assertThat(response.getHeaders().getFirst("WWW-Authenticate")).as(what)
                    .isEqualTo("Bearer realm=\"goblog\", error=\"invalid_token\"");
            assertThat(response.getBody()).as(what).isEqualTo("{\"error\":\"invalid access token\"}");
        });
        assertThat(seen).doesNotContainKey("path");
    }

    @Test
    void aReadOnlyTokenOnPostIsInsufficientScope() {
        ResponseEntity<String> response = send(HttpMethod.POST, "/api/accounts", "Bearer " + token(key, c -> { }));
        assertThat(response.getStatusCodeValue()).isEqualTo(403);
        assertThat(response.getHeaders().getFirst("WWW-Authenticate"))
                .isEqualTo("Bearer realm=\"goblog\", error=\"insufficient_scope\", scope=\"account:write\"");
        assertThat(response.getBody()).isEqualTo("{\"error\":\"insufficient scope: account:write required\"}");
        String noScope = token(key, c -> c.claim("scope", null));
        assertThat(get("/api/accounts/10000", "Bearer " + noScope).getStatusCodeValue()).isEqualTo(403);
        assertThat(seen).doesNotContainKey("path");
    }

    @Test
    void twoAuthorizationHeadersAreABadRequest() {
        HttpHeaders headers = new HttpHeaders();
        headers.add("Authorization", "Bearer " + token(key, c -> { }));
        headers.add("Authorization", "Bearer " + token(key, c -> { }));
        ResponseEntity<String> response = rest.exchange("/api/accounts/10000", HttpMethod.GET,
                new HttpEntity<>(headers), String.class);
        assertThat(response.getStatusCodeValue()).isEqualTo(400);
        assertThat(response.getHeaders().getFirst("WWW-Authenticate"))
                .isEqualTo("Bearer realm=\"goblog\", error=\"invalid_request\"");
    }

    @Test
    void aRotatedKeyIsAcceptedOnceTheJwksIsFetchedAgain() throws Exception {
        RSAKey rotated = rsa("key-2", 2048);
        synchronized (published) {
            published.add(rotated);
        }
        String token = "Bearer " + token(rotated, c -> { });
        // An unknown kid refetches at most once per jwks-refetch-interval (1 s here; JwksCacheTest
        // pins the limit with a clock of its own): poll, with a deadline.
        Instant deadline = Instant.now().plusSeconds(20);
        int status = get("/api/accounts/10000", token).getStatusCodeValue();
        while (status != 200 && Instant.now().isBefore(deadline)) {
            Thread.onSpinWait();
            status = get("/api/accounts/10000", token).getStatusCodeValue();
        }
        assertThat(status).isEqualTo(200);
    }

    @Test
    void aKeyUnder2048BitsVerifiesNothing() throws Exception {
        RSAKey weak = rsa("weak", 1024);
        synchronized (published) {
            published.add(weak);
        }
        // Nimbus will not sign with it; the JDK will.
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("weak").build(),
                claims(c -> { }).build());
        java.security.Signature rs256 = java.security.Signature.getInstance("SHA256withRSA");
        rs256.initSign(weak.toPrivateKey());
        rs256.update(jwt.getSigningInput());
        String token = new String(jwt.getSigningInput(), StandardCharsets.US_ASCII) + "."
                + Base64.getUrlEncoder().withoutPadding().encodeToString(rs256.sign());
        int before = jwksFetches.get();
        Instant deadline = Instant.now().plusSeconds(20);
        // Until the JWKS holding the weak key has been fetched (its kid is unknown before), and after.
        do {
            assertThat(get("/api/accounts/10000", "Bearer " + token).getStatusCodeValue()).isEqualTo(401);
        } while (jwksFetches.get() == before && Instant.now().isBefore(deadline));
        assertThat(jwksFetches.get()).isGreaterThan(before);
        assertThat(get("/api/accounts/10000", "Bearer " + token).getStatusCodeValue()).isEqualTo(401);
    }

    @Test
    void theAuthorizationServersEndpointsAreServedAtTheRootWithoutAToken() {
        ResponseEntity<String> token = rest.postForEntity("/oauth2/token", "grant_type=client_credentials", String.class);
        assertThat(token.getStatusCodeValue()).isEqualTo(200);
        assertThat(seen.get("path")).isEqualTo("POST /oauth2/token");
        assertThat(seen.get("authorization")).isEmpty();
        assertThat(get("/.well-known/oauth-authorization-server", null).getStatusCodeValue()).isEqualTo(200);
        assertThat(seen.get("path")).isEqualTo("GET /.well-known/oauth-authorization-server");
    }

    @Test
    void theHealthCheckOnTheManagementPortNeedsNoToken() {
        ResponseEntity<String> health = new TestRestTemplate()
                .getForEntity("http://127.0.0.1:" + managementPort + "/actuator/health", String.class);
        assertThat(health.getStatusCodeValue()).isEqualTo(200);
        assertThat(health.getBody()).contains("UP");
        // and the public port serves no actuator: without a token 401, with one Zuul's 404
        assertThat(get("/actuator/health", null).getStatusCodeValue()).isEqualTo(401);
        assertThat(get("/actuator/health", "Bearer " + token(key, c -> { })).getStatusCodeValue()).isEqualTo(404);
    }

    @Test
    void aPathTheFirewallRefusesIsABadRequestNotAServerError() {
        ResponseEntity<String> response = get("/api/accounts/10000;x=1", "Bearer " + token(key, c -> { }));
        assertThat(response.getStatusCodeValue()).isEqualTo(400);
        assertThat(response.getBody()).startsWith("{\"error\":");
    }

    // --- helpers

    private ResponseEntity<String> get(String path, String authorization) {
        return send(HttpMethod.GET, path, authorization);
    }

    private ResponseEntity<String> send(HttpMethod method, String path, String authorization) {
        HttpHeaders headers = new HttpHeaders();
        if (authorization != null) {
            headers.set("Authorization", authorization);
        }
        return rest.exchange(path, method, new HttpEntity<>(method == HttpMethod.POST ? "{}" : null, headers),
                String.class);
    }

    static RSAKey rsa(String kid, int bits) throws Exception {
        KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
        gen.initialize(bits);
        KeyPair pair = gen.generateKeyPair();
        return new RSAKey.Builder((RSAPublicKey) pair.getPublic()).privateKey(pair.getPrivate()).keyID(kid).build();
    }

    /** Valid claims (read scope, 5 minutes) changed by {@code change}. */
    static JWTClaimsSet.Builder claims(Consumer<JWTClaimsSet.Builder> change) {
        Instant now = Instant.now();
        JWTClaimsSet.Builder b = new JWTClaimsSet.Builder().issuer(ISSUER).subject("goblog-reader")
                .audience("goblog").claim("scope", "account:read").issueTime(java.util.Date.from(now))
                .notBeforeTime(java.util.Date.from(now)).expirationTime(java.util.Date.from(now.plusSeconds(300)))
                .jwtID(UUID.randomUUID().toString());
        change.accept(b);
        return b;
    }

    static String token(RSAKey signer, Consumer<JWTClaimsSet.Builder> change) {
        return sign(signer, new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(signer.getKeyID()).build(),
                claims(change).build());
    }

    static String sign(RSAKey signer, JWSHeader header, JWTClaimsSet claims) {
        try {
            SignedJWT jwt = new SignedJWT(header, claims);
            jwt.sign(new RSASSASigner(signer));
            return jwt.serialize();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String b64(String s) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static void reply(com.sun.net.httpserver.HttpExchange exchange, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
