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
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The edge against a stand-in accountservice (the JDK's HttpServer): the
 * route strips /api/accounts, a trace starts here and travels downstream as
 * B3 headers, the client gets the trace id back, unknown paths are 404 and a
 * downstream that is gone is 502.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"spring.zipkin.enabled=false", "zuul.host.socket-timeout-millis=2000",
                "spring.main.banner-mode=off", "logging.level.root=WARN",
                "logging.level.org.springframework.cloud.netflix.zuul.filters.post.SendErrorFilter=ERROR"})
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
            seenPath = exchange.getRequestURI().toString();
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
        registry.add("zuul.routes.accounts.url",
                () -> "http://127.0.0.1:" + downstream.getAddress().getPort() + "/accounts");
        registry.add("zuul.routes.gone.path", () -> "/api/gone/**");
        registry.add("zuul.routes.gone.url", () -> "http://127.0.0.1:" + deadPort + "/gone");
    }

    @Test
    void routesToAccountserviceWithoutThePrefixAndStartsATrace() {
        HttpHeaders stale = new HttpHeaders();
        stale.add("b3", "1111222233334444-5555666677778888-1");
        ResponseEntity<String> response = rest.exchange("/api/accounts/10000?x=1",
                org.springframework.http.HttpMethod.GET, new org.springframework.http.HttpEntity<>(stale), String.class);

        assertThat(response.getStatusCodeValue()).isEqualTo(200);
        assertThat(response.getBody()).contains("10000");
        assertThat(seenPath).isEqualTo("/accounts/10000?x=1");

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
        assertThat(seenPath).isEqualTo("/accounts/10001");
        assertThat(seenHeaders.get("x-b3-traceid"))
                .containsExactly(response.getHeaders().getFirst("X-B3-TraceId"));
    }

    @Test
    void unknownRouteIsNotFound() {
        assertThat(rest.getForEntity("/api/unknown/1", String.class).getStatusCodeValue()).isEqualTo(404);
        assertThat(rest.getForEntity("/accounts/10000", String.class).getStatusCodeValue()).isEqualTo(404);
    }

    @Test
    void unreachableDownstreamIsBadGateway() {
        assertThat(rest.getForEntity("/api/gone/1", String.class).getStatusCodeValue()).isEqualTo(502);
    }
}
