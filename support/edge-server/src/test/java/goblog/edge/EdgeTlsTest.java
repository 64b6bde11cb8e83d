package goblog.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

import com.sun.net.httpserver.HttpServer;
import org.apache.catalina.connector.Connector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.web.embedded.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.LocalServerPort;
import org.springframework.boot.web.servlet.context.ServletWebServerApplicationContext;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The public port with goblog.edge.tls.* set (the test CA and certificate in
 * src/test/resources/tls, made by deploy/edge-tls.sh): HTTPS with a certificate a client
 * trusting the CA accepts for localhost, the services told the client came over https, TLS 1.2
 * and 1.3 only, and a plain-HTTP request on the port gets no data.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"spring.zipkin.enabled=false", "management.server.port=0", "spring.main.banner-mode=off", "logging.level.root=WARN",
                "goblog.edge.tls.certificate-file=src/test/resources/tls/edge_tls_cert.pem",
                "goblog.edge.tls.key-file=src/test/resources/tls/edge_tls_key.pem"})
// Zuul 1 keeps its filters in a JVM-wide registry: a cached context's routing filter would
// answer for the next class's context. Closing the context after the class clears it.
@DirtiesContext
class EdgeTlsTest {

    static final Path CA = Path.of("src/test/resources/tls/edge_ca.pem");

    private static HttpServer downstream;
    private static final Map<String, List<String>> seenHeaders = new ConcurrentHashMap<>();

    @LocalServerPort
    private int port;

    @Autowired
    private ServletWebServerApplicationContext context;

    @BeforeAll
    static void startDownstream() throws IOException {
        downstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        downstream.createContext("/", exchange -> {
            seenHeaders.clear();
            exchange.getRequestHeaders().forEach((k, v) -> seenHeaders.put(k.toLowerCase(), v));
            byte[] body = "{\"id\":\"10000\"}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        downstream.start();
    }

    @AfterAll
    static void stopDownstream() {
        downstream.stop(0);
    }

    @DynamicPropertySource
    static void routes(DynamicPropertyRegistry registry) {
        registry.add("zuul.routes.accounts.url", () -> "http://127.0.0.1:" + downstream.getAddress().getPort());
    }

    /** An SSLContext that trusts exactly the test CA, as `curl --cacert edge_ca.pem` does. */
    static SSLContext trustingTheCa() throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(CA)) {
            trust.setCertificateEntry("edge-ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    @Test
    void servesHttpsWithACertificateForLocalhostThatTheCaVouchesFor() throws Exception {
        HttpClient client = HttpClient.newBuilder().sslContext(trustingTheCa()).build();
        HttpResponse<String> response = client.send(
                HttpRequest.newBuilder(URI.create("https://localhost:" + port + "/api/accounts/10000")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("10000");
        assertThat(seenHeaders.get("x-forwarded-proto")).containsExactly("https");
        assertThat(seenHeaders.get("x-forwarded-port")).containsExactly(String.valueOf(port));
        assertThat(response.headers().firstValue("Strict-Transport-Security")).isEmpty();
    }

    @Test
    void acceptsTls12AndTls13Only() throws Exception {
        for (String version : List.of("TLSv1.2", "TLSv1.3")) {
            try (SSLSocket socket = (SSLSocket) trustingTheCa().getSocketFactory().createSocket("localhost", port)) {
                SSLParameters params = socket.getSSLParameters();
                params.setProtocols(new String[] {version});
                socket.setSSLParameters(params);
                socket.startHandshake();
                assertThat(socket.getSession().getProtocol()).isEqualTo(version);
            }
        }
        // What the connector offers: older versions are not merely disabled by this JDK's defaults.
        Connector connector = ((TomcatWebServer) context.getWebServer()).getTomcat().getService().findConnectors()[0];
        assertThat(connector.getScheme()).isEqualTo("https");
        assertThat(Arrays.asList(connector.findSslHostConfigs()[0].getEnabledProtocols()))
                .containsExactlyInAnyOrder("TLSv1.2", "TLSv1.3");
    }

    @Test
    void plainHttpOnTheHttpsPortGetsNoData() throws Exception {
        String answer;
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write(("GET /api/accounts/10000 HTTP/1.1\r\nHost: localhost\r\n"
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
        assertThat(answer).doesNotContain("10000");
        if (!answer.isEmpty()) {
            assertThat(answer).startsWith("HTTP/1.1 400");
        }
    }

    @Test
    void aMissingCertificateFileStopsTheStartNamingIt() {
        EdgeTlsProperties tls = new EdgeTlsProperties();
        tls.setCertificateFile(Path.of("/nonexistent/edge_tls_cert.pem"));
        tls.setKeyFile(Path.of("src/test/resources/tls/edge_tls_key.pem"));
        assertThatThrownBy(() -> new EdgeTlsConfiguration().edgeTls(tls))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("goblog.edge.tls.certificate-file /nonexistent/edge_tls_cert.pem");
    }
}
