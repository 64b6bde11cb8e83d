package goblog.authserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;

/** The server as a process: restarts keep tokens valid; missing secrets stop it at start. */
@ExtendWith(OutputCaptureExtension.class)
class RestartAndStartupTest {

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    private static ConfigurableApplicationContext start(Map<String, Object> properties) {
        Map<String, Object> props = new LinkedHashMap<>(properties);
        props.put("server.port", "0");
        // Arguments, not SpringApplicationBuilder.properties(): those are defaults that
        // application.yml overrides.
        String[] args = props.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue())
                .toArray(String[]::new);
        return new SpringApplicationBuilder(AuthServerApplication.class).run(args);
    }

    private static String baseUrl(ConfigurableApplicationContext context) {
        return "http://localhost:" + ((WebServerApplicationContext) context).getWebServer().getPort();
    }

    @Test
    void aTokenIssuedBeforeARestartStillVerifiesAgainstTheJwksAfterIt() throws Exception {
        TestSecrets secrets = TestSecrets.writeTo(dir);
        String token;
        String jwksBefore;
        try (ConfigurableApplicationContext first = start(secrets.properties())) {
            String basic = Base64.getEncoder().encodeToString(
                    (TestSecrets.MACHINE + ":" + secrets.machineSecret).getBytes(StandardCharsets.UTF_8));
            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(baseUrl(first) + "/oauth2/token"))
                            .header("Authorization", "Basic " + basic)
                            .header("Content-Type", "application/x-www-form-urlencoded")
                            .POST(HttpRequest.BodyPublishers.ofString(
                                    "grant_type=client_credentials&scope=account%3Aread%20account%3Awrite"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(answer.statusCode()).isEqualTo(200);
            token = json.readTree(answer.body()).get("access_token").asText();
            jwksBefore = get(baseUrl(first) + "/oauth2/jwks");
        }
        try (ConfigurableApplicationContext second = start(secrets.properties())) {
            String jwksUrl = baseUrl(second) + "/oauth2/jwks";
            assertThat(get(jwksUrl)).isEqualTo(jwksBefore);
            // What a resource server does: keys from the JWKS URL, signature, exp/nbf, iss.
            NimbusJwtDecoder decoder = NimbusJwtDecoder.withJwkSetUri(jwksUrl).build();
            decoder.setJwtValidator(JwtValidators.createDefaultWithIssuer("https://issuer.test"));
            Jwt jwt = decoder.decode(token);
            assertThat(jwt.getClaimAsString("scope")).isEqualTo("account:read account:write");
        }
    }

    private String get(String url) throws Exception {
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).isEqualTo(200);
        return answer.body();
    }

    @Test
    void aMissingSigningKeyStopsTheStartWithAClearMessage(CapturedOutput output) throws Exception {
        TestSecrets secrets = TestSecrets.writeTo(dir);
        Files.delete(secrets.keyFile());
        assertThatThrownBy(() -> start(secrets.properties()).close())
                .hasRootCauseInstanceOf(java.nio.file.NoSuchFileException.class);
        assertThat(output).contains("APPLICATION FAILED TO START")
                .contains("the signing key (goblog.auth.signing-key-file) " + secrets.keyFile()
                        + " cannot be used: no such file")
                .contains("deploy/make-secrets.sh");
    }

    @Test
    void aMissingClientSecretStopsTheStartWithAClearMessage(CapturedOutput output) throws Exception {
        TestSecrets secrets = TestSecrets.writeTo(dir);
        Path secretFile = dir.resolve("auth_client_secret_" + TestSecrets.READER);
        Files.delete(secretFile);
        assertThatThrownBy(() -> start(secrets.properties()).close()).isNotNull();
        assertThat(output).contains("APPLICATION FAILED TO START")
                .contains("the secret of client goblog-reader " + secretFile + " cannot be used: no such file");
    }

    @Test
    void aKeyThatIsNotPkcs8PemStopsTheStart(CapturedOutput output) throws Exception {
        TestSecrets secrets = TestSecrets.writeTo(dir);
        Files.writeString(secrets.keyFile(), "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");
        assertThatThrownBy(() -> start(secrets.properties()).close()).isNotNull();
        assertThat(output).contains("APPLICATION FAILED TO START")
                .contains("not an RSA private key in PKCS#8 PEM");
    }
}
