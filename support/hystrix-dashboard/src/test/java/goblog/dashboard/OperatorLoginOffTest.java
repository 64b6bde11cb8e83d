package goblog.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpStatus;
import org.springframework.test.annotation.DirtiesContext;

/**
 * With no hash file configured (the local process landscape) the dashboard is open; a hash file
 * that is configured but missing or not bcrypt stops the start with a message naming it.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"spring.main.banner-mode=off", "logging.level.root=WARN"})
@DirtiesContext
class OperatorLoginOffTest {

    @Autowired
    private TestRestTemplate rest;

    @Test
    void withoutAHashFileTheDashboardIsOpen() {
        assertThat(rest.getForEntity("/hystrix", String.class).getStatusCode()).isEqualTo(HttpStatus.OK);
    }

    @Test
    void aMissingHashFileIsAnErrorNamingIt(@TempDir Path dir) {
        Path missing = dir.resolve("operator_password_hash");
        assertThatThrownBy(() -> OperatorSecurityConfiguration.readHash(missing))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(missing.toString())
                .hasMessageContaining("make-secrets.sh");
    }

    @Test
    void aHashFileWithoutABcryptHashIsAnError(@TempDir Path dir) throws IOException {
        Path plain = Files.writeString(dir.resolve("operator_password_hash"), "my-password\n");
        assertThatThrownBy(() -> OperatorSecurityConfiguration.readHash(plain))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("does not hold a bcrypt hash");
    }

    @Test
    void theHashOnTheFirstLineIsRead(@TempDir Path dir) throws IOException {
        String hash = "$2y$10$" + "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0";
        Path file = Files.writeString(dir.resolve("operator_password_hash"), hash + "\n");
        assertThat(OperatorSecurityConfiguration.readHash(file)).isEqualTo(hash);
    }
}
