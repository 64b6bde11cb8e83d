package goblog.authserver;

import java.nio.file.Path;

/**
 * A secret the server needs at start (the signing key, a client secret) is missing, unreadable,
 * empty or malformed. {@link SecretFileFailureAnalyzer} turns it into Spring Boot's "APPLICATION
 * FAILED TO START" report, naming the file and how to make it.
 */
public class SecretFileException extends RuntimeException {

    private final String what;
    private final Path file;

    /**
     * @param what   what the file should hold, e.g. "the signing key"
     * @param file   the configured path
     * @param reason why it cannot be used, e.g. "no such file"
     * @param cause  the underlying error, may be null
     */
    public SecretFileException(String what, Path file, String reason, Throwable cause) {
        super(what + " " + file + " cannot be used: " + reason, cause);
        this.what = what;
        this.file = file;
    }

    public String what() {
        return what;
    }

    public Path file() {
        return file;
    }
}
