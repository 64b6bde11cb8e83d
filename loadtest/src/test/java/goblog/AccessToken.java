package goblog;

import io.gatling.javaapi.http.HttpProtocolBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;

/**
 * The access token of a run (issue 11: the edge and the Go services check one), from the file the
 * system property {@code tokenFile} names, sent as {@code Authorization: Bearer} on every request.
 * loadtest/run.sh fetches it by the client credentials grant through the edge and replaces the
 * file with a fresh token every few minutes (tokens live 5 minutes: the auth-server's
 * goblog.auth.access-token-ttl); the file's modification time is looked at once a second at most,
 * and the token read again when it changed, so a run may last longer than one token.
 */
final class AccessToken {

  private static final long RECHECK_NANOS = 1_000_000_000L;

  private final Path file;
  private String token;
  private FileTime modified;
  private long checkedAt;

  private AccessToken(Path file) {
    this.file = file;
  }

  /** The protocol with the run's token on every request, or unchanged when there is none. */
  static HttpProtocolBuilder authorize(HttpProtocolBuilder protocol) {
    String name = System.getProperty("tokenFile", "");
    if (name.isEmpty()) {
      return protocol;
    }
    AccessToken token = new AccessToken(Path.of(name));
    token.current(); // an unreadable file fails the run before any request
    return protocol.authorizationHeader(session -> "Bearer " + token.current());
  }

  /**
   * The token in the file, read again when its modification time changed (checked at most once a
   * second). A failed re-read keeps the token read before; a failed first read throws.
   */
  synchronized String current() {
    long now = System.nanoTime();
    if (token != null && now - checkedAt < RECHECK_NANOS) {
      return token;
    }
    checkedAt = now;
    try {
      FileTime seen = Files.getLastModifiedTime(file);
      if (token == null || !seen.equals(modified)) {
        token = Files.readString(file, StandardCharsets.US_ASCII).trim();
        modified = seen;
      }
    } catch (IOException e) {
      if (token == null) {
        throw new UncheckedIOException("reading the access token (tokenFile) " + file, e);
      }
    }
    return token;
  }
}
