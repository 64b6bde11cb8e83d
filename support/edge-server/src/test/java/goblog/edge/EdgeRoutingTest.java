package goblog.edge;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The edge against a stand-in accountservice and imageservice (one JDK
 * HttpServer): /api/p reaches the downstream's p, the edge forwards where the
 * client reached it (X-Forwarded-Host, -Port, -Proto, -Prefix) and never what
 * the client claims, a trace starts here and travels downstream as B3
 * headers, the client gets the trace id back, unknown paths are 404 and a
 * downstream that is gone is 502.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"spring.zipkin.enabled=false", "management.server.port=0", "zuul.host.socket-timeout-millis=2000",
                "spring.main.banner-mode=off", "logging.level.root=WARN",
                "logging.level.org.springframework.cloud.netflix.zuul.filters.post.SendErrorFilter=ERROR"})
// Zuul 1 keeps its filters in a JVM-wide registry: a cached context's routing filter would
// answer for the next class's context. Closing the context after the class clears it.
@DirtiesContext
class EdgeRoutingTest {

    private static HttpServer downstream;
    private static final Map<String, List<String>> seenHeaders = new ConcurrentHashMap<>();
    private static volatile String seenPath;
    private static int deadPort;

    @Autowired
    private TestRestTemplate rest;

    @BeforeAll
    static void startDownstream() throws IOException {
        downstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        downstream.createContext("/", exchange -> {
            seenPath = exchange.getRequestMethod() + " " + exchange.getRequestURI();
            seenHeaders.clear();
            exchange.getRequestHeaders().forEach((k, v) -> seenHeaders.put(k.toLowerCase(), v));
            byte[] body = "{\"id\":\"10000\"}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        downstream.start();
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
    }

    @AfterAll
    static void stopDownstream() {
        downstream.stop(0);
    }

    @DynamicPropertySource
    static void routes(DynamicPropertyRegistry registry) {
        registry.add("zuul.routes.accounts.url", () -> "http://127.0.0.1:" + downstream.getAddress().getPort());
        registry.add("zuul.routes.images.url", () -> "http://127.0.0.1:" + downstream.getAddress().getPort());
        registry.add("zuul.routes.gone.path", () -> "/gone/**");
        registry.add("zuul.routes.gone.url", () -> "http://127.0.0.1:" + deadPort);
    }

    @Test
    void routesToAccountserviceWithoutThePrefixAndStartsATrace() {
        HttpHeaders stale = new HttpHeaders();
        stale.add("b3", "1111222233334444-5555666677778888-1");
        ResponseEntity<String> response = rest.exchange("/api/accounts/10000?x=1",
                org.springframework.http.HttpMethod.GET, new org.springframework.http.HttpEntity<>(stale), String.class);

        assertThat(response.getStatusCodeValue()).isEqualTo(200);
        assertThat(response.getBody()).contains("10000");
        assertThat(seenPath).isEqualTo("GET /accounts/10000?x=1");

        String traceId = response.getHeaders().getFirst("X-B3-TraceId");
        assertThat(traceId).matches("[0-9a-f]{16}|[0-9a-f]{32}");
        assertThat(response.getHeaders().get("X-B3-TraceId")).hasSize(1);
        // the client's b3 header started the trace, the edge's client span is the parent downstream
        assertThat(traceId).isEqualTo("1111222233334444");
        assertThat(seenHeaders.get("x-b3-traceid")).containsExactly(traceId);
        assertThat(seenHeaders.get("x-b3-spanid")).hasSize(1);
        assertThat(seenHeaders.get("x-b3-parentspanid")).hasSize(1);
        assertThat(seenHeaders.get("x-b3-sampled")).containsExactly("1");
        assertThat(seenHeaders).doesNotContainKey("b3");
    }

    @Test
    void newTraceWhenTheClientSendsNone() {
        ResponseEntity<String> response = rest.getForEntity("/api/accounts/10001", String.class);
        assertThat(response.getStatusCodeValue()).isEqualTo(200);
        assertThat(seenPath).isEqualTo("GET /accounts/10001");
        assertThat(seenHeaders.get("x-b3-traceid"))
                .containsExactly(response.getHeaders().getFirst("X-B3-TraceId"));
    }

    @Test
    void postToTheCollectionReachesAccountservice() {
        ResponseEntity<String> response = rest.postForEntity("/api/accounts", "{\"name\":\"Ada\"}", String.class);
        assertThat(response.getStatusCodeValue()).isEqualTo(200);
        assertThat(seenPath).isEqualTo("POST /accounts");
    }

    @Test
    void imagesRouteToImageservicesFiles() {
        ResponseEntity<String> response = rest.getForEntity("/api/file/cake.jpg", String.class);
        assertThat(response.getStatusCodeValue()).isEqualTo(200);
        assertThat(seenPath).isEqualTo("GET /file/cake.jpg");
        assertThat(seenHeaders.get("x-forwarded-prefix")).containsExactly("/api");
    }

    @Test
    void forwardsWhereTheClientReachedTheEdge() {
        rest.getForEntity("/api/accounts/10000", String.class);
        String port = String.valueOf(port());
        assertThat(seenHeaders.get("x-forwarded-host")).containsExactly("localhost:" + port);
        assertThat(seenHeaders.get("x-forwarded-port")).containsExactly(port);
        assertThat(seenHeaders.get("x-forwarded-proto")).containsExactly("http");
        assertThat(seenHeaders.get("x-forwarded-prefix")).containsExactly("/api");
        assertThat(seenHeaders.get("x-forwarded-for")).containsExactly("127.0.0.1");
        assertThat(seenHeaders).doesNotContainKey("forwarded");
    }

    @Test
    void clientSentForwardedHeadersNeverReachTheServices() {
        HttpHeaders lies = new HttpHeaders();
        lies.add("X-Forwarded-Host", "evil.example");
        lies.add("x-forwarded-port", "1");
        lies.add("X-Forwarded-Proto", "https");
        lies.add("X-Forwarded-Prefix", "/phish");
        lies.add("X-Forwarded-For", "198.51.100.66");
        lies.add("X-Forwarded-Server", "evil");
        lies.add("Forwarded", "for=198.51.100.66;host=evil.example;proto=https");
        ResponseEntity<String> response = rest.exchange("/api/accounts/10002",
                org.springframework.http.HttpMethod.GET, new org.springframework.http.HttpEntity<>(lies), String.class);

        assertThat(response.getStatusCodeValue()).isEqualTo(200);
        String port = String.valueOf(port());
        assertThat(seenHeaders.get("x-forwarded-host")).containsExactly("localhost:" + port);
        assertThat(seenHeaders.get("x-forwarded-port")).containsExactly(port);
        assertThat(seenHeaders.get("x-forwarded-proto")).containsExactly("http");
        assertThat(seenHeaders.get("x-forwarded-prefix")).containsExactly("/api");
        assertThat(seenHeaders.get("x-forwarded-for")).containsExactly("127.0.0.1");
        assertThat(seenHeaders).doesNotContainKeys("forwarded", "x-forwarded-server");
    }

    @Test
    void unknownRouteIsNotFound() {
        assertThat(rest.getForEntity("/api/unknown/1", String.class).getStatusCodeValue()).isEqualTo(404);
        assertThat(rest.getForEntity("/accounts/10000", String.class).getStatusCodeValue()).isEqualTo(404);
        assertThat(rest.getForEntity("/file/cake.jpg", String.class).getStatusCodeValue()).isEqualTo(404);
        // imageservice's uploads and its own /accounts/{id} stay inside
        assertThat(rest.postForEntity("/api/image", "x", String.class).getStatusCodeValue()).isEqualTo(404);
        assertThat(rest.getForEntity("/api/health", String.class).getStatusCodeValue()).isEqualTo(404);
    }

    private int port() {
        return java.net.URI.create(rest.getRootUri()).getPort();
    }

    @Test
    void unreachableDownstreamIsBadGateway() {
        assertThat(rest.getForEntity("/api/gone/1", String.class).getStatusCodeValue()).isEqualTo(502);
    }
}
