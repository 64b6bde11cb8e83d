package goblog.authserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.JWK;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Key files: a stable kid, rotation through retired keys, and the files that are refused. */
class SigningKeysTest {

    @TempDir
    Path dir;

    private Path keyFile(String name) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, TestSecrets.pem(TestSecrets.newKeyPair()));
        return file;
    }

    @Test
    void theKidDependsOnTheKeyAlone() throws Exception {
        Path file = keyFile("a.pem");
        Path copy = Files.copy(file, dir.resolve("copy.pem"));
        String kid = SigningKeys.load(file, List.of()).active().getKeyID();
        assertThat(SigningKeys.load(copy, List.of()).active().getKeyID()).isEqualTo(kid);
        assertThat(SigningKeys.load(keyFile("b.pem"), List.of()).active().getKeyID()).isNotEqualTo(kid);
    }

    @Test
    void afterARotationTheJwksServesTheNewKeyFirstAndTheOldOnePublicOnly() throws Exception {
        Path old = keyFile("old.pem");
        Path current = keyFile("new.pem");
        String oldKid = SigningKeys.load(old, List.of()).active().getKeyID();

        SigningKeys rotated = SigningKeys.load(current, List.of(old, current));
        List<JWK> published = rotated.published();
        assertThat(published).extracting(JWK::getKeyID)
                .containsExactly(rotated.active().getKeyID(), oldKid);
        assertThat(published.get(1).isPrivate()).isFalse();
    }

    @Test
    void aShortKeyIsRefused() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(1024);
        Path file = dir.resolve("short.pem");
        Files.writeString(file, TestSecrets.pem(generator.generateKeyPair()));
        assertThatThrownBy(() -> SigningKeys.load(file, List.of()))
                .isInstanceOf(SecretFileException.class)
                .hasMessageContaining("1024 bits, RS256 needs at least 2048");
    }

    @Test
    void aMissingRetiredKeyIsRefusedToo() throws Exception {
        Path gone = dir.resolve("gone.pem");
        assertThatThrownBy(() -> SigningKeys.load(keyFile("a.pem"), List.of(gone)))
                .isInstanceOf(SecretFileException.class)
                .hasMessage("a retired signing key (goblog.auth.retired-key-files) " + gone
                        + " cannot be used: no such file");
    }
}
