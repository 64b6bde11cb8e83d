package goblog.authserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.httpBasic;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.web.servlet.AutoConfigureMockMvc;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.ResultActions;

/** What a client of the token endpoint sees: the tokens, the JWKS, the errors. */
@SpringBootTest
@AutoConfigureMockMvc
class TokenEndpointTest {

    @TempDir
    static Path dir;
    static TestSecrets secrets;

    @DynamicPropertySource
    static void secretFiles(DynamicPropertyRegistry registry) throws Exception {
        secrets = TestSecrets.writeTo(dir);
        secrets.properties().forEach((key, value) -> registry.add(key, () -> value));
    }

    @Autowired
    MockMvc mvc;

    private final ObjectMapper json = new ObjectMapper();

    private ResultActions token(String client, String secret, String scope) throws Exception {
        return mvc.perform(post("/oauth2/token")
                .with(httpBasic(client, secret))
                .contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .param("grant_type", "client_credentials")
                .param("scope", scope));
    }

    private JWKSet jwks() throws Exception {
        String body = mvc.perform(get("/oauth2/jwks")).andExpect(status().isOk())
                .andReturn().getResponse().getContentAsString();
        return JWKSet.parse(body);
    }

    @Test
    void machineClientGetsAnRs256TokenWithBothScopesVerifiableWithTheJwks() throws Exception {
        String body = token(TestSecrets.MACHINE, secrets.machineSecret, "account:read account:write")
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.token_type").value("Bearer"))
                .andExpect(jsonPath("$.scope").value("account:read account:write"))
                .andReturn().getResponse().getContentAsString();
        JsonNode answer = json.readTree(body);
        assertThat(answer.get("expires_in").asLong()).isBetween(118L, 120L);

        SignedJWT jwt = SignedJWT.parse(answer.get("access_token").asText());
        assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.RS256);
        String kid = jwt.getHeader().getKeyID();
        // The kid is the RFC 7638 thumbprint of the key in the file: stable across restarts.
        assertThat(kid).isEqualTo(new RSAKey.Builder(secrets.publicKey()).build().computeThumbprint().toString());

        RSAKey published = jwks().getKeyByKeyId(kid).toRSAKey();
        assertThat(published.isPrivate()).as("the JWKS must not leak the private key").isFalse();
        assertThat(jwt.verify(new RSASSAVerifier(published))).isTrue();

        JWTClaimsSet claims = jwt.getJWTClaimsSet();
        assertThat(claims.getIssuer()).isEqualTo("https://issuer.test");
        assertThat(claims.getAudience()).containsExactly("goblog");
        assertThat(claims.getSubject()).isEqualTo(TestSecrets.MACHINE);
        assertThat(claims.getStringClaim("client_id")).isEqualTo(TestSecrets.MACHINE);
        assertThat(claims.getStringClaim("scope")).isEqualTo("account:read account:write");
        assertThat(Duration.between(claims.getIssueTime().toInstant(), claims.getExpirationTime().toInstant()))
                .isEqualTo(Duration.ofMinutes(2));
        assertThat(claims.getNotBeforeTime()).isNotNull();
        assertThat(claims.getJWTID()).isNotBlank();
    }

    @Test
    void secretsSentAsFormParametersWorkToo() throws Exception {
        mvc.perform(post("/oauth2/token")
                        .contentType(MediaType.APPLICATION_FORM_URLENCODED)
                        .param("grant_type", "client_credentials")
                        .param("client_id", TestSecrets.READER)
                        .param("client_secret", secrets.readerSecret)
                        .param("scope", "account:read"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.scope").value("account:read"));
    }

    @Test
    void aWrongSecretIs401InvalidClient() throws Exception {
        token(TestSecrets.MACHINE, secrets.machineSecret + "x", "account:read")
                .andExpect(status().isUnauthorized())
                .andExpect(jsonPath("$.error").value("invalid_client"));
        token("nobody", secrets.machineSecret, "account:read")
                .andExpect(status().isUnauthorized())
                .andExpect(jsonPath("$.error").value("invalid_client"));
    }

    @Test
    void noClientCredentialsIs401() throws Exception {
        mvc.perform(post("/oauth2/token")
                        .contentType(MediaType.APPLICATION_FORM_URLENCODED)
                        .param("grant_type", "client_credentials"))
                .andExpect(status().isUnauthorized());
    }

    @Test
    void theReadOnlyClientCannotGetAccountWrite() throws Exception {
        token(TestSecrets.READER, secrets.readerSecret, "account:read account:write")
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.error").value("invalid_scope"));
        token(TestSecrets.READER, secrets.readerSecret, "account:write")
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.error").value("invalid_scope"));
        String body = token(TestSecrets.READER, secrets.readerSecret, "account:read")
                .andExpect(status().isOk())
                .andReturn().getResponse().getContentAsString();
        SignedJWT jwt = SignedJWT.parse(json.readTree(body).get("access_token").asText());
        assertThat(jwt.getJWTClaimsSet().getStringClaim("scope")).isEqualTo("account:read");
    }

    @Test
    void noScopeAskedNoScopeGranted() throws Exception {
        String body = mvc.perform(post("/oauth2/token")
                        .with(httpBasic(TestSecrets.MACHINE, secrets.machineSecret))
                        .contentType(MediaType.APPLICATION_FORM_URLENCODED)
                        .param("grant_type", "client_credentials"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.scope").doesNotExist())
                .andReturn().getResponse().getContentAsString();
        SignedJWT jwt = SignedJWT.parse(json.readTree(body).get("access_token").asText());
        assertThat(jwt.getJWTClaimsSet().getClaim("scope")).isNull();
    }

    @Test
    void otherGrantTypesAreRefused() throws Exception {
        mvc.perform(post("/oauth2/token")
                        .with(httpBasic(TestSecrets.MACHINE, secrets.machineSecret))
                        .contentType(MediaType.APPLICATION_FORM_URLENCODED)
                        .param("grant_type", "password")
                        .param("username", "u").param("password", "p"))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.error").value("unsupported_grant_type"));
    }

    @Test
    void theMetadataNamesTheIssuerAndOnlyWhatIsServed() throws Exception {
        mvc.perform(get(AuthServerConfig.METADATA_PATH))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.issuer").value("https://issuer.test"))
                .andExpect(jsonPath("$.token_endpoint").value("https://issuer.test/oauth2/token"))
                .andExpect(jsonPath("$.jwks_uri").value("https://issuer.test/oauth2/jwks"))
                .andExpect(jsonPath("$.grant_types_supported", contains("client_credentials")))
                .andExpect(jsonPath("$.token_endpoint_auth_methods_supported",
                        contains("client_secret_basic", "client_secret_post")))
                .andExpect(jsonPath("$.introspection_endpoint").doesNotExist())
                .andExpect(jsonPath("$.revocation_endpoint").doesNotExist());
    }

    @Test
    void healthIsOpenAndEverythingElseIs404() throws Exception {
        mvc.perform(get("/actuator/health")).andExpect(status().isOk())
                .andExpect(jsonPath("$.status").value("UP"));
        mvc.perform(get("/actuator/env")).andExpect(status().isNotFound());
        mvc.perform(get("/nothing/here")).andExpect(status().isNotFound());
        mvc.perform(post("/oauth2/introspect")
                        .with(httpBasic(TestSecrets.MACHINE, secrets.machineSecret))
                        .param("token", "x"))
                .andExpect(status().isNotFound());
        mvc.perform(post("/oauth2/revoke")
                        .with(httpBasic(TestSecrets.MACHINE, secrets.machineSecret))
                        .param("token", "x"))
                .andExpect(status().isNotFound());
        mvc.perform(get("/oauth2/authorize").param("client_id", TestSecrets.MACHINE)
                        .param("response_type", "code"))
                .andExpect(status().isNotFound());
    }
}
