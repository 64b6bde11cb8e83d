package goblog;

import io.gatling.javaapi.http.HttpProtocolBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The access token of a run (issue 11: the edge and the Go services check one): read once from
 * the file the system property {@code tokenFile} names (loadtest/run.sh fetches it by the client
 * credentials grant through the edge), sent as {@code Authorization: Bearer} on every request. The
 * token lives 5 minutes (the auth-server's goblog.auth.access-token-ttl): a longer run needs a
 * longer lifetime there.
 */
final class AccessToken {

  private AccessToken() {}

  /** The protocol with the run's token on every request, or unchanged when there is none. */
  static HttpProtocolBuilder authorize(HttpProtocolBuilder protocol) {
    String file = System.getProperty("tokenFile", "");
    if (file.isEmpty()) {
      return protocol;
    }
    try {
      String token = Files.readString(Path.of(file), StandardCharsets.US_ASCII).trim();
      return protocol.authorizationHeader("Bearer " + token);
    } catch (IOException e) {
      throw new UncheckedIOException("reading the access token (tokenFile) " + file, e);
    }
  }
}
