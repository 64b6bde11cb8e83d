package goblog.authserver;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.interfaces.RSAPublicKey;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The secret files of one deployment, made in a test's directory the way deploy/make-secrets.sh
 * makes them: an RSA key in PKCS#8 PEM and one secret file per client.
 */
final class TestSecrets {

    static final String MACHINE = "goblog-machine";
    static final String READER = "goblog-reader";

    final Path dir;
    final KeyPair keyPair;
    final String machineSecret = "machine-secret-" + System.nanoTime();
    final String readerSecret = "reader-secret-" + System.nanoTime();

    private TestSecrets(Path dir, KeyPair keyPair) {
        this.dir = dir;
        this.keyPair = keyPair;
    }

    static TestSecrets writeTo(Path dir) throws IOException {
        TestSecrets secrets = new TestSecrets(dir, newKeyPair());
        Files.writeString(secrets.keyFile(), pem(secrets.keyPair), StandardCharsets.US_ASCII);
        // make-secrets.sh writes no newline; an operator's editor would: both are fine.
        Files.writeString(dir.resolve("auth_client_secret_" + MACHINE), secrets.machineSecret);
        Files.writeString(dir.resolve("auth_client_secret_" + READER), secrets.readerSecret + "\n");
        return secrets;
    }

    Path keyFile() {
        return dir.resolve("auth_signing_key.pem");
    }

    RSAPublicKey publicKey() {
        return (RSAPublicKey) keyPair.getPublic();
    }

    /** The properties of a server on these files, as --key=value arguments. */
    Map<String, Object> properties() {
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("goblog.auth.secrets-dir", dir.toString());
        props.put("goblog.auth.issuer", "https://issuer.test");
        props.put("goblog.auth.access-token-ttl", "2m");
        return props;
    }

    static KeyPair newKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** PKCS#8 PEM, as `openssl genpkey -algorithm RSA` writes it. */
    static String pem(KeyPair keyPair) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(keyPair.getPrivate().getEncoded());
        return "-----BEGIN PRIVATE KEY-----\n" + body + "\n-----END PRIVATE KEY-----\n";
    }
}
