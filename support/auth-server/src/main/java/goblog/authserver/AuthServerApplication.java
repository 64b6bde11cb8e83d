package goblog.authserver;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * The landscape's OAuth 2.0 authorization server: the client credentials grant (RFC 6749 §4.4)
 * for the clients of {@link AuthServerProperties}, RS256 JWT access tokens (RFC 9068) signed
 * with the key of {@code goblog.auth.signing-key-file}, the public keys at {@code /oauth2/jwks}
 * (RFC 7517). See README.md.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class AuthServerApplication {

    public static void main(String[] args) {
        SpringApplication.run(AuthServerApplication.class, args);
    }
}
