package goblog.authserver;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code goblog.auth.*}: who may ask for tokens, what the tokens say, and where the secrets are.
 * Every secret is a file (a Docker secret on Swarm, {@code .secrets/} locally); the server refuses
 * to start when one is missing, empty or malformed ({@link SecretFileException}).
 *
 * @param issuer         the {@code iss} of every token and the issuer of the metadata (RFC 8414):
 *                       one fixed URL that every validator compares exactly
 * @param audience       the {@code aud} of every access token (RFC 9068 §2.2), the API the
 *                       tokens are for
 * @param accessTokenTtl lifetime of an access token ({@code exp - iat}); default 5 minutes
 * @param signingKeyFile the RSA private key that signs tokens, PKCS#8 PEM
 *                       ({@code -----BEGIN PRIVATE KEY-----}), at least 2048 bits (RFC 7518 §3.3)
 * @param retiredKeyFiles earlier signing keys (same format) whose public halves the JWKS keeps
 *                       serving, so tokens they signed stay valid until they expire; never used to
 *                       sign. Empty by default
 * @param clients        the registered clients (client credentials grant)
 */
@Validated
@ConfigurationProperties("goblog.auth")
public record AuthServerProperties(
        @NotBlank String issuer,
        @NotBlank String audience,
        @DefaultValue("5m") Duration accessTokenTtl,
        @NotNull Path signingKeyFile,
        @DefaultValue List<Path> retiredKeyFiles,
        @NotEmpty List<@Valid Client> clients) {

    public AuthServerProperties {
        if (accessTokenTtl.isNegative() || accessTokenTtl.isZero()) {
            throw new IllegalArgumentException(
                    "goblog.auth.access-token-ttl must be positive, got " + accessTokenTtl);
        }
    }

    /**
     * One registered client.
     *
     * @param id         the {@code client_id}, also the {@code sub} of its tokens
     * @param secretFile file holding the client secret (surrounding whitespace is ignored)
     * @param scopes     the scopes it may ask for (RFC 6749 §3.3); a token has the ones asked for
     */
    public record Client(@NotBlank String id, @NotNull Path secretFile, @NotEmpty Set<String> scopes) {
    }
}
