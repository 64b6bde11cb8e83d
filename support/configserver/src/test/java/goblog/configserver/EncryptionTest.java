package goblog.configserver;

import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.web.servlet.AutoConfigureMockMvc;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.MediaType;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.MockMvc;

/**
 * The config server with a key from the environment: /encrypt and /decrypt
 * round-trip, {cipher} values are served decrypted, and malformed input is a
 * 4xx. Native backend on a temporary directory; the bus is off (no broker).
 */
@SpringBootTest(properties = {
        "encrypt.key=test-only-key-0123456789abcdef",
        "spring.cloud.bus.enabled=false",
        "management.health.rabbit.enabled=false",
        "spring.main.banner-mode=off", "logging.level.root=WARN",
        "logging.level.goblog=ERROR", "logging.level.org.springframework.cloud.config.server.encryption=OFF"})
@AutoConfigureMockMvc
@ActiveProfiles("native")
class EncryptionTest {

    private static final String SECRET = "amqp://goblog:pw@localhost:5672/goblog";

    @TempDir
    static Path repo;

    @Autowired
    private MockMvc mvc;

    @DynamicPropertySource
    static void repository(DynamicPropertyRegistry registry) {
        registry.add("spring.cloud.config.server.native.search-locations", () -> repo.toUri().toString());
    }

    @Test
    void encryptThenDecryptRoundTrips() throws Exception {
        String cipher = encrypt(SECRET);
        String plain = mvc.perform(post("/decrypt").contentType(MediaType.TEXT_PLAIN).content(cipher))
                .andExpect(status().isOk())
                .andReturn().getResponse().getContentAsString();
        assertEquals(SECRET, plain);
    }

    @Test
    void cipherValuesAreServedDecrypted() throws Exception {
        write("application-dev.yml", "amqp_server_url: '{cipher}" + encrypt(SECRET) + "'\n");
        write("accountservice-dev.yml", "server_port: 6767\n");
        mvc.perform(get("/accountservice/dev"))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.propertySources[0].name", startsWith("file:")))
                .andExpect(jsonPath("$.propertySources[1].source.amqp_server_url").value(SECRET));
    }

    @ParameterizedTest
    @ValueSource(strings = {"0011", "00", "abc", "notacipher", "{cipher}zz", "{key:nokey}0011"})
    void malformedCipherTextIsABadRequest(String input) throws Exception {
        mvc.perform(post("/decrypt").contentType(MediaType.TEXT_PLAIN).content(input))
                .andExpect(status().isBadRequest());
    }

    @Test
    void emptyEncryptBodyIsABadRequest() throws Exception {
        mvc.perform(post("/encrypt").contentType(MediaType.TEXT_PLAIN).content(""))
                .andExpect(status().isBadRequest());
    }

    @Test
    void undecodableFormBodyIsABadRequest() throws Exception {
        mvc.perform(post("/encrypt").contentType(MediaType.APPLICATION_FORM_URLENCODED).content("%%%="))
                .andExpect(status().is4xxClientError());
    }

    private String encrypt(String plain) throws Exception {
        return mvc.perform(post("/encrypt").contentType(MediaType.TEXT_PLAIN).content(plain))
                .andExpect(status().isOk())
                .andReturn().getResponse().getContentAsString();
    }

    private static void write(String name, String content) throws IOException {
        Files.writeString(repo.resolve(name), content);
    }
}
