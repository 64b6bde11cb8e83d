package goblog.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The dashboard with the operator's login on (a bcrypt hash file, as make-secrets.sh writes it)
 * and a stand-in Zipkin: without the operator's credentials nothing but the health check answers,
 * with them the dashboard and Zipkin's API through /zipkin/ do, and Zipkin never sees them.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"spring.main.banner-mode=off", "logging.level.root=WARN"})
// Zuul 1 keeps its filters in a JVM-wide registry: close the context after the class.
@DirtiesContext
class OperatorLoginTest {

    static final String PASSWORD = "s3cret-operator-password";

    private static HttpServer zipkin;
    private static Path hashFile;
    private static final Map<String, List<String>> zipkinSaw = new ConcurrentHashMap<>();
    private static volatile String zipkinPath;

    @Autowired
    private TestRestTemplate rest;

    @BeforeAll
    static void start() throws IOException {
        hashFile = Files.createTempFile("operator_password_hash", "");
        // Cost 4 keeps the test fast; the deployment's hash has cost 10 (make-secrets.sh).
        Files.writeString(hashFile, new BCryptPasswordEncoder(4).encode(PASSWORD) + "\n");
        zipkin = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        zipkin.createContext("/", exchange -> {
            zipkinPath = exchange.getRequestURI().toString();
            exchange.getRequestHeaders().forEach((k, v) -> zipkinSaw.put(k.toLowerCase(), v));
            byte[] body = "[\"accountservice\",\"edge-server\"]".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        zipkin.start();
    }

    @AfterAll
    static void stop() throws IOException {
        zipkin.stop(0);
        Files.deleteIfExists(hashFile);
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("goblog.operator.password-hash-file", () -> hashFile.toString());
        registry.add("zuul.routes.zipkin.url", () -> "http://127.0.0.1:" + zipkin.getAddress().getPort() + "/zipkin");
    }

    @BeforeEach
    void reset() {
        zipkinPath = null;
        zipkinSaw.clear();
    }

    @Test
    void withoutCredentialsEveryPageIs401WithTheBasicChallenge() {
        for (String path : List.of("/hystrix", "/hystrix/monitor", "/proxy.stream?origin=http://127.0.0.1:1/x",
                "/zipkin/", "/zipkin/api/v2/services", "/actuator/info")) {
            ResponseEntity<String> r = rest.getForEntity(path, String.class);
            assertThat(r.getStatusCode()).as(path).isEqualTo(HttpStatus.UNAUTHORIZED);
            assertThat(r.getHeaders().getFirst("WWW-Authenticate")).as(path)
                    .isEqualTo("Basic realm=\"goblog operator\"");
            assertThat(r.getBody()).as(path).doesNotContain("Hystrix", "accountservice");
            assertThat(r.getHeaders().get("Set-Cookie")).as(path + ": a refused request opens no session").isNull();
        }
        assertThat(zipkinPath).isNull();
    }

    @Test
    void aWrongPasswordOrUserIs401() {
        assertThat(rest.withBasicAuth("operator", "wrong").getForEntity("/zipkin/api/v2/services", String.class)
                .getStatusCode()).isEqualTo(HttpStatus.UNAUTHORIZED);
        assertThat(rest.withBasicAuth("admin", PASSWORD).getForEntity("/hystrix", String.class)
                .getStatusCode()).isEqualTo(HttpStatus.UNAUTHORIZED);
        assertThat(zipkinPath).isNull();
    }

    @Test
    void theHealthCheckAnswersWithoutCredentials() {
        ResponseEntity<String> r = rest.getForEntity("/actuator/health", String.class);
        assertThat(r.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(r.getBody()).contains("\"status\":\"UP\"");
    }

    @Test
    void theOperatorSeesTheDashboard() {
        ResponseEntity<String> r = rest.withBasicAuth("operator", PASSWORD).getForEntity("/hystrix", String.class);
        assertThat(r.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(r.getBody()).contains("Hystrix Dashboard");
    }

    @Test
    void theOperatorReadsZipkinThroughTheRouteWhichNeverSeesTheCredentials() {
        ResponseEntity<String> r = rest.withBasicAuth("operator", PASSWORD)
                .getForEntity("/zipkin/api/v2/services", String.class);
        assertThat(r.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(r.getBody()).isEqualTo("[\"accountservice\",\"edge-server\"]");
        assertThat(zipkinPath).isEqualTo("/zipkin/api/v2/services");
        assertThat(zipkinSaw).doesNotContainKeys("authorization", "cookie");
    }
}
